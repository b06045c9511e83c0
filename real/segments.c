/* real/segments.c — synthetic segments from lavfi sources (see segments.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "real/proc.h"
#include "real/segments.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"

/* Bump when the graphs or the encoding change: old cache entries are then
 * simply not found. */
#define SEGMENT_FORMAT "hetsim-segment-v1"

enum { FAMILIES = 6 };
static const char *const families[FAMILIES] = {
	"testsrc2", "mandelbrot", "life", "cellauto", "gradients", "smptehdbars"};

void real_segment_default(real_segment_spec *s, uint64_t seed, uint32_t index)
{
	memset(s, 0, sizeof *s);
	s->seed = seed;
	s->index = index;
	s->width = 1280;
	s->height = 720;
	s->fps = 30;
	s->duration_s = 2;
	s->bitrate_k = 4500;
}

int real_segment_check(const real_segment_spec *s, io_err *err)
{
	if (s->width < 16 || s->width > 3840 || s->height < 16 || s->height > 2160 ||
	    s->width % 2 || s->height % 2)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "segment size %dx%d: width and height must be even, "
				 "16..3840 x 16..2160", s->width, s->height);
	if (s->fps < 1 || s->fps > 120)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "segment frame rate %d: must be 1..120", s->fps);
	if (!(s->duration_s > 0 && s->duration_s <= 60))
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "segment duration %g s: must be in (0, 60]", s->duration_s);
	if (s->bitrate_k < 50 || s->bitrate_k > 50000)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "segment bit rate %dk: must be 50k..50000k", s->bitrate_k);
	return 0;
}

/* The draws of one segment: a SplitMix64 sequence keyed by (seed, index). */
typedef struct draws {
	uint64_t state;
} draws;

static draws draws_of(const real_segment_spec *s)
{
	draws d = {sim_splitmix64(s->seed ^ sim_splitmix64(0x5E6D000000000000ull + s->index))};
	return d;
}

static uint64_t draw(draws *d)
{
	d->state += 0x9E3779B97F4A7C15ull;
	return sim_splitmix64(d->state);
}

/* Uniform integer in [lo, hi]. */
static int draw_int(draws *d, int lo, int hi)
{
	return lo + (int)(draw(d) % (uint64_t)(hi - lo + 1));
}

/* Uniform in [lo, hi), rounded to 3 decimals so the graph text is exact. */
static double draw_real(draws *d, double lo, double hi)
{
	double u = (double)(draw(d) >> 11) * 0x1.0p-53;
	return (double)(long)((lo + (hi - lo) * u) * 1000) / 1000;
}

/* Consecutive indices walk through the families (from a start drawn from
 * the seed), so any six segments of a seed cover all six. */
static int family_of(const real_segment_spec *s)
{
	return (int)((sim_splitmix64(s->seed ^ 0xFA3171E5ull) + s->index) % FAMILIES);
}

const char *real_segment_family(const real_segment_spec *s)
{
	return families[family_of(s)];
}

/* Append to buf at *len; -1 once it no longer fits. */
static int add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	if (*len >= cap)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= cap - *len) {
		*len = cap;
		return -1;
	}
	*len += (size_t)w;
	return 0;
}

int real_segment_graph(const real_segment_spec *s, char *buf, size_t cap)
{
	draws d = draws_of(s);
	int family = family_of(s);
	int w = s->width, h = s->height, r = s->fps;
	unsigned seed32 = (unsigned)(draw(&d) & 0x7fffffff);
	/* small grids for the cellular sources, scaled up without smoothing */
	int w4 = w / 4 > 8 ? w / 4 : 8, h4 = h / 4 > 8 ? h / 4 : 8;
	size_t len = 0;
	int rc = 0;
	switch (family) {
	case 0:
		rc = add(buf, cap, &len, "testsrc2=size=%dx%d:rate=%d,hue=H=%.3f*t:s=%.3f",
			 w, h, r, draw_real(&d, 0.2, 3), draw_real(&d, 0.6, 1.6));
		break;
	case 1: /* a zoom into the seahorse valley, depth and speed drawn */
		rc = add(buf, cap, &len,
			 "mandelbrot=size=%dx%d:rate=%d:start_scale=%.3f:end_scale=%.5f:"
			 "end_pts=%d:maxiter=%d",
			 w, h, r, draw_real(&d, 0.5, 3), draw_real(&d, 0.001, 0.05),
			 (int)(s->duration_s * r) + 1, draw_int(&d, 64, 512));
		break;
	case 2:
		rc = add(buf, cap, &len,
			 "life=size=%dx%d:rate=%d:seed=%u:ratio=%.3f:mold=%d:"
			 "life_color=#%06x:death_color=#%06x:mold_color=#%06x,"
			 "scale=%d:%d:flags=neighbor",
			 w4, h4, r, seed32, draw_real(&d, 0.1, 0.7), draw_int(&d, 0, 40),
			 (unsigned)(draw(&d) & 0xffffff), (unsigned)(draw(&d) & 0x3f3f3f),
			 (unsigned)(draw(&d) & 0xffffff), w, h);
		break;
	case 3: {
		static const int rules[] = {18, 30, 45, 90, 110, 150};
		rc = add(buf, cap, &len,
			 "cellauto=size=%dx%d:rate=%d:rule=%d:seed=%u:random_fill_ratio=%.3f,"
			 "scale=%d:%d:flags=neighbor",
			 w4 * 2, h4 * 2, r, rules[draw(&d) % 6], seed32,
			 draw_real(&d, 0.2, 0.8), w, h);
		break;
	}
	case 4:
		rc = add(buf, cap, &len,
			 "gradients=size=%dx%d:rate=%d:speed=%.3f:seed=%u:nb_colors=%d:type=%d",
			 w, h, r, draw_real(&d, 0.005, 0.2), seed32, draw_int(&d, 2, 8),
			 draw_int(&d, 0, 3));
		break;
	default:
		rc = add(buf, cap, &len,
			 "smptehdbars=size=%dx%d:rate=%d,noise=alls=%d:allf=t+u:all_seed=%u,"
			 "hue=H=%.3f*t",
			 w, h, r, draw_int(&d, 5, 40), seed32, draw_real(&d, 0, 2));
	}
	/* optional motion and grain, for more spread in complexity */
	if (!rc && family != 5 && draw(&d) % 3 == 0)
		rc = add(buf, cap, &len, ",rotate=a=%.3f*t:fillcolor=black",
			 draw_real(&d, -0.8, 0.8));
	if (!rc && family != 5 && draw(&d) % 3 == 0)
		rc = add(buf, cap, &len, ",noise=alls=%d:allf=t:all_seed=%u",
			 draw_int(&d, 3, 25), seed32 ^ 0x55u);
	if (!rc)
		rc = add(buf, cap, &len, ",format=yuv420p");
	return rc;
}

/* Encoding arguments after the input (the output path appended later). */
static int encode_args(const real_segment_spec *s, char args[][32], int max)
{
	int n = 0;
#define A(...) snprintf(args[n++], 32, __VA_ARGS__)
	A("-t"); A("%.3f", s->duration_s);
	A("-c:v"); A("libx264"); A("-preset"); A("medium");
	A("-b:v"); A("%dk", s->bitrate_k); A("-maxrate"); A("%dk", s->bitrate_k);
	A("-bufsize"); A("%dk", 2 * s->bitrate_k); A("-g"); A("%d", s->fps);
	A("-pix_fmt"); A("yuv420p"); A("-threads"); A("1");
	A("-fflags"); A("+bitexact"); A("-flags:v"); A("+bitexact");
	A("-map_metadata"); A("-1"); A("-an"); A("-f"); A("mp4");
#undef A
	return n <= max ? n : -1;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull; /* field separator */
}

uint64_t real_segment_key(const real_segment_spec *s)
{
	char graph[1024], args[40][32];
	uint64_t h = fnv1a(1469598103934665603ull, SEGMENT_FORMAT);
	if (real_segment_graph(s, graph, sizeof graph) == 0)
		h = fnv1a(h, graph);
	int n = encode_args(s, args, 40);
	for (int i = 0; i < n; i++)
		h = fnv1a(h, args[i]);
	return h;
}

void real_segment_cache_dir(const char *dir, char *out, size_t cap)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (dir && *dir)
		snprintf(out, cap, "%s", dir);
	else if (xdg && *xdg)
		snprintf(out, cap, "%s/hetsim/segments", xdg);
	else if (home && *home)
		snprintf(out, cap, "%s/.cache/hetsim/segments", home);
	else
		snprintf(out, cap, "/tmp/hetsim-segments");
}

int real_segment_get(const real_tc *tc, const real_segment_spec *s,
		     const char *cache_dir, char *path, size_t cap, int *made,
		     io_err *err)
{
	if (made)
		*made = 0;
	int rc = real_segment_check(s, err);
	if (rc)
		return rc;
	char dir[2048], graph[1024], args[40][32];
	real_segment_cache_dir(cache_dir, dir, sizeof dir);
	if (real_segment_graph(s, graph, sizeof graph))
		return io_errf(err, IO_EINPUT, NULL, 0, "segment graph too long");
	int w = snprintf(path, cap, "%s/seg%04u-%s-%dx%d-%016llx.mp4", dir, s->index,
			 real_segment_family(s), s->width, s->height,
			 (unsigned long long)real_segment_key(s));
	if (w < 0 || (size_t)w >= cap)
		return io_errf(err, IO_EINPUT, dir, 0, "cache path too long");
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		return 0;
	if ((rc = sim_mkdirs(dir, err)))
		return rc;
	char tmp[2200];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	int n = encode_args(s, args, 40);
	char *argv[64];
	int k = 0;
	static char *const head[] = {"-hide_banner", "-nostdin", "-nostats",
				     "-loglevel", "error", "-y", "-f", "lavfi", "-i"};
	argv[k++] = (char *)real_tc_ffmpeg(tc);
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		argv[k++] = head[i];
	argv[k++] = graph;
	for (int i = 0; i < n; i++)
		argv[k++] = args[i];
	argv[k++] = tmp;
	argv[k] = NULL;
	real_proc_result pr;
	rc = real_proc_run(argv, 600, &pr, err);
	if (!rc && !real_proc_ok(&pr)) {
		char tail[300];
		real_proc_tail(&pr, tail, sizeof tail);
		rc = io_errf(err, IO_EIO, NULL, 0,
			       "making segment %u (%s) failed: %s", s->index,
			       real_segment_family(s),
			       pr.timed_out ? "timed out" : tail[0] ? tail : "ffmpeg failed");
	}
	real_proc_result_free(&pr);
	if (!rc && rename(tmp, path) != 0)
		rc = io_errf(err, IO_EIO, path, 0, "cannot rename into place: %s",
			       strerror(errno));
	if (rc)
		unlink(tmp);
	else if (made)
		*made = 1;
	return rc;
}
