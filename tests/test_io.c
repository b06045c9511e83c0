/* tests/test_io.c — sim/io/io.c and sim/io/csv.c: error values, source
 * lines of JSON values, typed getters, the (gzip) line reader, the RFC 4180
 * CSV reader and strict number parsing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "sim/io/csv.h"
#include "sim/io/io.h"
#include "tests/tests.h"

/* Parse text under label "doc.json"; fails the test on a parse error. */
static void parse_ok(io_jdoc *doc, const char *text)
{
	io_err err = {0};
	int rc = io_jdoc_parse(doc, "doc.json", text, strlen(text), &err);
	ck_assert_msg(rc == 0, "parse failed: %s", err.msg);
}

/* Parse text that must fail; returns the message. */
static const char *parse_bad(const char *text)
{
	static io_err err;
	io_jdoc doc;
	memset(&err, 0, sizeof err);
	int rc = io_jdoc_parse(&doc, "bad.json", text, strlen(text), &err);
	ck_assert_int_eq(rc, IO_EINPUT);
	ck_assert_int_eq(err.code, IO_EINPUT);
	ck_assert_ptr_null(doc.root);
	return err.msg;
}

#define ck_assert_prefix(s, prefix)                                        \
	ck_assert_msg(strncmp((s), (prefix), strlen(prefix)) == 0,         \
		      "want prefix [%s] in [%s]", (prefix), (s))
#define ck_assert_contains(s, part)                                        \
	ck_assert_msg(strstr((s), (part)) != NULL, "want [%s] in [%s]",    \
		      (part), (s))

START_TEST(errf_formats_file_line_and_first_error_wins)
{
	io_err err = {0};
	ck_assert_int_eq(io_errf(&err, IO_EINPUT, "a.json", 12, "bad %d", 7),
			 IO_EINPUT);
	ck_assert_str_eq(err.msg, "a.json:12: bad 7");
	/* a later error neither overwrites the message nor the code */
	ck_assert_int_eq(io_errf(&err, IO_EIO, "b.json", 3, "later"),
			 IO_EIO);
	ck_assert_int_eq(err.code, IO_EINPUT);
	ck_assert_str_eq(err.msg, "a.json:12: bad 7");

	io_err e2 = {0};
	io_errf(&e2, IO_EIO, "out.csv", 0, "cannot write");
	ck_assert_str_eq(e2.msg, "out.csv: cannot write");
	io_err e3 = {0};
	io_errf(&e3, IO_ENOMEM, NULL, 5, "out of memory");
	ck_assert_str_eq(e3.msg, "out of memory");
	ck_assert_int_eq(e3.code, IO_ENOMEM);
	/* NULL err is allowed: the code still comes back */
	ck_assert_int_eq(io_errf(NULL, IO_EINPUT, NULL, 0, "x"),
			 IO_EINPUT);
}
END_TEST

START_TEST(errf_truncates_overlong_messages_safely)
{
	io_err err = {0};
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	io_errf(&err, IO_EINPUT, big, 99, "%s", big);
	ck_assert_uint_eq(strlen(err.msg), sizeof err.msg - 1);
	io_err e2 = {0};
	io_errf(&e2, IO_EINPUT, "f", 1, "%s", big);
	ck_assert_prefix(e2.msg, "f:1: xxx");
	ck_assert_uint_eq(strlen(e2.msg), sizeof e2.msg - 1);
}
END_TEST

/* Line numbers are in the comments. */
static const char nested_doc[] =
	"\n"                                         /* 1 */
	"{\n"                                        /* 2 */
	"  \"a\": 1,\n"                              /* 3 */
	"  \"b\": {\n"                               /* 4 */
	"    \"c\": [10,\n"                          /* 5 */
	"          20,\n"                            /* 6 */
	"          {\"d\": \"x\\\"y\\\\\", \"n\": [[], {}]}],\n" /* 7 */
	"    \"e\": \"not a \\n newline, a ] or }\"\n" /* 8 */
	"  },\n"                                     /* 9 */
	"  \"f\\\"g\": true,\n"                      /* 10 */
	"  \"\\u00e9t\\u00e9\": 5,\n"                /* 11 */
	"  \"h\":\n"                                 /* 12 */
	"     null,\n"                               /* 13 */
	"  \"z\": 2.5e3\n"                           /* 14 */
	"}\n";                                       /* 15 */

START_TEST(jdoc_line_finds_nested_values_and_array_elements)
{
	io_jdoc doc;
	parse_ok(&doc, nested_doc);
	json_t *r = doc.root;
	json_t *b = json_object_get(r, "b");
	json_t *c = json_object_get(b, "c");
	json_t *third = json_array_get(c, 2);
	ck_assert_int_eq(io_jdoc_line(&doc, r), 2);
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(r, "a")), 3);
	ck_assert_int_eq(io_jdoc_line(&doc, b), 4);
	ck_assert_int_eq(io_jdoc_line(&doc, c), 5);
	ck_assert_int_eq(io_jdoc_line(&doc, json_array_get(c, 0)), 5);
	ck_assert_int_eq(io_jdoc_line(&doc, json_array_get(c, 1)), 6);
	ck_assert_int_eq(io_jdoc_line(&doc, third), 7);
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(third, "d")), 7);
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(third, "n")), 7);
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(b, "e")), 8);
	/* keys with escapes: \" and \u00e9 (UTF-8 é) */
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(r, "\xc3\xa9t\xc3\xa9")),
			 11);
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(r, "z")), 14);
	/* a node that is not in the document */
	json_t *other = json_integer(1);
	ck_assert_int_eq(io_jdoc_line(&doc, other), 0);
	json_decref(other);
	ck_assert_int_eq(io_jdoc_line(&doc, NULL), 0);
	io_jdoc_free(&doc);
}
END_TEST

START_TEST(jerr_at_names_line_of_true_false_null_members)
{
	/* jansson shares true/false/null nodes, so only (container, key)
	 * can tell which one is meant */
	io_jdoc doc;
	parse_ok(&doc, nested_doc);
	json_t *r = doc.root;
	io_err err = {0};
	io_jerr_at(&err, &doc, r, "h", 0, "\"h\" is null");
	ck_assert_str_eq(err.msg, "doc.json:13: \"h\" is null");
	io_err e2 = {0};
	io_jerr_at(&e2, &doc, r, "f\"g", 0, "x");
	ck_assert_str_eq(e2.msg, "doc.json:10: x");
	io_err e3 = {0};
	json_t *c = json_object_get(json_object_get(r, "b"), "c");
	io_jerr_at(&e3, &doc, c, NULL, 1, "element");
	ck_assert_str_eq(e3.msg, "doc.json:6: element");
	/* the shared node itself has no line of its own */
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(r, "h")), 0);
	io_err e4 = {0};
	io_jerr(&e4, &doc, json_object_get(r, "a"), "a is %d", 1);
	ck_assert_str_eq(e4.msg, "doc.json:3: a is 1");
	io_jdoc_free(&doc);
}
END_TEST

START_TEST(jdoc_line_of_root_and_scalar_root)
{
	io_jdoc doc;
	parse_ok(&doc, "\n\n  [1,\n 2]");
	ck_assert_int_eq(io_jdoc_line(&doc, doc.root), 3);
	ck_assert_int_eq(io_jdoc_line(&doc, json_array_get(doc.root, 1)), 4);
	io_jdoc_free(&doc);
	parse_ok(&doc, "\n 42 \n");
	ck_assert_int_eq(io_jdoc_line(&doc, doc.root), 2);
	io_jdoc_free(&doc);
}
END_TEST

START_TEST(jdoc_line_never_loops_on_damaged_text)
{
	/* The scanner must stop on text that does not match the tree. */
	io_jdoc doc;
	parse_ok(&doc, "{\"a\": [1, 2, {\"b\": \"c\"}]}");
	json_t *b = json_object_get(json_array_get(json_object_get(doc.root, "a"), 2), "b");
	const char *damaged[] = {"", "{", "{\"a\"", "{\"a\": [1, 2,", "[[[[",
				 "{\"a\": \"\\", "{\"a\" 1}", "}}}", "{\"a\": [1 2]}"};
	char *saved = doc.text;
	size_t saved_len = doc.len;
	for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
		doc.text = (char *)damaged[i];
		doc.len = strlen(damaged[i]);
		ck_assert_int_eq(io_jdoc_line(&doc, b), 0);
	}
	doc.text = saved;
	doc.len = saved_len;
	ck_assert_int_eq(io_jdoc_line(&doc, b), 1);
	io_jdoc_free(&doc);
}
END_TEST

START_TEST(malformed_json_reports_its_line)
{
	const char *m = parse_bad("{\n  \"a\": 1,\n  \"b\": [1, 2,,]\n}\n");
	ck_assert_prefix(m, "bad.json:3: ");
	m = parse_bad("{\n  \"a\": 1\n  \"b\": 2\n}\n");
	ck_assert_prefix(m, "bad.json:3: ");
	/* trailing garbage after the value */
	m = parse_bad("{\"a\": 1}\n\nxyz\n");
	ck_assert_prefix(m, "bad.json:3: ");
	/* NaN is not JSON */
	m = parse_bad("{\n\"rate\": NaN}\n");
	ck_assert_prefix(m, "bad.json:2: ");
}
END_TEST

START_TEST(duplicate_key_is_rejected_with_its_line)
{
	const char *m = parse_bad("{\n  \"a\": 1,\n  \"b\": {\"x\": 1,\n   \"x\": 2}\n}\n");
	ck_assert_prefix(m, "bad.json:4: ");
	ck_assert_contains(m, "duplicate");
}
END_TEST

START_TEST(jdoc_load_reads_file_and_names_missing_one)
{
	const char *p = test_write("load.json", "{\n \"k\": [1, 2]\n}\n");
	io_jdoc doc;
	io_err err = {0};
	ck_assert_int_eq(io_jdoc_load(&doc, p, &err), 0);
	ck_assert_str_eq(doc.path, p);
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(doc.root, "k")), 2);
	io_jdoc_free(&doc);
	io_jdoc_free(&doc); /* idempotent */

	char missing[600];
	snprintf(missing, sizeof missing, "%s/no_such.json", test_tmpdir());
	ck_assert_int_eq(io_jdoc_load(&doc, missing, &err), IO_EINPUT);
	char want[700];
	snprintf(want, sizeof want, "%s: cannot open: ", missing);
	ck_assert_prefix(err.msg, want);
	ck_assert_ptr_null(doc.root);
}
END_TEST

START_TEST(jdoc_resolve_is_relative_to_the_document)
{
	io_jdoc doc;
	io_err err = {0};
	ck_assert_int_eq(io_jdoc_parse(&doc, "dir/sub/p.json", "{}", 2, &err), 0);
	char *r = io_jdoc_resolve(&doc, "data.csv");
	ck_assert_str_eq(r, "dir/sub/data.csv");
	free(r);
	r = io_jdoc_resolve(&doc, "/abs/data.csv");
	ck_assert_str_eq(r, "/abs/data.csv");
	free(r);
	io_jdoc_free(&doc);
	ck_assert_int_eq(io_jdoc_parse(&doc, "p.json", "{}", 2, &err), 0);
	r = io_jdoc_resolve(&doc, "data.csv");
	ck_assert_str_eq(r, "data.csv");
	free(r);
	io_jdoc_free(&doc);
}
END_TEST

static const char getter_doc[] =
	"{\n"                                  /* 1 */
	"  \"rate_per_s\": \"fast\",\n"        /* 2 */
	"  \"neg\": -1,\n"                     /* 3 */
	"  \"zero\": 0,\n"                     /* 4 */
	"  \"ok\": 2.5,\n"                     /* 5 */
	"  \"n\": 1e6,\n"                      /* 6 */
	"  \"frac\": 1.5,\n"                   /* 7 */
	"  \"big\": 1e17,\n"                    /* 8 */
	"  \"s\": 3,\n"                        /* 9 */
	"  \"name\": \"x\",\n"                 /* 10 */
	"  \"flag\": true,\n"                  /* 11 */
	"  \"nothing\": null\n"                /* 12 */
	"}\n";

START_TEST(getters_name_key_and_line_of_bad_values)
{
	io_jdoc doc;
	parse_ok(&doc, getter_doc);
	const json_t *o = doc.root;
	double x = -7;
	uint64_t u = 0;
	const char *s = NULL;
	io_err err = {0};

	ck_assert_int_eq(io_jget_num(&doc, o, "rate_per_s", 0, &x, &err),
			 IO_EINPUT);
	ck_assert_str_eq(err.msg, "doc.json:2: \"rate_per_s\" must be a number");
	ck_assert_double_eq(x, -7); /* untouched on error */

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jget_posnum(&doc, o, "zero", 0, &x, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg, "doc.json:4: \"zero\" must be > 0");
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jget_nonneg(&doc, o, "neg", 0, &x, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg, "doc.json:3: \"neg\" must be >= 0");
	ck_assert_int_eq(io_jget_nonneg(&doc, o, "zero", 1, &x, NULL), 0);
	ck_assert_double_eq(x, 0);
	ck_assert_int_eq(io_jget_posnum(&doc, o, "ok", 1, &x, NULL), 0);
	ck_assert_double_eq(x, 2.5);
	ck_assert_int_eq(io_jget_num(&doc, o, "neg", 1, &x, NULL), 0);
	ck_assert_double_eq(x, -1);

	/* missing: optional leaves the value, required names the object */
	x = 42;
	ck_assert_int_eq(io_jget_num(&doc, o, "absent", 0, &x, NULL), 0);
	ck_assert_double_eq(x, 42);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jget_num(&doc, o, "absent", 1, &x, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg, "doc.json:1: missing \"absent\"");

	/* u64: integers, and integral reals up to 2^53 */
	ck_assert_int_eq(io_jget_u64(&doc, o, "s", 1, &u, NULL), 0);
	ck_assert_uint_eq(u, 3);
	ck_assert_int_eq(io_jget_u64(&doc, o, "n", 1, &u, NULL), 0);
	ck_assert_uint_eq(u, 1000000);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jget_u64(&doc, o, "frac", 1, &u, &err), IO_EINPUT);
	ck_assert_prefix(err.msg, "doc.json:7: \"frac\"");
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jget_u64(&doc, o, "neg", 1, &u, &err), IO_EINPUT);
	ck_assert_prefix(err.msg, "doc.json:3: \"neg\"");
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jget_u64(&doc, o, "big", 1, &u, &err), IO_EINPUT);
	ck_assert_prefix(err.msg, "doc.json:8: ");

	/* strings, and the shared true/null nodes still get their lines */
	ck_assert_int_eq(io_jget_str(&doc, o, "name", 1, &s, NULL), 0);
	ck_assert_str_eq(s, "x");
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jget_str(&doc, o, "nothing", 1, &s, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg, "doc.json:12: \"nothing\" must be a string");
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_jget_num(&doc, o, "flag", 1, &x, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg, "doc.json:11: \"flag\" must be a number");
	io_jdoc_free(&doc);
}
END_TEST

START_TEST(check_keys_names_unknown_key_and_its_line)
{
	io_jdoc doc;
	parse_ok(&doc, "{\"a\": 1,\n \"b\": 2,\n \"bogus\": null}\n");
	static const char *const ab[] = {"a", "b", NULL};
	static const char *const abc[] = {"a", "b", "bogus", NULL};
	io_err err = {0};
	ck_assert_int_eq(io_jcheck_keys(&doc, doc.root, abc, &err), 0);
	ck_assert_int_eq(io_jcheck_keys(&doc, doc.root, ab, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg, "doc.json:3: unknown key \"bogus\" "
				  "(expected one of: a, b)");
	io_jdoc_free(&doc);
}
END_TEST

/* Write text through zlib's gzip writer. */
static const char *write_gz(const char *name, const char *text, size_t len)
{
	static char path[600];
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	gzFile gz = gzopen(path, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzwrite(gz, text, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(gz), Z_OK);
	return path;
}

/* Three lines: "a,b", a 100,000-char line (crosses the 64 KiB and the
 * reader's block boundaries), "last" without a final newline; CRLF. */
static char *long_lines_text(size_t *len)
{
	size_t n = 100000;
	char *t = malloc(n + 64);
	ck_assert_ptr_nonnull(t);
	strcpy(t, "a,b\r\n");
	size_t at = strlen(t);
	for (size_t i = 0; i < n; i++)
		t[at++] = (char)('0' + i % 10);
	strcpy(t + at, "\r\n\r\nlast");
	*len = at + strlen("\r\n\r\nlast");
	return t;
}

static void check_long_lines(const char *path)
{
	io_lines *r;
	io_err err = {0};
	char *line;
	size_t len;
	ck_assert_int_eq(io_lines_open(&r, path, &err), 0);
	ck_assert_str_eq(io_lines_path(r), path);
	ck_assert_int_eq(io_lines_next(r, &line, &len, &err), 1);
	ck_assert_str_eq(line, "a,b");
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(io_lines_lineno(r), 1);
	ck_assert_int_eq(io_lines_next(r, &line, &len, &err), 1);
	ck_assert_uint_eq(len, 100000);
	ck_assert_uint_eq(strlen(line), 100000);
	ck_assert(line[0] == '0' && line[99999] == '9' && line[65536] == '6');
	ck_assert_int_eq(io_lines_lineno(r), 2);
	ck_assert_int_eq(io_lines_next(r, &line, &len, &err), 1);
	ck_assert_uint_eq(len, 0); /* an empty CRLF line */
	ck_assert_int_eq(io_lines_next(r, &line, &len, &err), 1);
	ck_assert_str_eq(line, "last");
	ck_assert_int_eq(io_lines_lineno(r), 4);
	ck_assert_int_eq(io_lines_next(r, &line, &len, &err), 0);
	ck_assert_int_eq(io_lines_next(r, &line, &len, &err), 0);
	ck_assert_int_eq(err.code, 0);
	io_lines_close(r);
}

START_TEST(lines_reads_plain_file_with_long_and_crlf_lines)
{
	size_t len;
	char *t = long_lines_text(&len);
	char path[600];
	snprintf(path, sizeof path, "%s/long.csv", test_tmpdir());
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(t, 1, len, f), len);
	fclose(f);
	check_long_lines(path);
	free(t);
}
END_TEST

START_TEST(lines_reads_gzip_file_with_long_and_crlf_lines)
{
	size_t len;
	char *t = long_lines_text(&len);
	check_long_lines(write_gz("long.csv.gz", t, len));
	free(t);
}
END_TEST

START_TEST(lines_reads_many_lines_across_blocks)
{
	/* 200,000 short lines: block boundaries fall inside lines */
	size_t n = 200000, cap = n * 12, at = 0;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(t + at, cap - at, "%zu,x\n", i);
	const char *p = write_gz("many.csv.gz", t, at);
	io_lines *r;
	io_err err = {0};
	char *line;
	size_t len, i = 0;
	ck_assert_int_eq(io_lines_open(&r, p, &err), 0);
	while (io_lines_next(r, &line, &len, &err) == 1) {
		tck_uint_eq(strtoul(line, NULL, 10), i);
		i++;
	}
	ck_assert_uint_eq(i, n);
	ck_assert_int_eq(io_lines_lineno(r), (long)n);
	ck_assert_int_eq(err.code, 0);
	io_lines_close(r);
	free(t);
}
END_TEST

START_TEST(lines_missing_file_nul_byte_and_truncated_gzip_are_errors)
{
	io_lines *r;
	io_err err = {0};
	char *line;
	size_t len;
	char missing[600];
	snprintf(missing, sizeof missing, "%s/absent.csv", test_tmpdir());
	ck_assert_int_eq(io_lines_open(&r, missing, &err), IO_EINPUT);
	ck_assert_ptr_null(r);
	char want[700];
	snprintf(want, sizeof want, "%s: cannot open: ", missing);
	ck_assert_prefix(err.msg, want);

	/* a NUL byte on line 2 */
	const char *p = write_gz("nul.csv.gz", "ok\nbad\0byte\nmore\n", 17);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_lines_open(&r, p, &err), 0);
	ck_assert_int_eq(io_lines_next(r, &line, &len, &err), 1);
	ck_assert_int_lt(io_lines_next(r, &line, &len, &err), 0);
	snprintf(want, sizeof want, "%s:2: ", p);
	ck_assert_prefix(err.msg, want);
	io_lines_close(r);

	/* a gzip file cut short must not read as a shorter complete file */
	size_t n = 50000, at = 0;
	char *t = malloc(n * 8);
	for (size_t i = 0; i < n; i++)
		at += (size_t)sprintf(t + at, "%zu\n", i * 7919 % 100003);
	char full[600];
	snprintf(full, sizeof full, "%s", write_gz("cut.csv.gz", t, at));
	FILE *f = fopen(full, "rb");
	char *z = malloc(at);
	size_t zn = fread(z, 1, at, f);
	fclose(f);
	f = fopen(full, "wb");
	fwrite(z, 1, zn / 2, f);
	fclose(f);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_lines_open(&r, full, &err), 0);
	int rc;
	while ((rc = io_lines_next(r, &line, &len, &err)) == 1)
		;
	ck_assert_int_lt(rc, 0);
	ck_assert_contains(err.msg, full);
	io_lines_close(r);
	free(z);
	free(t);
}
END_TEST

/* Open text as CSV under the label "t.csv". */
static io_csv *csv_text(const char *text, size_t len)
{
	io_csv *r;
	io_err err = {0};
	ck_assert_int_eq(io_csv_open_mem(&r, "t.csv", text, len, &err), 0);
	return r;
}

/* The next record must be the n fields want, starting at line. */
static void csv_expect(io_csv *r, long line, int n, const char *const *want)
{
	io_err err = {0};
	ck_assert_msg(io_csv_next(r, &err) == 1, "%s", err.msg);
	ck_assert_int_eq(io_csv_line(r), line);
	ck_assert_int_eq(io_csv_nfields(r), n);
	for (int i = 0; i < n; i++)
		ck_assert_str_eq(io_csv_fields(r)[i], want[i]);
}

/* Read records until an error; its message must start "t.csv:line: " and
 * hold what. len 0: strlen(text). */
static void csv_expect_error(const char *text, size_t len, long line,
			     const char *what)
{
	io_csv *r = csv_text(text, len ? len : strlen(text));
	io_err err = {0};
	int rc;
	while ((rc = io_csv_next(r, &err)) == 1)
		;
	ck_assert_int_eq(rc, IO_EINPUT);
	char want[64];
	snprintf(want, sizeof want, "t.csv:%ld: ", line);
	ck_assert_prefix(err.msg, want);
	ck_assert_contains(err.msg, what);
	io_err again = {0};
	ck_assert_int_lt(io_csv_next(r, &again), 0); /* stays failed */
	io_csv_close(r);
}

START_TEST(csv_reads_rfc4180_quoting_with_record_start_lines)
{
	const char *t = "\"arrival_time\",\"task_type\"\n"
			"1,\"a,b\"\n"
			"\n"
			"2,\"say \"\"hi\"\"\"\n"
			"3,\"two\nlines\"\n"
			" 4 ,\t x \t\n"
			"5,\" kept \" \n"
			"6,\n"
			"7,last";
	io_csv *r = csv_text(t, strlen(t));
	csv_expect(r, 1, 2, (const char *[]){"arrival_time", "task_type"});
	csv_expect(r, 2, 2, (const char *[]){"1", "a,b"});
	csv_expect(r, 4, 2, (const char *[]){"2", "say \"hi\""});
	csv_expect(r, 5, 2, (const char *[]){"3", "two\nlines"});
	csv_expect(r, 7, 2, (const char *[]){"4", "x"});
	csv_expect(r, 8, 2, (const char *[]){"5", " kept "});
	csv_expect(r, 9, 2, (const char *[]){"6", ""});
	csv_expect(r, 10, 2, (const char *[]){"7", "last"});
	io_err err = {0};
	ck_assert_int_eq(io_csv_next(r, &err), 0);
	ck_assert_int_eq(io_csv_next(r, &err), 0);
	ck_assert_int_eq(err.code, 0);
	io_csv_close(r);
}
END_TEST

START_TEST(csv_skips_bom_blank_lines_and_crlf_in_plain_and_gzip_files)
{
	const char *t = IO_UTF8_BOM "\"a\",b\r\n\r\n  \t\r\n1,\"x\r\ny\"\r\n";
	char path[600];
	snprintf(path, sizeof path, "%s/bom.csv", test_tmpdir());
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(t, f);
	fclose(f);
	const char *paths[] = {path, write_gz("bom.csv.gz", t, strlen(t))};
	for (int k = 0; k < 2; k++) {
		io_csv *r;
		io_err err = {0};
		ck_assert_int_eq(io_csv_open(&r, paths[k], &err), 0);
		ck_assert_str_eq(io_csv_path(r), paths[k]);
		ck_assert_int_eq(io_csv_read_header(r, &err), 0);
		ck_assert_int_eq(io_csv_col(r, "a"), 0);
		ck_assert_int_eq(io_csv_col(r, "b"), 1);
		/* a quoted CRLF keeps its line break, as '\n' */
		csv_expect(r, 4, 2, (const char *[]){"1", "x\ny"});
		ck_assert_int_eq(io_csv_next(r, &err), 0);
		io_csv_close(r);
	}
}
END_TEST

START_TEST(csv_other_separators_and_bad_quotes_are_located_errors)
{
	csv_expect_error("a;b\n1;2\n", 0, 1,
			 "fields are separated by ';'; hetsim reads "
			 "comma-separated CSV (RFC 4180)");
	csv_expect_error(IO_UTF8_BOM "\n\na\tb\n", 0, 3, "separated by tabs");
	csv_expect_error("a,b\n1,x\"y\n", 0, 2, "malformed CSV");
	csv_expect_error("a,b\n1,\"x\"y\n", 0, 2, "malformed CSV");
	csv_expect_error("a,b\n1,2\n3,\"open\n4,5\n", 0, 3,
			 "a quoted field is not closed");
	csv_expect_error("a,b\n1,\0\n", 8, 2, "NUL byte");
	/* a header-only file is fine; an empty one has no header */
	io_csv *r = csv_text("a,b\n", 4);
	io_err err = {0};
	ck_assert_int_eq(io_csv_read_header(r, &err), 0);
	ck_assert_int_eq(io_csv_next(r, &err), 0);
	io_csv_close(r);
	r = csv_text(" \n\n", 3);
	ck_assert_int_eq(io_csv_read_header(r, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg, "t.csv:1: empty file: no header line");
	io_csv_close(r);
}
END_TEST

START_TEST(csv_overlong_records_fail_fast_with_bounded_memory)
{
	size_t n = 3 * IO_MAX_LINE;
	char *t = malloc(n + 8);
	ck_assert_ptr_nonnull(t);
	memcpy(t, "a,b\n1,", 6);
	memset(t + 6, 'x', n);
	char want[80];
	snprintf(want, sizeof want, "line longer than %zu bytes",
		 (size_t)IO_MAX_LINE);
	csv_expect_error(t, n, 2, want);
	/* quoted newlines do not reset the count: a record, not a line */
	for (size_t i = 7; i < n; i += 100)
		t[i] = '\n';
	t[6] = '"';
	csv_expect_error(t, n, 2, want);
	/* the line reader has the same cap */
	memset(t, 'y', n);
	io_lines *l;
	io_err err = {0};
	char *line;
	size_t len;
	ck_assert_int_eq(io_lines_open_mem(&l, "t.txt", t, n, &err), 0);
	ck_assert_int_eq(io_lines_next(l, &line, &len, &err), IO_EINPUT);
	ck_assert_prefix(err.msg, "t.txt:1: line longer than");
	io_lines_close(l);
	free(t);
	/* an endless device is refused at once */
	io_csv *r;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_csv_open(&r, "/dev/zero", &err), 0);
	ck_assert_int_lt(io_csv_next(r, &err), 0);
	ck_assert_prefix(err.msg, "/dev/zero:1: ");
	io_csv_close(r);
}
END_TEST

START_TEST(csv_header_lookup_works_for_any_column_count)
{
	enum { N = 3000 };
	size_t cap = N * 16, at = 0;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++)
			at += (size_t)snprintf(t + at, cap - at, "%s%s%d",
					       i ? "," : "", pass ? "" : "c", i);
		t[at++] = '\n';
	}
	at += (size_t)snprintf(t + at, cap - at, "1,2\n");
	io_csv *r = csv_text(t, at);
	io_err err = {0};
	ck_assert_int_eq(io_csv_read_header(r, &err), 0);
	ck_assert_int_eq(io_csv_header_n(r), N);
	ck_assert_int_eq(io_csv_col(r, "c2999"), 2999);
	ck_assert_int_eq(io_csv_col(r, "c3000"), -1);
	ck_assert_int_eq(io_csv_col(r, NULL), -1);
	int col = 7;
	ck_assert_int_eq(io_csv_need_col(r, "c65", &col, &err), 0);
	ck_assert_int_eq(col, 65);
	ck_assert_int_eq(io_csv_need_col(r, "zz", &col, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg, "t.csv:1: no column \"zz\"");
	ck_assert_int_eq(io_csv_next(r, &err), 1);
	ck_assert_str_eq(io_csv_fields(r)[2999], "2999");
	ck_assert_str_eq(io_csv_header(r)[2999], "c2999"); /* a copy */
	ck_assert_int_eq(io_csv_check_width(r, &err), 0);
	ck_assert_int_eq(io_csv_next(r, &err), 1);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(io_csv_check_width(r, &err), IO_EINPUT);
	ck_assert_str_eq(err.msg,
			 "t.csv:3: the row has 2 fields, the header has 3000");
	io_csv_close(r);
	free(t);
}
END_TEST

START_TEST(jdoc_skips_a_utf8_bom)
{
	const char *t = IO_UTF8_BOM "{\"a\": 1,\n \"b\": [2]}";
	io_jdoc doc;
	parse_ok(&doc, t);
	ck_assert_int_eq(io_jdoc_line(&doc, json_object_get(doc.root, "b")), 2);
	io_jdoc_free(&doc);
	const char *msg = parse_bad(IO_UTF8_BOM "{\n\"a\": x}");
	ck_assert_prefix(msg, "bad.json:2: ");
	char path[600];
	snprintf(path, sizeof path, "%s/bom.json", test_tmpdir());
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(t, f);
	fclose(f);
	io_err err = {0};
	ck_assert_msg(io_jdoc_load(&doc, path, &err) == 0, "%s", err.msg);
	io_jdoc_free(&doc);
}
END_TEST

START_TEST(parse_double_accepts_whole_finite_numbers_only)
{
	double x = -1;
	ck_assert_int_eq(io_parse_double(" 1.5 ", &x), 0);
	ck_assert_double_eq(x, 1.5);
	ck_assert_int_eq(io_parse_double("1e3", &x), 0);
	ck_assert_double_eq(x, 1000);
	ck_assert_int_eq(io_parse_double("-0.25", &x), 0);
	ck_assert_double_eq(x, -0.25);
	const char *good[] = {"+2", ".5", "5.", "1E-3", "2.5e+2", "007", "0",
			      "-0", "1e-320", NULL};
	const double val[] = {2, 0.5, 5, 1e-3, 250, 7, 0, 0, 1e-320};
	for (int i = 0; good[i]; i++) {
		ck_assert_msg(io_parse_double(good[i], &x) == 0, "[%s]", good[i]);
		ck_assert_double_eq(x, val[i]);
	}
	x = 7;
	const char *bad[] = {"", "  ", "abc", "1.5x", "1.5 2", "nan", "NaN",
			     "inf", "-inf", "Infinity", "infinity", "1e999",
			     ".", "-", "0x10", "0X1p4", "1e", "1e+", "e5",
			     "++1", "1,5", "1.5s", "\"1\"", NULL};
	for (int i = 0; bad[i]; i++)
		ck_assert_msg(io_parse_double(bad[i], &x) != 0, "[%s]", bad[i]);
	ck_assert_double_eq(x, 7); /* untouched */
	ck_assert_int_ne(io_parse_double(NULL, &x), 0);
}
END_TEST

Suite *suite_io(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("io");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, errf_formats_file_line_and_first_error_wins);
	tcase_add_test(tc, errf_truncates_overlong_messages_safely);
	tcase_add_test(tc, jdoc_line_finds_nested_values_and_array_elements);
	tcase_add_test(tc, jerr_at_names_line_of_true_false_null_members);
	tcase_add_test(tc, jdoc_line_of_root_and_scalar_root);
	tcase_add_test(tc, jdoc_line_never_loops_on_damaged_text);
	tcase_add_test(tc, malformed_json_reports_its_line);
	tcase_add_test(tc, duplicate_key_is_rejected_with_its_line);
	tcase_add_test(tc, jdoc_load_reads_file_and_names_missing_one);
	tcase_add_test(tc, jdoc_resolve_is_relative_to_the_document);
	tcase_add_test(tc, getters_name_key_and_line_of_bad_values);
	tcase_add_test(tc, check_keys_names_unknown_key_and_its_line);
	tcase_add_test(tc, lines_reads_plain_file_with_long_and_crlf_lines);
	tcase_add_test(tc, lines_reads_gzip_file_with_long_and_crlf_lines);
	tcase_add_test(tc, lines_reads_many_lines_across_blocks);
	tcase_add_test(tc, lines_missing_file_nul_byte_and_truncated_gzip_are_errors);
	tcase_add_test(tc, csv_reads_rfc4180_quoting_with_record_start_lines);
	tcase_add_test(tc, csv_skips_bom_blank_lines_and_crlf_in_plain_and_gzip_files);
	tcase_add_test(tc, csv_other_separators_and_bad_quotes_are_located_errors);
	tcase_add_test(tc, csv_overlong_records_fail_fast_with_bounded_memory);
	tcase_add_test(tc, csv_header_lookup_works_for_any_column_count);
	tcase_add_test(tc, jdoc_skips_a_utf8_bom);
	tcase_add_test(tc, parse_double_accepts_whole_finite_numbers_only);
	suite_add_tcase(s, tc);
	return s;
}
