/* real/calibrate.h — calibration of ffmpeg transcoding and task merging on
 * this machine (real/calibrate.c: the matrix, the files it writes; the
 * command is `hetsim calibrate transcode`, sim/cli/calibrate.c). */
#ifndef HETSIM_REAL_CALIBRATE_H
#define HETSIM_REAL_CALIBRATE_H

#include <stdint.h>
#include "real/transcode.h"

#define REAL_CAL_MAX_OPS 32
#define REAL_CAL_MAX_DEGREE 8
#define REAL_CAL_DEFAULT_OPS                                                         \
	"bitrate=512k,bitrate=1024k,framerate=15,framerate=24,"                \
	"resolution=352x288,resolution=720x480,"                              \
	"codec=h264,codec=hevc,codec=vp9,codec=mpeg4"
#define REAL_CAL_QUICK_OPS                                                           \
	"bitrate=512k,framerate=15,resolution=352x288,codec=h264,codec=mpeg4," \
	"codec=vp9"

enum { REAL_CAL_METRIC_CPU, REAL_CAL_METRIC_WALL };

/* The settings of a calibration run (defaults: sim/cli/calibrate.c). */
typedef struct real_cal_args {
	int segments, repeats, max_merge, multi, threads, quiet;
	int group_on[2]; /* REAL_GROUP_VIC, REAL_GROUP_CODEC */
	uint64_t seed;
	double timeout_s, seg_duration_s;
	int seg_w, seg_h;
	int metric;
	const char *ops_text, *cache, *out, *ffmpeg;
	real_op ops[REAL_CAL_MAX_OPS];
	int n_ops;
} real_cal_args;

/* Run the matrix and write DIR's files; the exit status (0; 1 when ffmpeg
 * or an encoder is missing, an output cannot be written or some runs
 * failed; 2 bad input), the error printed as "hetsim: ...". */
int real_calibrate_transcode(const real_cal_args *a);

#endif
