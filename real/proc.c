/* real/proc.c — run an external program without a shell (see proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include "real/proc.h"
#include "sim/base/clock.h"

static int is_executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

int real_proc_find(const char *name, char *out, size_t cap)
{
	if (!name || !*name)
		return -1;
	if (strchr(name, '/')) {
		if (!is_executable(name) || strlen(name) >= cap)
			return -1;
		snprintf(out, cap, "%s", name);
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		int w = snprintf(out, cap, "%.*s%s%s", (int)len, p, len ? "/" : "", name);
		if (w > 0 && (size_t)w < cap && is_executable(out))
			return 0;
		p += len + (colon != NULL);
	}
	return -1;
}

static int set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child_exec(const char *path, char *const argv[], int out_fd,
		       int err_fd, pid_t parent)
{
	setpgid(0, 0);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127); /* the parent died before prctl */
#else
	(void)parent;
#endif
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0 && devnull != 0) {
		dup2(devnull, 0);
		close(devnull);
	}
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	if (out_fd > 2)
		close(out_fd);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	const int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &dfl, NULL);
	execv(path, argv);
	int e = errno;
	ssize_t w = write(err_fd, &e, sizeof e);
	(void)w;
	_exit(127);
}

/* Keep the last REAL_PROC_KEEP bytes. (Not inlined: GCC 12 at -O2 would
 * otherwise check the copy against the caller's smaller read buffer and
 * warn about offsets this code never reaches.) */
static __attribute__((noinline)) void keep_tail(real_proc_result *res,
						const char *buf, size_t n)
{
	size_t take = n < REAL_PROC_KEEP ? n : REAL_PROC_KEEP;
	buf += n - take;
	if (res->output_len + take > REAL_PROC_KEEP) {
		size_t drop = res->output_len + take - REAL_PROC_KEEP;
		memmove(res->output, res->output + drop, res->output_len - drop);
		res->output_len -= drop;
	}
	memcpy(res->output + res->output_len, buf, take);
	res->output_len += take;
	res->output[res->output_len] = 0;
}

static void kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL); /* in case it never reached its own group */
}

/* Reap pid: blocking when block or once it has been killed, else polling
 * until the deadline and then killing its group. Fills the exit fields and
 * the CPU time. */
static int reap(pid_t pid, double deadline, int block, real_proc_result *res,
		io_err *err)
{
	int st = 0;
	struct rusage ru;
	for (;;) {
		pid_t r = wait4(pid, &st, block || res->timed_out ? 0 : WNOHANG, &ru);
		if (r == pid)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return io_errf(err, IO_EIO, NULL, 0, "wait4: %s",
					 strerror(errno));
		if (sim_clock_s() >= deadline) {
			kill_group(pid);
			res->timed_out = 1;
			continue;
		}
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	res->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	if (WIFEXITED(st))
		res->exit_code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		res->term_signal = WTERMSIG(st);
	return 0;
}

int real_proc_run(char *const argv[], double timeout_s, real_proc_result *res,
		  io_err *err)
{
	memset(res, 0, sizeof *res);
	res->exit_code = -1;
	res->output = malloc(REAL_PROC_KEEP + 1);
	if (!res->output)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	res->output[0] = 0;
	char path[4096];
	if (!argv || !argv[0] || real_proc_find(argv[0], path, sizeof path))
		return io_errf(err, IO_EINPUT, NULL, 0, "%s: not found%s",
				 argv && argv[0] ? argv[0] : "(no program)",
				 argv && argv[0] && strchr(argv[0], '/')
					 ? " (or not an executable file)"
					 : " on PATH");
	int outp[2], errp[2];
	if (pipe(outp))
		return io_errf(err, IO_EIO, NULL, 0, "pipe: %s", strerror(errno));
	if (pipe(errp)) {
		int e = errno;
		close(outp[0]);
		close(outp[1]);
		return io_errf(err, IO_EIO, NULL, 0, "pipe: %s", strerror(e));
	}
	set_cloexec(outp[0]);
	set_cloexec(outp[1]);
	set_cloexec(errp[0]);
	set_cloexec(errp[1]);
	pid_t parent = getpid();
	double t0 = sim_clock_s();
	double deadline = timeout_s > 0 ? t0 + timeout_s : INFINITY;
	pid_t pid = fork();
	if (pid == 0)
		child_exec(path, argv, outp[1], errp[1], parent);
	close(outp[1]);
	close(errp[1]);
	if (pid < 0) {
		int e = errno;
		close(outp[0]);
		close(errp[0]);
		return io_errf(err, IO_EIO, NULL, 0, "fork: %s", strerror(e));
	}
	setpgid(pid, pid); /* both sides: no race with a kill of the group */
	int child_errno = 0;
	ssize_t n;
	do
		n = read(errp[0], &child_errno, sizeof child_errno);
	while (n < 0 && errno == EINTR);
	close(errp[0]);
	if (n == (ssize_t)sizeof child_errno) {
		close(outp[0]);
		reap(pid, INFINITY, 1, res, err); /* it is exiting: _exit(127) */
		res->exit_code = -1;
		res->wall_s = sim_clock_s() - t0;
		return io_errf(err, IO_EINPUT, NULL, 0, "cannot run %s: %s", path,
				 strerror(child_errno));
	}
	/* Drain the output until end of file or the deadline. */
	char buf[8192];
	for (;;) {
		int wait_ms = -1;
		if (isfinite(deadline)) {
			double left = deadline - sim_clock_s();
			if (left <= 0) {
				kill_group(pid);
				res->timed_out = 1;
				break;
			}
			wait_ms = (int)ceil(left * 1e3);
		}
		struct pollfd pfd = {.fd = outp[0], .events = POLLIN};
		int pr = poll(&pfd, 1, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue; /* timeout: checked at the top */
		n = read(outp[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		keep_tail(res, buf, (size_t)n);
	}
	close(outp[0]);
	int rc = reap(pid, deadline, 0, res, err);
	res->wall_s = sim_clock_s() - t0;
	return rc;
}

void real_proc_result_free(real_proc_result *res)
{
	free(res->output);
	res->output = NULL;
	res->output_len = 0;
}

void real_proc_tail(const real_proc_result *res, char *buf, size_t cap)
{
	if (!cap)
		return;
	buf[0] = 0;
	if (!res->output || !res->output_len)
		return;
	size_t end = res->output_len;
	while (end > 0 && strchr("\r\n \t", res->output[end - 1]))
		end--;
	/* back from the end while the rewritten text fits */
	size_t start = end, len = 0;
	while (start > 0) {
		char c = res->output[start - 1];
		size_t add = c == '\n' ? 3 : c == '\r' ? 0 : 1;
		if (len + add > cap - 1)
			break;
		len += add;
		start--;
	}
	if (start > 0) { /* cut at a line start when one is in reach */
		const char *nl = memchr(res->output + start, '\n', end - start);
		if (nl && nl + 1 < res->output + end)
			start = (size_t)(nl - res->output) + 1;
	}
	len = 0;
	for (size_t i = start; i < end; i++) {
		char c = res->output[i];
		if (c == '\r')
			continue;
		if (c == '\n') {
			memcpy(buf + len, " | ", 3);
			len += 3;
		} else
			buf[len++] = (c >= 32 && c < 127) ? c : '?';
	}
	buf[len] = 0;
}
