/*
 * real/transcode.h — the ffmpeg driver: the transcoding operations of seed
 * 000 §4 (bit rate, frame rate, resolution, codec), validated, turned into
 * an ffmpeg argv (no shell) and run, single, multi-parameter or merged.
 *
 * Operations, as text "kind=value" (real_op_parse):
 *   bitrate=768k       target video bit rate, 384k..1536k (kbit/s; "768000"
 *                      in bit/s is accepted too); H.264 output
 *   framerate=24       output frames per second, 10..40 (integer)
 *   resolution=640x360 output width x height, 352..1920 x 288..1080, even
 *   codec=vp9          output codec: h264 | hevc | vp9 | mpeg4
 *                      (aliases h.264 avc x264, h265 h.265 x265, mpeg-4)
 * Seed 000 measured bit rates 384K-1536K, frame rates 10-40 fps and
 * resolutions from 352x288 to 1920x1080; the ranges are theirs.
 *
 * Runs (one input segment each):
 *   single   one output with one operation;
 *   multi    one output with several operations (at most one of each kind,
 *            seed 000 §4.4: e.g. frame rate + resolution + codec);
 *   merged   several outputs in one ffmpeg run, each with its own
 *            operation(s) (seed 000 §4.5): the input is read and decoded
 *            once and fed to every output's encoder.
 *
 * Encoder settings (one table, real/transcode.c): an operation that does
 * not name a codec keeps H.264 (the codec of the segments). Speed presets
 * are those of an on-demand streaming service, so that a calibration fits
 * in minutes: libx264 -preset veryfast; libx265 -preset superfast;
 * libvpx-vp9 -deadline realtime -cpu-used 8; mpeg4 -q:v 4. Quality when no
 * bit rate is asked: x264 crf 23, x265 crf 28, vp9 crf 32, mpeg4 q 4.
 * A bit rate sets -b:v, -maxrate and -bufsize (2 s) instead.
 * Threads: `threads` (default 1) for the decoder, the filters and each
 * encoder (x265: pools=none for 1), so that CPU time ~ wall time and runs
 * are comparable on a shared machine. One exception: x265 still encodes on
 * a frame thread of its own, so a merged run with an HEVC output overlaps
 * that encoding with the other outputs' work (wall time ~0.8x CPU time on
 * 2 cores; single runs ~0.95x).
 *
 * Outputs are written under "<path>.tmp.<pid>" (format given with -f) and
 * renamed only when ffmpeg succeeds; on failure or timeout every temp file
 * is removed, so nothing partial is left.
 *
 * The ffmpeg binary is $HETSIM_FFMPEG or "ffmpeg" on PATH unless the
 * config names one; ffprobe is $HETSIM_FFPROBE, else "ffprobe" next to
 * that ffmpeg, else on PATH. Missing programs and encoders are reported
 * with what to install.
 */
#ifndef HETSIM_REAL_TRANSCODE_H
#define HETSIM_REAL_TRANSCODE_H

#include <stddef.h>
#include <stdint.h>
#include "sim/io/io.h"

typedef enum real_op_kind {
	REAL_OP_BITRATE,
	REAL_OP_FRAMERATE,
	REAL_OP_RESOLUTION,
	REAL_OP_CODEC,
	REAL_OP_KINDS
} real_op_kind;

typedef enum real_codec {
	REAL_CODEC_H264,
	REAL_CODEC_HEVC,
	REAL_CODEC_VP9,
	REAL_CODEC_MPEG4,
	REAL_CODECS
} real_codec;

/* Seed 000 §4.5's two groups: video information conversion (bit rate,
 * frame rate, resolution) and video compression conversion (codec). */
typedef enum real_group { REAL_GROUP_VIC, REAL_GROUP_CODEC } real_group;

typedef struct real_op {
	real_op_kind kind;
	int value;  /* kbit/s, frames/s, width, or a real_codec */
	int height; /* resolution only */
} real_op;

enum {
	REAL_BITRATE_MIN_K = 384, REAL_BITRATE_MAX_K = 1536,
	REAL_FPS_MIN = 10, REAL_FPS_MAX = 40,
	REAL_WIDTH_MIN = 352, REAL_WIDTH_MAX = 1920,
	REAL_HEIGHT_MIN = 288, REAL_HEIGHT_MAX = 1080,
	REAL_MAX_OUTPUTS = 16,
	REAL_OP_TEXT = 48 /* enough for any op's text or name */
};

/* Parse "kind=value"; IO_EINPUT with a message naming the text and the
 * allowed range or names. */
int real_op_parse(const char *text, real_op *op, io_err *err);
/* Parse a list separated by ';' or ','; returns the count (<= max) or a
 * negative error. */
int real_ops_parse(const char *text, real_op *ops, int max, io_err *err);
/* Canonical text ("bitrate=768k", "resolution=640x360", "codec=vp9") and
 * task-type name ("bitrate_768k", "resolution_640x360", "codec_vp9"). */
void real_op_text(const real_op *op, char *buf, size_t cap);
void real_op_name(const real_op *op, char *buf, size_t cap);
int real_op_equal(const real_op *a, const real_op *b);
real_group real_op_group(const real_op *op);
const char *real_group_name(real_group g); /* "vic", "codec" */
const char *real_codec_name(real_codec c);  /* "h264", ... */
/* ffmpeg encoder of a codec ("libx264", "libx265", "libvpx-vp9", "mpeg4")
 * and the codec_name ffprobe reports for its output ("h264", "hevc",
 * "vp9", "mpeg4"). */
const char *real_codec_encoder(real_codec c);
const char *real_codec_probe_name(real_codec c);

/* One output of a run: the operations applied to it (1 for single and
 * merged outputs, several for multi-parameter) and its final path. */
typedef struct real_output {
	const real_op *ops;
	int n_ops;
	const char *path;
} real_output;

/* Codec an output ends up in (its codec op, else H.264), and the container
 * format ffmpeg is told ("mp4", or "webm" for VP9). */
real_codec real_output_codec(const real_output *o);
const char *real_output_format(const real_output *o);

typedef struct real_tc_config {
	const char *ffmpeg;  /* NULL: $HETSIM_FFMPEG or "ffmpeg" on PATH */
	const char *ffprobe; /* NULL: $HETSIM_FFPROBE, next to ffmpeg, PATH */
	int threads;         /* <= 0: 1 */
	double timeout_s;    /* per run; <= 0: none */
} real_tc_config;

/* A driver: the resolved programs and the encoders ffmpeg has (probed once
 * with `ffmpeg -hide_banner -encoders`). */
typedef struct real_tc real_tc;

/* IO_EINPUT with an install hint when ffmpeg cannot be found or run. */
int real_tc_open(real_tc **out, const real_tc_config *cfg, io_err *err);
void real_tc_free(real_tc *tc);
const char *real_tc_ffmpeg(const real_tc *tc);
const char *real_tc_ffprobe(const real_tc *tc); /* NULL if not found */
/* 1 when ffmpeg lists the encoder. */
int real_tc_has_encoder(const real_tc *tc, const char *encoder);

/* An argv (NULL-terminated, strings owned). */
typedef struct real_argv {
	char **v;
	size_t n, cap;
} real_argv;
void real_argv_free(real_argv *a);

/* Check outputs (1..REAL_MAX_OUTPUTS, each with 1..REAL_OP_KINDS ops, at
 * most one op of each kind, a path) and build the ffmpeg argv writing to
 * the given temp paths (tmp[i] for outs[i]). */
int real_tc_argv(const real_tc *tc, const char *input, const real_output *outs,
		 int n_outs, char *const *tmp, real_argv *argv, io_err *err);

typedef enum real_run_status {
	REAL_RUN_OK,
	REAL_RUN_FAILED,  /* ffmpeg exited non-zero or was killed */
	REAL_RUN_TIMEOUT, /* killed at the time limit */
} real_run_status;
const char *real_run_status_name(real_run_status s); /* ok failed timeout */

typedef struct real_tc_result {
	real_run_status status;
	double wall_s, cpu_s;
	uint64_t out_bytes[REAL_MAX_OUTPUTS];
	uint64_t total_bytes;
	char why[512]; /* for failed / timeout: exit status and ffmpeg's last lines */
} real_tc_result;

/* Run one ffmpeg process for the outputs. Returns 0 when ffmpeg ran (see
 * res->status: a failing or timed-out run is a result, not an error; its
 * outputs are removed); a negative error when the request is invalid (bad
 * output list, an encoder ffmpeg lacks: IO_EINPUT) or ffmpeg could not
 * be started. */
int real_tc_run(const real_tc *tc, const char *input, const real_output *outs,
		int n_outs, real_tc_result *res, io_err *err);

/* Properties of the first video stream of a file, from ffprobe. */
typedef struct real_probe_info {
	int width, height;
	double fps; /* avg_frame_rate, else r_frame_rate */
	char codec[32];
	double duration_s; /* NAN if unknown */
	long frames;       /* -1 if unknown */
} real_probe_info;
int real_tc_probe(const real_tc *tc, const char *path, real_probe_info *info,
		  io_err *err);

#endif
