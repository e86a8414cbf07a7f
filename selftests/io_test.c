// SPDX-License-Identifier: GPL-2.0
/*
 * Differential scenarios: the instance file itself (creation flags, sharing, read sizes,
 * FIONREAD, SETNEXTWD, blocking and signals, EFAULT, poll/select/epoll, SIGIO, fdinfo).
 * Behaviour numbers refer to docs/behaviours.md.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <termios.h>

#include "scenario.h"

/* B1: IN_CLOEXEC gives FD_CLOEXEC, IN_NONBLOCK gives O_NONBLOCK, and nothing else. */
TEST_F(scenarios, b1_init_flags)
{
	static const int flags[] = { 0, IN_CLOEXEC, IN_NONBLOCK, IN_CLOEXEC | IN_NONBLOCK };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		int fd = t_init(flags[i]);

		ASSERT_LE(0, fd);
		EXPECT_EQ(flags[i] & IN_CLOEXEC ? FD_CLOEXEC : 0,
			  TS(fcntl(fd, F_GETFD) & FD_CLOEXEC));
		/* Not all of F_GETFL: a chardev also has O_LARGEFILE (V3). */
		EXPECT_EQ(O_RDONLY | (flags[i] & IN_NONBLOCK),
			  TS(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)));
		t_fdinfo(fd);
		EXPECT_EQ(0, t_close(fd));
	}
}

/* B2: any init flag other than IN_CLOEXEC|IN_NONBLOCK is EINVAL. */
TEST_F(scenarios, b2_init_bad_flags)
{
	static const int flags[] = { 1, O_RDWR, O_WRONLY, O_APPEND, O_CREAT,
				     IN_CLOEXEC | 1, IN_NONBLOCK | O_RDWR, INT_MIN };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++)
		EXPECT_ERR(EINVAL, t_init(flags[i]));
}

/* B5: a dup()ed fd keeps the instance (watches and queue) alive after close(). */
TEST_F(scenarios, b5_dup_keeps_instance)
{
	int fd = t_init(0), fd2;

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	MKFILE("a");
	fd2 = TS(dup(fd));
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, t_close(fd));
	MKFILE("b");
	EXPECT_Q(fd2, "1 CREATE a; 1 CREATE b");
	EXPECT_EQ(0, t_rm(fd2, 1));
	EXPECT_Q(fd2, "1 IGNORED");
	EXPECT_EQ(0, TS(close(fd2)));
}

/*
 * B5: close() with many events queued, then a new instance starts empty at wd 1.
 * The 500 files, each created, opened and closed under KASAN and TCG, took longer than the
 * harness's default 30 s on a loaded host, on either backend.
 */
TEST_F_TIMEOUT(scenarios, b5_close_with_queued_events, 120)
{
	char name[32];
	int fd = t_init(0), i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE | IN_OPEN | IN_CLOSE));
	for (i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ASSERT_EQ(0, write_file(name, 0));
	}
	EXPECT_EQ(500 * 3 * 32, t_fionread(fd));
	EXPECT_EQ(0, t_close(fd));
	fd = t_init(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, t_fionread(fd));
	EXPECT_EQ(1, t_add(fd, ".", IN_CREATE));
	MKFILE("g");
	EXPECT_Q(fd, "1 CREATE g");
	EXPECT_EQ(0, t_close(fd));
}

static int b7_child(void *arg)
{
	int fd = *(int *)arg;

	/* The queue is shared: this takes "a" away from the parent. */
	if (t_read(fd, 32) != 32 || strcmp(t_evstr(), "1 CREATE a"))
		return 1;
	/* So is the watch table. */
	if (t_add(fd, "sub", IN_CREATE) != 2)
		return 2;
	return 0;
}

/* B7: a forked child shares the instance: one queue, one set of watches. */
TEST_F(scenarios, b7_fork_shares_queue)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("sub", 0755)));
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	MKFILE("a");
	MKFILE("b");
	EXPECT_EQ(0, t_child(0, b7_child, &fd));
	EXPECT_Q(fd, "1 CREATE b");
	MKFILE("sub/x");
	EXPECT_Q(fd, "2 CREATE x");
	EXPECT_EQ(0, t_close(fd));
}

/* B9: write() is EBADF (read-only fd), mmap() is ENODEV. */
TEST_F(scenarios, b9_write_ebadf_mmap_enodev)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	EXPECT_ERR(EBADF, TS(write(fd, "x", 1)));
	EXPECT_ERR(ENODEV, TS(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0)));
	EXPECT_EQ(0, t_close(fd));
}

/* B10: lseek() returns 0 whatever it is asked (noop_llseek), pread() is ESPIPE. */
TEST_F(scenarios, b10_lseek_zero)
{
	char buf[64];
	int fd = t_init(IN_NONBLOCK);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, TS(lseek(fd, 100, SEEK_SET)));
	EXPECT_EQ(0, TS(lseek(fd, 5, SEEK_CUR)));
	EXPECT_EQ(0, TS(lseek(fd, 0, SEEK_END)));
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	MKFILE("a");
	EXPECT_ERR(ESPIPE, TS(pread(fd, buf, sizeof(buf), 0)));
	EXPECT_EQ(0, TS(lseek(fd, 1000, SEEK_SET)));
	EXPECT_Q(fd, "1 CREATE a");
	EXPECT_EQ(0, t_close(fd));
}

/* a2: ioctls other than FIONREAD and SETNEXTWD are ENOTTY. */
TEST_F(scenarios, a2_unknown_ioctl_enotty)
{
	struct termios tio;
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	EXPECT_ERR(ENOTTY, TS(ioctl(fd, _IO('I', 0x82), 0)));
	EXPECT_ERR(ENOTTY, TS(ioctl(fd, _IOW('I', 1, int), 0)));
	EXPECT_ERR(ENOTTY, TS(ioctl(fd, TCGETS, &tio)));
	EXPECT_ERR(ENOTTY, TS(ioctl(fd, 0x12345678, 0)));
	EXPECT_EQ(0, t_close(fd));
}

/* B70 + a1: record sizes (len rounded up to 16 with NUL padding) and FIONREAD. */
TEST_F(scenarios, b70_read_sizes_fionread)
{
	static const int lens[] = { 1, 15, 16, 31, 32, 255 };
	char name[256];
	int fd = t_init(0), total = 0, i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	EXPECT_EQ(0, t_fionread(fd));
	for (i = 0; i < (int)ARRAY_SIZE(lens); i++) {
		memset(name, 'a' + i, lens[i]);
		name[lens[i]] = 0;
		ASSERT_EQ(0, write_file(name, 0));
		total += 16 + ((lens[i] + 1 + 15) & ~15);
		EXPECT_EQ(total, t_fionread(fd));
	}
	EXPECT_EQ(32 + 32 + 48 + 48 + 64 + 272, total);
	t_raw_bytes = 1;
	EXPECT_EQ(total, t_read(fd, 65536));
	t_raw_bytes = 0;
	ASSERT_EQ(6, t_nev);
	for (i = 0; i < 6; i++) {
		EXPECT_EQ((uint32_t)((lens[i] + 1 + 15) & ~15), t_ev[i].len);
		EXPECT_EQ(lens[i], (int)strlen(t_ev[i].name));
	}
	EXPECT_EQ(0, t_fionread(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* B70: FIONREAD with a bad pointer is EFAULT. */
TEST_F(scenarios, b70_fionread_efault)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	EXPECT_ERR(EFAULT, TS(ioctl(fd, FIONREAD, (int *)8)));
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	MKFILE("a");
	EXPECT_ERR(EFAULT, TS(ioctl(fd, FIONREAD, (int *)8)));
	EXPECT_Q(fd, "1 CREATE a");
	EXPECT_EQ(0, t_close(fd));
}

/* B71: a first record that does not fit is EINVAL and stays queued. */
TEST_F(scenarios, b71_read_too_small_einval)
{
	int fd = t_init(IN_NONBLOCK);

	ASSERT_LE(0, fd);
	/* Empty non-blocking queue: EAGAIN, even for count 0. */
	EXPECT_ERR(EAGAIN, t_read(fd, 0));
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE | IN_ATTRIB));
	MKFILE("a");
	EXPECT_ERR(EINVAL, t_read(fd, 0));
	EXPECT_ERR(EINVAL, t_read(fd, 16));
	EXPECT_ERR(EINVAL, t_read(fd, 31));
	EXPECT_EQ(32, t_fionread(fd));
	EXPECT_EQ(32, t_read(fd, 32));
	/* A nameless record needs only 16. */
	ASSERT_EQ(1, t_add(fd, ".", IN_ATTRIB | IN_MASK_ADD));
	ASSERT_EQ(0, TS(chmod(".", 0700)));
	EXPECT_ERR(EINVAL, t_read(fd, 15));
	EXPECT_EQ(16, t_read(fd, 16));
	EXPECT_STREQ("1 ATTRIB|ISDIR", t_evstr());
	EXPECT_EQ(0, t_close(fd));
}

/* B71: only whole records are returned; the rest stays queued. */
TEST_F(scenarios, b71_read_partial)
{
	int fd = t_init(IN_NONBLOCK);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	MKFILE("a");
	MKFILE("b");
	MKFILE("c");
	EXPECT_EQ(96, t_fionread(fd));
	EXPECT_EQ(32, t_read(fd, 63));
	EXPECT_STREQ("1 CREATE a", t_evstr());
	EXPECT_EQ(64, t_fionread(fd));
	EXPECT_EQ(64, t_read(fd, 95));
	EXPECT_STREQ("1 CREATE b; 1 CREATE c", t_evstr());
	EXPECT_ERR(EAGAIN, t_read(fd, 4096));
	EXPECT_EQ(0, t_close(fd));
}

/* B72: INOTIFY_IOC_SETNEXTWD (the test kernel has CONFIG_CHECKPOINT_RESTORE). */
TEST_F(scenarios, b72_setnextwd)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("a", 0755)) | TS(mkdir("b", 0755)) | TS(mkdir("c", 0755)) |
		     TS(mkdir("d", 0755)));
	EXPECT_EQ(0, TS(ioctl(fd, INOTIFY_IOC_SETNEXTWD, 5UL)));
	EXPECT_EQ(5, t_add(fd, "a", IN_CREATE));
	EXPECT_EQ(6, t_add(fd, "b", IN_CREATE));
	/* 5 and 6 are taken: the next free number above. */
	EXPECT_EQ(0, TS(ioctl(fd, INOTIFY_IOC_SETNEXTWD, 5UL)));
	EXPECT_EQ(7, t_add(fd, "c", IN_CREATE));
	EXPECT_EQ(0, TS(ioctl(fd, INOTIFY_IOC_SETNEXTWD, 2UL)));
	EXPECT_EQ(2, t_add(fd, "d", IN_CREATE));
	EXPECT_ERR(EINVAL, TS(ioctl(fd, INOTIFY_IOC_SETNEXTWD, 0UL)));
	EXPECT_ERR(EINVAL, TS(ioctl(fd, INOTIFY_IOC_SETNEXTWD, (unsigned long)-1)));
	EXPECT_ERR(EINVAL, TS(ioctl(fd, INOTIFY_IOC_SETNEXTWD, (unsigned long)INT_MAX + 1)));
	EXPECT_EQ(0, TS(ioctl(fd, INOTIFY_IOC_SETNEXTWD, (unsigned long)INT_MAX)));
	t_fdinfo(fd);
	EXPECT_EQ(0, t_close(fd));
}

/* B73: an empty non-blocking instance gives EAGAIN; F_SETFL O_NONBLOCK works too. */
TEST_F(scenarios, b73_nonblock_eagain)
{
	int fd = t_init(IN_NONBLOCK), fd2;

	ASSERT_LE(0, fd);
	EXPECT_ERR(EAGAIN, t_read(fd, 4096));
	fd2 = t_init(0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, TS(fcntl(fd2, F_SETFL, O_NONBLOCK)));
	EXPECT_ERR(EAGAIN, t_read(fd2, 4096));
	ASSERT_EQ(1, t_add(fd2, ".", IN_CREATE));
	MKFILE("a");
	EXPECT_EQ(0, TS(fcntl(fd2, F_SETFL, 0)));
	EXPECT_EQ(32, t_read(fd2, 4096));
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* A blocking reader thread; the main thread logs its result after the join. */
struct reader {
	int fd;
	size_t count;
	pid_t tid;
	ssize_t ret;
	int err;
	unsigned char buf[4096];
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;

	__atomic_store_n(&r->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	r->ret = read(r->fd, r->buf, r->count);
	r->err = errno;
	return NULL;
}

static int start_reader(pthread_t *th, struct reader *r)
{
	int i;

	if (pthread_create(th, NULL, reader_fn, r))
		return -1;
	for (i = 0; i < 60000 && !__atomic_load_n(&r->tid, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	return t_wait_blocked(r->tid, SYS_read);
}

static void join_reader(pthread_t th, struct reader *r)
{
	pthread_join(th, NULL);
	if (r->ret < 0)
		t_log("reader: read(%zu) = -1 %s", r->count, errno_name(r->err));
	else
		t_log("reader: read(%zu) = %zd", r->count, r->ret);
	t_log_records(r->buf, r->ret);
}

/* B73: a blocked read is woken by an event queued from another thread. */
TEST_F(scenarios, b73_blocking_read_woken)
{
	struct reader r = { .count = 4096 };
	pthread_t th;

	r.fd = t_init(0);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(1, t_add(r.fd, ".", IN_CREATE));
	ASSERT_EQ(0, start_reader(&th, &r));
	MKFILE("a");
	join_reader(th, &r);
	EXPECT_EQ(32, r.ret);
	EXPECT_STREQ("1 CREATE a", t_evstr());
	EXPECT_EQ(0, t_close(r.fd));
}

/* B73: a blocking read with a too small buffer waits, then gives EINVAL. */
TEST_F(scenarios, b73_blocking_small_buffer_einval)
{
	struct reader r = { .count = 8 };
	pthread_t th;

	r.fd = t_init(0);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(1, t_add(r.fd, ".", IN_CREATE));
	ASSERT_EQ(0, start_reader(&th, &r));
	MKFILE("a");
	join_reader(th, &r);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINVAL, r.err);
	EXPECT_Q(r.fd, "1 CREATE a");
	EXPECT_EQ(0, t_close(r.fd));
}

/* B6: a read blocked in another thread keeps the instance alive past close(). */
TEST_F(scenarios, b6_blocked_read_survives_close)
{
	struct reader r = { .count = 4096 };
	pthread_t th;

	r.fd = t_init(0);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(1, t_add(r.fd, ".", IN_CREATE));
	ASSERT_EQ(0, start_reader(&th, &r));
	EXPECT_EQ(0, t_close(r.fd));
	ASSERT_EQ(0, t_wait_blocked(r.tid, SYS_read));
	MKFILE("a");
	join_reader(th, &r);
	EXPECT_EQ(32, r.ret);
	EXPECT_STREQ("1 CREATE a", t_evstr());
}

static int sig_count;

static void count_signal(int sig)
{
	__atomic_add_fetch(&sig_count, 1, __ATOMIC_SEQ_CST);
}

static void b74_signal(struct __test_metadata *_metadata, int flags)
{
	struct sigaction sa = { .sa_handler = count_signal, .sa_flags = flags };
	struct reader r = { .count = 4096 };
	pthread_t th;
	int i;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	r.fd = t_init(0);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(1, t_add(r.fd, ".", IN_CREATE));
	ASSERT_EQ(0, start_reader(&th, &r));
	ASSERT_EQ(0, pthread_kill(th, SIGUSR1));
	for (i = 0; i < 60000 && !__atomic_load_n(&sig_count, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	t_log("handler ran %d time(s)", sig_count);
	if (flags & SA_RESTART) {
		/* Restarted transparently: still blocked, until an event. */
		ASSERT_EQ(0, t_wait_blocked(r.tid, SYS_read));
		MKFILE("a");
		join_reader(th, &r);
		EXPECT_EQ(32, r.ret);
		EXPECT_STREQ("1 CREATE a", t_evstr());
	} else {
		join_reader(th, &r);
		EXPECT_EQ(-1, r.ret);
		EXPECT_EQ(EINTR, r.err);
	}
	EXPECT_EQ(1, sig_count);
	EXPECT_EQ(0, t_close(r.fd));
}

/* B74: a signal without SA_RESTART interrupts a blocked read with EINTR. */
TEST_F(scenarios, b74_signal_eintr)
{
	b74_signal(_metadata, 0);
}

/* B74: with SA_RESTART the read restarts and returns the next event. */
TEST_F(scenarios, b74_signal_restart)
{
	b74_signal(_metadata, SA_RESTART);
}

/* B75: EFAULT loses the record being copied, and those already copied in the call. */
TEST_F(scenarios, b75_read_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map;
	int fd = t_init(IN_NONBLOCK);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	MKFILE("a");
	MKFILE("b");
	EXPECT_ERR(EFAULT, t_read_buf(fd, (void *)8, 4096));
	EXPECT_EQ(32, t_fionread(fd));
	EXPECT_Q(fd, "1 CREATE b");

	/* The first record fits in the mapped page, the second crosses into PROT_NONE. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));
	MKFILE("c");
	MKFILE("d");
	MKFILE("e");
	EXPECT_ERR(EFAULT, t_read_buf(fd, map + page - 40, 96));
	EXPECT_EQ(32, t_fionread(fd));
	EXPECT_Q(fd, "1 CREATE e");
	EXPECT_EQ(0, t_close(fd));
	munmap(map, 2 * page);
}

/* B77: poll and select: readable iff the queue is not empty; never OUT/HUP/ERR. */
TEST_F(scenarios, b77_poll_select)
{
	struct pollfd pfd[3];
	struct timeval tv = { 0 };
	int fd[3], i, ret, maxfd = 0;
	fd_set rs;

	for (i = 0; i < 3; i++) {
		fd[i] = t_init(IN_NONBLOCK);
		ASSERT_LE(0, fd[i]);
		pfd[i].fd = fd[i];
		pfd[i].events = POLLIN | POLLOUT | POLLPRI | POLLRDNORM;
		if (fd[i] > maxfd)
			maxfd = fd[i];
	}
	/* i1 and i2 watch, i3 has no watch at all. */
	ASSERT_EQ(1, t_add(fd[0], ".", IN_CREATE));
	ASSERT_EQ(1, t_add(fd[1], ".", IN_DELETE));
	EXPECT_EQ(0, t_poll(pfd, 3, 0));
	MKFILE("a");
	EXPECT_EQ(1, t_poll(pfd, 3, 0));
	EXPECT_EQ(POLLIN | POLLRDNORM, pfd[0].revents);
	EXPECT_EQ(0, pfd[1].revents);
	EXPECT_EQ(0, pfd[2].revents);

	FD_ZERO(&rs);
	for (i = 0; i < 3; i++)
		FD_SET(fd[i], &rs);
	ret = select(maxfd + 1, &rs, NULL, NULL, &tv);
	t_log("select = %d: readable%s%s%s", ret, FD_ISSET(fd[0], &rs) ? " i1" : "",
	      FD_ISSET(fd[1], &rs) ? " i2" : "", FD_ISSET(fd[2], &rs) ? " i3" : "");
	EXPECT_EQ(1, ret);
	EXPECT_TRUE(FD_ISSET(fd[0], &rs));

	ASSERT_EQ(0, TS(unlink("a")));
	EXPECT_EQ(2, t_poll(pfd, 3, 0));
	EXPECT_Q(fd[0], "1 CREATE a");
	EXPECT_EQ(1, t_poll(pfd, 3, 0));
	EXPECT_Q(fd[1], "1 DELETE a");
	EXPECT_EQ(0, t_poll(pfd, 3, 0));
	/* A blocking poll woken by nothing but the timeout. */
	EXPECT_EQ(0, t_poll(pfd, 3, 10));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, t_close(fd[i]));
}

static int epoll_ready(int ep, const char *what)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, 0);

	if (n < 0)
		t_log("epoll_wait(%s) = -1 %s", what, errno_name(errno));
	else
		t_log("epoll_wait(%s) = %d%s", what, n,
		      n ? (ev[0].events == EPOLLIN ? " IN" : " other") : "");
	return n;
}

/* B77: epoll, level- and edge-triggered; a merged event wakes nobody. */
TEST_F(scenarios, b77_epoll_level_edge)
{
	struct epoll_event ev = { 0 };
	int lt = t_init(IN_NONBLOCK), et = t_init(IN_NONBLOCK), eplt, epet;

	ASSERT_LE(0, lt);
	ASSERT_LE(0, et);
	ASSERT_EQ(0, write_file("a", 0));
	ASSERT_EQ(1, t_add(lt, "a", IN_MODIFY | IN_ATTRIB));
	ASSERT_EQ(1, t_add(et, "a", IN_MODIFY | IN_ATTRIB));
	eplt = epoll_create1(EPOLL_CLOEXEC);
	epet = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, eplt);
	ASSERT_LE(0, epet);
	ev.events = EPOLLIN;
	ASSERT_EQ(0, epoll_ctl(eplt, EPOLL_CTL_ADD, lt, &ev));
	ev.events = EPOLLIN | EPOLLET;
	ASSERT_EQ(0, epoll_ctl(epet, EPOLL_CTL_ADD, et, &ev));

	EXPECT_EQ(0, epoll_ready(eplt, "lt"));
	EXPECT_EQ(0, epoll_ready(epet, "et"));
	ASSERT_EQ(0, write_file("a", 1));
	EXPECT_EQ(1, epoll_ready(eplt, "lt"));
	EXPECT_EQ(1, epoll_ready(eplt, "lt"));
	EXPECT_EQ(1, epoll_ready(epet, "et"));
	EXPECT_EQ(0, epoll_ready(epet, "et"));
	/* The same event again merges into the tail: no wakeup. */
	ASSERT_EQ(0, write_file("a", 1));
	EXPECT_EQ(0, epoll_ready(epet, "et"));
	ASSERT_EQ(0, TS(chmod("a", 0600)));
	EXPECT_EQ(1, epoll_ready(epet, "et"));
	EXPECT_EQ(0, epoll_ready(epet, "et"));
	EXPECT_Q(lt, "1 MODIFY; 1 ATTRIB");
	EXPECT_Q(et, "1 MODIFY; 1 ATTRIB");
	EXPECT_EQ(0, epoll_ready(eplt, "lt"));
	EXPECT_EQ(0, epoll_ready(epet, "et"));
	close(eplt);
	close(epet);
	EXPECT_EQ(0, t_close(lt));
	EXPECT_EQ(0, t_close(et));
}

/* Counts the pending signal sig (blocked), logging si_code/si_band/si_fd. */
static int count_pending(int sig)
{
	struct timespec zero = { 0 };
	siginfo_t si;
	sigset_t set;
	int n = 0;

	sigemptyset(&set);
	sigaddset(&set, sig);
	while (sigtimedwait(&set, &si, &zero) == sig) {
		t_log("signal %s: si_code=%d si_band=0x%lx si_fd=%s",
		      sig == SIGIO ? "SIGIO" : "RT", si.si_code, (long)si.si_band,
		      si.si_code == POLL_IN ? t_fd(si.si_fd) : "-");
		n++;
	}
	return n;
}

/* B78: O_ASYNC + F_SETOWN (+ F_SETSIG): one signal per queued record, none if merged. */
TEST_F(scenarios, b78_sigio)
{
	int rt = SIGRTMIN + 1, fd, fd2, on = 1;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, rt);
	sigaddset(&set, SIGIO);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));

	fd = t_init(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_file("a", 0));
	ASSERT_EQ(1, t_add(fd, "a", IN_MODIFY | IN_ATTRIB));
	EXPECT_EQ(0, TS(fcntl(fd, F_SETOWN, getpid())));
	EXPECT_EQ(0, TS(fcntl(fd, F_SETSIG, rt)));
	EXPECT_EQ(0, TS(fcntl(fd, F_SETFL, O_ASYNC | O_NONBLOCK)));
	EXPECT_EQ(0, count_pending(rt));
	ASSERT_EQ(0, write_file("a", 1));
	ASSERT_EQ(0, write_file("a", 1));	/* merged */
	ASSERT_EQ(0, TS(chmod("a", 0600)));
	ASSERT_EQ(0, write_file("a", 1));
	EXPECT_EQ(3, count_pending(rt));
	EXPECT_Q(fd, "1 MODIFY; 1 ATTRIB; 1 MODIFY");
	/* Reading raises nothing; O_ASYNC off stops the signals. */
	EXPECT_EQ(0, count_pending(rt));
	EXPECT_EQ(0, TS(fcntl(fd, F_SETFL, O_NONBLOCK)));
	ASSERT_EQ(0, TS(chmod("a", 0644)));
	EXPECT_EQ(0, count_pending(rt));
	EXPECT_Q(fd, "1 ATTRIB");

	/* FIOASYNC and plain SIGIO (not queued: several events leave one pending). */
	fd2 = t_init(IN_NONBLOCK);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(1, t_add(fd2, "a", IN_ATTRIB | IN_MODIFY));
	EXPECT_EQ(0, TS(fcntl(fd2, F_SETOWN, getpid())));
	EXPECT_EQ(0, TS(ioctl(fd2, FIOASYNC, &on)));
	ASSERT_EQ(0, TS(chmod("a", 0600)));
	EXPECT_EQ(1, count_pending(SIGIO));
	ASSERT_EQ(0, write_file("a", 1));
	ASSERT_EQ(0, TS(chmod("a", 0644)));
	EXPECT_EQ(1, count_pending(SIGIO));
	EXPECT_Q(fd2, "1 ATTRIB; 1 MODIFY; 1 ATTRIB");
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* B79: fdinfo mask shows ONESHOT/EXCL_UNLINK, newest watch first, removed watches gone. */
TEST_F(scenarios, b79_fdinfo)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_file("f", 0));
	ASSERT_EQ(0, write_file("g", 0));
	EXPECT_STREQ("", t_fdinfo(fd));
	ASSERT_EQ(1, t_add(fd, ".", IN_MODIFY | IN_ONESHOT));
	EXPECT_STREQ("1:80000002", t_fdinfo(fd));
	ASSERT_EQ(2, t_add(fd, "f", IN_MODIFY | IN_EXCL_UNLINK));
	EXPECT_STREQ("2:4000002 1:80000002", t_fdinfo(fd));
	/* ONLYDIR, DONT_FOLLOW and MASK_* never show. */
	ASSERT_EQ(3, t_add(fd, "g", IN_MODIFY | IN_DONT_FOLLOW | IN_MASK_CREATE));
	EXPECT_STREQ("3:2 2:4000002 1:80000002", t_fdinfo(fd));
	EXPECT_EQ(0, t_rm(fd, 2));
	EXPECT_STREQ("3:2 1:80000002", t_fdinfo(fd));
	EXPECT_EQ(0, t_rm(fd, 1));
	EXPECT_EQ(0, t_rm(fd, 3));
	EXPECT_STREQ("", t_fdinfo(fd));
	EXPECT_Q(fd, "2 IGNORED; 1 IGNORED; 3 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID	0x200
#endif

/*
 * The handle fdinfo shows for watch wd of fd, as hex, "" if its line has none, NULL if
 * there is no line for wd.
 */
static const char *fdinfo_handle(int fd, int wd)
{
	static char hex[2 * MAX_HANDLE_SZ + 1];
	char path[64], line[1024], *h;
	const char *found = NULL;
	unsigned int w;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "inotify wd:%x ", &w) != 1 || (int)w != wd)
			continue;
		h = strstr(line, "f_handle:");
		hex[0] = 0;
		if (h)
			snprintf(hex, sizeof(hex), "%.*s", (int)strcspn(h + 9, "\n "), h + 9);
		found = hex;
	}
	fclose(f);
	return found;
}

/* The handle name_to_handle_at(AT_HANDLE_FID) gives path, as hex; NULL if it gives none. */
static const char *fid_of(const char *path)
{
	static char hex[2 * MAX_HANDLE_SZ + 1];
	struct file_handle *h = calloc(1, sizeof(*h) + MAX_HANDLE_SZ);
	unsigned int i;
	int mnt;

	if (!h)
		return NULL;
	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, h, &mnt, AT_HANDLE_FID)) {
		free(h);
		return NULL;
	}
	for (i = 0; i < h->handle_bytes; i++)
		sprintf(hex + 2 * i, "%02x", h->f_handle[i]);
	free(h);
	return hex;
}

/*
 * B89: where the kernel has file handles (EXPORTFS), each fdinfo line ends with the watched
 * inode's handle, the one name_to_handle_at(AT_HANDLE_FID) gives, which open_by_handle_at()
 * opens (what CRIU restores watches from); where it has none, the line ends without.
 */
TEST_F(scenarios, b89_fdinfo_file_handles)
{
	const char *want, *got;
	int fd = t_init(0);
	int wd;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_file("f", 0));
	ASSERT_EQ(0, TS(mkdir("d", 0755)));
	ASSERT_EQ(1, t_add(fd, "f", IN_MODIFY));
	ASSERT_EQ(2, t_add(fd, "d", IN_CREATE));
	/* The trace holds each line's handle fields and what the handle opens. */
	EXPECT_STREQ("2:100 1:2", t_fdinfo(fd));
	for (wd = 1; wd <= 2; wd++) {
		want = fid_of(wd == 1 ? "f" : "d");
		t_log("name_to_handle_at(%s) gives a handle: %s", wd == 1 ? "f" : "d",
		      want ? "yes" : "no");
		got = fdinfo_handle(fd, wd);
		ASSERT_TRUE(got != NULL);
		EXPECT_STREQ(want ? want : "", got);
	}
	EXPECT_EQ(0, t_close(fd));
}

/* B52: the instance's own open/read/close produce no events (the /dev watch is filtered). */
TEST_F(scenarios, b52_instance_fd_no_events)
{
	unsigned char buf[65536];
	int mon = t_init(IN_NONBLOCK), fd, seen = 0;
	ssize_t n, off;

	ASSERT_LE(0, mon);
	/* Not logged: other processes may use /dev. */
	ASSERT_LE(1, be->add_watch(mon, "/dev", IN_OPEN | IN_ACCESS | IN_CLOSE | IN_MODIFY));
	fd = t_init(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_ERR(EAGAIN, t_read(fd, 4096));
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	MKFILE("a");
	EXPECT_Q(fd, "1 CREATE a");
	t_fionread(fd);
	EXPECT_EQ(0, t_close(fd));
	while ((n = read(mon, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct inotify_event *e = (struct inotify_event *)(buf + off);

			if (e->len && !strcmp(e->name, "rinotify")) {
				t_log("event on /dev: %s \"rinotify\"", t_mask(e->mask));
				seen++;
			}
			off += sizeof(*e) + e->len;
		}
	}
	EXPECT_EQ(0, seen);
	EXPECT_EQ(0, t_close(mon));
}

TEST_HARNESS_MAIN

/*
 * B76: concurrent readers of one instance each get distinct whole records, and together
 * every record exactly once.
 */
#define B76_READERS	4
#define B76_EVENTS	200

struct b76_reader {
	pthread_t th;
	int fd;
	int got[B76_EVENTS];	/* how often each file's event was read */
	int bad;		/* records that were not one of ours */
};

static void *b76_read(void *arg)
{
	struct b76_reader *r = arg;
	/* Room for two 32-byte records: readers interleave on a long queue. */
	char buf[64] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			int i;

			if (e->len && sscanf(e->name, "f%d", &i) == 1 && i >= 0 && i < B76_EVENTS)
				r->got[i]++;
			else
				r->bad++;
			p += sizeof(*e) + e->len;
		}
	}
	return NULL;
}

TEST_F(scenarios, b76_concurrent_readers)
{
	static struct b76_reader readers[B76_READERS];
	int fd, i, k, total = 0, once = 0, bad = 0;
	char name[16];

	fd = t_init(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	for (i = 0; i < B76_EVENTS; i++) {
		snprintf(name, sizeof(name), "f%03d", i);
		ASSERT_EQ(0, close(open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)));
	}
	EXPECT_EQ(B76_EVENTS * 32, t_fionread(fd));
	memset(readers, 0, sizeof(readers));
	for (k = 0; k < B76_READERS; k++) {
		readers[k].fd = fd;
		ASSERT_EQ(0, pthread_create(&readers[k].th, NULL, b76_read, &readers[k]));
	}
	for (k = 0; k < B76_READERS; k++)
		ASSERT_EQ(0, pthread_join(readers[k].th, NULL));
	for (i = 0; i < B76_EVENTS; i++) {
		int n = 0;

		for (k = 0; k < B76_READERS; k++)
			n += readers[k].got[i];
		total += n;
		once += n == 1;
	}
	for (k = 0; k < B76_READERS; k++)
		bad += readers[k].bad;
	t_log("concurrent readers: %d records, %d read exactly once, %d foreign", total, once, bad);
	EXPECT_EQ(B76_EVENTS, total);
	EXPECT_EQ(B76_EVENTS, once);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, t_fionread(fd));
	EXPECT_EQ(0, t_close(fd));
}
