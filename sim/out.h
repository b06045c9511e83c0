/*
 * sim/out.h — output files, written atomically: everything goes to
 * "<path>.tmp.<pid>" and is renamed over <path> only when complete, so a
 * killed run never leaves a half file and never destroys an earlier result.
 * Rows are streamed: memory does not grow with the rows written.
 */
#ifndef HETSIM_SIM_OUT_H
#define HETSIM_SIM_OUT_H

#include <stddef.h>
#include <jansson.h>
#include "profiles/io.h"

/* Streamed gzip text file (level 1: the simulator must not wait on zlib). */
typedef struct sim_gzout sim_gzout;
int sim_gzout_open(sim_gzout **out, const char *path, prof_err *err);
/* Append bytes; errors are remembered and reported by close. */
void sim_gzout_write(sim_gzout *o, const char *buf, size_t len);
/* commit = 1: flush and rename into place; 0: discard the temp file. */
int sim_gzout_close(sim_gzout *o, int commit, prof_err *err);

/* A JSON number, or null for NaN / infinity (which JSON cannot hold:
 * json_real would return NULL and the value would silently vanish). */
json_t *sim_json_num(double x);

/* Write a JSON value (pretty, keys in insertion order) atomically. */
int sim_write_json(const char *path, const json_t *v, prof_err *err);
/* Write a whole text atomically. */
int sim_write_text(const char *path, const char *text, size_t len,
		   prof_err *err);
/* mkdir -p */
int sim_mkdirs(const char *path, prof_err *err);

/* Format a time in seconds as fixed-point with 6 decimals ("12.000250"),
 * fast and locale-free; returns the length written. Any double fits in
 * SIM_FMT_TIME_MAX bytes (with the NUL): |x| >= 1e15 is written in the
 * shortest form that reads back exactly ("%.17g", "1.0000000000000001e+200"),
 * non-finite values "inf", "-inf" or "nan". */
#define SIM_FMT_TIME_MAX 32
size_t sim_fmt_time(char *buf, double x);
/* Unsigned integer; returns the length. buf needs SIM_FMT_U64_MAX bytes. */
#define SIM_FMT_U64_MAX 21
size_t sim_fmt_u64(char *buf, uint64_t x);

/* A growing text buffer (zero-initialise it); an allocation failure is
 * remembered in failed and makes later additions no-ops. Free buf. */
typedef struct sim_text {
	char *buf;
	size_t len, cap;
	int failed;
} sim_text;
void sim_text_add(sim_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
