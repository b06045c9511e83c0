/* sim/io/io.c — errors with file:line, line-aware JSON documents, a
 * (gzip-transparent) line reader and strict number parsing (see io.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "sim/io/io.h"

int io_errf(io_err *err, int code, const char *file, long line,
	      const char *fmt, ...)
{
	if (!err || err->code != 0)
		return code; /* first error wins: later ones are fallout */
	int n = 0;
	if (file && line > 0)
		n = snprintf(err->msg, sizeof err->msg, "%s:%ld: ", file, line);
	else if (file)
		n = snprintf(err->msg, sizeof err->msg, "%s: ", file);
	size_t used = n < 0 ? 0 : (size_t)n;
	if (used >= sizeof err->msg)
		used = sizeof err->msg - 1; /* prefix alone fills it */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg + used, sizeof err->msg - used, fmt, ap);
	va_end(ap);
	err->code = code ? code : IO_EINPUT;
	return code;
}

/* ---- JSON documents -------------------------------------------------- */

int io_read_file(const char *path, char **text, size_t *len, io_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return io_errf(err, IO_EINPUT, path, 0, "cannot open: %s",
				 strerror(errno));
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			return io_errf(err, IO_ENOMEM, path, 0,
					 "out of memory");
		}
		n += fread(buf + n, 1, cap - 1 - n, f);
		if (n < cap - 1)
			break;
		char *bigger =
			cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
		if (!bigger)
			free(buf);
		buf = bigger;
		cap *= 2;
	}
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		free(buf);
		return io_errf(err, IO_EINPUT, path, 0, "cannot read: %s",
				 strerror(e));
	}
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Parse doc->text (already set); on failure leaves doc freeable. */
static int jdoc_parse_text(io_jdoc *doc, io_err *err)
{
	json_error_t je;
	/* A BOM becomes blanks: jansson refuses it, and the text keeps its
	 * offsets and lines. */
	if (doc->len >= 3 && !memcmp(doc->text, IO_UTF8_BOM, 3))
		memset(doc->text, ' ', 3);
	/* Root type is the caller's business (JSON_DECODE_ANY); trailing
	 * garbage is rejected because the EOF check stays on. */
	doc->root = json_loadb(doc->text, doc->len,
			       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!doc->root)
		return io_errf(err, IO_EINPUT, doc->path, je.line, "%s",
				 je.text);
	return 0;
}

int io_jdoc_load(io_jdoc *doc, const char *path, io_err *err)
{
	memset(doc, 0, sizeof *doc);
	doc->path = strdup(path);
	if (!doc->path)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	int rc = io_read_file(path, &doc->text, &doc->len, err);
	if (rc == 0)
		rc = jdoc_parse_text(doc, err);
	if (rc)
		io_jdoc_free(doc);
	return rc;
}

int io_jdoc_parse(io_jdoc *doc, const char *label, const char *text,
		    size_t len, io_err *err)
{
	memset(doc, 0, sizeof *doc);
	doc->path = strdup(label ? label : "<json>");
	doc->text = malloc(len + 1);
	if (!doc->path || !doc->text) {
		io_jdoc_free(doc);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	memcpy(doc->text, text, len);
	doc->text[len] = '\0';
	doc->len = len;
	int rc = jdoc_parse_text(doc, err);
	if (rc)
		io_jdoc_free(doc);
	return rc;
}

void io_jdoc_free(io_jdoc *doc)
{
	if (!doc)
		return;
	json_decref(doc->root);
	free(doc->text);
	free(doc->path);
	memset(doc, 0, sizeof *doc);
}

/*
 * Source lines. jansson keeps no positions, so the text is scanned again
 * with a small tokenizer that walks the jansson tree in parallel (object
 * members by key, array elements by index) until it meets the node. Only
 * error paths call this. The text was accepted by jansson, but the scanner
 * still stops cleanly (returns 0) on anything unexpected and never reads
 * past doc->len.
 */
enum { JSCAN_MAX_DEPTH = 2048 }; /* jansson's own nesting limit */

typedef struct jscan {
	const char *s, *end;
	long line;
	const json_t *target; /* the node sought, or: */
	const json_t *parent; /* the container whose member is sought, */
	const char *member;   /* by key (objects), */
	size_t index;	      /* or by index (arrays, member NULL) */
	char *key;	      /* decoded object key (grown on demand) */
	size_t key_len, key_cap;
	int depth;
} jscan;

static void js_ws(jscan *j)
{
	while (j->s < j->end) {
		char c = *j->s;
		if (c == '\n')
			j->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			return;
		j->s++;
	}
}

int io_reserve(char **buf, size_t *cap, size_t need, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : first;
	while (c < need)
		c *= 2;
	char *b = realloc(*buf, c);
	if (!b)
		return -1;
	*buf = b;
	*cap = c;
	return 0;
}

static int js_key_put(jscan *j, const char *b, size_t n)
{
	if (io_reserve(&j->key, &j->key_cap, j->key_len + n + 1, 64) < 0)
		return -1;
	memcpy(j->key + j->key_len, b, n);
	j->key_len += n;
	j->key[j->key_len] = '\0';
	return 0;
}

static int js_hex4(const char *p, const char *end, unsigned *out)
{
	if (end - p < 4)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int js_put_utf8(jscan *j, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return js_key_put(j, b, n);
}

/* A string at j->s; decoded into j->key when decode is set. */
static int js_string(jscan *j, int decode)
{
	if (j->s >= j->end || *j->s != '"')
		return -1;
	j->s++;
	j->key_len = 0;
	if (decode && js_key_put(j, "", 0))
		return -1;
	for (;;) {
		const char *run = j->s;
		while (j->s < j->end && *j->s != '"' && *j->s != '\\') {
			if (*j->s == '\n')
				j->line++; /* invalid JSON, but count it */
			j->s++;
		}
		if (decode && js_key_put(j, run, (size_t)(j->s - run)))
			return -1;
		if (j->s >= j->end)
			return -1;
		if (*j->s == '"') {
			j->s++;
			return 0;
		}
		/* backslash escape */
		if (j->end - j->s < 2)
			return -1;
		char e = j->s[1];
		j->s += 2;
		if (!decode) {
			continue; /* the escaped char cannot end the string */
		}
		unsigned cp;
		switch (e) {
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (js_hex4(j->s, j->end, &cp))
				return -1;
			j->s += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->s >= 6 &&
			    j->s[0] == '\\' && j->s[1] == 'u') {
				unsigned lo;
				if (!js_hex4(j->s + 2, j->end, &lo) &&
				    lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					     (lo - 0xDC00);
					j->s += 6;
				}
			}
			break;
		default: /* \" \\ \/ */
			cp = (unsigned char)e;
			break;
		}
		if (js_put_utf8(j, cp))
			return -1;
	}
}

/* Numbers, true, false, null: a run of token characters. */
static int js_atom(jscan *j)
{
	const char *start = j->s;
	while (j->s < j->end) {
		char c = *j->s;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.')
			j->s++;
		else
			break;
	}
	return j->s > start ? 0 : -1;
}

static long js_value(jscan *j, const json_t *v);

/* After a member or element: ',' continues (1), close ends (0), else -1. */
static int js_next(jscan *j, char close)
{
	js_ws(j);
	if (j->s >= j->end)
		return -1;
	char c = *j->s++;
	return c == ',' ? 1 : c == close ? 0 : -1;
}

static long js_object(jscan *j, const json_t *obj)
{
	j->s++; /* '{' */
	js_ws(j);
	if (j->s < j->end && *j->s == '}') {
		j->s++;
		return 0;
	}
	for (;;) {
		js_ws(j);
		if (js_string(j, 1))
			return -1;
		const json_t *child = obj ? json_object_get(obj, j->key) : NULL;
		js_ws(j);
		if (j->s >= j->end || *j->s != ':')
			return -1;
		j->s++;
		if (obj && obj == j->parent && j->member &&
		    strcmp(j->key, j->member) == 0) {
			js_ws(j);
			return j->line;
		}
		long r = js_value(j, child);
		if (r)
			return r;
		int more = js_next(j, '}');
		if (more <= 0)
			return more;
	}
}

static long js_array(jscan *j, const json_t *arr)
{
	j->s++; /* '[' */
	js_ws(j);
	if (j->s < j->end && *j->s == ']') {
		j->s++;
		return 0;
	}
	for (size_t i = 0;; i++) {
		if (arr && arr == j->parent && !j->member && i == j->index) {
			js_ws(j);
			return j->line;
		}
		long r = js_value(j, arr ? json_array_get(arr, i) : NULL);
		if (r)
			return r;
		int more = js_next(j, ']');
		if (more <= 0)
			return more;
	}
}

/* The line of target if it is v or inside v (> 0), 0 if not, -1 on text
 * that cannot be scanned. v may be NULL: the text is only skipped. */
static long js_value(jscan *j, const json_t *v)
{
	js_ws(j);
	if (j->s >= j->end)
		return -1;
	if (v && v == j->target)
		return j->line;
	if (j->depth >= JSCAN_MAX_DEPTH)
		return -1;
	j->depth++;
	long r;
	switch (*j->s) {
	case '{':
		r = js_object(j, json_is_object(v) ? v : NULL);
		break;
	case '[':
		r = js_array(j, json_is_array(v) ? v : NULL);
		break;
	case '"':
		r = js_string(j, 0) ? -1 : 0;
		break;
	default:
		r = js_atom(j) ? -1 : 0;
		break;
	}
	j->depth--;
	return r;
}

static long jscan_run(const io_jdoc *doc, jscan *j)
{
	if (!doc || !doc->text || !doc->root)
		return 0;
	j->s = doc->text;
	j->end = doc->text + doc->len;
	j->line = 1;
	long r = js_value(j, doc->root);
	free(j->key);
	return r > 0 ? r : 0;
}

/* true, false and null are singletons in jansson: every occurrence in the
 * document is the same pointer, so such a node has no line of its own
 * (unless it is the root) and 0 is returned rather than a wrong line. The
 * getters below find values by (object, key) and are not affected. */
long io_jdoc_line(const io_jdoc *doc, const json_t *node)
{
	if (!node || !doc)
		return 0;
	if ((json_is_true(node) || json_is_false(node) || json_is_null(node)) &&
	    node != doc->root)
		return 0;
	jscan j = {.target = node};
	return jscan_run(doc, &j);
}

/* node itself (member_mode 0), or its member key / element index. */
static int jerr_v(io_err *err, const io_jdoc *doc, const json_t *node,
		  int member_mode, const char *key, size_t index,
		  const char *fmt, va_list ap)
{
	if (!err || err->code != 0)
		return IO_EINPUT; /* dropped anyway: skip the rescan */
	char what[sizeof err->msg];
	vsnprintf(what, sizeof what, fmt, ap);
	long line;
	if (member_mode) {
		jscan j = {.parent = node, .member = key, .index = index};
		line = jscan_run(doc, &j);
	} else {
		line = io_jdoc_line(doc, node);
	}
	return io_errf(err, IO_EINPUT, doc ? doc->path : NULL, line, "%s",
			 what);
}

int io_jerr(io_err *err, const io_jdoc *doc, const json_t *node,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = jerr_v(err, doc, node, 0, NULL, 0, fmt, ap);
	va_end(ap);
	return rc;
}

int io_jerr_at(io_err *err, const io_jdoc *doc, const json_t *container,
		 const char *key, size_t index, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = jerr_v(err, doc, container, 1, key, index, fmt, ap);
	va_end(ap);
	return rc;
}

char *io_jdoc_resolve(const io_jdoc *doc, const char *rel)
{
	const char *slash = doc && doc->path ? strrchr(doc->path, '/') : NULL;
	if (!rel)
		return NULL;
	if (rel[0] == '/' || !slash)
		return strdup(rel);
	size_t dir = (size_t)(slash - doc->path) + 1; /* keeps the '/' */
	size_t n = strlen(rel);
	char *out = malloc(dir + n + 1);
	if (!out)
		return NULL;
	memcpy(out, doc->path, dir);
	memcpy(out + dir, rel, n + 1);
	return out;
}

/* ---- typed getters ----------------------------------------------------- */

/* The member, or NULL after reporting it when required. *rc is the result
 * to return when NULL comes back. */
static const json_t *jget(const io_jdoc *doc, const json_t *obj,
			  const char *key, int required, int *rc, io_err *err)
{
	const json_t *v =
		json_is_object(obj) ? json_object_get(obj, key) : NULL;
	*rc = 0;
	if (!v && required)
		*rc = io_jerr(err, doc, obj, "missing \"%s\"", key);
	return v;
}

int io_jget_num(const io_jdoc *doc, const json_t *obj, const char *key,
		  int required, double *out, io_err *err)
{
	int rc;
	const json_t *v = jget(doc, obj, key, required, &rc, err);
	if (!v)
		return rc;
	double x = json_is_number(v) ? json_number_value(v) : NAN;
	if (!json_is_number(v) || !isfinite(x))
		return io_jerr_at(err, doc, obj, key, 0,
				    "\"%s\" must be a number", key);
	*out = x;
	return 0;
}

/* Shared body of the range-checked number getters. */
static int jget_ranged(const io_jdoc *doc, const json_t *obj, const char *key,
		       int required, double *out, io_err *err, int strict)
{
	double x;
	int present = json_is_object(obj) && json_object_get(obj, key);
	int rc = io_jget_num(doc, obj, key, required, &x, err);
	if (rc || !present)
		return rc;
	if (strict ? !(x > 0) : !(x >= 0))
		return io_jerr_at(err, doc, obj, key, 0,
				    "\"%s\" must be %s 0", key,
				    strict ? ">" : ">=");
	*out = x;
	return 0;
}

int io_jget_posnum(const io_jdoc *doc, const json_t *obj, const char *key,
		     int required, double *out, io_err *err)
{
	return jget_ranged(doc, obj, key, required, out, err, 1);
}

int io_jget_nonneg(const io_jdoc *doc, const json_t *obj, const char *key,
		     int required, double *out, io_err *err)
{
	return jget_ranged(doc, obj, key, required, out, err, 0);
}

int io_jget_u64(const io_jdoc *doc, const json_t *obj, const char *key,
		  int required, uint64_t *out, io_err *err)
{
	int rc;
	const json_t *v = jget(doc, obj, key, required, &rc, err);
	if (!v)
		return rc;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	/* 1e6 is a real to jansson but an integer to the person who wrote
	 * it; accept integral reals up to 2^53, where doubles stay exact. */
	if (json_is_real(v)) {
		double x = json_real_value(v);
		if (x >= 0 && x <= 0x1p53 && x == floor(x)) {
			*out = (uint64_t)x;
			return 0;
		}
	}
	return io_jerr_at(err, doc, obj, key, 0,
			    "\"%s\" must be an integer >= 0", key);
}

int io_jget_int(const io_jdoc *doc, const json_t *obj, const char *key,
		  int required, int64_t lo, int64_t hi, int64_t *out,
		  io_err *err)
{
	int rc;
	const json_t *v = jget(doc, obj, key, required, &rc, err);
	if (!v)
		return rc;
	int ok = 0;
	int64_t x = 0;
	if (json_is_integer(v)) {
		x = (int64_t)json_integer_value(v);
		ok = 1;
	} else if (json_is_real(v)) {
		/* range first (doubles are exact up to 2^53): then the cast */
		double r = json_real_value(v);
		if (fabs(r) <= 0x1p53 && r == floor(r)) {
			x = (int64_t)r;
			ok = 1;
		}
	}
	if (!ok || x < lo || x > hi)
		return io_jerr_at(err, doc, obj, key, 0,
				  "\"%s\" must be a whole number in %lld..%lld",
				  key, (long long)lo, (long long)hi);
	*out = x;
	return 0;
}

int io_jget_str(const io_jdoc *doc, const json_t *obj, const char *key,
		  int required, const char **out, io_err *err)
{
	int rc;
	const json_t *v = jget(doc, obj, key, required, &rc, err);
	if (!v)
		return rc;
	if (!json_is_string(v))
		return io_jerr_at(err, doc, obj, key, 0,
				    "\"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}

int io_jcheck_keys(const io_jdoc *doc, const json_t *obj,
		     const char *const *allowed, io_err *err)
{
	if (!json_is_object(obj))
		return io_jerr(err, doc, obj, "expected a JSON object");
	const char *key;
	const json_t *v;
	/* json_object_foreach wants a non-const object; it does not modify. */
	json_object_foreach ((json_t *)obj, key, v) {
		size_t i;
		for (i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i])
			continue;
		char list[400];
		size_t used = 0;
		list[0] = '\0';
		for (i = 0; allowed[i] && used < sizeof list; i++) {
			int n = snprintf(list + used, sizeof list - used,
					 "%s%s", i ? ", " : "", allowed[i]);
			if (n < 0)
				break;
			used += (size_t)n;
		}
		return io_jerr_at(err, doc, obj, key, 0,
				    "unknown key \"%s\" (expected one of: %s)",
				    key, list);
	}
	return 0;
}

/* ---- line reader --------------------------------------------------------- */

enum { LINES_BLOCK = 256 * 1024 };

struct io_lines {
	gzFile gz;
	const char *mem; /* or an in-memory text, read in blocks too */
	size_t mem_len, mem_pos;
	char *path;
	char *blk; /* LINES_BLOCK + 1 bytes of decompressed input */
	size_t pos, fill;
	char *acc; /* a line that spans blocks is assembled here */
	size_t acc_len, acc_cap;
	long lineno;
	int eof, failed;
};

static io_lines *lines_new(const char *path, io_err *err)
{
	io_lines *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(path)) ||
	    !(r->blk = malloc(LINES_BLOCK + 1))) {
		io_lines_close(r);
		io_errf(err, IO_ENOMEM, path, 0, "out of memory");
		return NULL;
	}
	return r;
}

int io_lines_open_mem(io_lines **out, const char *label, const char *text,
			size_t len, io_err *err)
{
	*out = lines_new(label ? label : "<text>", err);
	if (!*out)
		return IO_ENOMEM;
	(*out)->mem = text ? text : "";
	(*out)->mem_len = text ? len : 0;
	return 0;
}

int io_lines_open(io_lines **out, const char *path, io_err *err)
{
	*out = NULL;
	io_lines *r = lines_new(path, err);
	if (!r)
		return IO_ENOMEM;
	errno = 0;
	r->gz = gzopen(path, "rb");
	if (!r->gz) {
		int e = errno;
		io_lines_close(r);
		return io_errf(err, IO_EINPUT, path, 0, "cannot open: %s",
				 e ? strerror(e) : "out of memory");
	}
	gzbuffer(r->gz, LINES_BLOCK); /* fewer syscalls and inflate calls */
	*out = r;
	return 0;
}

/* 0, -1 out of memory, -2 over IO_MAX_LINE */
static int lines_append(io_lines *r, const char *s, size_t n)
{
	if (n > IO_MAX_LINE - r->acc_len)
		return -2;
	if (io_reserve(&r->acc, &r->acc_cap, r->acc_len + n + 1, 4096) < 0)
		return -1;
	memcpy(r->acc + r->acc_len, s, n);
	r->acc_len += n;
	r->acc[r->acc_len] = '\0';
	return 0;
}

static int lines_fail(io_lines *r, int code, const char *what, io_err *err)
{
	r->failed = code;
	return io_errf(err, code, r->path, r->lineno + 1, "%s", what);
}

static int lines_append_fail(io_lines *r, int why, io_err *err)
{
	char what[80];
	if (why == -1)
		return lines_fail(r, IO_ENOMEM, "out of memory", err);
	snprintf(what, sizeof what, "line longer than %zu bytes",
		 (size_t)IO_MAX_LINE);
	return lines_fail(r, IO_EINPUT, what, err);
}

/* Refill the block; 1 if bytes came, 0 at end of input, < 0 on error. */
static int lines_refill(io_lines *r, io_err *err)
{
	r->pos = r->fill = 0;
	if (r->eof)
		return 0;
	if (r->mem) {
		size_t n = r->mem_len - r->mem_pos;
		if (n > LINES_BLOCK)
			n = LINES_BLOCK;
		memcpy(r->blk, r->mem + r->mem_pos, n);
		r->mem_pos += n;
		r->fill = n;
		r->eof = n == 0;
		return n > 0;
	}
	int got = gzread(r->gz, r->blk, LINES_BLOCK);
	int zerr;
	const char *msg = gzerror(r->gz, &zerr);
	if (got < 0 || (zerr != Z_OK && zerr != Z_BUF_ERROR)) {
		char what[200];
		snprintf(what, sizeof what, "read error: %s",
			 zerr == Z_ERRNO ? strerror(errno) : msg);
		return lines_fail(r, IO_EINPUT, what, err);
	}
	if (got == 0) {
		r->eof = 1;
		/* zlib reports a gzip stream cut short only as Z_BUF_ERROR at
		 * the end: without this, a truncated file reads as complete */
		if (zerr == Z_BUF_ERROR)
			return lines_fail(r, IO_EINPUT, "truncated gzip file",
					  err);
		return 0;
	}
	r->fill = (size_t)got;
	return 1;
}

int io_lines_next(io_lines *r, char **line, size_t *len, io_err *err)
{
	if (r->failed)
		return r->failed;
	int spanning = 0, rc;
	char *s;
	size_t n;
	r->acc_len = 0;
	for (;;) {
		s = r->blk + r->pos;
		size_t avail = r->fill - r->pos;
		char *nl = memchr(s, '\n', avail);
		if (nl) {
			n = (size_t)(nl - s);
			r->pos += n + 1;
			if (!spanning) {
				*nl = '\0'; /* common case: no copy */
				break;
			}
			if ((rc = lines_append(r, s, n)))
				return lines_append_fail(r, rc, err);
			s = r->acc;
			n = r->acc_len;
			break;
		}
		if (avail) {
			if ((rc = lines_append(r, s, avail)))
				return lines_append_fail(r, rc, err);
			spanning = 1;
		}
		rc = lines_refill(r, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (!spanning)
				return 0;
			s = r->acc; /* last line without '\n' */
			n = r->acc_len;
			break;
		}
	}
	if (memchr(s, '\0', n))
		return lines_fail(r, IO_EINPUT, "NUL byte in line", err);
	r->lineno++;
	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	if (r->lineno == 1 && n >= 3 && !memcmp(s, IO_UTF8_BOM, 3)) {
		s += 3; /* a spreadsheet's "CSV UTF-8" */
		n -= 3;
	}
	*line = s;
	*len = n;
	return 1;
}

long io_lines_lineno(const io_lines *r)
{
	return r ? r->lineno : 0;
}

const char *io_lines_path(const io_lines *r)
{
	return r ? r->path : NULL;
}

void io_lines_close(io_lines *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	free(r->blk);
	free(r->acc);
	free(r->path);
	free(r);
}

/* ---- numbers ----------------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the decimal number at s ([+-]d[.d][e[+-]d], at least one
 * mantissa digit), 0 if there is none. */
static size_t decimal_len(const char *s)
{
	size_t i = 0, digits = 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; is_digit(s[i]); i++)
		digits++;
	if (s[i] == '.')
		for (i++; is_digit(s[i]); i++)
			digits++;
	if (!digits)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (!is_digit(s[j]))
			return 0; /* "1e" is not a number */
		while (is_digit(s[j]))
			j++;
		i = j;
	}
	return i;
}

int io_parse_double(const char *s, double *out)
{
	if (!s)
		return IO_EINPUT;
	while (is_blank(*s))
		s++;
	size_t n = decimal_len(s);
	if (!n)
		return IO_EINPUT;
	const char *end = s + n;
	while (is_blank(*end))
		end++;
	if (*end)
		return IO_EINPUT;
	/* the syntax is checked: strtod reads exactly those n characters.
	 * ERANGE on underflow gives a usable 0 or subnormal; overflow is
	 * caught by isfinite */
	double x = strtod(s, NULL);
	if (!isfinite(x))
		return IO_EINPUT;
	*out = x;
	return 0;
}
