/*
 * profiles/io.h — leaf I/O helpers every module uses: error values with
 * file:line, JSON documents that can tell the source line of any value, a
 * line reader for plain or gzip-compressed text files and strict number
 * parsing. CSV files are read by profiles/csv.h, on top of the line reader.
 *
 * Errors are values: a function that fails fills a prof_err and returns a
 * negative code; the CLI prints it once as "hetsim: <file>:<line>: <what>".
 */
#ifndef HETSIM_PROFILES_IO_H
#define HETSIM_PROFILES_IO_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum {
	PROF_OK = 0,
	PROF_EINPUT = -2, /* bad input: file, flag, value (CLI exit status 2) */
	PROF_EIO = -5,    /* an output could not be written (exit status 1) */
	PROF_ENOMEM = -12,
};

typedef struct prof_err {
	int code;       /* PROF_E* of the first error, 0 if none */
	char msg[640];  /* "file:line: what" or "file: what" or "what" */
} prof_err;

/* Fill err (first error wins: a later call does not overwrite) and return
 * code. file may be NULL; line <= 0 omits the line. */
int prof_errf(prof_err *err, int code, const char *file, long line,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A parsed JSON file that remembers its text so that the line of any value
 * inside it can be found (jansson keeps no positions). Duplicate keys are
 * rejected at load. */
typedef struct prof_jdoc {
	json_t *root;
	char *text;
	size_t len;
	char *path; /* as given, used in messages */
} prof_jdoc;

/* A UTF-8 byte-order mark at the start is accepted (as blanks). */
int prof_jdoc_load(prof_jdoc *doc, const char *path, prof_err *err);
/* Parse JSON held in memory (path is only a label for messages). */
int prof_jdoc_parse(prof_jdoc *doc, const char *label, const char *text,
		    size_t len, prof_err *err);
void prof_jdoc_free(prof_jdoc *doc);
/* 1-based source line of node (a value somewhere inside doc->root);
 * 0 if node is not in the document. */
long prof_jdoc_line(const prof_jdoc *doc, const json_t *node);
/* Error about a value: "path:line: what". */
int prof_jerr(prof_err *err, const prof_jdoc *doc, const json_t *node,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Error about a member of container: the value of object member key, or
 * (key NULL) array element index. Use it rather than prof_jerr on the value
 * when the value may be true, false or null: jansson shares one node for
 * each of those, so they have no line of their own (prof_jdoc_line gives 0
 * for them). */
int prof_jerr_at(prof_err *err, const prof_jdoc *doc, const json_t *container,
		 const char *key, size_t index, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Resolve a path written in doc (e.g. a CSV named in a profile) relative to
 * the directory of doc->path; absolute paths are returned as they are.
 * Returns a malloc'd string. */
char *prof_jdoc_resolve(const prof_jdoc *doc, const char *rel);

/* Typed getters: a missing optional key leaves *out unchanged and returns 0;
 * a present key of the wrong type, or a non-finite / out-of-range number, is
 * an error naming the line. "required" variants fail on a missing key too. */
int prof_jget_num(const prof_jdoc *doc, const json_t *obj, const char *key,
		  int required, double *out, prof_err *err);
int prof_jget_posnum(const prof_jdoc *doc, const json_t *obj, const char *key,
		     int required, double *out, prof_err *err); /* > 0 */
int prof_jget_nonneg(const prof_jdoc *doc, const json_t *obj, const char *key,
		     int required, double *out, prof_err *err); /* >= 0 */
int prof_jget_u64(const prof_jdoc *doc, const json_t *obj, const char *key,
		  int required, uint64_t *out, prof_err *err);
int prof_jget_str(const prof_jdoc *doc, const json_t *obj, const char *key,
		  int required, const char **out, prof_err *err);
/* Fail if obj has a key not in the NULL-terminated list (typos must not be
 * silently ignored). */
int prof_jcheck_keys(const prof_jdoc *doc, const json_t *obj,
		     const char *const *allowed, prof_err *err);

/* A UTF-8 byte-order mark, as spreadsheets write at the start of "CSV
 * UTF-8" and some editors at the start of JSON: every text input skips it. */
#define PROF_UTF8_BOM "\xEF\xBB\xBF"

/* Longest line (or CSV record) any reader accepts, in bytes: a binary or
 * newline-less file fails fast instead of growing memory. */
#define PROF_MAX_LINE ((size_t)1 << 20)

/* Largest time (s) or size an input may give: larger values (1e200 s, say)
 * are typing errors, and they would break time arithmetic (t + 1 == t
 * beyond 2^53 ~ 9e15). 1e15 s is 30 million years. */
#define PROF_MAX_TIME_S 1e15

/* Line-by-line reader of a text file, transparently gunzipping *.gz (zlib
 * gzopen reads plain files too), in blocks. '\r\n' accepted; a BOM before
 * the first line is skipped; a line longer than PROF_MAX_LINE or holding a
 * NUL byte is an error "file:line: ...". For CSV use profiles/csv.h. */
typedef struct prof_lines prof_lines;
int prof_lines_open(prof_lines **out, const char *path, prof_err *err);
/* The same over text in memory (not copied; label names it in messages). */
int prof_lines_open_mem(prof_lines **out, const char *label, const char *text,
			size_t len, prof_err *err);
/* Returns 1 and sets *line (NUL-terminated, no newline, valid until the next
 * call) and *len; 0 at end of file; <0 on a read error. */
int prof_lines_next(prof_lines *r, char **line, size_t *len, prof_err *err);
long prof_lines_lineno(const prof_lines *r); /* 1-based, of the last line */
const char *prof_lines_path(const prof_lines *r);
void prof_lines_close(prof_lines *r);

/* Strict number parse of a whole field (surrounding blanks allowed): an
 * ordinary decimal number, [+-]digits[.digits][e[+-]digits], finite. Hex
 * ("0x10"), "inf", "nan" and trailing junk are refused. */
int prof_parse_double(const char *s, double *out);

#endif
