/* real/infer.h — calibration of DNN inference on this machine (`hetsim
 * calibrate inference`, flags in sim/cli/calibrate.c; what it runs and
 * writes: real/infer.c). */
#ifndef HETSIM_REAL_INFER_H
#define HETSIM_REAL_INFER_H

#include <stdint.h>

#define REAL_INF_MAX_LIST 16
#define REAL_INF_DEFAULT_MODELS "firenet,har,tcn,landcover,gantt"

typedef struct real_inf_args {
	const char *models_text;                /* comma-separated zoo names */
	const char *models[REAL_INF_MAX_LIST];  /* pointing into names_buf */
	int n_models;
	char names_buf[512];
	int64_t batch[REAL_INF_MAX_LIST];
	int n_batch;
	int threads[REAL_INF_MAX_LIST];
	int n_threads;
	int runs, warmup, quiet;
	int per_layer;                          /* also time every layer */
	double budget_s;                        /* 0: none */
	uint64_t seed;
	const char *out;
} real_inf_args;

/* Run every model x batch x threads and write DIR's files; the exit
 * status (0; 1 when an output cannot be written or the engine fails; 2
 * bad input), errors printed as "hetsim: ...". */
int real_calibrate_inference(const real_inf_args *a);

#endif
