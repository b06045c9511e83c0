/*
 * profiles/profile.h — machine types, task types and per (task type,
 * machine type) execution-time models, loaded from profile JSON.
 *
 * Times are seconds. Every model is sampled by inverse CDF on a uniform u in
 * (0, 1) supplied by the caller, so that common random numbers work: the
 * same u gives the same quantile of the task's distribution on every
 * machine type and under every policy.
 *
 * Profile JSON:
 *   {"machine_types": [{"name": "g4dn.xlarge", "vcpu": 4, "mem_gib": 16,
 *        "accelerator": "NVIDIA T4", "price_usd_h": 0.526, "slots": 1,
 *        "power_w": {"idle": 40, "busy": 110}, "nic_gbps": 25}],
 *    "task_types": [{"name": "image_classification", "kind": "inference"}],
 *    "exec": [{"task": "image_classification", "machine": "g4dn.xlarge",
 *        "model": "lognormal", "mu": -4.7, "sigma": 0.2,
 *        "source": "heet_single.csv.gz n=10000"}]}
 *
 * Models and their parameters (all accept an optional "shift" >= 0 added to
 * every sample, which gives the shifted variants):
 *   constant     value
 *   uniform      min, max                      (0 <= min <= max)
 *   normal       mean, sd      truncated at 0: sampled on the part >= 0
 *   lognormal    mu, sigma     of log(time)
 *   gamma        shape, scale
 *   weibull      shape, scale
 *   exponential  mean (or rate = 1/mean)
 *   empirical    samples: [t, ...]             or
 *                csv: path (relative to the profile file; .gz read too),
 *                column: name, where: {column: value, ...} (rows kept when
 *                every named column equals the value as text)
 *                optional unit: "s" (default), "ms", "us" for either form
 *                Sampling: ECDF quantile with linear interpolation between
 *                the sorted samples, x(u) = x_(k) + f (x_(k+1) - x_(k)) with
 *                k + f = u (n - 1). n = 1 gives a constant.
 *   replay       the inputs of empirical (samples, or csv + column + where,
 *                unit). Sampling replays the measured values themselves:
 *                x(u) = x_(min(floor(u n), n - 1)) on the sorted samples,
 *                each sample with probability 1/n (ties count per sample).
 *                Mean: the plain sample mean.
 *   pet          a probabilistic execution-time histogram (E2C-Sim, HCW'19):
 *                bins: [[time, probability], ...]     or
 *                csv: path, time_column: name, prob_column: name,
 *                where: {...} as for empirical (both columns of each kept
 *                row form one bin); optional unit scales the times.
 *                Times and probabilities must be finite and >= 0 with at
 *                least one probability > 0. Probabilities are divided by
 *                their sum, so they need not add up to 1 (HCW'19's add up
 *                to 0.996-0.999; counts work too). Bins may come in any
 *                order: they are sorted by time on load, bins of equal
 *                time merged (probabilities added) and bins of probability
 *                0 dropped.
 *                Sampling is discrete: x(u) = the time of the first bin
 *                whose cumulative normalised probability is >= u (binary
 *                search), no interpolation: a PET gives the probability of
 *                each time value, and a bin's width is not stored, so each
 *                bin is a point mass at its time. Mean: sum t p / sum p.
 *                (HCW'19 does not state its time unit; "unit" says what
 *                the numbers are.)
 * Merging (several requests on one input served by one run with several
 * outputs, e.g. ffmpeg transcodes of one video segment): an optional
 *   "merge": [{"machine": "local", "shared_s": 0.21, ...}]
 * gives per machine type the shared part of a run — start-up and decoding,
 * paid once however many outputs the run has — written by `hetsim
 * calibrate transcode` with its fit statistics (shared_se, per_output_s,
 * residual_sd, r2, n, heldout_mae_s, noise_sd_s, source: kept for people,
 * not used). A merged run of requests r1..rk then takes
 * t(r1) + sum over i > 1 of max(0, t(ri) - shared_s): each request's own
 * time less the part it shares. Machine types without an entry share 0.
 * The relative form (policies/merge.h; written by `hetsim merge fit`, the
 * same object as its merge.json, plus "tasks") is an object:
 *   "merge": {"model": "relative", "time": "real",
 *             "classes": [{"class": "bitrate", "shared_frac": 0.48,
 *                          "shared_frac_cpu": 0.52,
 *                          "tasks": ["bitrate_512k", "bitrate_1024k"]}]}
 * A task type listed in a class shares that fraction of its own time in a
 * merged run ("shared_frac" for "time": "real", the default;
 * "shared_frac_cpu" for "cpu"); fractions are at most 1 and may be
 * negative (merged outputs slow each other down); task types in no class
 * share nothing. The fit's statistics (n_runs, rmse_pts, ...), its
 * campaign ratios (real/merge_fit.h: a property of the measured data set,
 * not of merging) and classes without "tasks" are kept for people and not
 * used.
 * Instead of "task_types" and "exec", a profile may name an E2C-Sim EET
 * matrix: {"e2c_eet": {"file": "eet.csv", "noise": 0.1}} (profiles/e2c.h).
 * A (task, machine) pair with no "exec" entry cannot run there: prof_can_run
 * is false and prof_mean is INFINITY. Every task type must be able to run on
 * at least one machine type.
 */
#ifndef HETSIM_PROFILES_PROFILE_H
#define HETSIM_PROFILES_PROFILE_H

#include <math.h>
#include <stdint.h>
#include "sim/io/io.h"

typedef enum prof_model_kind {
	PROF_NONE = 0, /* no entry: cannot run */
	PROF_CONSTANT,
	PROF_UNIFORM,
	PROF_NORMAL,
	PROF_LOGNORMAL,
	PROF_GAMMA,
	PROF_WEIBULL,
	PROF_EXPONENTIAL,
	PROF_EMPIRICAL,
	PROF_REPLAY,
	PROF_PET,
} prof_model_kind;

typedef struct prof_model {
	prof_model_kind kind;
	double shift;   /* added to every sample */
	double p[4];    /* family parameters, see profile.c */
	/* Owned arrays, NULL for the kinds not listed:
	 *   empirical, replay: sorted[0..n-1] the samples in seconds
	 *     (before the shift), ascending; sorted[n] = sorted[n-1] is
	 *     padding.
	 *   pet: sorted[0..n-1] the bin times in seconds (before the shift),
	 *     strictly ascending, each given a probability > 0; cum[0..n-1]
	 *     the cumulative normalised probabilities, nondecreasing (equal
	 *     neighbours only where a bin's share is below rounding),
	 *     cum[n-1] = 1 exactly; no padding. P(X = sorted[i] + shift) =
	 *     cum[i] - cum[i-1] (cum[-1] = 0), so the CDF is the step
	 *     function cum[i] on [sorted[i], sorted[i+1]) (shifted) and
	 *     there is no density, only these point masses.
	 *   gamma: sorted is not a list of points but a table of log-quantile
	 *     nodes built at load, 3 doubles per node, n = nodes (see
	 *     gamma_table_build in profile.c; GSL's inverse is slow and can
	 *     fail). */
	double *sorted;
	double *cum;
	uint32_t n;     /* empirical, replay: samples; pet: bins; gamma: nodes */
	double mean;    /* exact mean of what prof_sample draws */
	char *source;   /* free text, may be NULL */
} prof_model;

typedef struct prof_machine_type {
	char *name;
	double vcpu, mem_gib;
	char *accelerator; /* NULL if none */
	double price_usd_h;
	uint32_t slots;    /* concurrent tasks, default 1 */
	double idle_w, busy_w;
	double nic_gbps;
} prof_machine_type;

typedef struct prof_task_type {
	char *name;
	char *kind; /* may be NULL */
} prof_task_type;

typedef struct prof_profile {
	prof_machine_type *machines;
	uint32_t n_machines;
	prof_task_type *tasks;
	uint32_t n_tasks;
	prof_model *models; /* [task * n_machines + machine] */
	/* Merge model (see "merge" above), per machine type: the shared part
	 * (start-up + decode) of one run, 0 where none is given. */
	double *merge_shared_s;
	/* Relative form: the shared fraction of each task type's time
	 * ([n_tasks], 0 for types in no class); NULL: the absolute form. */
	double *merge_frac;
	char *path;         /* file it was loaded from (or label) */
	/* Hash tables of the type names, built at load: prof_task_index and
	 * prof_machine_index take constant time (NULL in a profile built by
	 * hand: they scan). */
	struct prof_index *index;
} prof_profile;

/* Load from a file. The file is parsed one task type and one exec entry at
 * a time (10^5 task types on 3 machine types: about 60 MB, not the 300 MB
 * of a whole jansson document); a file with any error is loaded again as
 * one document, whose message is the one reported. */
int prof_load(prof_profile **out, const char *path, io_err *err);
/* Load from a JSON value inside an already-open document (e.g. a profile
 * written inline in an experiment); relative CSV paths resolve against
 * doc's directory. */
int prof_load_json(prof_profile **out, const io_jdoc *doc,
		   const json_t *node, io_err *err);
void prof_free(prof_profile *p);

/* Index of a name, or -1. Loading n task types with m machine types and
 * their exec entries takes time and memory linear in n m. */
int prof_machine_index(const prof_profile *p, const char *name);
int prof_task_index(const prof_profile *p, const char *name);

static inline const prof_model *prof_model_at(const prof_profile *p,
					      uint32_t task, uint32_t machine)
{
	return &p->models[(size_t)task * p->n_machines + machine];
}
static inline int prof_can_run(const prof_profile *p, uint32_t task,
			       uint32_t machine)
{
	return prof_model_at(p, task, machine)->kind != PROF_NONE;
}
/* Mean of the sampled distribution (INFINITY if it cannot run). */
static inline double prof_mean(const prof_profile *p, uint32_t task,
			       uint32_t machine)
{
	return prof_model_at(p, task, machine)->mean;
}

/* Quantile u in (0,1) of one model; always finite and >= 0. */
double prof_model_quantile(const prof_model *m, double u);
/* A lognormal draw in two steps, for a caller that has u before it knows
 * the model (the engine: a task's uniform at its arrival, its machine at
 * its start): z = prof_normal_z(u), then prof_lognormal_at(m, z) is
 * prof_model_quantile(m, u) to the bit for a PROF_LOGNORMAL m. */
double prof_normal_z(double u);
static inline double prof_lognormal_at(const prof_model *m, double z)
{
	return exp(m->p[0] + m->p[1] * z) + m->shift;
}
/* Bounds of m's draws, for a check made once instead of at each draw:
 * returns 1 with *lo and *hi its quantiles at the least and the largest u
 * it takes, for the models whose quantile is a closed form monotone in u
 * (constant, uniform, normal, lognormal) with no negative shift; then
 * every draw lies in [*lo, *hi] up to the rounding of exp and of the
 * normal quantile (a few ulps: leave a margin), and none is negative when
 * *lo >= 0. Returns 0 (bounds unknown) for the other models. */
int prof_model_bounds(const prof_model *m, double *lo, double *hi);
/* Execution time of a task of type task on machine type machine for the
 * task's uniform u. */
static inline double prof_sample(const prof_profile *p, uint32_t task,
				 uint32_t machine, double u)
{
	return prof_model_quantile(prof_model_at(p, task, machine), u);
}

/* Name of a model kind ("lognormal"), and back (-1 if unknown). */
const char *prof_model_name(prof_model_kind k);
int prof_model_from_name(const char *name);

#endif
