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
#include <stdint.h>
#include <string.h>
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
 * are in flight (1 MiB, plus the compressed block and the compressor, and
 * in records mode (below) the block of text the records are formatted
 * into): write waits when the writer is behind. An empty file is one empty
 * member. A sim_gzout is used by one thread (plus its own writer). */
#define SIM_GZOUT_BLOCK_BYTES ((size_t)256 << 10)
#define SIM_GZOUT_BLOCKS 4
typedef struct sim_gzout sim_gzout;
int sim_gzout_open(sim_gzout **out, const char *path, io_err *err);
/* Append bytes; errors are remembered and reported by close. */
void sim_gzout_write(sim_gzout *o, const char *buf, size_t len);
/* Writing in place (no copy): sim_gzout_room(o, max) is where up to max
 * bytes may be written at the end of the current block, or NULL when it
 * has less room left (then write them with sim_gzout_write, which fills
 * the block to the byte); sim_gzout_commit(o, n) appends the n <= max
 * bytes written there. The file is the same either way. */
char *sim_gzout_room(sim_gzout *o, size_t max);
void sim_gzout_commit(sim_gzout *o, size_t n);
/* Rows formatted on the writer thread: after sim_gzout_records, the
 * caller appends fixed-size binary records (sim_gzout_record: room for
 * one, counted at once, to be filled before the next call on o) and the
 * writer formats each into text with fmt (at most max_text bytes, both
 * sizes at most a block) before compressing. The text is cut into members
 * as written text is, so the file is the one the caller would have made
 * by writing each record's text itself, whatever the threads' timing; text
 * written before or between records keeps its place. fmt runs beside the
 * caller: it may read only ctx's data that stays unchanged until close,
 * and what the record holds. Without a writer thread the caller formats
 * them as each block fills (the same file). Call once, before the first
 * record; returns 0, or -1 (nothing changed) on no memory, a second call
 * or a size of 0 (rec_size) or over a block. */
typedef size_t (*sim_gzout_fmt)(const void *ctx, const void *rec, char *text);
int sim_gzout_records(sim_gzout *o, size_t rec_size, size_t max_text,
		      sim_gzout_fmt fmt, const void *ctx);
void *sim_gzout_record(sim_gzout *o);
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
 * non-finite values "inf", "-inf" or "nan". Inline, with sim_fmt_u64: they
 * format every row of tasks.csv.gz on the simulation thread; the rare
 * cases (negative, >= 1e12 s, not finite) are sim_fmt_time_wide. */
#define SIM_FMT_TIME_MAX 32
static inline size_t sim_fmt_time(char *buf, double x);
/* Unsigned integer; returns the length. buf needs SIM_FMT_U64_MAX bytes. */
#define SIM_FMT_U64_MAX 21
static inline size_t sim_fmt_u64(char *buf, uint64_t x);

extern const char sim_fmt_pairs[201];	 /* "00" "01" ... "99" */
extern const uint64_t sim_fmt_pow10[20]; /* 10^0 .. 10^19 */
size_t sim_fmt_time_wide(char *buf, double x);

/* Decimal digits of x, 1 to 20: about log10(2) (1233 / 4096) times its
 * bits, less one below the next power of 10. x | 1 has the digits of x
 * (10^k - 1 is odd) and is never 0. */
static inline size_t sim_fmt_digit_count(uint64_t x)
{
	uint64_t v = x | 1;
	unsigned t = (unsigned)(64 - __builtin_clzll(v)) * 1233u >> 12;
	return t + (v >= sim_fmt_pow10[t]);
}

/* Digits by fixed point, two per multiplication: for v < 10^8,
 * y = v * ceil(2^47 / 10^6) holds v / 10^6 in 47.47 bits, too large by
 * less than v / 2^47; its integer part is the first pair of v's 8 digits
 * (leading zeros kept), and each * 100 of the fraction brings out the
 * next. The excess times 10^6 stays below 1 (10^14 < 2^47), so no pair
 * comes out one too large (also checked for every v < 10^8). */
#define SIM_FMT_FIX_BITS 47
#define SIM_FMT_FIX_MASK ((1ull << SIM_FMT_FIX_BITS) - 1)
#define SIM_FMT_FIX_8_DIGITS 140737489ull
static inline uint32_t sim_fmt_fix_next(uint64_t *y)
{
	*y = (*y & SIM_FMT_FIX_MASK) * 100;
	return (uint32_t)(*y >> SIM_FMT_FIX_BITS);
}

static inline size_t sim_fmt_u64(char *buf, uint64_t x)
{
	size_t n = sim_fmt_digit_count(x);
	char *p = buf + n; /* written from the last digit back */
	*p = 0;
	while (x >= 100) {
		p -= 2;
		memcpy(p, sim_fmt_pairs + 2 * (x % 100), 2);
		x /= 100;
	}
	if (x >= 10)
		memcpy(p - 2, sim_fmt_pairs + 2 * x, 2);
	else
		p[-1] = (char)('0' + x);
	return n;
}

static inline __attribute__((always_inline)) size_t
sim_fmt_time(char *buf, double x)
{
	if (!(x >= 0.0 && x < 1e12)) /* -0.0 is 0.0 here */
		return sim_fmt_time_wide(buf, x);
	if (x == 0.0) { /* e.g. the energy of every task without a power model */
		memcpy(buf, "0.000000", 9);
		return 8;
	}
	/* micro-seconds rounded half up (llround): for 0 <= r < 2^63 the
	 * fraction r - trunc(r) is exact */
	double r = x * 1e6;
	uint64_t micros = (uint64_t)r;
	micros += r - (double)micros >= 0.5;
	/* the whole seconds but their last 2 digits, then those 2 and the 6
	 * decimals as one 8-digit number */
	uint64_t high = micros / 100000000;
	uint32_t low = (uint32_t)(micros - high * 100000000);
	uint64_t y = (uint64_t)low * SIM_FMT_FIX_8_DIGITS;
	uint32_t last_two = (uint32_t)(y >> SIM_FMT_FIX_BITS);
	size_t n;
	if (high) {
		n = sim_fmt_u64(buf, high);
		memcpy(buf + n, sim_fmt_pairs + 2 * last_two, 2);
		n += 2;
	} else if (last_two >= 10) {
		memcpy(buf, sim_fmt_pairs + 2 * last_two, 2);
		n = 2;
	} else {
		buf[0] = (char)('0' + last_two);
		n = 1;
	}
	buf[n] = '.';
	memcpy(buf + n + 1, sim_fmt_pairs + 2 * sim_fmt_fix_next(&y), 2);
	memcpy(buf + n + 3, sim_fmt_pairs + 2 * sim_fmt_fix_next(&y), 2);
	memcpy(buf + n + 5, sim_fmt_pairs + 2 * sim_fmt_fix_next(&y), 2);
	buf[n + 7] = 0;
	return n + 7;
}

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
