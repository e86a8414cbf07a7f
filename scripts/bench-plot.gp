# SPDX-License-Identifier: GPL-2.0
# Plot make bench's results:
#   gnuplot -e "csv='results.csv'; png='results.png'; flavour='perf'; accel='icount'" bench-plot.gp
# Each metric is normalised to side A's median (native inotify; the module not loaded for
# the idle write): bars are medians, whiskers the min and max over the rounds.
set datafile separator comma
set datafile commentschars "#"
set datafile columnheaders
set terminal pngcairo size 1400,700 font "sans,11"
set output png
if (!exists("flavour")) flavour = "perf"
if (!exists("accel")) accel = "tcg"
clock = accel eq "icount" ? "QEMU TCG, time = instructions (-icount)" : "QEMU ".accel
set title sprintf("rinotify / native inotify (%s kernel, %s): median, min-max over rounds; lower is better", flavour, clock) noenhanced
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set boxwidth 0.9
set ylabel "cost relative to A's median"
set yrange [0:*]
set xtics rotate by -35 left noenhanced
set key top left
set rmargin 8
set bmargin 7
set grid ytics
set arrow from graph 0, first 1.05 to graph 1, first 1.05 nohead dt 2 lc rgb "red"
set label "1.05" at graph 1, first 1.05 offset 0.5,0 tc rgb "red"
plot csv using (1):($7/$6):($8/$6):xtic(1) title "A: native (7: module unloaded)" lc rgb "#4477aa", \
     '' using ($9/$6):($10/$6):($11/$6) title "B: rinotify (7: module loaded)" lc rgb "#ee6677", \
     '' using ($0 + 0.17):($11/$6):(sprintf("%.2f", $12)) with labels offset 0,0.8 notitle
