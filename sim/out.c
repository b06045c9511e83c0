/* sim/out.c — atomic, streamed output files (see out.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "sim/out.h"

struct sim_gzout {
	gzFile gz;
	char *path, *tmp;
	int failed;
	char buf[1 << 16];
	size_t used;
};

static char *temp_name(const char *path)
{
	size_t n = strlen(path) + 32;
	char *t = malloc(n);
	if (t)
		snprintf(t, n, "%s.tmp.%ld", path, (long)getpid());
	return t;
}

int sim_gzout_open(sim_gzout **out, const char *path, prof_err *err)
{
	sim_gzout *o = calloc(1, sizeof *o);
	if (!o)
		return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	o->path = strdup(path);
	o->tmp = temp_name(path);
	if (!o->path || !o->tmp) {
		free(o->path);
		free(o->tmp);
		free(o);
		return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	}
	o->gz = gzopen(o->tmp, "wb1");
	if (!o->gz) {
		int e = errno;
		free(o->path);
		free(o->tmp);
		free(o);
		return prof_errf(err, PROF_EIO, path, 0, "cannot create: %s",
				 strerror(e));
	}
	gzbuffer(o->gz, 1 << 17);
	*out = o;
	return 0;
}

static void flush_buf(sim_gzout *o)
{
	if (o->used && !o->failed &&
	    gzwrite(o->gz, o->buf, (unsigned)o->used) != (int)o->used)
		o->failed = 1;
	o->used = 0;
}

void sim_gzout_write(sim_gzout *o, const char *buf, size_t len)
{
	if (o->used + len > sizeof o->buf) {
		flush_buf(o);
		if (len > sizeof o->buf) {
			if (!o->failed &&
			    gzwrite(o->gz, buf, (unsigned)len) != (int)len)
				o->failed = 1;
			return;
		}
	}
	memcpy(o->buf + o->used, buf, len);
	o->used += len;
}

int sim_gzout_close(sim_gzout *o, int commit, prof_err *err)
{
	if (!o)
		return 0;
	int rc = 0;
	flush_buf(o);
	if (gzclose(o->gz) != Z_OK)
		o->failed = 1;
	if (commit && !o->failed && rename(o->tmp, o->path) == 0) {
		/* done */
	} else {
		if (commit)
			rc = prof_errf(err, PROF_EIO, o->path, 0,
				       "cannot write: %s", strerror(errno));
		unlink(o->tmp);
	}
	free(o->path);
	free(o->tmp);
	free(o);
	return rc;
}

int sim_write_text(const char *path, const char *text, size_t len,
		   prof_err *err)
{
	char *tmp = temp_name(path);
	if (!tmp)
		return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	FILE *f = fopen(tmp, "wb");
	int ok = f && fwrite(text, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, path) == 0) {
		free(tmp);
		return 0;
	}
	int e = errno;
	unlink(tmp);
	free(tmp);
	return prof_errf(err, PROF_EIO, path, 0, "cannot write: %s",
			 strerror(e));
}

json_t *sim_json_num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

int sim_write_json(const char *path, const json_t *v, prof_err *err)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					   JSON_REAL_PRECISION(12));
	if (!text)
		return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	size_t n = strlen(text);
	text[n] = '\n'; /* json_dumps's NUL becomes the final newline */
	int rc = sim_write_text(path, text, n + 1, err);
	free(text);
	return rc;
}

int sim_mkdirs(const char *path, prof_err *err)
{
	char *p = strdup(path);
	if (!p)
		return prof_errf(err, PROF_ENOMEM, NULL, 0, "out of memory");
	for (char *s = p + 1;; s++) {
		char c = *s;
		if (c == '/' || c == 0) {
			*s = 0;
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				int e = errno;
				prof_errf(err, PROF_EIO, p, 0,
					  "cannot create directory: %s",
					  strerror(e));
				free(p);
				return PROF_EIO;
			}
			*s = c;
		}
		if (c == 0)
			break;
	}
	free(p);
	return 0;
}

size_t sim_fmt_u64(char *buf, uint64_t x)
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

size_t sim_fmt_time(char *buf, double x)
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
	uint64_t micros = (uint64_t)llround(x * 1e6);
	n += sim_fmt_u64(buf + n, micros / 1000000);
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
