/* tests/test_out.c — sim/base/out.c's streamed gzip writer (a writer
 * thread compressing fixed-size blocks, one gzip member each) and the
 * printf-free number formatting of tasks.csv.gz rows. */
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "sim/base/out.h"
#include "tests/tests.h"

/* ------------------------------------------------------------ helpers */

/* Threads of this process (entries of /proc/self/task). */
static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The thread count once it has fallen to want, waiting up to 2 s: a
 * joined thread's entry can outlive pthread_join for a moment (the
 * kernel wakes the joiner before it removes the task), so a single
 * read right after a close may still count the writer. */
static int threads_settled(int want)
{
	for (int i = 0; i < 2000; i++) {
		int n = thread_count();
		if (n <= want)
			return n;
		usleep(1000);
	}
	return thread_count();
}

static const char *tmp_path(const char *name);

/* Threads once a writer has come and gone: a sanitizer's own helper
 * thread (TSan starts one at the first pthread_create) is counted. */
static int threads_at_rest(void)
{
	int before = thread_count();
	sim_gzout *o = NULL;
	io_err err = {0};
	ck_assert_int_eq(sim_gzout_open(&o, tmp_path("rest.gz"), &err), 0);
	ck_assert_int_eq(sim_gzout_close(o, 0, &err), 0);
	return threads_settled(before);
}

/* A path in the scratch dir (static storage, overwritten after 8 calls). */
static const char *tmp_path(const char *name)
{
	static char paths[8][600];
	static unsigned next;
	char *p = paths[next++ % 8];
	snprintf(p, sizeof paths[0], "%s/%s", test_tmpdir(), name);
	return p;
}

/* The temporary sim_gzout writes path into until close. */
static const char *tmp_of(const char *path)
{
	static char tmp[700];
	snprintf(tmp, sizeof tmp, "%s" SIM_TMP_INFIX "%ld", path,
		 (long)getpid());
	return tmp;
}

/* Rows like tasks.csv.gz's, from a fixed LCG: n rows into a malloc'd
 * text (its length in *len) and the end of each row in ends[]. */
static char *make_rows(size_t n, size_t *len, size_t **ends)
{
	size_t cap = n * 96 + 1, at = 0;
	char *t = malloc(cap);
	*ends = malloc(n * sizeof **ends);
	ck_assert(t && *ends);
	uint64_t s = 42;
	for (size_t i = 0; i < n; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		double a = (double)(s >> 20) / 1e9;
		char tb[SIM_FMT_TIME_MAX], eb[SIM_FMT_TIME_MAX];
		sim_fmt_time(tb, a);
		sim_fmt_time(eb, a + (double)(s >> 50) / 1e3);
		at += (size_t)snprintf(t + at, cap - at,
				       "%zu,t%u,%s,%s,%s,,%u,m,completed,0.5\n",
				       i + 1, (unsigned)(s >> 61), tb, tb, eb,
				       (unsigned)(s >> 59));
		(*ends)[i] = at;
	}
	*len = at;
	return t;
}

/* Decompress a gzip file member by member (zlib inflate): the text (malloc'd,
 * its length in *len) and the number of members. */
static char *gunzip_members(const char *path, size_t *len, int *members)
{
	size_t n = 0;
	char *gz = test_slurp(path, &n);
	ck_assert_ptr_nonnull(gz);
	size_t cap = 1 << 20, at = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	ck_assert_int_eq(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = (Bytef *)gz;
	zs.avail_in = (uInt)n;
	*members = 0;
	while (zs.avail_in) {
		if (cap - at < (1 << 16)) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		zs.next_out = (Bytef *)out + at;
		zs.avail_out = (uInt)(cap - at);
		int rc = inflate(&zs, Z_NO_FLUSH);
		at = (size_t)((char *)zs.next_out - out);
		ck_assert_msg(rc == Z_OK || rc == Z_STREAM_END, "inflate: %d",
			      rc);
		if (rc == Z_STREAM_END) {
			++*members;
			ck_assert_int_eq(inflateReset(&zs), Z_OK);
		}
	}
	inflateEnd(&zs);
	free(gz);
	*len = at;
	return out;
}

/* Everything zlib's gzread gives back (it reads concatenated members as
 * one stream). */
static char *gzread_all(const char *path, size_t *len)
{
	gzFile g = gzopen(path, "rb");
	ck_assert_ptr_nonnull(g);
	size_t cap = 1 << 20, at = 0;
	char *out = malloc(cap);
	for (;;) {
		if (cap - at < (1 << 16)) {
			cap *= 2;
			out = realloc(out, cap);
		}
		ck_assert_ptr_nonnull(out);
		int got = gzread(g, out + at, 1 << 16);
		ck_assert_int_ge(got, 0);
		if (got == 0)
			break;
		at += (size_t)got;
	}
	ck_assert_int_eq(gzclose(g), Z_OK);
	*len = at;
	return out;
}

/* Write text to path through sim_gzout in pieces of `piece` bytes (0: row
 * by row, at ends[]); commit. */
/* piece 0: row by row with sim_gzout_write; ROOM_EXACT, ROOM_ROW_MAX: row
 * by row in place (sim_gzout_room asked for the row's own length, which
 * fills blocks to the byte, or for 600 bytes, which leaves ends of blocks
 * to sim_gzout_write); else in pieces of that many bytes. */
#define ROOM_EXACT ((size_t)-1)
#define ROOM_ROW_MAX ((size_t)-2)
static void write_gzout(const char *path, const char *text, size_t len,
			const size_t *ends, size_t n_rows, size_t piece)
{
	sim_gzout *o = NULL;
	io_err err = {0};
	ck_assert_msg(sim_gzout_open(&o, path, &err) == 0, "%s", err.msg);
	if (piece == ROOM_EXACT || piece == ROOM_ROW_MAX) {
		size_t from = 0;
		for (size_t i = 0; i < n_rows; i++) {
			size_t n = ends[i] - from;
			char *at = sim_gzout_room(o, piece == ROOM_EXACT ? n
									 : 600);
			if (at) {
				memcpy(at, text + from, n);
				sim_gzout_commit(o, n);
			} else {
				sim_gzout_write(o, text + from, n);
			}
			from = ends[i];
		}
	} else if (piece == 0) {
		size_t from = 0;
		for (size_t i = 0; i < n_rows; i++) {
			sim_gzout_write(o, text + from, ends[i] - from);
			from = ends[i];
		}
	} else {
		for (size_t at = 0; at < len; at += piece)
			sim_gzout_write(o, text + at,
					len - at < piece ? len - at : piece);
	}
	ck_assert(!sim_gzout_failed(o));
	ck_assert_msg(sim_gzout_close(o, 1, &err) == 0, "%s", err.msg);
}

static int same_bytes(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
	int same = x && y && na == nb && memcmp(x, y, na) == 0;
	free(x);
	free(y);
	return same;
}

/* ------------------------------------------------------------- gzout */

/* 50,000 rows (about 3.5 MB: 14 blocks, more than are ever in flight, so
 * the caller waits on the writer): zlib (inflate, gzread) and gzip read
 * back exactly the bytes written, as one member per full block plus the
 * partial last one. */
START_TEST(gzout_round_trip_through_many_blocks)
{
	size_t len, *ends, n_rows = 50000;
	char *text = make_rows(n_rows, &len, &ends);
	ck_assert_uint_gt(len, (SIM_GZOUT_BLOCKS + 2) * SIM_GZOUT_BLOCK_BYTES);
	const char *path = tmp_path("rows.csv.gz");
	int threads = threads_at_rest();
	write_gzout(path, text, len, ends, n_rows, 0);
	ck_assert_int_eq(threads_settled(threads), threads);

	size_t got_len;
	int members;
	char *got = gunzip_members(path, &got_len, &members);
	ck_assert_uint_eq(got_len, len);
	ck_assert(memcmp(got, text, len) == 0);
	ck_assert_int_eq(members, (int)((len + SIM_GZOUT_BLOCK_BYTES - 1) /
					SIM_GZOUT_BLOCK_BYTES));
	free(got);
	got = gzread_all(path, &got_len);
	ck_assert_uint_eq(got_len, len);
	ck_assert(memcmp(got, text, len) == 0);
	free(got);
	/* and gzip itself */
	char plain[700], cmd[2400], e[512];
	snprintf(plain, sizeof plain, "%s", tmp_path("rows.csv"));
	FILE *f = fopen(plain, "wb");
	ck_assert(f && fwrite(text, 1, len, f) == len && fclose(f) == 0);
	snprintf(cmd, sizeof cmd, "gzip -t '%s' && zcat '%s' | cmp - '%s'",
		 path, path, plain);
	ck_assert_msg(test_run(cmd, e, sizeof e) == 0, "gzip: %s", e);
	/* the temporary is gone */
	ck_assert_int_ne(access(tmp_of(path), F_OK), 0);
	free(text);
	free(ends);
}
END_TEST

/* hetsim's own reader of gzip text (io_lines: compare, fit, workloads)
 * reads the multi-member file line by line, across block boundaries. */
START_TEST(gzout_file_reads_back_through_io_lines)
{
	size_t len, *ends, n_rows = 20000;
	char *text = make_rows(n_rows, &len, &ends);
	const char *path = tmp_path("lines.csv.gz");
	write_gzout(path, text, len, ends, n_rows, 0);
	io_lines *r;
	io_err err = {0};
	ck_assert_int_eq(io_lines_open(&r, path, &err), 0);
	char *line;
	size_t n, rows = 0, from = 0;
	while (io_lines_next(r, &line, &n, &err) == 1) {
		tck_uint_lt(rows, n_rows);
		tck_uint_eq(n, ends[rows] - from - 1);
		tck_assert(memcmp(line, text + from, n) == 0);
		from = ends[rows++];
	}
	ck_assert_int_eq(err.code, 0);
	ck_assert_uint_eq(rows, n_rows);
	io_lines_close(r);
	free(text);
	free(ends);
}
END_TEST

/* Block boundaries depend on the byte count only: the same bytes written
 * row by row, in 1000-byte pieces or in one call larger than a block give
 * the same file, and so does writing it again. */
START_TEST(gzout_bytes_do_not_depend_on_how_they_were_written)
{
	size_t len, *ends, n_rows = 30000;
	char *text = make_rows(n_rows, &len, &ends);
	char a[700], b[700];
	snprintf(a, sizeof a, "%s", tmp_path("a.csv.gz"));
	write_gzout(a, text, len, ends, n_rows, 0);
	const size_t pieces[] = {0,	      1000,	   len,
				 SIM_GZOUT_BLOCK_BYTES, ROOM_EXACT, ROOM_ROW_MAX};
	for (size_t i = 0; i < sizeof pieces / sizeof *pieces; i++) {
		snprintf(b, sizeof b, "%s", tmp_path("b.csv.gz"));
		write_gzout(b, text, len, ends, n_rows, pieces[i]);
		ck_assert_msg(same_bytes(a, b), "way %zu (pieces of %zu bytes) "
			      "differs", i, pieces[i]);
	}
	free(text);
	free(ends);
}
END_TEST

/* sim_gzout_room offers exactly what is left of the block: with r bytes
 * left, room for r and not for r + 1; committing them fills the block to
 * the byte and the next block offers all of itself. The file holds what
 * was written, in order. */
START_TEST(gzout_room_is_exactly_what_is_left_of_the_block)
{
	const char *path = tmp_path("room.csv.gz");
	const size_t lefts[] = {1, 2, 9, 100, 4096};
	size_t total = 0;
	char *want = malloc(8 * SIM_GZOUT_BLOCK_BYTES);
	ck_assert_ptr_nonnull(want);
	sim_gzout *o = NULL;
	io_err err = {0};
	ck_assert_int_eq(sim_gzout_open(&o, path, &err), 0);
	for (size_t k = 0; k < sizeof lefts / sizeof *lefts; k++) {
		size_t r = lefts[k], fill = SIM_GZOUT_BLOCK_BYTES - r;
		memset(want + total, 'a' + (int)k, fill);
		sim_gzout_write(o, want + total, fill);
		total += fill;
		ck_assert_ptr_null(sim_gzout_room(o, r + 1));
		char *at = sim_gzout_room(o, r);
		ck_assert_ptr_nonnull(at);
		for (size_t i = 0; i < r; i++)
			want[total + i] = at[i] = (char)('0' + i % 10);
		sim_gzout_commit(o, r);
		total += r;
		ck_assert_ptr_nonnull(sim_gzout_room(o, SIM_GZOUT_BLOCK_BYTES));
	}
	ck_assert_int_eq(sim_gzout_close(o, 1, &err), 0);
	size_t n;
	int members;
	char *got = gunzip_members(path, &n, &members);
	ck_assert_uint_eq(n, total);
	ck_assert_int_eq(members, (int)(sizeof lefts / sizeof *lefts));
	ck_assert(memcmp(got, want, n) == 0);
	free(got);
	free(want);
}
END_TEST

/* An empty file is valid gzip (one empty member): gzip -t passes and it
 * reads back empty. */
START_TEST(gzout_empty_file_is_valid_gzip)
{
	const char *path = tmp_path("empty.csv.gz");
	sim_gzout *o = NULL;
	io_err err = {0};
	ck_assert_int_eq(sim_gzout_open(&o, path, &err), 0);
	ck_assert_int_eq(sim_gzout_close(o, 1, &err), 0);
	size_t n;
	int members;
	char *got = gunzip_members(path, &n, &members);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(members, 1);
	free(got);
	char cmd[1400], e[512];
	snprintf(cmd, sizeof cmd, "gzip -t '%s' && test -z \"$(zcat '%s')\"",
		 path, path);
	ck_assert_msg(test_run(cmd, e, sizeof e) == 0, "gzip -t: %s", e);
}
END_TEST

/* path's temporary (its name into tmp) made a link to /dev/full. */
static void tmp_to_dev_full(const char *path, char *tmp, size_t cap)
{
	snprintf(tmp, cap, "%s", tmp_of(path));
	unlink(tmp);
	ck_assert_int_eq(symlink("/dev/full", tmp), 0);
}

/* o has met the full disk: close reports it naming path, and no file,
 * temporary (tmp) or thread is left. */
static void full_disk_reported(sim_gzout *o, const char *path,
			       const char *tmp, int threads)
{
	io_err err = {0};
	ck_assert(sim_gzout_failed(o));
	ck_assert_int_eq(sim_gzout_close(o, 1, &err), IO_EIO);
	char want[1024];
	snprintf(want, sizeof want, "%s: cannot write: No space left on device",
		 path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_ne(access(path, F_OK), 0);
	struct stat st;
	ck_assert_int_ne(lstat(tmp, &st), 0);
	ck_assert_int_eq(threads_settled(threads), threads);
}

/* A full disk (the temporary is a link to /dev/full): the failure shows
 * in sim_gzout_failed once the writer has met it (at most
 * SIM_GZOUT_BLOCKS blocks later), close names the file and the cause,
 * no file, temporary or thread is left. */
START_TEST(gzout_full_disk_is_reported_at_close_naming_the_file)
{
	const char *path = tmp_path("full.csv.gz");
	char tmp[700];
	tmp_to_dev_full(path, tmp, sizeof tmp);
	int threads = threads_at_rest();
	sim_gzout *o = NULL;
	io_err err = {0};
	ck_assert_int_eq(sim_gzout_open(&o, path, &err), 0);
	size_t len, *ends;
	char *text = make_rows(10000, &len, &ends);
	for (size_t written = 0;
	     written < (SIM_GZOUT_BLOCKS + 2) * SIM_GZOUT_BLOCK_BYTES;
	     written += len)
		sim_gzout_write(o, text, len);
	full_disk_reported(o, path, tmp, threads);
	free(text);
	free(ends);
}
END_TEST

/* A failed rename (the final name is a directory) is reported at close;
 * discarding (commit = 0) leaves nothing; a file that cannot be created
 * is reported at open. No thread outlives any of them. */
START_TEST(gzout_other_failures_leave_no_file_and_no_thread)
{
	int threads = threads_at_rest();
	size_t len, *ends;
	char *text = make_rows(20000, &len, &ends);
	io_err err = {0};
	sim_gzout *o = NULL;

	const char *dir = tmp_path("isdir.csv.gz");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	char sub[700];
	snprintf(sub, sizeof sub, "%s/x", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0); /* not empty: rename fails */
	ck_assert_int_eq(sim_gzout_open(&o, dir, &err), 0);
	sim_gzout_write(o, text, len);
	ck_assert_int_eq(sim_gzout_close(o, 1, &err), IO_EIO);
	ck_assert_msg(strstr(err.msg, "isdir.csv.gz: cannot write: ") != NULL,
		      "%s", err.msg);
	ck_assert_int_eq(threads_settled(threads), threads);

	const char *gone = tmp_path("discarded.csv.gz");
	io_err e2 = {0};
	ck_assert_int_eq(sim_gzout_open(&o, gone, &e2), 0);
	sim_gzout_write(o, text, len);
	ck_assert_int_eq(sim_gzout_close(o, 0, &e2), 0);
	ck_assert_int_eq(e2.code, 0);
	ck_assert_int_ne(access(gone, F_OK), 0);
	ck_assert_int_ne(access(tmp_of(gone), F_OK), 0);
	ck_assert_int_eq(threads_settled(threads), threads);

	io_err e3 = {0};
	o = (sim_gzout *)&e3; /* must be reset */
	ck_assert_int_eq(sim_gzout_open(&o, tmp_path("no/such/dir.gz"), &e3),
			 IO_EIO);
	ck_assert_ptr_null(o);
	ck_assert_msg(strstr(e3.msg, "dir.gz: cannot create: No such file"),
		      "%s", e3.msg);
	ck_assert_int_eq(threads_settled(threads), threads);
	ck_assert_int_eq(sim_gzout_close(NULL, 1, &e3), 0);
	free(text);
	free(ends);
}
END_TEST

/* ------------------------------------------------------ gzout records */

/* Records of make_rows' rows: a row's number, and a double that keeps
 * the record 8-byte aligned; its text is the row's (rec_text). */
typedef struct row_rec {
	uint32_t row, pad;
	double x;
} row_rec;
typedef struct row_src {
	const char *text;
	const size_t *ends;
} row_src;
enum { ROW_TEXT_MAX = 600 };

static size_t rec_text(const void *ctx, const void *rec, char *out)
{
	const row_src *src = ctx;
	uint32_t i = ((const row_rec *)rec)->row;
	size_t from = i ? src->ends[i - 1] : 0, n = src->ends[i] - from;
	memcpy(out, src->text + from, n);
	return n;
}

/* Write head, then rows [0, n_rows) through records mode: most as
 * records, every 997th (from the 5th) as text, every 1499th (from the
 * 7th) in place (sim_gzout_room); commit = close's. */
static int write_records(const char *path, const char *head,
			 const row_src *src, size_t n_rows, int commit)
{
	sim_gzout *o = NULL;
	io_err err = {0};
	ck_assert_msg(sim_gzout_open(&o, path, &err) == 0, "%s", err.msg);
	sim_gzout_write(o, head, strlen(head));
	ck_assert_int_eq(sim_gzout_records(o, sizeof(row_rec), ROW_TEXT_MAX,
					   rec_text, src), 0);
	ck_assert_int_eq(sim_gzout_records(o, sizeof(row_rec), ROW_TEXT_MAX,
					   rec_text, src), -1); /* once */
	for (size_t i = 0; i < n_rows; i++) {
		size_t from = i ? src->ends[i - 1] : 0, n = src->ends[i] - from;
		if (i % 997 == 5) {
			sim_gzout_write(o, src->text + from, n);
		} else if (i % 1499 == 7 && sim_gzout_room(o, n)) {
			memcpy(sim_gzout_room(o, n), src->text + from, n);
			sim_gzout_commit(o, n);
		} else {
			row_rec *r = sim_gzout_record(o);
			ck_assert_uint_eq((uintptr_t)r % _Alignof(row_rec), 0);
			*r = (row_rec){.row = (uint32_t)i, .x = 1.0};
		}
	}
	int rc = sim_gzout_close(o, commit, &err);
	ck_assert_msg(!commit || rc == 0, "%s", err.msg);
	return rc;
}

/* Rows handed over as records, formatted on the writer's thread, make the
 * file their text written in order would, byte for byte: the same
 * members (one per full block), text written before and between the
 * records in its place; with a header or none, and again the same. */
START_TEST(gzout_records_make_the_file_their_text_would)
{
	size_t len, *ends, n_rows = 40000;
	char *text = make_rows(n_rows, &len, &ends);
	row_src src = {text, ends};
	const char *heads[] = {"id,type,arrival\n", ""};
	int threads = threads_at_rest();
	for (size_t h = 0; h < 2; h++) {
		size_t hl = strlen(heads[h]);
		char *all = malloc(hl + len);
		ck_assert_ptr_nonnull(all);
		memcpy(all, heads[h], hl);
		memcpy(all + hl, text, len);
		char a[700], b[700];
		snprintf(a, sizeof a, "%s", tmp_path("text.csv.gz"));
		snprintf(b, sizeof b, "%s", tmp_path("recs.csv.gz"));
		size_t one = hl + len;
		write_gzout(a, all, one, &one, 1, 0);
		write_records(b, heads[h], &src, n_rows, 1);
		ck_assert_msg(same_bytes(a, b), "head %zu: records differ", h);
		size_t got_len;
		int members;
		char *got = gunzip_members(b, &got_len, &members);
		ck_assert_uint_eq(got_len, hl + len);
		ck_assert(memcmp(got, all, got_len) == 0);
		ck_assert_int_eq(members, (int)((hl + len + SIM_GZOUT_BLOCK_BYTES - 1) /
						SIM_GZOUT_BLOCK_BYTES));
		free(got);
		write_records(a, heads[h], &src, n_rows, 1);
		ck_assert(same_bytes(a, b));
		free(all);
	}
	ck_assert_int_eq(threads_settled(threads), threads);
	free(text);
	free(ends);
}
END_TEST

/* Records mode with nothing written is an empty file of one empty member,
 * as without it; with its header only, the header. Discarded (commit 0),
 * it leaves no file, temporary or thread. */
START_TEST(gzout_records_empty_header_only_and_discarded)
{
	row_src src = {"", NULL};
	int threads = threads_at_rest();
	const char *heads[] = {"", "job,name\n"};
	for (size_t h = 0; h < 2; h++) {
		const char *path = tmp_path("recs_empty.csv.gz");
		write_records(path, heads[h], &src, 0, 1);
		size_t n;
		int members;
		char *got = gunzip_members(path, &n, &members);
		ck_assert_uint_eq(n, strlen(heads[h]));
		ck_assert(memcmp(got, heads[h], n) == 0);
		ck_assert_int_eq(members, 1);
		free(got);
	}
	size_t len, *ends;
	char *text = make_rows(20000, &len, &ends);
	row_src rows = {text, ends};
	const char *gone = tmp_path("recs_gone.csv.gz");
	ck_assert_int_eq(write_records(gone, "h\n", &rows, 20000, 0), 0);
	ck_assert_int_ne(access(gone, F_OK), 0);
	ck_assert_int_ne(access(tmp_of(gone), F_OK), 0);
	ck_assert_int_eq(threads_settled(threads), threads);
	free(text);
	free(ends);
}
END_TEST

/* A full disk in records mode: seen by sim_gzout_failed a few blocks
 * later, reported at close naming the file; nothing is left. */
START_TEST(gzout_records_full_disk_is_reported_at_close)
{
	const char *path = tmp_path("recs_full.csv.gz");
	char tmp[700];
	tmp_to_dev_full(path, tmp, sizeof tmp);
	int threads = threads_at_rest();
	size_t len, *ends, n_rows = 40000;
	char *text = make_rows(n_rows, &len, &ends);
	row_src src = {text, ends};
	sim_gzout *o = NULL;
	io_err err = {0};
	ck_assert_int_eq(sim_gzout_open(&o, path, &err), 0);
	ck_assert_int_eq(sim_gzout_records(o, sizeof(row_rec), ROW_TEXT_MAX,
					   rec_text, &src), 0);
	size_t per_block = SIM_GZOUT_BLOCK_BYTES / sizeof(row_rec);
	for (size_t i = 0; i < (SIM_GZOUT_BLOCKS + 2) * per_block; i++)
		*(row_rec *)sim_gzout_record(o) = (row_rec){.row = (uint32_t)(i % n_rows)};
	full_disk_reported(o, path, tmp, threads);
	free(text);
	free(ends);
}
END_TEST

/* ------------------------------------------------------- formatting */

/* The formatting before the table-driven rewrite: llround and one digit
 * at a time. The rewrite must give the same bytes (tasks.csv.gz content
 * is pinned by seed). */
static size_t ref_fmt_u64(char *buf, uint64_t x)
{
	char tmp[21];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return n;
}

static size_t ref_fmt_time(char *buf, double x)
{
	if (!isfinite(x) || fabs(x) >= 1e15)
		return sim_fmt_time(buf, x); /* the snprintf cases */
	size_t n = 0;
	if (x < 0) {
		buf[n++] = '-';
		x = -x;
	}
	if (x >= 1e12)
		return n + (size_t)snprintf(buf + n, SIM_FMT_TIME_MAX - n,
					    "%.6f", x);
	uint64_t micros = (uint64_t)llround(x * 1e6);
	n += ref_fmt_u64(buf + n, micros / 1000000);
	uint64_t frac = micros % 1000000;
	buf[n++] = '.';
	for (int d = 5; d >= 0; d--) {
		buf[n + (size_t)d] = (char)('0' + frac % 10);
		frac /= 10;
	}
	n += 6;
	buf[n] = 0;
	return n;
}

/* Each check asserts only on a mismatch: Check's assertions cost a
 * system call each, and there are millions. */
static void same_u64(uint64_t x)
{
	char a[SIM_FMT_U64_MAX], b[SIM_FMT_U64_MAX], p[32];
	size_t na = sim_fmt_u64(a, x), nb = ref_fmt_u64(b, x);
	snprintf(p, sizeof p, "%" PRIu64, x);
	if (na != nb || strcmp(a, b) != 0 || strcmp(a, p) != 0)
		ck_abort_msg("%s: %s, was %s", p, a, b);
}

static void same_time(double x)
{
	char a[SIM_FMT_TIME_MAX], b[SIM_FMT_TIME_MAX];
	size_t na = sim_fmt_time(a, x), nb = ref_fmt_time(b, x);
	if (na != nb || strcmp(a, b) != 0)
		ck_abort_msg("%.17g: %s, was %s", x, a, b);
}

START_TEST(fmt_u64_matches_printf)
{
	uint64_t p10 = 1;
	for (int k = 0; k < 20; k++) {
		same_u64(p10 - 1);
		same_u64(p10);
		same_u64(p10 + 1);
		if (k < 19)
			p10 *= 10;
	}
	same_u64(0);
	same_u64(UINT64_MAX);
	uint64_t s = 1;
	for (int i = 0; i < 200000; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		same_u64(s >> (s & 63));
	}
}
END_TEST

/* Random times over every magnitude, exact half micro-seconds (where the
 * rounding direction matters) and their neighbours, both signs. */
START_TEST(fmt_time_matches_the_llround_formatting)
{
	uint64_t s = 7;
	for (int i = 0; i < 400000; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		double u = (double)(s >> 11) / 9007199254740992.0;
		double x = pow(10.0, -9.0 + 22.0 * u);
		same_time(x);
		same_time(-x);
		double half = (floor(x * 1e6) + 0.5) / 1e6;
		same_time(half);
		same_time(nextafter(half, 0));
		same_time(nextafter(half, INFINITY));
		same_time((double)(s % 1000000000ull) + 0.5e-6);
	}
	const double edges[] = {0.0, -0.0, 0.5e-6, 1.5e-6, 0.9999995, 1e12,
				nextafter(1e12, 0), 1e15, nextafter(1e15, 0),
				4503599627.3704995, 9007199254.740993};
	for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
		same_time(edges[i]);
		same_time(-edges[i]);
	}
}
END_TEST

/* Every micro-second fraction after whole parts of each length (the
 * fixed-point digits of sim_fmt_time), the whole parts around 10^k and
 * 100 * 10^k (where the whole seconds split into sim_fmt_u64 and the
 * 8-digit word), and every integer below 10^6 for sim_fmt_u64. */
START_TEST(fmt_every_fraction_and_digit_boundary)
{
	const double wholes[] = {0, 7, 42, 100, 12345, 99999999};
	for (size_t w = 0; w < sizeof wholes / sizeof *wholes; w++)
		for (uint32_t f = 0; f < 1000000; f += w ? 7 : 1)
			same_time(wholes[w] + (double)f / 1e6);
	double p10 = 1;
	for (int k = 0; k < 12; k++, p10 *= 10)
		for (int d = -3; d <= 3; d++) {
			same_time(p10 + d * 1e-6);
			same_time(p10 + d * 0.5e-6);
			same_time(100 * p10 + d * 1e-6);
			same_time(p10 - 1 + d * 0.25e-6);
		}
	for (uint64_t v = 0; v < 1000000; v++)
		same_u64(v);
}
END_TEST

Suite *suite_out(void)
{
	Suite *s = suite_create("out");
	TCase *g = tcase_create("gzout");
	tcase_set_timeout(g, 60);
	tcase_add_test(g, gzout_round_trip_through_many_blocks);
	tcase_add_test(g, gzout_file_reads_back_through_io_lines);
	tcase_add_test(g, gzout_bytes_do_not_depend_on_how_they_were_written);
	tcase_add_test(g, gzout_room_is_exactly_what_is_left_of_the_block);
	tcase_add_test(g, gzout_empty_file_is_valid_gzip);
	tcase_add_test(g, gzout_full_disk_is_reported_at_close_naming_the_file);
	tcase_add_test(g, gzout_other_failures_leave_no_file_and_no_thread);
	tcase_add_test(g, gzout_records_make_the_file_their_text_would);
	tcase_add_test(g, gzout_records_empty_header_only_and_discarded);
	tcase_add_test(g, gzout_records_full_disk_is_reported_at_close);
	suite_add_tcase(s, g);
	TCase *f = tcase_create("fmt");
	tcase_set_timeout(f, 60);
	tcase_add_test(f, fmt_u64_matches_printf);
	tcase_add_test(f, fmt_time_matches_the_llround_formatting);
	tcase_add_test(f, fmt_every_fraction_and_digit_boundary);
	suite_add_tcase(s, f);
	return s;
}
