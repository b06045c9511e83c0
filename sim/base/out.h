/*
 * sim/base/out.h — output files, written atomically: everything goes to
 * "<path>.tmp.<pid>" and is renamed over <path> only when complete, so a
 * killed run never leaves a half file and never destroys an earlier result.
 * Rows are streamed: memory does not grow with the rows written. Paths are
 * built to their full length (sim_pathf), never cut to a buffer.
 *
 * A run's output set (sim_outset): `hetsim run` writes every file of a run
 * into <dir>/.staging.<pid>/ first. Only when every policy succeeded does
 * it (1) remove <dir>/manifest.json, (2) remove the files the previous
 * manifest listed that this run does not write (a run replaces the previous
 * run's set), (3) rename each new file into place (rename(2): each file is
 * replaced whole), and (4) write <dir>/manifest.json last: run_id (a hash
 * of the rest), hetsim_version, experiment, seed, replications, policies
 * and "files": [{"path": "fcfs/summary.json", "size_bytes": N}, ...] in
 * path order. It holds no time or pid, so the same seed gives the same
 * manifest. A failed or killed run thus leaves the previous complete set
 * (a failure before (1)) or a directory without manifest.json (killed in
 * the move phase), which `hetsim compare` refuses. Nothing else is
 * touched: the output directory itself is never renamed or removed (it may
 * be "."), a manifest.json that is not hetsim's (no run_id, hetsim_version
 * and files) makes the run refuse the directory before it starts, and the
 * only files removed are those a manifest listed, and the
 * temporaries (<output>.tmp.<pid>, for hetsim's own output names) and
 * staging dirs of dead processes (kill(pid, 0) fails with ESRCH), which the
 * next run into the directory clears first (also in <policy>/ and
 * <policy>/rep-NNN/, where earlier versions left them).
 */
#ifndef HETSIM_SIM_BASE_OUT_H
#define HETSIM_SIM_BASE_OUT_H

#include <stddef.h>
#include <jansson.h>
#include "sim/io/io.h"

#define SIM_MANIFEST "manifest.json"
#define SIM_STAGING_PREFIX ".staging."
#define SIM_TMP_INFIX ".tmp."

/* printf into a fresh malloc'ed string (free it); NULL on no memory. */
char *sim_pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Streamed gzip text file, compressed off the caller's thread so that the
 * simulator does not wait on it: write copies the bytes into 256 KiB
 * blocks; a writer thread compresses each full block as one gzip member
 * (libdeflate, level 1) and appends it. Concatenated members are standard
 * gzip (gzip -t, zcat, zlib's gzread, Python's gzip read them as one
 * stream). Block boundaries depend on the byte count only, so the same
 * bytes give the same file whatever the threads' timing. At most 4 blocks
 * are in flight (1 MiB, plus the compressed block and the compressor):
 * write waits when the writer is behind. An empty file is one empty
 * member. A sim_gzout is used by one thread (plus its own writer). */
#define SIM_GZOUT_BLOCK_BYTES ((size_t)256 << 10)
#define SIM_GZOUT_BLOCKS 4
typedef struct sim_gzout sim_gzout;
int sim_gzout_open(sim_gzout **out, const char *path, io_err *err);
/* Append bytes; errors are remembered and reported by close. */
void sim_gzout_write(sim_gzout *o, const char *buf, size_t len);
/* Has a write failed (disk full)? Then close(commit = 1) reports it. */
int sim_gzout_failed(const sim_gzout *o);
/* commit = 1: compress what is left, end the writer thread and rename the
 * file into place; 0: end the thread without compressing more and remove
 * the temp file. Either way no thread is left running. A failed write,
 * close or rename is reported naming this file and the cause of the first
 * failure (e.g. "No space left on device"). */
int sim_gzout_close(sim_gzout *o, int commit, io_err *err);

/* A JSON number, or null for NaN / infinity (which JSON cannot hold:
 * json_real would return NULL and the value would silently vanish). */
json_t *sim_json_num(double x);

/* Write a JSON value (pretty, keys in insertion order) atomically: the
 * text of json_dumps(v, SIM_JSON_FLAGS) and a newline. */
#define SIM_JSON_FLAGS                                                         \
	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
int sim_write_json(const char *path, const json_t *v, io_err *err);
/* Write a whole text atomically. */
int sim_write_text(const char *path, const char *text, size_t len,
		   io_err *err);
/* mkdir -p */
int sim_mkdirs(const char *path, io_err *err);

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

/* A run's output set (see the top): begin creates dir if needed, clears
 * dead processes' leftovers and creates the staging dir, where every file
 * of the run goes (sim_outset_dir). commit moves them into dir and writes
 * the manifest from info (an object: experiment, seed, ...; copied);
 * free removes what is left of the staging dir. */
typedef struct sim_outset sim_outset;
int sim_outset_begin(sim_outset **out, const char *dir, io_err *err);
const char *sim_outset_dir(const sim_outset *s);
/* An error about a staged file names the file it was to become. */
void sim_outset_name_final(const sim_outset *s, io_err *err);
int sim_outset_commit(sim_outset *s, const json_t *info, io_err *err);
void sim_outset_free(sim_outset *s);

/* The files a manifest lists (free with sim_manifest_free). */
typedef struct sim_manifest_file {
	char *path; /* relative to the manifest's directory */
	long long size_bytes;
} sim_manifest_file;
int sim_manifest_files(const char *manifest, sim_manifest_file **files,
		       size_t *n, io_err *err);
void sim_manifest_free(sim_manifest_file *files, size_t n);

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
