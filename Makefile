# SPDX-License-Identifier: GPL-2.0
#
# rinotify: inotify as a Rust loadable module. `make help` lists the targets.

KVER ?= 7.3
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/rinotify
FLAVOUR ?= debug
BINDGEN ?= $(CACHE)/bindgen/bin/bindgen
OUT ?= $(CURDIR)/out
# The guest's part of make check, the bindings' client tests included, ran about 45 minutes on
# a host of 2 cores busy with a second QEMU (2026-12-06): room for that, and slower hosts.
QEMU_TIMEOUT ?= 3600
QEMU_ACCEL ?= tcg
# make bench: TCG with instruction counting (guest time is instructions executed, whatever the
# host's load), tcg for host time, kvm where the host has it.
BENCH_ACCEL ?= icount
# make bench's second boot, with the vCPUs running at the same time (plain TCG, or KVM), for
# the workloads that time two CPUs at once: rinobench's arguments there, empty for none.
# With BENCH_ARGS given (a subset), the second boot runs only if this is given too.
BENCH_PARALLEL_ARGS ?= $(if $(BENCH_ARGS),,-w 8)
# Extra RIT_NAME=value variables for the guest's /init and tests.
VM_ENV ?=
# make check boots again with each of these RAM sizes (mem=) for the tests of what depends
# on the memory size: max_user_watches's default, inotify's, which it sizes by memory.
MEM_BOOTS ?= 3G 5G
MEM_TESTS := module_test:defaults_are_inotifys_at_load
# make check boots once more with SELinux active, where the kernel has it, for the test that
# the module refuses to load there.
SELINUX_TESTS := module_test:loads_only_where_selinux_is_not_active
# Length of `make stress` and `make fuzz`, in seconds.
SECONDS ?= 60
export KVER
export RINOTIFY_CACHE := $(CACHE)

# The toolchain the kernel was built with: Debian's rustc for RUSTC and HOSTRUSTC (the
# proc-macro crates are built by one and loaded by the other), LLVM 22 to match it.
KBUILD_ARGS = LLVM=-22 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc BINDGEN=$(BINDGEN)
# make lint's clippy: Debian's, the same release as that rustc, so it reads the kernel
# crate's metadata (rustup's clippy-driver, if first on PATH, is another compiler's).
CLIPPY_DRIVER ?= /usr/bin/clippy-driver

# KERNEL=debug: the project's own kernel of FLAVOUR (the debug one unless a target such as
# bench says otherwise). KERNEL=debian: Debian's own linux-image (scripts/debian-kernel.sh),
# unchanged, with the module built in a trixie root by Debian's compilers
# (scripts/debian-build.sh). KDIR=<a Rust-enabled 7.3 build tree> skips both.
KERNEL ?= debug
ifeq ($(filter debug debian,$(KERNEL)),)
$(error KERNEL must be debug (the project's kernel, FLAVOUR=$(FLAVOUR)) or debian, not '$(KERNEL)')
endif
ifneq ($(origin KDIR),undefined)
KBUILD_DIR = $(KDIR)
KSRC = $$(if [ -d "$(KDIR)/source" ]; then readlink -f "$(KDIR)/source"; else echo "$(KDIR)"; fi)
MODULE_DIR = kdir
KMAKE = $(MAKE) -C "$$kdir"
else ifeq ($(KERNEL),debian)
KBUILD_DIR = $$(scripts/debian-build.sh)
KSRC = $$(scripts/kernel-source.sh)
MODULE_DIR = debian
# make -C the tree, run in the trixie root, where $(OUT) must be seen too.
KMAKE = DEBIAN_ROOT_BIND=$(OUT) scripts/debian-build.sh make
KBUILD_ARGS =
# Debian's clippy of that rustc's release, in the root.
CLIPPY_DRIVER = clippy-driver
# Debian's vmlinuz, and its modules for virtio-9p.
VM_KERNEL = IMAGE=$$(scripts/debian-kernel.sh)/vmlinuz \
	MODDIR=$$(d=$$(scripts/debian-kernel.sh) && echo "$$d/pkg/usr/lib/modules/$$(cat "$$d/.rinotify-release")")
else
KBUILD_DIR = $$(scripts/kernel-build.sh $(FLAVOUR))
# The kernel's source tree, for checkpatch.pl: fetched, not built.
KSRC = $$(scripts/kernel-source.sh)
MODULE_DIR = $(FLAVOUR)
KMAKE = $(MAKE) -C "$$kdir"
endif

LINTS = clippy shellcheck checkpatch rustfmt cargo

.PHONY: all module deps kernel selftests tools check fuzz stress run bench insn-profile help clean fmt lint \
	$(addprefix lint-,$(LINTS)) FORCE

all: module

help:
	@echo 'rinotify targets:'
	@echo '  make              build out/module/FLAVOUR/rinotify.ko (KDIR=..: out/module/kdir/)'
	@echo '  make deps         install the Debian packages and bindgen this needs (idempotent)'
	@echo '  make kernel       fetch linux-source-$(KVER) and build the test kernel (FLAVOUR=debug|perf|perf-inline)'
	@echo '  make selftests    build the static C selftests (64- and 32-bit)'
	@echo '  make tools        build tools/: rinotifywait, librinotify.so (LD_PRELOAD), the errno probe'
	@echo '  make python       out/python: a venv with bindings/python, watchdog and pytest (pinned by hash)'
	@echo '  make check-python the Python package'"'"'s tests that need no module (make check runs them)'
	@echo '  make check        boot the debug kernel in QEMU, run every test, report N passed, N failed'
	@echo '                    T=<prog>[:<test>] runs a subset; EXTRA_TESTS=<dir> adds your own TAP programs'
	@echo '  make fuzz         the fuzzer alone (selftests/fuzz_test.c, 64- and 32-bit), judged as make check:'
	@echo '                    SECONDS=<total, default 60> SEED=<n, default: the time>'
	@echo '  make stress       the stress test alone for SECONDS (default 60) in the debug kernel'
	@echo '  make run          boot the test kernel with the module loaded and show it working'
	@echo '                    (interactive shell when stdin is a terminal); the kernel'"'"'s messages'
	@echo '                    and KUnit'"'"'s results go to out/console.log'
	@echo '  make bench        boot the perf kernel, benchmark rinotify against native inotify,'
	@echo '                    write bench/results.csv and bench/results.png (BENCH_ARGS=-r 7 -w 1,3)'
	@echo '  make insn-profile count the kernel'"'"'s instructions per function in the timed parts'
	@echo '                    of BENCH_ARGS'"'"'s workloads (-r 1 -w 3), native beside rinotify'
	@echo '  make lint         clippy (the module built with CLIPPY=1), shellcheck, checkpatch.pl --strict'
	@echo '                    on the C sources, rustfmt --check; make check runs it first'
	@echo '  make fmt          format the Rust sources (rustfmt, the kernel tree'"'"'s .rustfmt.toml)'
	@echo '  make clean        remove build products (the kernel cache in $(CACHE) stays)'
	@echo 'KERNEL=debian: make, make check and make run on Debian'"'"'s own linux-image-7.3 (KERNEL=debug,'
	@echo '  the default, is the project'"'"'s kernel of FLAVOUR)'
	@echo 'Variables: KERNEL, KDIR, CACHE, FLAVOUR, QEMU_TIMEOUT (s), QEMU_ACCEL=tcg|kvm,'
	@echo '  BENCH_ACCEL=icount|tcg|kvm, BENCH_PARALLEL_ARGS, SECONDS, VM_ENV'

deps:
	@scripts/deps.sh

kernel: deps
	@scripts/kernel-build.sh $(FLAVOUR) >/dev/null

# Built out of the source tree (MO=), one directory per kernel flavour (out/module/debian for
# Debian's), so that switching between make check and make bench rebuilds nothing and
# generated files stay out of rust/.
MODULE_OUT = $(OUT)/module/$(MODULE_DIR)
RINOTIFY_KO = $(MODULE_OUT)/rinotify.ko

module: $(if $(filter undefined,$(origin KDIR)),deps)
	@mkdir -p $(MODULE_OUT)
	@scripts/kernel-copies.sh "$(KSRC)"
	@kdir=$(KBUILD_DIR) && $(KMAKE) M=$(CURDIR) MO=$(MODULE_OUT) $(KBUILD_ARGS) modules
	$(if $(filter debian,$(MODULE_DIR)),@scripts/debian-build.sh check $(RINOTIFY_KO))

# The user-space helpers of the selftests, tools/ and bench/ (selftests/lib/), a static
# archive that selftests/Makefile builds without the kernel source; the sub-make decides
# whether it is up to date.
HELPERS = $(OUT)/selftests/obj64/libhelpers.a
HELPERS_CFLAGS = -Iinclude/uapi -iquote selftests/lib
HELPERS_HEADERS = $(wildcard selftests/lib/*.h) include/uapi/linux/rinotify.h

$(HELPERS): FORCE
	@$(MAKE) -s -C selftests lib OUT=$(OUT)/selftests BITS=64

selftests: $(if $(filter undefined,$(origin KDIR)),deps) $(HELPERS)
	@kdir=$(KBUILD_DIR) && ksrc=$$( [ -d "$$kdir/source" ] && readlink -f "$$kdir/source" || echo "$$kdir") && \
	$(MAKE) -s -C selftests KSRC="$$ksrc" OUT=$(OUT)/selftests BITS=64 && \
	$(MAKE) -s -C selftests KSRC="$$ksrc" OUT=$(OUT)/selftests BITS=32

check: lint module selftests tools rust-test check-python
	@kdir=$(KBUILD_DIR) && scripts/vm.sh check "$$kdir" $(OUT) KO=$(RINOTIFY_KO) $(VM_KERNEL) \
		TESTS="$(T)" EXTRA_TESTS="$(EXTRA_TESTS)" TIMEOUT=$(QEMU_TIMEOUT) ACCEL=$(QEMU_ACCEL) ENV="$(VM_ENV)" \
		MEM_BOOTS="$(MEM_BOOTS)" MEM_TESTS=$(MEM_TESTS) SELINUX_TESTS=$(SELINUX_TESTS)

# --- Python: bindings/python --------------------------------------------------------------
# out/python: a venv with the package, and watchdog and pytest as requirements.lock pins them
# (by hash, from PyPI); watchdog's sdist (pinned the same way) unpacked, for its own tests;
# the package's tests of the module. The guest reaches it as /opt/rinotify/python
# (scripts/vm.sh) for clients_test. check-python runs the package's tests that need no module.
PYTHON ?= /usr/bin/python3
PY_OUT = $(OUT)/python
PY_DEPS = $(wildcard bindings/python/*.lock bindings/python/pyproject.toml bindings/python/src/rinotify/*) \
	bindings/python/tests/test_kernel.py

.PHONY: python check-python
python: $(PY_OUT)/.built

$(PY_OUT)/.built: $(PY_DEPS)
	@rm -rf $(PY_OUT) && mkdir -p $(PY_OUT)/tests
	$(PYTHON) -m venv $(PY_OUT)/venv
	$(PY_OUT)/venv/bin/pip install -q --require-hashes --only-binary :all: -r bindings/python/requirements.lock
	$(PY_OUT)/venv/bin/pip install -q --no-deps --no-build-isolation ./bindings/python
	$(PY_OUT)/venv/bin/pip download -q --require-hashes --no-deps --no-binary :all: --no-build-isolation \
		-d $(PY_OUT)/sdist -r bindings/python/watchdog-sdist.lock
	@mkdir -p $(PY_OUT)/watchdog-src
	tar -xzf $(PY_OUT)/sdist/watchdog-*.tar.gz -C $(PY_OUT)/watchdog-src --strip-components=1
	cp bindings/python/tests/test_kernel.py $(PY_OUT)/tests/
	@touch $@

check-python: python
	cd bindings/python && PYTHONDONTWRITEBYTECODE=1 $(PY_OUT)/venv/bin/python -m pytest -p no:cacheprovider -q tests

# make fuzz SECONDS=N SEED=S: N seconds of fuzzing in all, half in the 64-bit program and half
# in the 32-bit one; the same seed gives the same call sequences.
SEED ?= $(shell date +%s)
FUZZ_SEED := $(SEED)

fuzz: lint-rustfmt module selftests
	@echo "fuzz: $(SECONDS) s, seed $(FUZZ_SEED) (make fuzz SECONDS=$(SECONDS) SEED=$(FUZZ_SEED) repeats it)"
	@kdir=$(KBUILD_DIR) && scripts/vm.sh check "$$kdir" $(OUT) KO=$(RINOTIFY_KO) $(VM_KERNEL) \
		TESTS=fuzz_test,fuzz_test_32 TIMEOUT=$$(($(SECONDS) * 2 + 600)) ACCEL=$(QEMU_ACCEL) \
		ENV="$(VM_ENV) RIT_FUZZ_SECONDS=$$((($(SECONDS) + 1) / 2)) RIT_FUZZ_SEED=$(FUZZ_SEED)"

# The stress test alone, SECONDS long (make check runs it for 10 s).
stress: lint-rustfmt module selftests
	@kdir=$(KBUILD_DIR) && scripts/vm.sh check "$$kdir" $(OUT) KO=$(RINOTIFY_KO) $(VM_KERNEL) \
		TESTS=stress_test TIMEOUT=$$(($(SECONDS) + $(QEMU_TIMEOUT))) \
		ACCEL=$(QEMU_ACCEL) ENV="RIT_STRESS_SECONDS=$(SECONDS) $(VM_ENV)"

tools: $(OUT)/tools/rinotifywait $(OUT)/lib/librinotify.so $(OUT)/clients/errno_probe \
	$(OUT)/clients/api_probe $(OUT)/clients/rinotify_compare

$(OUT)/tools/%: tools/%.c $(HELPERS) $(HELPERS_HEADERS)
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall -Werror $(HELPERS_CFLAGS) -o $@ $< $(HELPERS)

# The preload library and the errno probe are for the host's own dynamically linked
# programs, which the guest runs from the host's root file system. The library is built
# with the ABI wrappers of selftests/lib/ compiled into it (position-independent, hidden).
PRELOAD_SRCS = tools/preload/librinotify.c selftests/lib/rinotify_user.c
$(OUT)/lib/librinotify.so: $(PRELOAD_SRCS) $(HELPERS_HEADERS) tools/preload/rinotify.h
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -fvisibility=hidden -O2 -Wall -Werror $(HELPERS_CFLAGS) -o $@ \
		$(PRELOAD_SRCS) -ldl
	cp tools/preload/rinotify.h $(@D)/rinotify.h

$(OUT)/clients/errno_probe: selftests/clients/errno_probe.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Werror -o $@ $<

# Linked with the library as a program using its API is; found in /opt/rinotify/lib in the
# guest, where the clients run.
$(OUT)/clients/api_probe: selftests/clients/api_probe.c $(OUT)/lib/librinotify.so
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Werror -Iinclude/uapi -I$(OUT)/lib -o $@ $< -L$(OUT)/lib -lrinotify \
		-Wl,-rpath,/opt/rinotify/lib

# --- The Rust bindings, bindings/rust/ (a cargo workspace) -------------------------------
# Built with rustup's cargo (the crates need rustc 1.91; Debian's, for the module, is
# older), the crates of Cargo.lock fetched from crates.io the first time, offline after.
# rust-test runs the crate's unit tests and doc tests on the host (no kernel needed);
# compare, the program clients_test.sh runs in the guest, goes to out/clients/.
CARGO ?= $(or $(wildcard $(HOME)/.cargo/bin/cargo),cargo)
CARGO_ARGS = --locked --manifest-path bindings/rust/Cargo.toml --target-dir $(OUT)/cargo

.PHONY: rust-test
$(OUT)/clients/rinotify_compare: FORCE
	@mkdir -p $(@D)
	@$(CARGO) build -q --release $(CARGO_ARGS)
	@cp $(OUT)/cargo/release/compare $@

rust-test:
	@$(CARGO) test -q --all-features $(CARGO_ARGS)

lint-cargo:
	@if ! $(CARGO) fmt --all --manifest-path bindings/rust/Cargo.toml --check >&2; then \
		echo "lint: cargo: FAILED: bindings/rust is not formatted as above: cargo fmt in it" >&2; exit 1; \
	elif ! $(CARGO) clippy -q --all-targets --all-features $(CARGO_ARGS) -- -D warnings >&2; then \
		echo "lint: cargo: FAILED: fix clippy's warnings above in bindings/rust" >&2; exit 1; \
	else \
		echo "lint: cargo: bindings/rust is formatted and has no clippy warnings"; \
	fi

# The perf kernel, the module built against it, and rinobench; the results land in bench/
# (another flavour's, as FLAVOUR=perf-inline, in bench/FLAVOUR/).
bench: FLAVOUR = perf
bench: module $(OUT)/bench/rinobench
	@kdir=$(KBUILD_DIR) && scripts/vm.sh bench "$$kdir" $(OUT) KO=$(RINOTIFY_KO) $(VM_KERNEL) BENCH_ARGS="$(BENCH_ARGS)" \
		PARALLEL_ARGS="$(BENCH_PARALLEL_ARGS)" RESULTS=$(CURDIR)/bench$(if $(filter-out perf,$(FLAVOUR)),/$(FLAVOUR)) \
		FLAVOUR=$(FLAVOUR) TIMEOUT=$(QEMU_TIMEOUT) ACCEL=$(BENCH_ACCEL)

# The kernel's instructions per function in rinobench's timed parts (workload 3 by default),
# counted by the insncount QEMU plugin; report in out/insn-profile/report.txt.
insn-profile: FLAVOUR = perf
insn-profile: module $(OUT)/bench/rinobench $(OUT)/insncount/insncount.so
	@kdir=$(KBUILD_DIR) && scripts/insn-profile.sh "$$kdir" $(OUT) $(RINOTIFY_KO) \
		$(OUT)/insncount/insncount.so "$(or $(BENCH_ARGS),-r 1 -w 3)"

$(OUT)/insncount/insncount.so: tools/insncount/insncount.c tools/insncount/qemu-plugin-api.h
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -fvisibility=hidden -O2 -Wall -Werror -o $@ $<

$(OUT)/bench/rinobench: bench/rinobench.c $(HELPERS) $(HELPERS_HEADERS)
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall -Werror -D_GNU_SOURCE $(HELPERS_CFLAGS) -pthread -o $@ $< \
		$(HELPERS)

# CMD is handed over verbatim: neither make nor the shell expands its $ or quotes.
run: module tools
	@kdir=$(KBUILD_DIR) && scripts/vm.sh run "$$kdir" $(OUT) KO=$(RINOTIFY_KO) $(VM_KERNEL) \
		CMD='$(subst ','\'',$(value CMD))' TIMEOUT=$(QEMU_TIMEOUT) ACCEL=$(QEMU_ACCEL) ENV="$(VM_ENV)"

# rustfmt with the kernel's settings; the crate root pulls in every module.
RUSTFMT = rustfmt --edition 2021 --config newline_style=Unix rust/rinotify_main.rs

fmt:
	$(RUSTFMT)

# make lint runs every check, each of which prints one line saying what it checked (and, when
# it fails, what it found and how to fix it), and fails if any of them failed.
lint:
	@failed=; for l in $(LINTS); do $(MAKE) -s --no-print-directory lint-$$l || failed="$$failed $$l"; done; \
	if [ -n "$$failed" ]; then echo "make lint: failed:$$failed" >&2; exit 1; fi

# $(call need,TOOL): fail, saying so, if TOOL is not installed.
need = command -v $(1) >/dev/null || { echo "lint: $(1) is not installed (make deps installs it)" >&2; exit 1; }

# The module built with the kernel's CLIPPY=1 and every warning an error, in a directory of
# its own so that the build make check runs is left alone; the log keeps what clippy said.
CLIPPY_OUT = $(OUT)/module/clippy$(if $(filter debian,$(MODULE_DIR)),-debian)
lint-clippy: $(if $(filter undefined,$(origin KDIR)),deps)
	@$(if $(filter debian,$(MODULE_DIR)),:,$(call need,$(CLIPPY_DRIVER)))
	@mkdir -p $(CLIPPY_OUT)
	@kdir=$(KBUILD_DIR) && \
	if $(KMAKE) M=$(CURDIR) MO=$(CLIPPY_OUT) $(KBUILD_ARGS) CLIPPY=1 \
		CLIPPY_DRIVER=$(CLIPPY_DRIVER) KRUSTFLAGS=-Dwarnings modules >$(CLIPPY_OUT)/build.log 2>&1; then \
		echo "lint: clippy: rust/ has no warnings (built with CLIPPY=1 in $(CLIPPY_OUT))"; \
	else \
		grep -v '^make\|^  [A-Z]' $(CLIPPY_OUT)/build.log >&2; \
		echo "lint: clippy: FAILED: fix the warnings above, or justify each exception in place with" >&2; \
		echo "      #[expect(clippy::..., reason = \"...\")] (log: $(CLIPPY_OUT)/build.log)" >&2; \
		exit 1; \
	fi

SHELL_SOURCES = $(wildcard scripts/*.sh qemu/*.sh selftests/clients/*.sh) qemu/hostsh .ci/run

lint-shellcheck:
	@$(call need,shellcheck)
	@if shellcheck -f gcc $(SHELL_SOURCES) >&2; then \
		echo "lint: shellcheck: $(words $(SHELL_SOURCES)) shell scripts are clean"; \
	else \
		echo "lint: shellcheck: FAILED: fix what it reports above (a directive with its reason where it is wrong)" >&2; \
		exit 1; \
	fi

# checkpatch.pl of the kernel tree on the C sources, as on a patch to the kernel. The types it
# is not to report, if any, are listed in scripts/checkpatch.ignore: whitespace or commas
# between them, "#" to the end of a line a comment (say there why each is ignored).
C_SOURCES = $(sort $(shell find selftests bench tools rust -name '*.[ch]')) \
	include/uapi/linux/rinotify.h

lint-checkpatch:
	@$(call need,perl)
	@ksrc=$(KSRC) && ignore= && \
	if [ -f scripts/checkpatch.ignore ]; then \
		ignore=$$(awk '{ sub(/#.*/, ""); gsub(/,/, " "); for (i = 1; i <= NF; i++) \
			printf "%s%s", (n++ ? "," : ""), $$i }' scripts/checkpatch.ignore); \
	fi && \
	if "$$ksrc/scripts/checkpatch.pl" --strict --no-tree -f -q --terse --no-summary --show-types \
		$${ignore:+--ignore "$$ignore"} $(C_SOURCES) >&2; then \
		echo "lint: checkpatch: $(words $(C_SOURCES)) C sources are clean (--strict$${ignore:+, ignoring $$ignore})"; \
	else \
		echo "lint: checkpatch: FAILED: fix what it reports above, or add a type to scripts/checkpatch.ignore" >&2; \
		echo "      with the reason it does not apply" >&2; \
		exit 1; \
	fi

lint-rustfmt:
	@$(call need,rustfmt)
	@if $(RUSTFMT) --check >&2; then \
		echo "lint: rustfmt: rust/ is formatted"; \
	else \
		echo "lint: rustfmt: FAILED: the Rust sources are not formatted as above: run make fmt" >&2; \
		exit 1; \
	fi

clean:
	rm -rf $(OUT)
