/* sim/io/csv.c — RFC 4180 CSV records over libcsv (see csv.h).
 *
 * The bytes come from io_lines (blocks, gzip, BOM, line cap, NUL check);
 * each line is fed to libcsv with its newline put back, so the line of
 * every record start is known. libcsv calls field() and row() as it
 * recognises them; a record ends only at an unquoted newline, so at most
 * one record completes per line fed. */
#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/io/csv.h"

typedef struct record {
	char *buf; /* fields, each NUL-terminated */
	size_t len, cap;
	size_t *off; /* start of each field in buf */
	char **fields;
	int n, n_cap;
	long line;
} record;

struct io_csv {
	io_lines *lines;
	struct csv_parser parser;
	int parser_ready;
	record rec;    /* being assembled, then current */
	record header; /* a copy */
	long line;     /* start of the record being assembled, 0: none yet */
	size_t rec_bytes;
	int complete; /* rec holds a whole record */
	int oom;      /* a callback could not grow rec */
	int records;  /* records delivered */
	int eof;
	int failed;
};

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Only '\n' ends a record: io_lines has taken '\r\n' apart already, and
 * a stray '\r' must not end a record in the middle of a line. */
static int is_term(unsigned char c)
{
	return c == '\n';
}

static int rec_reserve(record *r, size_t more)
{
	return io_reserve(&r->buf, &r->cap, r->len + more, 256);
}

static int rec_add_field(record *r, const char *s, size_t n)
{
	if (r->n == r->n_cap) {
		int cap = r->n_cap ? 2 * r->n_cap : 16;
		size_t *off = realloc(r->off, (size_t)cap * sizeof *off);
		if (!off)
			return -1;
		r->off = off;
		char **f = realloc(r->fields, (size_t)cap * sizeof *f);
		if (!f)
			return -1;
		r->fields = f;
		r->n_cap = cap;
	}
	if (rec_reserve(r, n + 1))
		return -1;
	r->off[r->n++] = r->len;
	if (n)
		memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len++] = '\0';
	return 0;
}

/* Field pointers from offsets, once the buffer stops moving. */
static void rec_seal(record *r)
{
	for (int i = 0; i < r->n; i++)
		r->fields[i] = r->buf + r->off[i];
}

static void rec_free(record *r)
{
	free(r->buf);
	free(r->off);
	free(r->fields);
	memset(r, 0, sizeof *r);
}

static void on_field(void *s, size_t n, void *data)
{
	io_csv *r = data;
	if (rec_add_field(&r->rec, s, n))
		r->oom = 1;
}

static void on_row(int c, void *data)
{
	io_csv *r = data;
	(void)c;
	r->complete = 1;
}

static int csv_new(io_csv **out, io_lines *lines, io_err *err)
{
	*out = NULL;
	io_csv *r = calloc(1, sizeof *r);
	if (!r) {
		io_lines_close(lines);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	r->lines = lines;
	if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI)) {
		io_csv_close(r);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	r->parser_ready = 1;
	csv_set_space_func(&r->parser, is_space);
	csv_set_term_func(&r->parser, is_term);
	*out = r;
	return 0;
}

int io_csv_open(io_csv **out, const char *path, io_err *err)
{
	io_lines *lines;
	*out = NULL;
	int rc = io_lines_open(&lines, path, err);
	return rc ? rc : csv_new(out, lines, err);
}

int io_csv_open_mem(io_csv **out, const char *label, const char *buf,
		      size_t len, io_err *err)
{
	io_lines *lines;
	*out = NULL;
	int rc = io_lines_open_mem(&lines, label, buf, len, err);
	return rc ? rc : csv_new(out, lines, err);
}

void io_csv_close(io_csv *r)
{
	if (!r)
		return;
	if (r->parser_ready)
		csv_free(&r->parser);
	io_lines_close(r->lines);
	rec_free(&r->rec);
	rec_free(&r->header);
	free(r);
}

const char *io_csv_path(const io_csv *r)
{
	return r ? io_lines_path(r->lines) : NULL;
}

static int fail_at(io_csv *r, long line, io_err *err, int code,
		   const char *what)
{
	r->failed = code;
	return io_errf(err, code, io_csv_path(r), line, "%s", what);
}

static int check_parse(io_csv *r, size_t fed, size_t want, long line,
		       io_err *err)
{
	if (r->oom)
		return fail_at(r, line, err, IO_ENOMEM, "out of memory");
	if (fed == want)
		return 0;
	if (csv_error(&r->parser) == CSV_EPARSE)
		return fail_at(r, line, err, IO_EINPUT,
			       "malformed CSV: a quote inside an unquoted "
			       "field, or text after a closing quote (RFC "
			       "4180: quote the whole field, double a quote "
			       "inside it)");
	return fail_at(r, line, err, IO_ENOMEM, "out of memory");
}

/* A first record that is one field holding ';' or a tab: another
 * separator. */
static int check_separator(io_csv *r, io_err *err)
{
	if (r->records || r->rec.n != 1)
		return 0;
	const char *f = r->rec.fields[0];
	const char *sep = strchr(f, ';')    ? "';'"
			  : strchr(f, '\t') ? "tabs"
					    : NULL;
	if (!sep)
		return 0;
	char what[120];
	snprintf(what, sizeof what,
		 "fields are separated by %s; hetsim reads comma-separated "
		 "CSV (RFC 4180)",
		 sep);
	return fail_at(r, r->rec.line, err, IO_EINPUT, what);
}

/* Feed lines until a record completes: 1, 0 at the end, < 0 on error. */
static int assemble(io_csv *r, io_err *err)
{
	while (!r->complete) {
		if (r->eof)
			return 0;
		char *s;
		size_t n;
		int rc = io_lines_next(r->lines, &s, &n, err);
		if (rc < 0) {
			r->failed = rc;
			return rc;
		}
		if (rc == 0) {
			r->eof = 1;
			if (csv_fini(&r->parser, on_field, on_row, r) != 0 &&
			    csv_error(&r->parser) == CSV_EPARSE)
				return fail_at(r, r->line, err, IO_EINPUT,
					       "a quoted field is not closed "
					       "before the end of the file");
			if ((rc = check_parse(r, 0, 0, r->line, err)))
				return rc;
			continue;
		}
		long ln = io_lines_lineno(r->lines);
		if (!r->line) {
			size_t k = 0;
			while (k < n && is_space((unsigned char)s[k]))
				k++;
			if (k == n)
				continue; /* a blank line between records */
			r->line = ln;
			r->rec_bytes = 0;
		}
		r->rec_bytes += n + 1;
		if (r->rec_bytes > IO_MAX_LINE) {
			char what[80];
			snprintf(what, sizeof what,
				 "line longer than %zu bytes",
				 (size_t)IO_MAX_LINE);
			return fail_at(r, r->line, err, IO_EINPUT, what);
		}
		size_t fed = csv_parse(&r->parser, s, n, on_field, on_row, r);
		if ((rc = check_parse(r, fed, n, ln, err)))
			return rc;
		/* the newline io_lines took off ends the record or, inside
		 * quotes, is part of a field */
		fed = csv_parse(&r->parser, "\n", 1, on_field, on_row, r);
		if ((rc = check_parse(r, fed, 1, ln, err)))
			return rc;
	}
	return 1;
}

int io_csv_next(io_csv *r, io_err *err)
{
	if (r->failed)
		return r->failed;
	r->rec.len = 0;
	r->rec.n = 0;
	r->complete = 0;
	r->line = 0;
	int rc = assemble(r, err);
	if (rc <= 0)
		return rc;
	r->rec.line = r->line;
	rec_seal(&r->rec);
	if ((rc = check_separator(r, err)))
		return rc;
	r->records++;
	return 1;
}

int io_csv_nfields(const io_csv *r)
{
	return r->rec.n;
}

char *const *io_csv_fields(const io_csv *r)
{
	return r->rec.fields;
}

long io_csv_line(const io_csv *r)
{
	return r ? r->rec.line : 0;
}

int io_csv_take_header(io_csv *r, io_err *err)
{
	record *h = &r->header;
	h->len = 0;
	h->n = 0;
	for (int i = 0; i < r->rec.n; i++)
		if (rec_add_field(h, r->rec.fields[i],
				  strlen(r->rec.fields[i])))
			return io_errf(err, IO_ENOMEM, NULL, 0,
					 "out of memory");
	h->line = r->rec.line;
	rec_seal(h);
	return 0;
}

int io_csv_read_header(io_csv *r, io_err *err)
{
	int rc = io_csv_next(r, err);
	if (rc == 0)
		return io_errf(err, IO_EINPUT, io_csv_path(r), 1,
				 "empty file: no header line");
	return rc < 0 ? rc : io_csv_take_header(r, err);
}

int io_csv_header_n(const io_csv *r)
{
	return r->header.n;
}

char *const *io_csv_header(const io_csv *r)
{
	return r->header.fields;
}

long io_csv_header_line(const io_csv *r)
{
	return r->header.line;
}

int io_csv_col(const io_csv *r, const char *name)
{
	for (int i = 0; name && i < r->header.n; i++)
		if (strcmp(r->header.fields[i], name) == 0)
			return i;
	return -1;
}

int io_csv_need_col(const io_csv *r, const char *name, int *col,
		      io_err *err)
{
	*col = io_csv_col(r, name);
	if (*col >= 0)
		return 0;
	return io_errf(err, IO_EINPUT, io_csv_path(r),
			 r->header.line ? r->header.line : 1,
			 "no column \"%s\"", name ? name : "");
}

int io_csv_check_width(const io_csv *r, io_err *err)
{
	if (r->rec.n == r->header.n)
		return 0;
	return io_csv_errf(r, err,
			     "the row has %d field%s, the header has %d",
			     r->rec.n, r->rec.n == 1 ? "" : "s", r->header.n);
}

int io_csv_errf(const io_csv *r, io_err *err, const char *fmt, ...)
{
	char what[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return io_errf(err, IO_EINPUT, io_csv_path(r), io_csv_line(r),
			 "%s", what);
}
