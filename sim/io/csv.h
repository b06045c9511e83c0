/*
 * sim/io/csv.h — the one CSV reader of hetsim: a streaming wrapper over
 * libcsv (RFC 4180) for plain or gzip-compressed files, or a buffer.
 *
 * Every CSV input (traces, E2C-Sim EET and workload files, empirical
 * profile samples, `fit` samples and machines.csv, `plot` tables) is read
 * through it, so they all follow the same rules:
 *
 *  - comma-separated; RFC 4180 quoting: "a,b" is one field, "" inside a
 *    quoted field is one quote, a quoted field may hold newlines. A quote
 *    inside an unquoted field, or text after a closing quote, is an error.
 *  - a UTF-8 byte-order mark at the start of the file is skipped.
 *  - fields are trimmed of surrounding blanks (space, tab, \v, \f) unless
 *    quoted; '\n', '\r\n' and '\r' end a record.
 *  - blank lines are skipped (there are no comment lines).
 *  - a record (with its quoted newlines) is at most IO_CSV_MAX_RECORD
 *    bytes; a longer one, or a NUL byte, is an error, so a binary or
 *    newline-less file fails fast and memory stays bounded by one record
 *    (the file is read in blocks, never whole).
 *  - a first record that is one field holding ';' or a tab is an error
 *    naming the separator: hetsim reads comma-separated files only.
 *
 * Every record knows the 1-based line where it starts, and errors about a
 * record are located there ("file:line: what"); a malformed quote is named
 * at its own line. A record's fields stay valid until the next call of
 * io_csv_next; the header (io_csv_take_header) until close. The reader
 * does not check numbers: io_parse_double (io.h) takes decimals only,
 * and readers of times refuse values beyond IO_MAX_TIME_S.
 */
#ifndef HETSIM_SIM_IO_CSV_H
#define HETSIM_SIM_IO_CSV_H

#include <stddef.h>
#include "sim/io/io.h"

#define IO_CSV_MAX_RECORD ((size_t)1 << 20) /* bytes, 1 MiB */

typedef struct io_csv io_csv;

/* A CSV file, plain or .gz (zlib reads both). */
int io_csv_open(io_csv **out, const char *path, io_err *err);
/* CSV held in memory (not copied: buf must outlive the reader); label names
 * it in messages. */
int io_csv_open_mem(io_csv **out, const char *label, const char *buf,
		      size_t len, io_err *err);
void io_csv_close(io_csv *r);

/* The next non-blank record: 1, 0 at end of input, < 0 on an error (the
 * reader then keeps failing). */
int io_csv_next(io_csv *r, io_err *err);
int io_csv_nfields(const io_csv *r);
/* The fields of the current record, trimmed, NUL-terminated. */
char *const *io_csv_fields(const io_csv *r);
long io_csv_line(const io_csv *r); /* where the current record starts */
const char *io_csv_path(const io_csv *r);

/* Keep the current record as the header (copied). */
int io_csv_take_header(io_csv *r, io_err *err);
/* Read the first record as the header; an empty file is an error
 * "file:1: empty file: no header line". */
int io_csv_read_header(io_csv *r, io_err *err);
int io_csv_header_n(const io_csv *r);
char *const *io_csv_header(const io_csv *r);
long io_csv_header_line(const io_csv *r);
/* Index of the header column named name (exact match), or -1 (also for a
 * NULL name or no header). */
int io_csv_col(const io_csv *r, const char *name);
/* The same, but a missing column is the error
 * "file:line: no column \"name\"" at the header's line. */
int io_csv_need_col(const io_csv *r, const char *name, int *col,
		      io_err *err);
/* The current record must have as many fields as the header:
 * "file:line: the row has N fields, the header has M". */
int io_csv_check_width(const io_csv *r, io_err *err);

/* Located error about the current record (code IO_EINPUT). */
int io_csv_errf(const io_csv *r, io_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
