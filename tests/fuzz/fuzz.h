/* tests/fuzz/fuzz.h — what the libFuzzer targets of `make fuzz` share
 * (tests/fuzz/fuzz.c). Each target (tests/fuzz/fuzz_<name>.c) writes its
 * input to a file in a per-process scratch directory and hands it to one
 * parser: a library loader, or a command entry point of sim/cli/cli.h. The
 * target is fine with any outcome but a crash, a sanitizer report, a leak
 * or a hang; it also aborts on a broken contract (an error without a
 * message, an exit status other than 0, 1 or 2). */
#ifndef HETSIM_TESTS_FUZZ_H
#define HETSIM_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "sim/io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Tasks per run of an experiment: enough to reach every output writer,
 * few enough that one input takes milliseconds. */
#define FZ_TASKS 40

/* The scratch directory (absolute), made on first use under $TMPDIR (or
 * /tmp) and removed at exit. */
const char *fz_dir(void);
/* Empty it: each input starts from nothing. */
void fz_reset(void);
/* fz_dir()/name; static storage, overwritten after 16 calls. */
const char *fz_path(const char *name);
/* Write size bytes to fz_dir()/name (its directory made first); returns
 * the path as fz_path does. */
const char *fz_write(const char *name, const void *data, size_t size);
const char *fz_write_text(const char *name, const char *text);

/* An input may start with a line "#D" (D a digit) choosing one of n
 * variants of the target (flags, experiment settings): returns D % n and
 * takes the line off the input; 0 when there is none. */
unsigned fz_variant(const uint8_t **data, size_t *size, unsigned n);

/* Several files in one input: parts separated by lines "%%". Returns the
 * number of parts (at most max; the last one takes the rest). */
typedef struct fz_part {
	const uint8_t *data;
	size_t size;
} fz_part;
size_t fz_split(const uint8_t *data, size_t size, fz_part *parts, size_t max);

/* Call a command entry point (sim_cmd_fit, ...) with the NULL-terminated
 * args, its standard output and error sent to /dev/null meanwhile;
 * aborts unless it returns 0, 1 or 2. Returns the status. */
int fz_cmd(int (*cmd)(int, char **), const char *const *args);

/* FUZZ_VERBOSE=1 in the environment: commands keep their output and
 * rejected inputs print why (to check that seeds load). */
void fz_note(const char *what, const char *msg);

/* Abort (a finding) with a message on the real standard error. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A failed call (status rc < 0) must say why: abort unless err has a
 * message; else fz_note it. */
void fz_error(int rc, const io_err *err, const char *what);

/* A small inline profile: machine types a, b; task types x, y. */
extern const char fz_profile_json[];

/* Write an experiment file: "profile" (JSON text), "machines" (a JSON
 * array), "workload" (a JSON object) and the members in rest (JSON text of
 * members, "" for none); returns its path as fz_path does. */
const char *fz_write_experiment(const char *name, const char *profile,
				const char *machines, const char *workload,
				const char *rest);

/* Write the base experiment of a sweep, base.json (a short trace,
 * trace.csv; policies mct and fcfs); returns its path. */
const char *fz_write_base(void);

/* Load the experiment at path and, unless it would be slow (too many
 * machines, replications or policies), run it with outputs on into
 * fz_dir()/out, tasks capped at FZ_TASKS (a quarter of it with pruning),
 * traces included. */
void fz_experiment(const char *path);

#endif
