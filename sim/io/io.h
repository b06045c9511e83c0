/*
 * sim/io/io.h — leaf I/O helpers every module uses: error values with
 * file:line, JSON documents that can tell the source line of any value, a
 * line reader for plain or gzip-compressed text files and strict number
 * parsing. CSV files are read by sim/io/csv.h, on top of the line reader.
 *
 * Errors are values: a function that fails fills a io_err and returns a
 * negative code; the CLI prints it once as "hetsim: <file>:<line>: <what>".
 */
#ifndef HETSIM_SIM_IO_IO_H
#define HETSIM_SIM_IO_IO_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum {
	IO_OK = 0,
	IO_EINPUT = -2, /* bad input: file, flag, value (CLI exit status 2) */
	IO_EIO = -5,    /* an output could not be written (exit status 1) */
	IO_ENOMEM = -12,
};

typedef struct io_err {
	int code;       /* IO_E* of the first error, 0 if none */
	char msg[640];  /* "file:line: what" or "file: what" or "what" */
} io_err;

/* Fill err (first error wins: a later call does not overwrite) and return
 * code. file may be NULL; line <= 0 omits the line. */
int io_errf(io_err *err, int code, const char *file, long line,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A parsed JSON file that remembers its text so that the line of any value
 * inside it can be found (jansson keeps no positions). Duplicate keys are
 * rejected at load. */
typedef struct io_jdoc {
	json_t *root;
	char *text;
	size_t len;
	char *path; /* as given, used in messages */
} io_jdoc;

/* A whole file into a NUL-terminated malloc'd buffer (*text, *len bytes
 * before the NUL); works on pipes too. */
int io_read_file(const char *path, char **text, size_t *len, io_err *err);
/* A UTF-8 byte-order mark at the start is accepted (as blanks). */
int io_jdoc_load(io_jdoc *doc, const char *path, io_err *err);
/* Parse JSON held in memory (path is only a label for messages). */
int io_jdoc_parse(io_jdoc *doc, const char *label, const char *text,
		    size_t len, io_err *err);
void io_jdoc_free(io_jdoc *doc);
/* 1-based source line of node (a value somewhere inside doc->root);
 * 0 if node is not in the document. */
long io_jdoc_line(const io_jdoc *doc, const json_t *node);
/* Error about a value: "path:line: what". */
int io_jerr(io_err *err, const io_jdoc *doc, const json_t *node,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Error about a member of container: the value of object member key, or
 * (key NULL) array element index. Use it rather than io_jerr on the value
 * when the value may be true, false or null: jansson shares one node for
 * each of those, so they have no line of their own (io_jdoc_line gives 0
 * for them). */
int io_jerr_at(io_err *err, const io_jdoc *doc, const json_t *container,
		 const char *key, size_t index, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Resolve a path written in doc (e.g. a CSV named in a profile) relative to
 * the directory of doc->path; absolute paths are returned as they are.
 * Returns a malloc'd string. */
char *io_jdoc_resolve(const io_jdoc *doc, const char *rel);

/* Typed getters: a missing optional key leaves *out unchanged and returns 0;
 * a present key of the wrong type, or a non-finite / out-of-range number, is
 * an error naming the line. "required" variants fail on a missing key too. */
int io_jget_num(const io_jdoc *doc, const json_t *obj, const char *key,
		  int required, double *out, io_err *err);
int io_jget_posnum(const io_jdoc *doc, const json_t *obj, const char *key,
		     int required, double *out, io_err *err); /* > 0 */
int io_jget_nonneg(const io_jdoc *doc, const json_t *obj, const char *key,
		     int required, double *out, io_err *err); /* >= 0 */
int io_jget_u64(const io_jdoc *doc, const json_t *obj, const char *key,
		  int required, uint64_t *out, io_err *err);
/* A whole number in [lo, hi]: a JSON integer, or a real with no fraction
 * (50.0, 1e6) that is exact as a double (|x| <= 2^53). Anything else is an
 * error naming the key and the range, checked before any conversion (a
 * double beyond the target type must never be cast). */
int io_jget_int(const io_jdoc *doc, const json_t *obj, const char *key,
		  int required, int64_t lo, int64_t hi, int64_t *out,
		  io_err *err);
int io_jget_str(const io_jdoc *doc, const json_t *obj, const char *key,
		  int required, const char **out, io_err *err);
/* Fail if obj has a key not in the NULL-terminated list (typos must not be
 * silently ignored). */
int io_jcheck_keys(const io_jdoc *doc, const json_t *obj,
		     const char *const *allowed, io_err *err);

/* A UTF-8 byte-order mark, as spreadsheets write at the start of "CSV
 * UTF-8" and some editors at the start of JSON: every text input skips it. */
#define IO_UTF8_BOM "\xEF\xBB\xBF"

/* Longest line (or CSV record) any reader accepts, in bytes: a binary or
 * newline-less file fails fast instead of growing memory. */
#define IO_MAX_LINE ((size_t)1 << 20)

/* Largest time (s) or size an input may give: larger values (1e200 s, say)
 * are typing errors, and they would break time arithmetic (t + 1 == t
 * beyond 2^53 ~ 9e15). 1e15 s is 30 million years. */
#define IO_MAX_TIME_S 1e15

/* Line-by-line reader of a text file, transparently gunzipping *.gz (zlib
 * gzopen reads plain files too), in blocks. '\r\n' accepted; a BOM before
 * the first line is skipped; a line longer than IO_MAX_LINE or holding a
 * NUL byte is an error "file:line: ...". For CSV use sim/io/csv.h. */
/* Make *buf (of *cap bytes, malloc'd or NULL) hold at least need bytes,
 * doubling from first; 0, or -1 out of memory (*buf unchanged). */
int io_reserve(char **buf, size_t *cap, size_t need, size_t first);

typedef struct io_lines io_lines;
int io_lines_open(io_lines **out, const char *path, io_err *err);
/* The same over text in memory (not copied; label names it in messages). */
int io_lines_open_mem(io_lines **out, const char *label, const char *text,
			size_t len, io_err *err);
/* Returns 1 and sets *line (NUL-terminated, no newline, valid until the next
 * call) and *len; 0 at end of file; <0 on a read error. */
int io_lines_next(io_lines *r, char **line, size_t *len, io_err *err);
long io_lines_lineno(const io_lines *r); /* 1-based, of the last line */
const char *io_lines_path(const io_lines *r);
void io_lines_close(io_lines *r);

/* Strict number parse of a whole field (surrounding blanks allowed): an
 * ordinary decimal number, [+-]digits[.digits][e[+-]digits], finite. Hex
 * ("0x10"), "inf", "nan" and trailing junk are refused. */
int io_parse_double(const char *s, double *out);

#endif
