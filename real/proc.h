/*
 * real/proc.h — run one external program (ffmpeg, ffprobe) and measure it.
 *
 * No shell: the program is resolved on PATH by the parent and started with
 * fork + execv with an argv built by the caller. The child runs in its own
 * process group (so a timeout can kill it and anything it started), dies
 * with its parent (PR_SET_PDEATHSIG on Linux), reads /dev/null and writes
 * stdout and stderr into one pipe that the parent drains, keeping the last
 * REAL_PROC_KEEP bytes. An exec failure (ENOENT, EACCES) is sent back over
 * a close-on-exec pipe and reported as an error, not as exit status 127.
 * The child is always reaped before real_proc_run returns: no zombies.
 *
 * Measures: wall time (CLOCK_MONOTONIC, fork to reap) and CPU time (user +
 * system of the child and all its threads, from wait4's rusage).
 */
#ifndef HETSIM_REAL_PROC_H
#define HETSIM_REAL_PROC_H

#include <stddef.h>
#include "sim/io/io.h"

enum { REAL_PROC_KEEP = 64 * 1024 };

typedef struct real_proc_result {
	int exit_code;   /* if it exited; -1 otherwise */
	int term_signal; /* signal that ended it, 0 if it exited */
	int timed_out;   /* killed (with its group) at the time limit */
	double wall_s, cpu_s;
	char *output;      /* last REAL_PROC_KEEP bytes of stdout + stderr, NUL-ended */
	size_t output_len;
} real_proc_result;

/* Find name on PATH (a name with a '/' is taken as a path); 0 and the path
 * in out when it names an executable regular file, -1 otherwise. */
int real_proc_find(const char *name, char *out, size_t cap);

/* Run argv (argv[0] is the program: a path, or a name looked up on PATH;
 * NULL-terminated) with a time limit (<= 0: none). Returns 0 when the
 * program ran, whatever its exit status (see res); IO_EINPUT when it
 * could not be started (not found, not executable), IO_EIO on a system
 * error. res->output is malloc'd (free with real_proc_result_free) and set
 * also on failure (possibly empty). */
int real_proc_run(char *const argv[], double timeout_s, real_proc_result *res,
		  io_err *err);
void real_proc_result_free(real_proc_result *res);

/* 1 when the run exited with status 0. */
static inline int real_proc_ok(const real_proc_result *res)
{
	return !res->timed_out && res->term_signal == 0 && res->exit_code == 0;
}

/* The last line(s) of the output, at most cap-1 bytes, newlines turned into
 * " | ", for an error message. */
void real_proc_tail(const real_proc_result *res, char *buf, size_t cap);

#endif
