/*
 * real/merge_fit.h — the merge model of transcoding (seed 000 §4.5,
 * DESIGN.md §4 "Merging"), fitted from measured runs.
 *
 * A run on one segment with n_o outputs of operation o takes
 *     T = a + sum_o b_o n_o + noise,
 * a the shared part (process start-up, demuxing and decoding the input:
 * paid once however many outputs), b_o the per-output part of operation o
 * (filtering, encoding and muxing one output). A single run of o has
 * T = a + b_o; a merged run of k different operations a + sum of k b's.
 * Single runs alone cannot separate a from the b's (their design matrix has
 * the intercept equal to the sum of the op columns): merged runs, with
 * sum_o n_o > 1, make a identifiable.
 *
 * Fitted by ordinary least squares (GSL gsl_multifit_linear_tsvd), with
 * standard errors from sigma^2 (X'X)^-1, sigma^2 = RSS / (n - p), the
 * residual SD sigma and R^2 = 1 - RSS / TSS.
 *
 * Saving of a merged run (seed 000's "merge saving percentage"):
 *     saving = 1 - T_merged / sum of the separate runs' times
 *            = 1 - (a + sum b_o n_o) / sum_o n_o (a + b_o)
 *            = (k - 1) a / sum_o n_o (a + b_o),   k = sum_o n_o.
 */
#ifndef HETSIM_REAL_MERGE_FIT_H
#define HETSIM_REAL_MERGE_FIT_H

#include <stddef.h>
#include "sim/io/io.h"

typedef struct real_merge_model {
	int n_ops;
	double shared_s, shared_se;
	double *per_output_s, *per_output_se; /* [n_ops] */
	double residual_sd; /* NAN when n = p */
	double r2;
	size_t n; /* runs fitted */
} real_merge_model;

/* Fit from n runs: counts is n x n_ops row-major (outputs of each
 * operation in run i), t the times. IO_EINPUT when the model cannot be
 * identified (too few runs, an operation never run, no merged run) with a
 * message saying what data is missing. */
int real_merge_fit(const double *counts, const double *t, size_t n, int n_ops,
		   real_merge_model *m, io_err *err);
void real_merge_model_free(real_merge_model *m);

/* Predicted time of a run with these output counts ([n_ops]). */
double real_merge_predict(const real_merge_model *m, const double *counts);
/* Predicted sum of the separate (single) runs of the same outputs. */
double real_merge_predict_separate(const real_merge_model *m,
				   const double *counts);
/* Predicted saving, 1 - predict / predict_separate. */
double real_merge_saving(const real_merge_model *m, const double *counts);

/* Prediction errors on held-back runs. */
typedef struct real_merge_error {
	size_t n;
	double mae_s;   /* mean |predicted - measured| */
	double mre;     /* mean |predicted - measured| / measured */
	double bias_s;  /* mean (predicted - measured) */
	double rmse_s;
} real_merge_error;
real_merge_error real_merge_evaluate(const real_merge_model *m,
				     const double *counts, const double *t,
				     size_t n);

/* Pooled within-group SD of n values labelled group[i] in [0, n_groups):
 * sqrt(sum of squared deviations from each group's mean / sum (n_g - 1)),
 * over groups of >= 2 values; the repeat-to-repeat noise when a group is a
 * set of identical runs. NAN when no group has two values. *dof (may be
 * NULL) gets sum (n_g - 1). */
double real_pooled_sd(const double *t, const size_t *group, size_t n,
		      size_t n_groups, size_t *dof);

/*
 * The relative merge model (policies/merge.h): a merged run of operations
 * with single-run times t_i on the same input takes
 *     T = max_i f_i t_i + sum_i (1 - f_i) t_i,
 * f_c <= 1 the shared fraction of operation class c. Its saving against the
 * separate runs, S = sum_i t_i, is (S - T) / S = sum_{i != j} f_i t_i / S,
 * j the request with the largest shared part: linear in f once j is known.
 * real_merge_rel_fit minimises the squared error of the saving (in
 * percentage points: every run counts the same, long or short) by
 * alternating the choice of j with a least-squares solve for f, holding
 * fractions that reach the bound at 1; it stops when the choice of j no
 * longer changes (at most 100 rounds). A ridge prior of weight
 * REAL_MERGE_PRIOR (about one run's worth) pulls each class towards the
 * fraction fitted to all
 * classes at once, so a class that is never anything but the longest
 * request of its runs (its fraction then has no effect on the saving)
 * still gets a value, the pooled one. Fitted separately for real and CPU
 * times by the callers.
 */
#define REAL_MERGE_PRIOR 0.1

/* n merged runs: operations start[r] .. start[r + 1] - 1 of run r, each
 * with its class cls[] (0 .. n_classes - 1) and single-run time t[] (> 0);
 * merged[r] the measured time of run r. */
typedef struct real_merge_runs {
	size_t n;
	const size_t *start; /* [n + 1] */
	const int *cls;
	const double *t;
	const double *merged;
} real_merge_runs;

typedef struct real_merge_rel_fit_stats {
	double pooled_frac;   /* one fraction for every class */
	double rmse_pts;      /* RMS error of the saving, percentage points */
	size_t below_longest; /* runs measured shorter than their longest
				 single run: no model with the bound fits them */
	int rounds;	      /* of the alternation */
} real_merge_rel_fit_stats;

/* Fit frac[0 .. n_classes - 1]. *n_shared_out (may be NULL, n_classes
 * entries) gets per class the operations that were not their run's
 * largest shared part: the data that determine its fraction. IO_EINPUT
 * (with a message) when no run has two operations or a time is not
 * positive. */
int real_merge_rel_fit(const real_merge_runs *runs, int n_classes,
		       double *frac, size_t *n_shared_out,
		       real_merge_rel_fit_stats *st, io_err *err);
/* Predicted time of run r of runs under frac. */
double real_merge_rel_predict(const real_merge_runs *runs, size_t r,
			      const double *frac);

/*
 * Measurement campaigns whose single runs were timed under other
 * conditions than their merged runs (merge_saving_v1-50: at other times,
 * on a shared server) can have merged runs faster than their longest
 * operation alone, which no model with the lower bound predicts. The
 * campaign ratio rho_c of a class is the ratio of the measured merged
 * runs whose longest operation (by single-run time) is of class c to the
 * model's time for them: T = rho_c(longest) x the formula above.
 * real_merge_ratio_fit starts from real_merge_rel_fit (ratios 1) and
 * fits ratios and fractions together by Gauss-Newton on the error in
 * saving points (priors of weight REAL_MERGE_PRIOR: ratios towards 1,
 * fractions towards the pooled one; fractions held <= 1), choosing each
 * run's largest shared part afresh every step, until no parameter moves
 * by 1e-9 (100 steps at most). The ratios describe the data set, not merging: `hetsim merge
 * predict` applies them to runs of the same campaign, the simulator never
 * does (there a request takes the same time alone or merged).
 */
int real_merge_ratio_fit(const real_merge_runs *runs, int n_classes,
			 double *frac, double *ratio, size_t *n_shared_out,
			 real_merge_rel_fit_stats *st, io_err *err);
/* The operation of run r with the longest single-run time (the first of
 * equals). */
size_t real_merge_longest(const real_merge_runs *runs, size_t r);
/* real_merge_rel_predict times the ratio of the run's longest class. */
double real_merge_ratio_predict(const real_merge_runs *runs, size_t r,
				const double *frac, const double *ratio);

/* The class of an operation token of the merge data sets (layout of
 * merge_saving_*.csv.gz): "b<kbit/s>" -> bitrate, "r<fps>" -> framerate,
 * "s<W>x<H>" -> resolution, "c:<codec>" -> "codec:<codec>", anything else
 * its own class (the token). Writes at most size bytes with the NUL. */
void real_merge_op_class(const char *token, char *out, size_t size);

/* Merged runs read from files in the layout of the shared data sets:
 * MERGED as merge_saving_*.csv.gz (columns ops, video, segment,
 * merged_real_s, merged_user_s, merged_sys_s; group and match_status if
 * present), SINGLES as merge_single_ops_*.csv.gz (op, video, segment,
 * real_s, user_s, sys_s; repeated runs of one key are averaged). A row
 * with empty ops (not recorded) or a match_status other than "ok" is
 * skipped (counted); a row of a video outside the list videos
 * (real_merge_video_in) is left out. CPU time = user + sys. An operation with no
 * single run of its video and segment is an error naming the row. */
typedef struct real_merge_data {
	size_t n, skipped;
	size_t *start;		      /* [n + 1] */
	int *cls;		      /* per operation */
	double *t_real, *t_cpu;	      /* per operation */
	double *merged_real, *merged_cpu; /* per run */
	long *line;		      /* per run: its line in MERGED */
	int *group;		      /* per run: index into groups */
	int n_classes, n_groups;
	char **classes, **groups;     /* names */
} real_merge_data;
int real_merge_data_load(const char *merged, const char *singles,
			 const char *videos, real_merge_data *d, io_err *err);
void real_merge_data_free(real_merge_data *d);
/* The runs of d with real (cpu = 0) or CPU times. */
real_merge_runs real_merge_data_runs(const real_merge_data *d, int cpu);
/* Is video in the list of ranges and the words odd and even
 * ("1-25,40", "odd"; NULL: every video)? -1: a bad list. */
int real_merge_video_in(const char *list, long video);

#endif
