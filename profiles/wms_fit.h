/*
 * profiles/wms_fit.h — calibration of workflow-system (WMS) overhead models
 * (the profiles/data/wms_<system>.json format of profiles/wms.h) from real
 * executions. The command is `hetsim calibrate workflow` (sim/cli/calibrate.c).
 *
 * Two sources, two methods:
 *
 * 1. Per-phase data (Pegasus): a jobs CSV of real runs with every phase of
 *    every job (../shared/data/anomaly_sample/1000genome_jobs_sample.csv:
 *    run_id, anomaly_label, job_type, job_class, host, submit,
 *    execute_start, execute_end, wms_delay, queue_delay, runtime,
 *    post_script_delay). wms_fit_sample_read collects per phase and job
 *    class (compute, transfer, auxiliary):
 *      wms_delay   ready -> submit   (DAGMan, on the submit host)
 *      queue_delay submit -> execute (HTCondor matchmaking) of jobs that
 *                  did NOT wait for a slot: a job on whose host another
 *                  job ended in (submit, execute_start + 5 s] waited for that
 *                  slot, which the simulator models itself (slots), so its
 *                  delay is left out (counted in n_slot_wait);
 *      post_delay  post-script (on the submit host);
 *    and the runtime of each auxiliary kind (create_dir, stage_out,
 *    cleanup). Which runs feed which phase: queue delays and runtimes come
 *    from the `normal` runs only (anomalies act on workers: stressed CPUs
 *    and disks, packet loss, lengthen runtimes and with them slot waits).
 *    The submit-host phases (wms_delay, post_delay) of an anomalous run are
 *    used when they are indistinguishable from the normal run of the same
 *    campaign at the data's 1-s resolution: two-sample KS on its compute
 *    jobs' wms_delay, shifted by -1, 0 or +1 s, best p >= 0.01
 *    (WMS_FIT_ADMIT_P). The data says this is needed: poseidon2020 hdd_100
 *    has a median wms_delay of 47 s against 6 s in the normal run (its HDD
 *    stress reaches the submit host), hdd_60 9 s; the others match.
 *    Held-out goodness of fit: among the runs that give values to a
 *    (phase, class), in file order, those of rank 1, 4, 7, ... (0-based,
 *    rank % WMS_FIT_HOLD_EVERY == 1) are held out; the family best by AIC
 *    on the other runs' values is tested on theirs (one-sample KS D; the
 *    data has whole-second resolution, so D is at least the largest jump
 *    of the held-out ECDF at one second). The model written is then
 *    fitted on all the runs (wms_fit_dist, prof_fit_exec_entry: maximum
 *    likelihood, best family by AIC), its source giving the held-out D.
 *
 * 2. Makespans only (every WfFormat trace: Makeflow, Nextflow, and the
 *    submit host of Pegasus on its trace machines): a search on two
 *    parameters, a per-job time h (seconds; what it is is the makespan
 *    function's: `hetsim calibrate workflow` makes it the "dispatch" time
 *    of profiles/wms.h, the submit host's serial time per job) and
 *    max_running k (jobs of the workflow at once; 0 = unlimited;
 *    k_unlimited fixes k = 0 and fits h alone), through a caller's
 *    makespan function (the simulator: this layer cannot call it,
 *    sim/cli/calibrate.c passes it in).
 *    wms_fit_search: for each candidate k (WMS_FIT_K_CANDIDATES), each
 *    trace's own h_i is the root of makespan(h) = recorded found by
 *    bisection (the makespan does not decrease with h); h(k) is the median
 *    of the h_i; the score of k is the median over traces of |ln(simulated
 *    / recorded)| at h(k). The best score wins; ties (scores within 1e-3,
 *    as with one trace, which any k fits exactly) go to the k closest (in
 *    ln k, 0 read as 4096) to prior_k, a k fitted on other systems' traces.
 *    When h is not fitted (Pegasus: its phases are measured) only k is
 *    searched, at h = 0. A trace whose index is `exclude` is never
 *    simulated (leave-one-out).
 *
 * Errors: io_err values, "file:line: ..." for the CSV.
 */
#ifndef HETSIM_PROFILES_WMS_FIT_H
#define HETSIM_PROFILES_WMS_FIT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <jansson.h>
#include "sim/io/io.h"

#define WMS_FIT_ADMIT_P 0.01
#define WMS_FIT_HOLD_EVERY 3

typedef enum wms_fit_phase {
	WMS_FIT_WMS_DELAY = 0,
	WMS_FIT_QUEUE_DELAY,
	WMS_FIT_STARTUP,
	WMS_FIT_POST_DELAY,
	WMS_FIT_N_PHASES
} wms_fit_phase;

typedef enum wms_fit_class {
	WMS_FIT_COMPUTE = 0,
	WMS_FIT_TRANSFER,
	WMS_FIT_AUXILIARY,
	WMS_FIT_N_CLASSES
} wms_fit_class;

typedef enum wms_fit_aux {
	WMS_FIT_AUX_CREATE_DIR = 0,
	WMS_FIT_AUX_STAGE_OUT,
	WMS_FIT_AUX_CLEANUP,
	WMS_FIT_N_AUX
} wms_fit_aux;

/* Phase names as in the model file ("wms_delay", ...), class names
 * ("compute", ...), auxiliary kinds ("create_dir", ...). */
const char *wms_fit_phase_name(wms_fit_phase p);
const char *wms_fit_class_name(wms_fit_class c);
const char *wms_fit_aux_name(wms_fit_aux a);
int wms_fit_class_from_name(const char *name); /* -1 if unknown */

/* Values of one phase and class (or one aux kind), each with its run. */
typedef struct wms_fit_values {
	double *x;
	uint32_t *run;
	size_t n, cap;
} wms_fit_values;

typedef struct wms_fit_run {
	char *id, *campaign, *label;
	int normal;     /* anomaly_label == "normal" */
	int admitted;   /* its submit-host phases are used */
	double admit_p; /* KS p against its campaign's normal run (normal: 1) */
	uint32_t aux_count[WMS_FIT_N_AUX]; /* jobs of each kind in the run */
} wms_fit_run;

typedef struct wms_fit_sample {
	char *path;
	wms_fit_values v[WMS_FIT_N_PHASES][WMS_FIT_N_CLASSES];
	wms_fit_values aux[WMS_FIT_N_AUX]; /* runtimes, normal runs */
	wms_fit_run *runs;
	uint32_t n_runs, cap_runs;
	size_t n_rows;
	size_t n_slot_wait; /* queue delays left out: waited for a slot */
	size_t n_skipped;   /* rows of the run left out (..._read_except) */
} wms_fit_sample;

/* Read a jobs CSV as described above; *s is zeroed first. 0 or IO_E*;
 * free with wms_fit_sample_free in either case. */
int wms_fit_sample_read(wms_fit_sample *s, const char *path, io_err *err);
/* The same without the rows of run skip_run (NULL: none), as if the file
 * did not have them: leave-one-out over the sample's runs. */
int wms_fit_sample_read_except(wms_fit_sample *s, const char *path,
			       const char *skip_run, io_err *err);
void wms_fit_sample_free(wms_fit_sample *s);

/* The values of (ph, c) of the training runs (held = 0) or the held-out
 * runs (held = 1), or of both (held = -1), sorted ascending, in a new
 * array (*x NULL and 0 when there are none). -1 out of memory. */
long wms_fit_select(const wms_fit_sample *s, const wms_fit_values *v,
		    int held, double **x);

/* What wms_fit_dist measured: the mean of the model fitted on all the
 * values; held out: the one-sample KS D of the held-out values against
 * the family best on the training runs, their mean and that model's
 * (NAN when nothing is held out or no family fits). */
typedef struct wms_fit_gof {
	double mean_s;
	double ks_held, mean_held_s, model_mean_train_s;
	size_t n_train, n_held;
} wms_fit_gof;

/* One fitted DIST for the values v (a phase of a class, or an aux
 * runtime): prof_fit_exec_entry on all the runs' values, without its task
 * and machine members, its "source" extended with the held-out test.
 * NULL when there are fewer than 2 values or memory ran out. */
json_t *wms_fit_dist(const wms_fit_sample *s, const wms_fit_values *v,
		     const char *what, wms_fit_gof *g);

/* Means of what a model fitted from a sample adds (NAN: absent), for a
 * makespan estimate: per phase and class, and per aux kind its runtime
 * and count. */
typedef struct wms_fit_means {
	double phase_s[WMS_FIT_N_PHASES][WMS_FIT_N_CLASSES];
	double aux_runtime_s[WMS_FIT_N_AUX];
	int aux_count[WMS_FIT_N_AUX];
} wms_fit_means;

/* The "phases" and "aux_jobs" of a Pegasus model from a sample: every
 * (phase, class) with values, "*" = compute's; aux_jobs create_dir
 * (first), stage_out (after_sinks, count = the normal runs' median count),
 * cleanup (last). A report line per fit goes to report (may be NULL);
 * means (may be NULL) gets the means. 0 or IO_ENOMEM. */
int wms_fit_from_sample(const wms_fit_sample *s, json_t **phases,
			json_t **aux_jobs, wms_fit_means *means,
			FILE *report, io_err *err);

/* ---- search on makespans ---------------------------------------------- */

/* Simulated makespan of trace i with a per-job time h_s (seconds; the
 * caller's dispatch time) and max_running k (0 = unlimited): 0 or IO_E*. */
typedef int (*wms_fit_makespan_fn)(void *ctx, size_t trace, double h_s,
				   int k, double *makespan_s, io_err *err);

#define WMS_FIT_N_K 13
extern const int WMS_FIT_K_CANDIDATES[WMS_FIT_N_K]; /* 1 .. 64, then 0 */

typedef struct wms_fit_search_args {
	size_t n_traces;
	const double *recorded_s; /* [n_traces] */
	const int *use;           /* [n_traces] 1: fit on it; NULL: all */
	long exclude;             /* a trace never simulated, or -1 */
	int fit_h;                /* 0: h = 0, only k is searched */
	int k_unlimited;          /* 1: k = 0 only (h alone is fitted) */
	int prior_k;              /* tie-break target, -1: none (ties: larger k) */
	wms_fit_makespan_fn makespan;
	void *ctx;
} wms_fit_search_args;

typedef struct wms_fit_result {
	double h_s;
	int k;
	double score;  /* median |ln(sim / recorded)| over the traces used */
	size_t n_used; /* traces fitted on */
	size_t n_sims; /* makespan calls */
} wms_fit_result;

/* 0, IO_EINPUT when no trace is left to fit on, or the callback's error. */
int wms_fit_search(const wms_fit_search_args *a, wms_fit_result *r,
		   io_err *err);

/* Median of n values (sorted in place); NAN for n = 0. */
double wms_fit_median(double *x, size_t n);

#endif
