/* real/transcode.c — the ffmpeg driver (see transcode.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "real/proc.h"
#include "real/transcode.h"

#define INSTALL_HINT "install it (Debian: apt-get install ffmpeg) or set HETSIM_FFMPEG"

/* ------------------------------------------------------------ operations */

static const char *const kind_names[REAL_OP_KINDS] = {"bitrate", "framerate",
						       "resolution", "codec"};

/* Encoder settings per codec: see transcode.h. */
static const struct codec_info {
	const char *name, *encoder, *probe, *format;
	const char *speed[5];   /* NULL-terminated */
	const char *quality[5]; /* when no bit rate is asked */
} codecs[REAL_CODECS] = {
	[REAL_CODEC_H264] = {"h264", "libx264", "h264", "mp4",
			     {"-preset", "veryfast", NULL}, {"-crf", "23", NULL}},
	[REAL_CODEC_HEVC] = {"hevc", "libx265", "hevc", "mp4",
			     {"-preset", "superfast", NULL}, {"-crf", "28", NULL}},
	[REAL_CODEC_VP9] = {"vp9", "libvpx-vp9", "vp9", "webm",
			    {"-deadline", "realtime", "-cpu-used", "8", NULL},
			    {"-crf", "32", "-b:v", "0", NULL}},
	[REAL_CODEC_MPEG4] = {"mpeg4", "mpeg4", "mpeg4", "mp4", {NULL},
			      {"-q:v", "4", NULL}},
};

static const struct {
	const char *alias;
	real_codec codec;
} codec_aliases[] = {
	{"h264", REAL_CODEC_H264},  {"h.264", REAL_CODEC_H264},
	{"avc", REAL_CODEC_H264},   {"x264", REAL_CODEC_H264},
	{"hevc", REAL_CODEC_HEVC},  {"h265", REAL_CODEC_HEVC},
	{"h.265", REAL_CODEC_HEVC}, {"x265", REAL_CODEC_HEVC},
	{"vp9", REAL_CODEC_VP9},    {"mpeg4", REAL_CODEC_MPEG4},
	{"mpeg-4", REAL_CODEC_MPEG4},
};

const char *real_codec_name(real_codec c)
{
	return c < REAL_CODECS ? codecs[c].name : "?";
}
const char *real_codec_encoder(real_codec c)
{
	return c < REAL_CODECS ? codecs[c].encoder : "?";
}
const char *real_codec_probe_name(real_codec c)
{
	return c < REAL_CODECS ? codecs[c].probe : "?";
}

/* A whole decimal integer, no sign, no junk; -1 if not one (or huge). */
static long parse_uint(const char *s, const char **end)
{
	long v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (v > 100000000)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	*end = p;
	return v;
}

static int bad_op(io_err *err, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad_op(io_err *err, const char *text, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return io_errf(err, IO_EINPUT, NULL, 0, "operation \"%s\": %s", text, what);
}

int real_op_parse(const char *text, real_op *op, io_err *err)
{
	char buf[128];
	if (!text)
		text = "";
	size_t len = strlen(text);
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	while (len && (*text == ' ' || *text == '\t'))
		text++, len--;
	if (len == 0 || len >= sizeof buf)
		return bad_op(err, len ? "(too long)" : "",
			      "expected kind=value, e.g. bitrate=768k, framerate=24, "
			      "resolution=640x360 or codec=vp9");
	memcpy(buf, text, len);
	buf[len] = 0;
	char *eq = strchr(buf, '=');
	if (!eq)
		return bad_op(err, buf, "expected kind=value, e.g. bitrate=768k");
	*eq = 0;
	const char *key = buf, *val = eq + 1, *end = NULL;
	int kind = -1;
	for (int k = 0; k < REAL_OP_KINDS; k++)
		if (strcasecmp(key, kind_names[k]) == 0)
			kind = k;
	*eq = '=';
	memset(op, 0, sizeof *op);
	op->kind = (real_op_kind)kind;
	switch (kind) {
	case REAL_OP_BITRATE: {
		long v = parse_uint(val, &end);
		if (v < 0)
			return bad_op(err, buf, "bit rate \"%s\" is not a number (e.g. 768k)", val);
		if (*end == 'k' || *end == 'K')
			end++;
		else if (*end == 0) {
			if (v % 1000)
				return bad_op(err, buf, "bit rate %ld bit/s is not a whole "
					      "number of kbit/s", v);
			v /= 1000;
		} else
			return bad_op(err, buf, "bit rate \"%s\": unit must be k (kbit/s), "
				      "e.g. 768k", val);
		if (*end)
			return bad_op(err, buf, "junk after the bit rate \"%s\"", val);
		if (v < REAL_BITRATE_MIN_K || v > REAL_BITRATE_MAX_K)
			return bad_op(err, buf, "bit rate %ldk is out of range (%dk to %dk)",
				      v, REAL_BITRATE_MIN_K, REAL_BITRATE_MAX_K);
		op->value = (int)v;
		return 0;
	}
	case REAL_OP_FRAMERATE: {
		long v = parse_uint(val, &end);
		if (v < 0 || *end)
			return bad_op(err, buf, "frame rate \"%s\" is not a whole number of "
				      "frames/s", val);
		if (v < REAL_FPS_MIN || v > REAL_FPS_MAX)
			return bad_op(err, buf, "frame rate %ld is out of range (%d to %d "
				      "frames/s)", v, REAL_FPS_MIN, REAL_FPS_MAX);
		op->value = (int)v;
		return 0;
	}
	case REAL_OP_RESOLUTION: {
		long w = parse_uint(val, &end), h = -1;
		if (w >= 0 && (*end == 'x' || *end == 'X' || *end == ':'))
			h = parse_uint(end + 1, &end);
		if (w < 0 || h < 0 || *end)
			return bad_op(err, buf, "resolution \"%s\" is not WIDTHxHEIGHT "
				      "(e.g. 640x360)", val);
		if (w < REAL_WIDTH_MIN || w > REAL_WIDTH_MAX || h < REAL_HEIGHT_MIN ||
		    h > REAL_HEIGHT_MAX)
			return bad_op(err, buf, "resolution %ldx%ld is out of range (%dx%d "
				      "to %dx%d, each side within its bounds)", w, h,
				      REAL_WIDTH_MIN, REAL_HEIGHT_MIN, REAL_WIDTH_MAX,
				      REAL_HEIGHT_MAX);
		if (w % 2 || h % 2)
			return bad_op(err, buf, "resolution %ldx%ld: width and height must "
				      "be even (4:2:0 video)", w, h);
		op->value = (int)w;
		op->height = (int)h;
		return 0;
	}
	case REAL_OP_CODEC:
		for (size_t i = 0; i < sizeof codec_aliases / sizeof codec_aliases[0]; i++)
			if (strcasecmp(val, codec_aliases[i].alias) == 0) {
				op->value = (int)codec_aliases[i].codec;
				return 0;
			}
		return bad_op(err, buf, "unknown codec \"%s\" (one of h264, hevc, vp9, "
			      "mpeg4)", val);
	default:
		return bad_op(err, buf, "unknown kind \"%.*s\" (one of bitrate, "
			      "framerate, resolution, codec)", (int)(eq - buf), buf);
	}
}

int real_ops_parse(const char *text, real_op *ops, int max, io_err *err)
{
	char *copy = strdup(text ? text : "");
	if (!copy)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	int n = 0, rc = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ";,", &save); tok && !rc;
	     tok = strtok_r(NULL, ";,", &save)) {
		if (n == max)
			rc = io_errf(err, IO_EINPUT, NULL, 0,
				       "more than %d operations in \"%s\"", max, text);
		else
			rc = real_op_parse(tok, &ops[n++], err);
	}
	if (!rc && n == 0)
		rc = io_errf(err, IO_EINPUT, NULL, 0, "no operation in \"%s\"",
			       text ? text : "");
	free(copy);
	return rc ? rc : n;
}

static void op_format(const real_op *op, char sep, char *buf, size_t cap)
{
	const char *k = op->kind < REAL_OP_KINDS ? kind_names[op->kind] : "?";
	switch (op->kind) {
	case REAL_OP_BITRATE:
		snprintf(buf, cap, "%s%c%dk", k, sep, op->value);
		break;
	case REAL_OP_RESOLUTION:
		snprintf(buf, cap, "%s%c%dx%d", k, sep, op->value, op->height);
		break;
	case REAL_OP_CODEC:
		snprintf(buf, cap, "%s%c%s", k, sep, real_codec_name((real_codec)op->value));
		break;
	default:
		snprintf(buf, cap, "%s%c%d", k, sep, op->value);
	}
}

void real_op_text(const real_op *op, char *buf, size_t cap)
{
	op_format(op, '=', buf, cap);
}

void real_op_name(const real_op *op, char *buf, size_t cap)
{
	op_format(op, '_', buf, cap);
}

int real_op_equal(const real_op *a, const real_op *b)
{
	return a->kind == b->kind && a->value == b->value && a->height == b->height;
}

real_group real_op_group(const real_op *op)
{
	return op->kind == REAL_OP_CODEC ? REAL_GROUP_CODEC : REAL_GROUP_VIC;
}

const char *real_group_name(real_group g)
{
	return g == REAL_GROUP_CODEC ? "codec" : "vic";
}

real_codec real_output_codec(const real_output *o)
{
	for (int i = 0; i < o->n_ops; i++)
		if (o->ops[i].kind == REAL_OP_CODEC)
			return (real_codec)o->ops[i].value;
	return REAL_CODEC_H264;
}

const char *real_output_format(const real_output *o)
{
	return codecs[real_output_codec(o)].format;
}

const char *real_run_status_name(real_run_status s)
{
	return s == REAL_RUN_OK ? "ok" : s == REAL_RUN_TIMEOUT ? "timeout" : "failed";
}

/* ------------------------------------------------------------ argv */

void real_argv_free(real_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

static int argv_add(real_argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		char **v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(s)))
		return -1;
	a->v[++a->n] = NULL;
	return 0;
}

static int argv_addf(real_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int argv_addf(real_argv *a, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return argv_add(a, buf);
}

static int argv_addv(real_argv *a, const char *const *list)
{
	for (; *list; list++)
		if (argv_add(a, *list))
			return -1;
	return 0;
}

struct real_tc {
	char *ffmpeg, *ffprobe;
	int threads;
	double timeout_s;
	char *encoders; /* "\nname\nname\n" */
};

static int check_outputs(const real_output *outs, int n_outs, io_err *err)
{
	if (n_outs < 1 || n_outs > REAL_MAX_OUTPUTS)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "a run has 1 to %d outputs, not %d", REAL_MAX_OUTPUTS,
				 n_outs);
	for (int i = 0; i < n_outs; i++) {
		const real_output *o = &outs[i];
		if (!o->path || !*o->path)
			return io_errf(err, IO_EINPUT, NULL, 0, "output %d has no path", i + 1);
		if (o->n_ops < 1 || o->n_ops > REAL_OP_KINDS || !o->ops)
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "output %s: 1 to %d operations, not %d", o->path,
					 REAL_OP_KINDS, o->n_ops);
		int seen[REAL_OP_KINDS] = {0};
		for (int k = 0; k < o->n_ops; k++) {
			const real_op *op = &o->ops[k];
			if (op->kind >= REAL_OP_KINDS || (unsigned)op->kind >= REAL_OP_KINDS)
				return io_errf(err, IO_EINPUT, NULL, 0,
						 "output %s: bad operation", o->path);
			if (seen[op->kind]++)
				return io_errf(err, IO_EINPUT, NULL, 0,
						 "output %s: two %s changes in one output",
						 o->path, kind_names[op->kind]);
		}
	}
	return 0;
}

/* Options of one output, written to tmp. */
static int output_args(const real_tc *tc, const real_output *o, const char *tmp,
		       real_argv *a)
{
	const struct codec_info *ci = &codecs[real_output_codec(o)];
	const real_op *bitrate = NULL, *fps = NULL, *res = NULL;
	for (int k = 0; k < o->n_ops; k++) {
		const real_op *op = &o->ops[k];
		if (op->kind == REAL_OP_BITRATE)
			bitrate = op;
		else if (op->kind == REAL_OP_FRAMERATE)
			fps = op;
		else if (op->kind == REAL_OP_RESOLUTION)
			res = op;
	}
	int rc = argv_add(a, "-map") || argv_add(a, "0:v:0") || argv_add(a, "-an") ||
		 argv_add(a, "-sn") || argv_add(a, "-dn");
	if (res)
		rc = rc || argv_add(a, "-vf") ||
		     argv_addf(a, "scale=%d:%d:flags=bicubic", res->value, res->height);
	if (fps)
		rc = rc || argv_add(a, "-r") || argv_addf(a, "%d", fps->value);
	rc = rc || argv_add(a, "-c:v") || argv_add(a, ci->encoder) ||
	     argv_addv(a, ci->speed);
	if (real_output_codec(o) == REAL_CODEC_HEVC) {
		rc = rc || argv_add(a, "-x265-params");
		if (tc->threads <= 1)
			rc = rc || argv_add(a, "pools=none:frame-threads=1:log-level=error");
		else
			rc = rc || argv_addf(a, "pools=%d:frame-threads=1:log-level=error",
					     tc->threads);
	}
	if (bitrate)
		rc = rc || argv_add(a, "-b:v") || argv_addf(a, "%dk", bitrate->value) ||
		     argv_add(a, "-maxrate") || argv_addf(a, "%dk", bitrate->value) ||
		     argv_add(a, "-bufsize") || argv_addf(a, "%dk", 2 * bitrate->value);
	else
		rc = rc || argv_addv(a, ci->quality);
	rc = rc || argv_add(a, "-pix_fmt") || argv_add(a, "yuv420p") ||
	     argv_add(a, "-threads") || argv_addf(a, "%d", tc->threads) ||
	     argv_add(a, "-f") || argv_add(a, ci->format) || argv_add(a, tmp);
	return rc;
}

int real_tc_argv(const real_tc *tc, const char *input, const real_output *outs,
		 int n_outs, char *const *tmp, real_argv *argv, io_err *err)
{
	memset(argv, 0, sizeof *argv);
	int rc = check_outputs(outs, n_outs, err);
	if (rc)
		return rc;
	if (!input || !*input)
		return io_errf(err, IO_EINPUT, NULL, 0, "no input segment");
	static const char *const head[] = {"-hide_banner", "-nostdin", "-nostats",
					   "-loglevel", "error", "-y", NULL};
	int bad = argv_add(argv, tc->ffmpeg) || argv_addv(argv, head) ||
		  argv_add(argv, "-threads") || argv_addf(argv, "%d", tc->threads) ||
		  argv_add(argv, "-filter_threads") || argv_addf(argv, "%d", tc->threads) ||
		  argv_add(argv, "-i") || argv_add(argv, input);
	for (int i = 0; i < n_outs && !bad; i++)
		bad = output_args(tc, &outs[i], tmp[i], argv);
	if (bad) {
		real_argv_free(argv);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	return 0;
}

/* ------------------------------------------------------------ driver */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *real_tc_ffmpeg(const real_tc *tc)
{
	return tc->ffmpeg;
}

const char *real_tc_ffprobe(const real_tc *tc)
{
	return tc->ffprobe;
}

int real_tc_has_encoder(const real_tc *tc, const char *encoder)
{
	char key[96];
	snprintf(key, sizeof key, "\n%s\n", encoder);
	return tc->encoders && strstr(tc->encoders, key) != NULL;
}

void real_tc_free(real_tc *tc)
{
	if (!tc)
		return;
	free(tc->ffmpeg);
	free(tc->ffprobe);
	free(tc->encoders);
	free(tc);
}

/* Encoder names from `ffmpeg -encoders`: the lines after "------" are
 * " V....D name   description". */
static char *parse_encoders(const char *text)
{
	const char *p = strstr(text, "------");
	size_t cap = strlen(text) + 2, len = 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\n';
	for (p = p ? strchr(p, '\n') : NULL; p && *p; p = strchr(p, '\n')) {
		p++;
		while (*p == ' ')
			p++;
		size_t flags = strcspn(p, " \n");
		if (flags != 6 || p[flags] != ' ')
			continue;
		const char *name = p + flags;
		while (*name == ' ')
			name++;
		size_t nlen = strcspn(name, " \n");
		if (nlen && len + nlen + 2 <= cap) {
			memcpy(out + len, name, nlen);
			len += nlen;
			out[len++] = '\n';
		}
	}
	out[len] = 0;
	return out;
}

int real_tc_open(real_tc **out, const real_tc_config *cfg, io_err *err)
{
	*out = NULL;
	real_tc_config none = {0};
	if (!cfg)
		cfg = &none;
	const char *env = getenv("HETSIM_FFMPEG");
	const char *want = cfg->ffmpeg ? cfg->ffmpeg : env && *env ? env : "ffmpeg";
	char path[4096];
	if (real_proc_find(want, path, sizeof path))
		return io_errf(err, IO_EINPUT, NULL, 0, "ffmpeg not found (%s%s); "
				 INSTALL_HINT, want,
				 strchr(want, '/') ? " is not an executable file" : " is not on PATH");
	real_tc *tc = calloc(1, sizeof *tc);
	if (!tc || !(tc->ffmpeg = strdup(path))) {
		real_tc_free(tc);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	tc->threads = cfg->threads > 0 ? cfg->threads : 1;
	tc->timeout_s = cfg->timeout_s;
	/* ffprobe: named, $HETSIM_FFPROBE, beside ffmpeg, on PATH */
	const char *penv = getenv("HETSIM_FFPROBE");
	char probe[4096] = "";
	if (cfg->ffprobe || (penv && *penv)) {
		if (real_proc_find(cfg->ffprobe ? cfg->ffprobe : penv, probe, sizeof probe))
			probe[0] = 0;
	} else {
		const char *slash = strrchr(path, '/');
		char beside[4096];
		snprintf(beside, sizeof beside, "%.*sffprobe",
			 slash ? (int)(slash - path + 1) : 0, path);
		if (real_proc_find(beside, probe, sizeof probe) &&
		    real_proc_find("ffprobe", probe, sizeof probe))
			probe[0] = 0;
	}
	if (probe[0] && !(tc->ffprobe = dup_or_null(probe))) {
		real_tc_free(tc);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	char *const argv[] = {tc->ffmpeg, "-hide_banner", "-nostdin", "-encoders", NULL};
	real_proc_result res;
	int rc = real_proc_run(argv, 60, &res, err);
	if (!rc && !real_proc_ok(&res)) {
		char tail[300];
		real_proc_tail(&res, tail, sizeof tail);
		rc = io_errf(err, IO_EINPUT, NULL, 0,
			       "%s -encoders failed (%s): is it ffmpeg? %s", tc->ffmpeg,
			       tail[0] ? tail : "no output", INSTALL_HINT);
	}
	if (!rc && !(tc->encoders = parse_encoders(res.output)))
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc && strlen(tc->encoders) < 2)
		rc = io_errf(err, IO_EINPUT, NULL, 0,
			       "%s -encoders listed no encoder: is it ffmpeg? %s",
			       tc->ffmpeg, INSTALL_HINT);
	real_proc_result_free(&res);
	if (rc) {
		real_tc_free(tc);
		return rc;
	}
	*out = tc;
	return 0;
}

static void remove_temps(char **tmp, int n)
{
	for (int i = 0; i < n; i++)
		if (tmp[i])
			unlink(tmp[i]);
}

int real_tc_run(const real_tc *tc, const char *input, const real_output *outs,
		int n_outs, real_tc_result *res, io_err *err)
{
	memset(res, 0, sizeof *res);
	res->status = REAL_RUN_FAILED;
	int rc = check_outputs(outs, n_outs, err);
	if (rc)
		return rc;
	for (int i = 0; i < n_outs; i++) {
		real_codec c = real_output_codec(&outs[i]);
		if (!real_tc_has_encoder(tc, codecs[c].encoder))
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "codec=%s needs the encoder %s, which %s does not "
					 "have (see: ffmpeg -encoders); install an ffmpeg "
					 "built with it (Debian: apt-get install ffmpeg)",
					 codecs[c].name, codecs[c].encoder, tc->ffmpeg);
	}
	char *tmp[REAL_MAX_OUTPUTS] = {0};
	for (int i = 0; i < n_outs && !rc; i++) {
		size_t len = strlen(outs[i].path) + 32;
		if (!(tmp[i] = malloc(len)))
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		else
			snprintf(tmp[i], len, "%s.tmp.%ld", outs[i].path, (long)getpid());
	}
	real_argv argv = {0};
	if (!rc)
		rc = real_tc_argv(tc, input, outs, n_outs, tmp, &argv, err);
	real_proc_result pr = {0};
	if (!rc)
		rc = real_proc_run(argv.v, tc->timeout_s, &pr, err);
	if (!rc) {
		res->wall_s = pr.wall_s;
		res->cpu_s = pr.cpu_s;
		char tail[400];
		real_proc_tail(&pr, tail, sizeof tail);
		if (pr.timed_out) {
			res->status = REAL_RUN_TIMEOUT;
			snprintf(res->why, sizeof res->why, "timed out after %g s (killed)%s%s",
				 tc->timeout_s, tail[0] ? ": " : "", tail);
		} else if (pr.term_signal) {
			snprintf(res->why, sizeof res->why, "ffmpeg killed by signal %d%s%s",
				 pr.term_signal, tail[0] ? ": " : "", tail);
		} else if (pr.exit_code != 0) {
			snprintf(res->why, sizeof res->why, "ffmpeg exited with status %d%s%s",
				 pr.exit_code, tail[0] ? ": " : "", tail);
		} else {
			res->status = REAL_RUN_OK;
			for (int i = 0; i < n_outs && res->status == REAL_RUN_OK; i++) {
				struct stat st;
				if (stat(tmp[i], &st) != 0) {
					res->status = REAL_RUN_FAILED;
					snprintf(res->why, sizeof res->why,
						 "ffmpeg succeeded but wrote no %s", outs[i].path);
					break;
				}
				res->out_bytes[i] = (uint64_t)st.st_size;
				res->total_bytes += (uint64_t)st.st_size;
			}
			for (int i = 0; i < n_outs && res->status == REAL_RUN_OK; i++)
				if (rename(tmp[i], outs[i].path) != 0) {
					rc = io_errf(err, IO_EIO, outs[i].path, 0,
						       "cannot rename into place: %s",
						       strerror(errno));
					for (int j = 0; j < i; j++)
						unlink(outs[j].path);
					res->status = REAL_RUN_FAILED;
				}
		}
	}
	if (rc || res->status != REAL_RUN_OK)
		remove_temps(tmp, n_outs);
	real_proc_result_free(&pr);
	real_argv_free(&argv);
	for (int i = 0; i < n_outs; i++)
		free(tmp[i]);
	return rc;
}

/* ------------------------------------------------------------ ffprobe */

static double parse_rate(const char *s)
{
	char *end;
	double num = strtod(s, &end);
	if (end == s)
		return NAN;
	if (*end == '/') {
		double den = strtod(end + 1, NULL);
		return den > 0 ? num / den : NAN;
	}
	return num;
}

int real_tc_probe(const real_tc *tc, const char *path, real_probe_info *info,
		  io_err *err)
{
	memset(info, 0, sizeof *info);
	info->fps = NAN;
	info->duration_s = NAN;
	info->frames = -1;
	if (!tc->ffprobe)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "ffprobe not found (beside %s or on PATH); install it "
				 "(Debian: apt-get install ffmpeg) or set HETSIM_FFPROBE",
				 tc->ffmpeg);
	char *const argv[] = {tc->ffprobe, "-v", "error", "-select_streams", "v:0",
			      "-show_entries",
			      "stream=codec_name,width,height,avg_frame_rate,"
			      "r_frame_rate,nb_frames:format=duration",
			      "-of", "default=noprint_wrappers=1", (char *)path, NULL};
	real_proc_result pr;
	int rc = real_proc_run(argv, 60, &pr, err);
	if (!rc && !real_proc_ok(&pr)) {
		char tail[300];
		real_proc_tail(&pr, tail, sizeof tail);
		rc = io_errf(err, IO_EINPUT, path, 0, "ffprobe failed: %s",
			       tail[0] ? tail : "no output");
	}
	double avg = NAN, r = NAN;
	for (char *line = rc ? NULL : pr.output; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *eq = strchr(line, '=');
		if (eq) {
			*eq = 0;
			const char *v = eq + 1;
			if (!strcmp(line, "codec_name"))
				snprintf(info->codec, sizeof info->codec, "%s", v);
			else if (!strcmp(line, "width"))
				info->width = atoi(v);
			else if (!strcmp(line, "height"))
				info->height = atoi(v);
			else if (!strcmp(line, "avg_frame_rate"))
				avg = parse_rate(v);
			else if (!strcmp(line, "r_frame_rate"))
				r = parse_rate(v);
			else if (!strcmp(line, "nb_frames") && strcmp(v, "N/A"))
				info->frames = atol(v);
			else if (!strcmp(line, "duration") && strcmp(v, "N/A"))
				info->duration_s = parse_rate(v);
		}
		line = nl ? nl + 1 : NULL;
	}
	info->fps = isfinite(avg) && avg > 0 ? avg : r;
	if (!rc && (!info->codec[0] || info->width <= 0 || info->height <= 0))
		rc = io_errf(err, IO_EINPUT, path, 0, "ffprobe found no video stream");
	real_proc_result_free(&pr);
	return rc;
}
