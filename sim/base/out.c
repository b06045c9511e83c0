/* sim/base/out.c — atomic, streamed output files (see out.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <math.h>
#include <signal.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include "sim/base/out.h"
#include "sim/base/thread.h"

char *sim_pathf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = malloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static char *temp_name(const char *path)
{
	return sim_pathf("%s" SIM_TMP_INFIX "%ld", path, (long)getpid());
}

/* ------------------------------------------------------- streamed gzip */

/* The simulation thread copies bytes into fixed-size blocks; a writer
 * thread compresses each full block as one gzip member (libdeflate, fixed
 * level) and writes it. The block boundaries depend on the byte count only,
 * so the file is the same whatever the threads' timing. A member per block
 * is standard gzip: gzip, zcat, zlib's gzread (io_lines) and Python read
 * the members as one stream. Of the GZ_BLOCKS blocks one is being filled,
 * the others are compressed or wait for it, in order. libdeflate's level 1
 * compresses tasks.csv rows about twice as fast as zlib's level 1, and
 * smaller (make bench-out). */
#define GZ_BLOCK_BYTES SIM_GZOUT_BLOCK_BYTES
#define GZ_BLOCKS SIM_GZOUT_BLOCKS
#define GZ_LEVEL 1
/* What a block handed over holds: text to compress as one member (every
 * block without records mode), or, in records mode, text or records to
 * add to the writer's text block (tb), which makes the members. */
enum { GZ_RAW, GZ_TEXT, GZ_RECS };

struct sim_gzout {
	char *path, *tmp;
	int fd;
	/* the simulation thread's: block[filled % GZ_BLOCKS] is being filled */
	char *cur;
	size_t used;
	uint64_t members; /* blocks handed over */
	/* blocks [done, filled) (mod GZ_BLOCKS) are the writer's, in order;
	 * filled, done, len, closing and discard are shared under mu */
	char *block[GZ_BLOCKS];
	size_t len[GZ_BLOCKS];
	uint64_t filled, done;
	int closing, discard;
	int has_sync, threaded; /* without a thread, blocks are packed inline */
	pthread_mutex_t mu;
	pthread_cond_t work, room;
	pthread_t writer;
	/* the writer's (the caller's once the thread is joined) */
	struct libdeflate_compressor *z;
	char *zbuf;
	size_t zcap;
	int err_no; /* errno of the first failure, 0: compression failed */
	atomic_int failed;
	uint64_t packed; /* members compressed (the writer's) */
	/* records mode (sim_gzout_records): each block's kind; the text block
	 * the records are formatted into, and room for one record's text
	 * where tb has less left (the writer's) */
	uint8_t kind[GZ_BLOCKS], cur_kind;
	size_t rec_size, max_text;
	sim_gzout_fmt fmt;
	const void *fmt_ctx;
	char *tb, *scratch;
	size_t tused;
};

/* Remember the first failure and its cause. */
static void gz_fail(sim_gzout *o, int err_no)
{
	if (atomic_load_explicit(&o->failed, memory_order_relaxed))
		return;
	o->err_no = err_no;
	atomic_store_explicit(&o->failed, 1, memory_order_release);
}

/* Compress one block as a gzip member and append it to the file. */
static void gz_pack(sim_gzout *o, const char *buf, size_t len)
{
	if (atomic_load_explicit(&o->failed, memory_order_relaxed))
		return;
	o->packed++;
	size_t n = libdeflate_gzip_compress(o->z, buf, len, o->zbuf, o->zcap);
	if (n == 0) {
		gz_fail(o, 0);
		return;
	}
	for (size_t off = 0; off < n;) {
		ssize_t w = write(o->fd, o->zbuf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			gz_fail(o, w < 0 ? errno : EIO);
			return;
		}
		off += (size_t)w;
	}
}

/* The text block, once full, is a member. */
static void gz_text_full(sim_gzout *o)
{
	if (o->tused == GZ_BLOCK_BYTES) {
		gz_pack(o, o->tb, GZ_BLOCK_BYTES);
		o->tused = 0;
	}
}

/* Text onto the text block, a member each time it fills. */
static void gz_text(sim_gzout *o, const char *buf, size_t len)
{
	while (len) {
		size_t part = GZ_BLOCK_BYTES - o->tused;
		if (part > len)
			part = len;
		memcpy(o->tb + o->tused, buf, part);
		o->tused += part;
		buf += part;
		len -= part;
		gz_text_full(o);
	}
}

/* A block handed over, of its kind: records are formatted straight onto
 * the text block while it has room for any, else through scratch. */
static void gz_take(sim_gzout *o, const char *buf, size_t len, int kind)
{
	if (kind == GZ_RAW) {
		gz_pack(o, buf, len);
		return;
	}
	if (kind == GZ_TEXT) {
		gz_text(o, buf, len);
		return;
	}
	for (size_t at = 0; at < len; at += o->rec_size) {
		if (GZ_BLOCK_BYTES - o->tused < o->max_text) {
			gz_text(o, o->scratch, o->fmt(o->fmt_ctx, buf + at, o->scratch));
			continue;
		}
		o->tused += o->fmt(o->fmt_ctx, buf + at, o->tb + o->tused);
		gz_text_full(o);
	}
}

static void *gz_writer(void *arg)
{
	sim_gzout *o = arg;
	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (o->done == o->filled && !o->closing)
			pthread_cond_wait(&o->work, &o->mu);
		if (o->done == o->filled)
			break;
		size_t i = (size_t)(o->done % GZ_BLOCKS), len = o->len[i];
		int discard = o->discard, kind = o->kind[i];
		pthread_mutex_unlock(&o->mu);
		if (!discard)
			gz_take(o, o->block[i], len, kind);
		pthread_mutex_lock(&o->mu);
		o->done++;
		pthread_cond_signal(&o->room);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

/* Start the writer thread (sim_thread_start: no asynchronous signal);
 * on failure blocks are packed inline (slower, same bytes). */
static void gz_start(sim_gzout *o)
{
	if (pthread_mutex_init(&o->mu, NULL) != 0)
		return;
	if (pthread_cond_init(&o->work, NULL) != 0) {
		pthread_mutex_destroy(&o->mu);
		return;
	}
	if (pthread_cond_init(&o->room, NULL) != 0) {
		pthread_cond_destroy(&o->work);
		pthread_mutex_destroy(&o->mu);
		return;
	}
	o->has_sync = 1;
	o->threaded = sim_thread_start(&o->writer, gz_writer, o) == 0;
}

/* Let the writer finish the blocks handed over (or drop them: discard)
 * and end; no thread is left running after it. */
static void gz_stop(sim_gzout *o, int discard)
{
	if (!o->threaded)
		return;
	pthread_mutex_lock(&o->mu);
	o->closing = 1;
	o->discard = discard;
	pthread_cond_signal(&o->work);
	pthread_mutex_unlock(&o->mu);
	pthread_join(o->writer, NULL);
	o->threaded = 0;
}

/* Hand the block being filled to the writer and take the next one, waiting
 * while every block is the writer's (the memory in flight is bounded). */
static void gz_hand_over(sim_gzout *o)
{
	o->members++;
	if (atomic_load_explicit(&o->failed, memory_order_relaxed)) {
		o->used = 0; /* no use compressing: close reports the failure */
		return;
	}
	if (!o->threaded) {
		gz_take(o, o->cur, o->used, o->cur_kind);
		o->used = 0;
		return;
	}
	pthread_mutex_lock(&o->mu);
	o->len[o->filled % GZ_BLOCKS] = o->used;
	o->kind[o->filled % GZ_BLOCKS] = o->cur_kind;
	o->filled++;
	pthread_cond_signal(&o->work);
	while (o->filled - o->done >= GZ_BLOCKS)
		pthread_cond_wait(&o->room, &o->mu);
	pthread_mutex_unlock(&o->mu);
	o->cur = o->block[o->filled % GZ_BLOCKS];
	o->used = 0;
}

static void gz_free(sim_gzout *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->has_sync) {
		pthread_cond_destroy(&o->room);
		pthread_cond_destroy(&o->work);
		pthread_mutex_destroy(&o->mu);
	}
	for (size_t i = 0; i < GZ_BLOCKS; i++)
		free(o->block[i]);
	free(o->zbuf);
	free(o->tb);
	free(o->scratch);
	libdeflate_free_compressor(o->z);
	free(o->path);
	free(o->tmp);
	free(o);
}

int sim_gzout_open(sim_gzout **out, const char *path, io_err *err)
{
	*out = NULL;
	sim_gzout *o = calloc(1, sizeof *o);
	if (!o)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	o->fd = -1;
	atomic_init(&o->failed, 0);
	o->path = strdup(path);
	o->tmp = temp_name(path);
	o->z = libdeflate_alloc_compressor(GZ_LEVEL);
	if (o->z)
		o->zcap = libdeflate_gzip_compress_bound(o->z, GZ_BLOCK_BYTES);
	o->zbuf = o->zcap ? malloc(o->zcap) : NULL;
	int ok = o->path && o->tmp && o->zbuf;
	for (size_t i = 0; i < GZ_BLOCKS && ok; i++)
		ok = (o->block[i] = malloc(GZ_BLOCK_BYTES)) != NULL;
	if (!ok) {
		gz_free(o);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o->fd < 0) {
		int e = errno;
		gz_free(o);
		return io_errf(err, IO_EIO, path, 0, "cannot create: %s",
				 strerror(e));
	}
	o->cur = o->block[0];
	gz_start(o);
	*out = o;
	return 0;
}

/* In records mode, the block being filled becomes of kind k: the one
 * filled so far, of the other kind, is handed over first. */
static void gz_kind(sim_gzout *o, uint8_t k)
{
	if (o->used)
		gz_hand_over(o);
	o->cur_kind = k;
}

int sim_gzout_records(sim_gzout *o, size_t rec_size, size_t max_text,
		      sim_gzout_fmt fmt, const void *ctx)
{
	if (o->fmt || !rec_size || rec_size > GZ_BLOCK_BYTES ||
	    max_text > GZ_BLOCK_BYTES)
		return -1;
	char *tb = malloc(GZ_BLOCK_BYTES), *scratch = malloc(max_text ? max_text : 1);
	if (!tb || !scratch) {
		free(tb);
		free(scratch);
		return -1;
	}
	/* set before the text so far goes over: the writer adds it to tb */
	o->tb = tb;
	o->scratch = scratch;
	o->rec_size = rec_size;
	o->max_text = max_text;
	o->fmt = fmt;
	o->fmt_ctx = ctx;
	o->cur_kind = GZ_TEXT; /* the text so far, handed over as text */
	gz_kind(o, GZ_TEXT);
	return 0;
}

void *sim_gzout_record(sim_gzout *o)
{
	if (o->cur_kind != GZ_RECS)
		gz_kind(o, GZ_RECS);
	if (GZ_BLOCK_BYTES - o->used < o->rec_size)
		gz_hand_over(o);
	void *r = o->cur + o->used;
	o->used += o->rec_size;
	return r;
}

void sim_gzout_write(sim_gzout *o, const char *buf, size_t len)
{
	if (o->cur_kind == GZ_RECS)
		gz_kind(o, GZ_TEXT);
	while (len > GZ_BLOCK_BYTES - o->used) {
		size_t part = GZ_BLOCK_BYTES - o->used;
		memcpy(o->cur + o->used, buf, part);
		o->used += part;
		buf += part;
		len -= part;
		gz_hand_over(o);
	}
	memcpy(o->cur + o->used, buf, len);
	o->used += len;
}

char *sim_gzout_room(sim_gzout *o, size_t max)
{
	if (o->cur_kind == GZ_RECS)
		gz_kind(o, GZ_TEXT);
	return max <= GZ_BLOCK_BYTES - o->used ? o->cur + o->used : NULL;
}

void sim_gzout_commit(sim_gzout *o, size_t n)
{
	o->used += n;
	if (o->used == GZ_BLOCK_BYTES)
		gz_hand_over(o);
}

int sim_gzout_failed(const sim_gzout *o)
{
	return o && atomic_load_explicit(&o->failed, memory_order_relaxed);
}

int sim_gzout_close(sim_gzout *o, int commit, io_err *err)
{
	if (!o)
		return 0;
	int rc = 0;
	/* the last, partial block; an empty file is one empty member (in
	 * records mode, the text block's rest, packed here once the writer
	 * is done) */
	if (commit && (o->used || (!o->members && !o->fmt)))
		gz_hand_over(o);
	gz_stop(o, !commit);
	if (commit && o->fmt && (o->tused || !o->packed))
		gz_pack(o, o->tb, o->tused);
	if (close(o->fd) != 0)
		gz_fail(o, errno);
	o->fd = -1;
	int failed = atomic_load(&o->failed);
	if (commit && !failed && rename(o->tmp, o->path) != 0) {
		gz_fail(o, errno);
		failed = 1;
	}
	if (!commit || failed) {
		if (commit)
			rc = io_errf(err, IO_EIO, o->path, 0,
				       "cannot write: %s",
				       o->err_no ? strerror(o->err_no)
						 : "compression failed");
		unlink(o->tmp);
	}
	gz_free(o);
	return rc;
}

int sim_write_text(const char *path, const char *text, size_t len,
		   io_err *err)
{
	char *tmp = temp_name(path);
	if (!tmp)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	FILE *f = fopen(tmp, "wb");
	int ok = f && fwrite(text, 1, len, f) == len, e = errno;
	if (f && fclose(f) != 0 && ok) {
		ok = 0;
		e = errno;
	}
	if (ok && rename(tmp, path) == 0) {
		free(tmp);
		return 0;
	}
	if (ok)
		e = errno;
	unlink(tmp);
	free(tmp);
	return io_errf(err, IO_EIO, path, 0, "cannot write: %s",
			 strerror(e));
}

json_t *sim_json_num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

int sim_write_json(const char *path, const json_t *v, io_err *err)
{
	char *text = json_dumps(v, SIM_JSON_FLAGS);
	if (!text)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	size_t n = strlen(text);
	text[n] = '\n'; /* json_dumps's NUL becomes the final newline */
	int rc = sim_write_text(path, text, n + 1, err);
	free(text);
	return rc;
}

int sim_mkdirs(const char *path, io_err *err)
{
	char *p = strdup(path);
	if (!p)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (char *s = p + 1;; s++) {
		char c = *s;
		if (c == '/' || c == 0) {
			*s = 0;
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				int e = errno;
				io_errf(err, IO_EIO, p, 0,
					  "cannot create directory: %s",
					  strerror(e));
				free(p);
				return IO_EIO;
			}
			*s = c;
		}
		if (c == 0)
			break;
	}
	free(p);
	return 0;
}

/* "00" "01" ... "99": two digits per division (row formatting is on the
 * simulation thread's hot path: the formatters are inline, in out.h). */
const char sim_fmt_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

const uint64_t sim_fmt_pow10[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
	10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
	100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull,
	10000000000000000000ull};

size_t sim_fmt_time_wide(char *buf, double x)
{
	if (!isfinite(x))
		return (size_t)snprintf(buf, SIM_FMT_TIME_MAX, "%s",
					isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
	/* beyond 1e15 s the fixed-point form would need up to 316 digits:
	 * shortest round-trip form instead (at most 24 bytes) */
	if (fabs(x) >= 1e15)
		return (size_t)snprintf(buf, SIM_FMT_TIME_MAX, "%.17g", x);
	size_t n = 0;
	if (x < 0) {
		buf[n++] = '-';
		x = -x;
	}
	if (x >= 1e12) /* beyond exact micro-second fixed point */
		return n + (size_t)snprintf(buf + n, SIM_FMT_TIME_MAX - n,
					    "%.6f", x);
	return n + sim_fmt_time(buf + n, x);
}

void sim_text_add(sim_text *t, const char *fmt, ...)
{
	if (t->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = t->cap - t->len;
		int n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = 2 * t->cap + (size_t)n + 256;
		char *b = realloc(t->buf, cap);
		if (!b) {
			t->failed = 1;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}

/* ------------------------------------------------------ run output sets */

struct sim_outset {
	char *dir;     /* the user's output directory (never renamed) */
	char *staging; /* dir/.staging.<pid> */
};

typedef struct out_file {
	char *rel;
	long long size;
} out_file;

typedef struct out_list {
	out_file *v;
	size_t n, cap;
} out_list;

static void list_free(out_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].rel);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int list_add(out_list *l, const char *rel, long long size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		out_file *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	out_file *f = &l->v[l->n];
	f->rel = strdup(rel);
	if (!f->rel)
		return -1;
	f->size = size;
	l->n++;
	return 0;
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const out_file *)a)->rel, ((const out_file *)b)->rel);
}

/* "<digits>" -> pid, else -1 */
static long parse_pid(const char *s)
{
	if (!*s)
		return -1;
	long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v > 0 ? v : -1;
}

static int pid_dead(long pid)
{
	return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) == -1 &&
	       errno == ESRCH;
}

/* Remove a tree this process (or a dead hetsim) wrote: a staging dir. */
static int rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *p = sim_pathf("%s/%s", path, de->d_name);
		struct stat st;
		if (!p) {
			rc = -1;
			continue;
		}
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rc |= rm_tree(p);
		else if (unlink(p) != 0 && errno != ENOENT)
			rc = -1;
		free(p);
	}
	closedir(d);
	if (rmdir(path) != 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

/* Names of the files hetsim writes into an output directory: only their
 * temporaries are ever removed by the clean-up. */
static int hetsim_output_name(const char *name, size_t len)
{
	static const char *const names[] = {"summary.json", "tasks.csv.gz",
					    "comparison.csv", SIM_MANIFEST,
					    "jobs.csv.gz", NULL};
	for (const char *const *n = names; *n; n++)
		if (strlen(*n) == len && memcmp(*n, name, len) == 0)
			return 1;
	return 0;
}

/* Remove dead processes' temporaries ("<output>.tmp.<pid>") in dir and,
 * depth levels down, its sub-directories (<policy>/, <policy>/rep-NNN/:
 * where runs before output sets wrote them), and their staging dirs. */
static void clean_stale(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		char *p = sim_pathf("%s/%s", dir, name);
		struct stat st;
		if (!p || lstat(p, &st) != 0) {
			free(p);
			continue;
		}
		size_t sl = strlen(SIM_STAGING_PREFIX);
		const char *tmp = strstr(name, SIM_TMP_INFIX);
		if (S_ISDIR(st.st_mode) && strncmp(name, SIM_STAGING_PREFIX, sl) == 0) {
			if (pid_dead(parse_pid(name + sl)))
				rm_tree(p);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth > 0)
				clean_stale(p, depth - 1);
		} else if (S_ISREG(st.st_mode) && tmp &&
			   hetsim_output_name(name, (size_t)(tmp - name)) &&
			   pid_dead(parse_pid(tmp + strlen(SIM_TMP_INFIX)))) {
			unlink(p);
		}
		free(p);
	}
	closedir(d);
}

/* A manifest.json already in dir must be hetsim's: it is replaced, and
 * the files it lists may be removed. */
static int check_own_manifest(const char *dir, io_err *err)
{
	char *path = sim_pathf("%s/%s", dir, SIM_MANIFEST);
	if (!path)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	int rc = 0;
	if (access(path, F_OK) == 0) {
		json_t *j = json_load_file(path, 0, NULL);
		if (!json_is_string(json_object_get(j, "run_id")) ||
		    !json_is_string(json_object_get(j, "hetsim_version")) ||
		    !json_is_array(json_object_get(j, "files")))
			rc = io_errf(err, IO_EINPUT, path, 0,
				       "exists and is not a hetsim run manifest: "
				       "choose another output directory");
		json_decref(j);
	}
	free(path);
	return rc;
}

int sim_outset_begin(sim_outset **out, const char *dir, io_err *err)
{
	*out = NULL;
	int rc = sim_mkdirs(dir, err);
	if (!rc)
		rc = check_own_manifest(dir, err);
	if (rc)
		return rc;
	clean_stale(dir, 2);
	sim_outset *s = calloc(1, sizeof *s);
	if (s) {
		s->dir = strdup(dir);
		s->staging = sim_pathf("%s/" SIM_STAGING_PREFIX "%ld", dir,
				       (long)getpid());
	}
	if (!s || !s->dir || !s->staging) {
		sim_outset_free(s);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	rm_tree(s->staging); /* an earlier run of this process that failed */
	if (mkdir(s->staging, 0777) != 0) {
		int e = errno;
		rc = io_errf(err, IO_EIO, s->staging, 0,
			       "cannot create directory: %s", strerror(e));
		sim_outset_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *sim_outset_dir(const sim_outset *s)
{
	return s->staging;
}

void sim_outset_name_final(const sim_outset *s, io_err *err)
{
	char *at = s ? strstr(err->msg, s->staging) : NULL;
	if (!at)
		return;
	char *tail = strdup(at + strlen(s->staging));
	if (!tail)
		return;
	size_t head = (size_t)(at - err->msg);
	snprintf(at, sizeof err->msg - head, "%s%s", s->dir, tail);
	free(tail);
}

void sim_outset_free(sim_outset *s)
{
	if (!s)
		return;
	if (s->staging)
		rm_tree(s->staging);
	free(s->dir);
	free(s->staging);
	free(s);
}

/* Every regular file under root/rel, relative to root. */
static int walk(const char *root, const char *rel, out_list *l)
{
	char *path = *rel ? sim_pathf("%s/%s", root, rel) : strdup(root);
	DIR *d = path ? opendir(path) : NULL;
	if (!d) {
		free(path);
		return -1;
	}
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *r = *rel ? sim_pathf("%s/%s", rel, de->d_name)
			       : strdup(de->d_name);
		char *p = r ? sim_pathf("%s/%s", root, r) : NULL;
		struct stat st;
		if (!p || lstat(p, &st) != 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = walk(root, r, l);
		else if (S_ISREG(st.st_mode))
			rc = list_add(l, r, (long long)st.st_size);
		free(r);
		free(p);
	}
	closedir(d);
	free(path);
	return rc;
}

/* A path a manifest may name: relative, without "." or ".." parts. */
static int safe_rel(const char *rel)
{
	if (!*rel || *rel == '/')
		return 0;
	for (const char *s = rel; *s;) {
		size_t n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n;
		if (*s == '/')
			s++;
	}
	return 1;
}

int sim_manifest_files(const char *manifest, sim_manifest_file **files,
		       size_t *n, io_err *err)
{
	*files = NULL;
	*n = 0;
	io_jdoc doc;
	int rc = io_jdoc_load(&doc, manifest, err);
	if (rc)
		return rc;
	const json_t *list = json_object_get(doc.root, "files");
	if (!json_is_array(list)) {
		rc = io_jerr(err, &doc, doc.root, "\"files\" must be an array");
		io_jdoc_free(&doc);
		return rc;
	}
	size_t cnt = json_array_size(list), i;
	sim_manifest_file *v = calloc(cnt ? cnt : 1, sizeof *v);
	if (!v) {
		io_jdoc_free(&doc);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	const json_t *f;
	json_array_foreach(list, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		const json_t *sz = json_object_get(f, "size_bytes");
		if (!p || !safe_rel(p) || !json_is_integer(sz) ||
		    json_integer_value(sz) < 0) {
			rc = io_jerr(err, &doc, f,
				       "a file entry needs a relative \"path\" "
				       "and \"size_bytes\" >= 0");
			break;
		}
		v[i].path = strdup(p);
		v[i].size_bytes = (long long)json_integer_value(sz);
		*n = i + 1;
		if (!v[i].path) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			break;
		}
	}
	io_jdoc_free(&doc);
	*files = v;
	if (rc) {
		sim_manifest_free(*files, *n);
		*files = NULL;
		*n = 0;
	}
	return rc;
}

void sim_manifest_free(sim_manifest_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].path);
	free(files);
}

static int listed(const out_list *l, const char *rel)
{
	out_file key = {(char *)rel, 0};
	return l->n && bsearch(&key, l->v, l->n, sizeof *l->v, by_rel) != NULL;
}

/* Remove dir/rel and then its parent directories inside dir that are left
 * empty. */
static void remove_old(const char *dir, const char *rel)
{
	char *p = sim_pathf("%s/%s", dir, rel);
	if (!p)
		return;
	unlink(p);
	size_t keep = strlen(dir);
	for (char *s = strrchr(p, '/'); s && (size_t)(s - p) > keep;
	     s = strrchr(p, '/')) {
		*s = 0;
		if (rmdir(p) != 0)
			break;
	}
	free(p);
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

int sim_outset_commit(sim_outset *s, const json_t *info, io_err *err)
{
	out_list now = {0}, old = {0};
	json_t *m = NULL;
	char *manifest = sim_pathf("%s/%s", s->dir, SIM_MANIFEST), *from = NULL,
	     *to = NULL;
	int rc = 0;
	if (!manifest || walk(s->staging, "", &now)) {
		rc = io_errf(err, IO_EIO, s->staging, 0,
			       "cannot list the run's files");
		goto out;
	}
	qsort(now.v, now.n, sizeof *now.v, by_rel);
	/* the previous run's files: replaced as a set */
	sim_manifest_file *prev = NULL;
	size_t n_prev = 0;
	io_err ignore = {0};
	if (access(manifest, F_OK) == 0 &&
	    sim_manifest_files(manifest, &prev, &n_prev, &ignore) == 0) {
		for (size_t i = 0; i < n_prev; i++)
			if (list_add(&old, prev[i].path, prev[i].size_bytes))
				break;
		sim_manifest_free(prev, n_prev);
	}
	/* from here until the new manifest is written the directory holds no
	 * manifest: an interrupted move is detectable (hetsim compare) */
	if (unlink(manifest) != 0 && errno != ENOENT) {
		rc = io_errf(err, IO_EIO, manifest, 0, "cannot remove: %s",
			       strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < old.n; i++)
		if (!listed(&now, old.v[i].rel))
			remove_old(s->dir, old.v[i].rel);
	for (size_t i = 0; i < now.n && !rc; i++) {
		from = sim_pathf("%s/%s", s->staging, now.v[i].rel);
		to = sim_pathf("%s/%s", s->dir, now.v[i].rel);
		if (!from || !to) {
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			break;
		}
		char *slash = strrchr(to, '/');
		*slash = 0;
		rc = sim_mkdirs(to, err);
		*slash = '/';
		if (!rc && rename(from, to) != 0)
			rc = io_errf(err, IO_EIO, to, 0, "cannot write: %s",
				       strerror(errno));
		free(from);
		free(to);
		from = to = NULL;
	}
	if (rc)
		goto out;
	/* the manifest, last: a deterministic function of the run */
	m = json_object();
	json_t *files = json_array();
	if (!m || !files) {
		json_decref(files);
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	char *info_text = json_dumps(info, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = 14695981039346656037ull;
	if (info_text)
		h = fnv1a(h, info_text, strlen(info_text));
	free(info_text);
	for (size_t i = 0; i < now.n; i++) {
		char size[32];
		int sn = snprintf(size, sizeof size, "\n%lld\n", now.v[i].size);
		h = fnv1a(h, now.v[i].rel, strlen(now.v[i].rel));
		h = fnv1a(h, size, (size_t)sn);
		json_t *f = json_object();
		json_object_set_new(f, "path", json_string(now.v[i].rel));
		json_object_set_new(f, "size_bytes", json_integer(now.v[i].size));
		json_array_append_new(files, f);
	}
	char id[17];
	snprintf(id, sizeof id, "%016llx", (unsigned long long)h);
	json_object_set_new(m, "run_id", json_string(id));
	json_object_update(m, (json_t *)info);
	json_object_set_new(m, "files", files);
	rc = sim_write_json(manifest, m, err);
out:
	json_decref(m);
	free(manifest);
	list_free(&now);
	list_free(&old);
	return rc;
}
