/*
 * real/segments.h — synthetic video segments for transcoding benchmarks,
 * made with ffmpeg's lavfi sources, no downloads.
 *
 * Seed 000 §4.2 splits videos into 2-second segments and standardises them
 * to 720p, 30 fps, H.264, 4500 kb/s. Segment `index` of `seed` is such a
 * segment: its content is drawn (SplitMix64 of seed and index) from six
 * families of very different complexity — testsrc2 with a hue sweep,
 * a Mandelbrot zoom, Conway's life, a 1-D cellular automaton, moving
 * colour gradients, SMPTE HD bars under temporal noise — with random
 * parameters and optional rotation and noise filters, so the segments differ
 * in how hard they are to decode and encode.
 *
 * Encoding: libx264 (preset medium), -b:v/-maxrate the bit rate, -bufsize
 * twice it, one key frame per second, yuv420p, one thread, bit-exact flags
 * and no metadata: the same spec gives the same bytes on the same ffmpeg
 * build (checked by the tests). The cache is keyed on a hash of the lavfi
 * graph and every encoding parameter (not on the bytes), so a different
 * ffmpeg build reuses the cached segments rather than making new ones.
 *
 * Cache directory: the one given, else $XDG_CACHE_HOME/hetsim/segments,
 * else $HOME/.cache/hetsim/segments, else /tmp/hetsim-segments. A segment
 * is written to a temp name and renamed, so a killed run leaves nothing
 * half-made and concurrent makers do not clash.
 */
#ifndef HETSIM_REAL_SEGMENTS_H
#define HETSIM_REAL_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>
#include "sim/io/io.h"
#include "real/transcode.h"

typedef struct real_segment_spec {
	uint64_t seed;
	uint32_t index;
	int width, height;  /* even, 16..3840 x 16..2160; default 1280x720 */
	int fps;            /* 1..120; default 30 */
	double duration_s;  /* (0, 60]; default 2 */
	int bitrate_k;      /* 50..50000 kbit/s; default 4500 */
} real_segment_spec;

/* Seed 000's standard segment (720p, 30 fps, 2 s, 4500 kb/s). */
void real_segment_default(real_segment_spec *s, uint64_t seed, uint32_t index);
/* IO_EINPUT naming the bad field. */
int real_segment_check(const real_segment_spec *s, io_err *err);
/* Content family of the segment ("testsrc2", "mandelbrot", "life",
 * "cellauto", "gradients", "smptehdbars"). */
const char *real_segment_family(const real_segment_spec *s);
/* The lavfi graph; 0, or -1 if it does not fit in cap. */
int real_segment_graph(const real_segment_spec *s, char *buf, size_t cap);
/* 64-bit cache key of the graph and encoding parameters. */
uint64_t real_segment_key(const real_segment_spec *s);

/* Directory of the cache (see above; dir wins when not NULL/empty). */
void real_segment_cache_dir(const char *dir, char *out, size_t cap);

/* Path of the segment in the cache directory cache_dir (NULL: default),
 * made with tc's ffmpeg when it is not there yet (*made = 1 then; made may
 * be NULL). */
int real_segment_get(const real_tc *tc, const real_segment_spec *s,
		     const char *cache_dir, char *path, size_t cap, int *made,
		     io_err *err);

#endif
