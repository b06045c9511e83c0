/*
 * workloads/workload.c — Poisson, 2-state MMPP and CSV trace arrival sources
 * (see workload.h for the JSON and the guarantees).
 *
 * Generated processes draw, per task, one uniform for the inter-arrival gap
 * and one for the task type, both from SIM_STREAM_ARRIVALS, in that order.
 * The type uniform is drawn even when only one type can arrive, so the
 * arrival instants of a seed do not depend on the mix. MMPP sojourns come
 * from SIM_STREAM_WORKLOAD_AUX, so they never shift the arrival stream.
 * The streams are GSL's mt19937 drawn inline (sim_mt, sim/base/rng.h: the
 * values of gsl_rng_uniform_pos); a Poisson source draws WL_BATCH arrivals
 * ahead, in the order of the draws one at a time, so the values and the
 * tasks are those of drawing them one by one.
 *
 * A trace row's size is the task's work (its time is size x the model's
 * per-unit draw; 1 when absent, else finite and > 0), and its exec_s and
 * exec_s:<machine type> cells (found by a header, by name) are replayed
 * times, handed to the engine per profile machine type in wl_task.exec_s:
 * exec_s:<type>, else exec_s, else NAN (draw). E2C-Sim's data_size is not
 * work: it is kept in wl_task.data_size and the size is 1.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sim/io/csv.h"
#include "sim/base/rng.h"
#include "workloads/workload.h"

typedef enum wl_kind { WL_POISSON, WL_MMPP, WL_TRACE } wl_kind;

/* Roles of trace columns; a source maps each role to a field index. */
enum { COL_ARRIVAL, COL_TYPE, COL_DEADLINE, COL_SIZE, COL_KEY, N_COLS };
/* How an E2C workload names its task types. */
enum { E2C_TYPE_NAME, E2C_TYPE_INDEX0, E2C_TYPE_INDEX1 };

/* Up to this many types a linear scan of the cumulative mix beats a binary
 * search; both find the same index, so the choice never changes results. */
#define WL_LINEAR_SCAN_MAX 16

/* Columns of a trace row, in order; the first two are required. */
static const char *const trace_columns[] = {"arrival_s", "task_type",
					    "deadline_s", "size", "key"};
#define TRACE_MAX_FIELDS 5
/* Replayed times: exec_s, and exec_s:<machine type> (a header names them). */
#define EXEC_COLUMN "exec_s"
#define EXEC_PREFIX "exec_s:"

struct wl_source {
	/* first: the ids and the origin of every source, and the Poisson
	 * arrivals drawn ahead (wl_front in workload.h: f.at, WL_BATCH when
	 * none is left; f.end, 0 for the other sources) */
	wl_front f;
	wl_kind kind;
	uint64_t max_tasks; /* UINT64_MAX: no count limit */
	double duration_s;  /* INFINITY: no time limit */
	double elapsed_s;   /* time of the last arrival since f.start_s */
	int exhausted;
	uint64_t expected_tasks;
	double mean_rate_per_s;

	/* Type mix of generated processes: only types that can arrive, with
	 * cumulative probabilities; mix_cum[n_mix - 1] is exactly 1. */
	uint32_t n_mix;
	uint32_t *mix_type;
	double *mix_cum;
	sim_mt *arrivals_rng;

	double rate_per_s; /* Poisson */

	/* MMPP: rates and mean sojourns per state, the current state and the
	 * elapsed time at which it ends. */
	double mmpp_rate_per_s[2];
	double mmpp_mean_sojourn_s[2];
	int mmpp_state;
	double mmpp_switch_at_s;
	sim_mt *aux_rng;

	/* Inputs of generated requests ("segments"): Zipf CDF, or none. */
	uint32_t n_segments;
	double *seg_cum;
	sim_mt *seg_rng;

	/* Trace replay. The profile must outlive the source: row task types
	 * are resolved against it as the rows are read. */
	io_csv *trace;
	const prof_profile *profile;
	double trace_last_arrival_s; /* as written in the file */
	int trace_seen_row;	     /* a record was read */
	/* E2C-Sim workload CSV: a header is required and names the columns;
	 * col[role] is the field index of each role (-1: absent) and every
	 * row has as many fields as the header. */
	int e2c;
	int col[N_COLS];
	int e2c_type_ids;	  /* E2C_TYPE_* */
	int e2c_deadline_relative; /* deadline column is time after arrival */
	/* A trace's header: its width (0: no header, rows are positional),
	 * the field of exec_s (-1: none) and of exec_s:<type> per profile
	 * machine type (-1: none), and the row's replayed times. */
	int header_width;
	int exec_all_col;
	int *exec_col;	   /* [profile machine types] */
	int has_exec;
	double *row_exec;  /* [profile machine types] */
	json_t *e2c_columns;	  /* the "columns" override, or NULL */
	char *e2c_header_text;	  /* for error messages */
	io_err failure;	     /* repeated by later wl_next calls */
};

/* ---------------------------------------------------------------- JSON */

static const char *const poisson_keys[] = {
	"arrival",  "rate_per_s", "mix", "tasks", "duration_s", "start_s",
	"segments", NULL};
static const char *const mmpp_keys[] = {
	"arrival", "rates_per_s", "mean_sojourn_s", "mix",
	"tasks",   "duration_s",  "start_s",	    "segments", NULL};

#define WL_MAX_SEGMENTS 10000000

/* The generator of stream, as sim_rng_new's; NULL on no memory. */
static sim_mt *new_stream(uint64_t run_seed, uint32_t stream)
{
	sim_mt *g = malloc(sizeof *g);
	if (g)
		sim_mt_seed_stream(g, run_seed, stream);
	return g;
}

/* "segments": {"count": N, "zipf_s": s}: the cumulative Zipf table. */
static int read_segments(wl_source *s, const io_jdoc *doc,
			 const json_t *node, uint64_t run_seed, io_err *err)
{
	static const char *const keys[] = {"count", "zipf_s", NULL};
	const json_t *o = json_object_get(node, "segments");
	if (!o)
		return IO_OK;
	uint64_t n = 0;
	double zs = 1.0;
	int rc;
	if (!json_is_object(o))
		return io_jerr(err, doc, o,
				 "\"segments\" must be an object {\"count\": "
				 "N, \"zipf_s\": S}");
	if ((rc = io_jcheck_keys(doc, o, keys, err)) ||
	    (rc = io_jget_u64(doc, o, "count", 1, &n, err)) ||
	    (rc = io_jget_nonneg(doc, o, "zipf_s", 0, &zs, err)))
		return rc;
	if (n < 1 || n > WL_MAX_SEGMENTS)
		return io_jerr(err, doc, json_object_get(o, "count"),
				 "segments.count must be between 1 and %d",
				 WL_MAX_SEGMENTS);
	if (zs > 20)
		return io_jerr(err, doc, json_object_get(o, "zipf_s"),
				 "segments.zipf_s must be at most 20");
	if (s->kind == WL_TRACE) { /* the trace's key column names them */
		s->n_segments = (uint32_t)n;
		return IO_OK;
	}
	s->seg_cum = malloc(n * sizeof *s->seg_cum);
	s->seg_rng = new_stream(run_seed, SIM_STREAM_SEGMENTS);
	if (!s->seg_cum || !s->seg_rng)
		return IO_ENOMEM;
	double sum = 0;
	for (uint64_t k = 0; k < n; k++)
		s->seg_cum[k] = (sum += pow((double)(k + 1), -zs));
	for (uint64_t k = 0; k < n; k++)
		s->seg_cum[k] /= sum;
	s->seg_cum[n - 1] = 1.0;
	s->n_segments = (uint32_t)n;
	return IO_OK;
}

/* Segment of a request: the first k with seg_cum[k] >= u. */
static uint32_t pick_segment(const wl_source *s, double u)
{
	uint32_t lo = 0, hi = s->n_segments - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->seg_cum[mid] >= u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
static const char *const trace_keys[] = {"arrival", "file", "start_s",
					 "segments", "tasks", NULL};
static const char *const e2c_keys[] = {"arrival",  "file",    "start_s",
				       "type_ids", "deadline", "columns",
				       "tasks",	   NULL};

/* Type index of a mix or rate key, or an error at the key's value. */
static int type_of_key(const io_jdoc *doc, const json_t *value,
		       const char *name, const prof_profile *p, io_err *err)
{
	int idx = prof_task_index(p, name);
	if (idx < 0)
		return io_jerr(err, doc, value, "unknown task type \"%s\"",
				 name);
	return idx;
}

/* Keep the types of positive weight and their cumulative probabilities.
 * weight[] has one entry per profile task type. */
static int build_mix(wl_source *s, const double *weight, uint32_t n_types)
{
	double total = 0.0;
	uint32_t n = 0;
	for (uint32_t i = 0; i < n_types; i++) {
		if (weight[i] > 0.0) {
			total += weight[i];
			n++;
		}
	}
	s->mix_type = malloc(n * sizeof *s->mix_type);
	s->mix_cum = malloc(n * sizeof *s->mix_cum);
	if (!s->mix_type || !s->mix_cum)
		return IO_ENOMEM;
	double running = 0.0;
	uint32_t k = 0;
	for (uint32_t i = 0; i < n_types; i++) {
		if (weight[i] > 0.0) {
			running += weight[i];
			s->mix_type[k] = i;
			s->mix_cum[k] = running / total;
			k++;
		}
	}
	/* A uniform in (0, 1) is then always below the last entry. */
	s->mix_cum[n - 1] = 1.0;
	s->n_mix = n;
	return IO_OK;
}

/* Read the weights of an object {"type": number, ...} into weight[] (zeroed
 * by the caller). Rates must be > 0, mix weights >= 0 with a positive sum. */
static int read_type_weights(const io_jdoc *doc, const json_t *obj,
			     const char *what, int rates, const prof_profile *p,
			     double *weight, io_err *err)
{
	const char *name;
	json_t *value;
	double total = 0.0;
	json_object_foreach((json_t *)obj, name, value) {
		int idx = type_of_key(doc, value, name, p, err);
		if (idx < 0)
			return idx;
		double w = 0.0;
		int rc = rates ? io_jget_posnum(doc, obj, name, 1, &w, err)
			       : io_jget_nonneg(doc, obj, name, 1, &w, err);
		if (rc < 0)
			return rc;
		weight[idx] = w;
		total += w;
	}
	if (!(total > 0.0) || !isfinite(total))
		return io_jerr(err, doc, obj,
				 "%s: the weights must have a positive, finite "
				 "sum",
				 what);
	return IO_OK;
}

/* The "mix" of a generated process (all types equally if absent), scaled
 * so that the cumulative table can be built. */
static int read_mix(wl_source *s, const io_jdoc *doc, const json_t *node,
		    const prof_profile *p, io_err *err)
{
	double *weight = calloc(p->n_tasks ? p->n_tasks : 1, sizeof *weight);
	if (!weight)
		return IO_ENOMEM;
	int rc = IO_OK;
	const json_t *mix = json_object_get(node, "mix");
	if (!mix) {
		for (uint32_t i = 0; i < p->n_tasks; i++)
			weight[i] = 1.0;
	} else if (!json_is_object(mix)) {
		rc = io_jerr(err, doc, mix,
			       "\"mix\" must be an object of task type "
			       "weights");
	} else {
		rc = read_type_weights(doc, mix, "mix", 0, p, weight, err);
	}
	if (rc == IO_OK && p->n_tasks == 0)
		rc = io_jerr(err, doc, node, "the profile has no task types");
	if (rc == IO_OK)
		rc = build_mix(s, weight, p->n_tasks);
	free(weight);
	return rc;
}

/* "rate_per_s": a total rate with an optional "mix", or one rate per type. */
static int read_poisson(wl_source *s, const io_jdoc *doc, const json_t *node,
			const prof_profile *p, io_err *err)
{
	const json_t *rate = json_object_get(node, "rate_per_s");
	if (!json_is_object(rate)) {
		int rc = io_jget_posnum(doc, node, "rate_per_s", 1,
					  &s->rate_per_s, err);
		if (rc < 0)
			return rc;
		return read_mix(s, doc, node, p, err);
	}
	const json_t *mix = json_object_get(node, "mix");
	if (mix)
		return io_jerr(err, doc, mix,
				 "\"mix\" cannot be given with per-type "
				 "\"rate_per_s\" (the rates are the mix)");
	double *rates = calloc(p->n_tasks ? p->n_tasks : 1, sizeof *rates);
	if (!rates)
		return IO_ENOMEM;
	int rc = read_type_weights(doc, rate, "rate_per_s", 1, p, rates, err);
	if (rc == IO_OK) {
		/* superposed Poisson processes: one process of the sum */
		s->rate_per_s = 0.0;
		for (uint32_t i = 0; i < p->n_tasks; i++)
			s->rate_per_s += rates[i];
		rc = build_mix(s, rates, p->n_tasks);
	}
	free(rates);
	return rc;
}

/* An array of exactly two positive numbers, one per MMPP state. */
static int read_state_pair(const io_jdoc *doc, const json_t *node,
			   const char *key, double out[2], io_err *err)
{
	const json_t *arr = json_object_get(node, key);
	if (!arr)
		return io_jerr(err, doc, node,
				 "missing \"%s\" (2 numbers, "
				 "state 0 and state 1)",
				 key);
	if (!json_is_array(arr) || json_array_size(arr) != 2)
		return io_jerr(
			err, doc, arr,
			"\"%s\" must be an array of 2 positive numbers "
			"(state 0, state 1)",
			key);
	for (size_t i = 0; i < 2; i++) {
		const json_t *v = json_array_get(arr, i);
		double x = json_is_number(v) ? json_number_value(v) : NAN;
		if (!(x > 0.0) || !isfinite(x))
			return io_jerr(err, doc, v,
					 "\"%s\"[%zu] must be a positive "
					 "number",
					 key, i);
		out[i] = x;
	}
	return IO_OK;
}

static int read_mmpp(wl_source *s, const io_jdoc *doc, const json_t *node,
		     const prof_profile *p, io_err *err)
{
	int rc = read_state_pair(doc, node, "rates_per_s", s->mmpp_rate_per_s,
				 err);
	if (rc == IO_OK)
		rc = read_state_pair(doc, node, "mean_sojourn_s",
				     s->mmpp_mean_sojourn_s, err);
	if (rc == IO_OK)
		rc = read_mix(s, doc, node, p, err);
	if (rc != IO_OK)
		return rc;
	/* The generator walks every state change: a process that changes
	 * state millions of times per arrival would hang the run. */
	const double *r = s->mmpp_rate_per_s, *m = s->mmpp_mean_sojourn_s;
	double mean_rate = (r[0] * m[0] + r[1] * m[1]) / (m[0] + m[1]);
	double switches_per_arrival = 2.0 / (m[0] + m[1]) / mean_rate;
	if (!(switches_per_arrival <= 1e6))
		return io_jerr(err, doc, json_object_get(node, "mean_sojourn_s"),
				 "the state would change about %.3g times per "
				 "arrival: lengthen \"mean_sojourn_s\"",
				 switches_per_arrival);
	return IO_OK;
}

/* "tasks" and/or "duration_s": at least one must bound the process. */
static int read_stop(wl_source *s, const io_jdoc *doc, const json_t *node,
		     io_err *err)
{
	int rc = io_jget_u64(doc, node, "tasks", 0, &s->max_tasks, err);
	if (rc < 0)
		return rc;
	rc = io_jget_posnum(doc, node, "duration_s", 0, &s->duration_s, err);
	if (rc < 0)
		return rc;
	if (!json_object_get(node, "tasks") &&
	    !json_object_get(node, "duration_s"))
		return io_jerr(err, doc, node,
				 "the workload needs \"tasks\" and/or "
				 "\"duration_s\" to end");
	if (s->max_tasks == 0)
		return io_jerr(err, doc, json_object_get(node, "tasks"),
				 "\"tasks\" must be at least 1");
	return IO_OK;
}

/* Expected arrivals of the generated process in [0, duration_s). For the
 * MMPP, which starts in state 0 rather than in equilibrium, integrate the
 * rate against P(state 0 at t) = pi0 + (1 - pi0) exp(-c t), c = 1/s0 + 1/s1. */
static double expected_in_duration(const wl_source *s)
{
	double t = s->duration_s;
	if (s->kind == WL_POISSON)
		return s->rate_per_s * t;
	const double *r = s->mmpp_rate_per_s, *m = s->mmpp_mean_sojourn_s;
	double pi0 = m[0] / (m[0] + m[1]);
	double c = 1.0 / m[0] + 1.0 / m[1];
	return s->mean_rate_per_s * t +
	       (r[0] - r[1]) * (1.0 - pi0) * -expm1(-c * t) / c;
}

static void set_expectations(wl_source *s)
{
	if (s->kind == WL_TRACE)
		return; /* unknown until read: both stay 0 */
	if (s->kind == WL_POISSON) {
		s->mean_rate_per_s = s->rate_per_s;
	} else {
		const double *r = s->mmpp_rate_per_s;
		const double *m = s->mmpp_mean_sojourn_s;
		s->mean_rate_per_s =
			(r[0] * m[0] + r[1] * m[1]) / (m[0] + m[1]);
	}
	uint64_t expected = s->max_tasks; /* UINT64_MAX if no count given */
	if (isfinite(s->duration_s)) {
		double in_duration = round(expected_in_duration(s));
		if (in_duration < (double)expected)
			expected = (uint64_t)in_duration;
	}
	s->expected_tasks = expected;
}

/* A trace's optional "tasks": N replays only its first N tasks (what
 * `hetsim run --tasks N` sets). */
static int read_trace_cap(wl_source *s, const io_jdoc *doc,
			  const json_t *node, io_err *err)
{
	int rc = io_jget_u64(doc, node, "tasks", 0, &s->max_tasks, err);
	if (rc == IO_OK && s->max_tasks == 0)
		rc = io_jerr(err, doc, json_object_get(node, "tasks"),
			       "\"tasks\" must be at least 1");
	return rc;
}

static int open_trace(wl_source *s, const io_jdoc *doc, const json_t *node,
		      const prof_profile *p, io_err *err)
{
	const char *file = NULL;
	int rc = io_jget_str(doc, node, "file", 1, &file, err);
	if (rc < 0)
		return rc;
	char *path = io_jdoc_resolve(doc, file);
	if (!path)
		return IO_ENOMEM;
	rc = io_csv_open(&s->trace, path, err);
	free(path);
	s->profile = p;
	if (rc < 0)
		return rc;
	uint32_t n = p->n_machines ? p->n_machines : 1;
	s->exec_all_col = -1;
	s->exec_col = malloc(n * sizeof *s->exec_col);
	s->row_exec = malloc(n * sizeof *s->row_exec);
	if (!s->exec_col || !s->row_exec)
		return IO_ENOMEM;
	for (uint32_t mt = 0; mt < n; mt++)
		s->exec_col[mt] = -1;
	return IO_OK;
}

/* Options of an E2C-Sim workload; the file itself is opened as a trace and
 * its header read with the first row. */
static int open_e2c(wl_source *s, const io_jdoc *doc, const json_t *node,
		    const prof_profile *p, io_err *err)
{
	static const char *const roles[] = {"arrival", "task_type", "deadline",
					    "size", NULL};
	const char *ids = "name", *deadline = "absolute";
	int rc;
	if ((rc = io_jget_str(doc, node, "type_ids", 0, &ids, err)) ||
	    (rc = io_jget_str(doc, node, "deadline", 0, &deadline, err)))
		return rc;
	if (strcmp(ids, "name") == 0)
		s->e2c_type_ids = E2C_TYPE_NAME;
	else if (strcmp(ids, "index0") == 0)
		s->e2c_type_ids = E2C_TYPE_INDEX0;
	else if (strcmp(ids, "index1") == 0)
		s->e2c_type_ids = E2C_TYPE_INDEX1;
	else
		return io_jerr(err, doc, json_object_get(node, "type_ids"),
				 "unknown type_ids \"%s\" (expected name, "
				 "index0 or index1)",
				 ids);
	if (strcmp(deadline, "absolute") == 0)
		s->e2c_deadline_relative = 0;
	else if (strcmp(deadline, "relative") == 0)
		s->e2c_deadline_relative = 1;
	else
		return io_jerr(err, doc, json_object_get(node, "deadline"),
				 "unknown deadline \"%s\" (expected absolute "
				 "or relative)",
				 deadline);
	const json_t *cols = json_object_get(node, "columns");
	if (cols) {
		if (!json_is_object(cols))
			return io_jerr(err, doc, cols,
					 "\"columns\" must be an object "
					 "{\"arrival\": NAME, ...}");
		if ((rc = io_jcheck_keys(doc, cols, roles, err)))
			return rc;
		const char *key;
		const json_t *v;
		json_object_foreach((json_t *)cols, key, v)
			if (!json_is_string(v) || !json_string_value(v)[0])
				return io_jerr(err, doc, v,
						 "columns.%s must be a column "
						 "name",
						 key);
		s->e2c_columns = json_incref((json_t *)cols);
	}
	s->e2c = 1;
	return open_trace(s, doc, node, p, err);
}

int wl_source_from_json(wl_source **out, const io_jdoc *doc,
			const json_t *node, const prof_profile *p,
			uint64_t run_seed, io_err *err)
{
	*out = NULL;
	if (!json_is_object(node))
		return io_jerr(err, doc, node,
				 "the workload must be an object");
	const char *arrival = NULL;
	int rc = io_jget_str(doc, node, "arrival", 1, &arrival, err);
	if (rc < 0)
		return rc;
	wl_source *s = calloc(1, sizeof *s);
	if (!s)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	s->max_tasks = UINT64_MAX;
	for (int c = 0; c < N_COLS; c++)
		s->col[c] = c;
	s->duration_s = INFINITY;

	const char *const *keys;
	if (strcmp(arrival, "poisson") == 0) {
		s->kind = WL_POISSON;
		keys = poisson_keys;
	} else if (strcmp(arrival, "mmpp") == 0) {
		s->kind = WL_MMPP;
		keys = mmpp_keys;
	} else if (strcmp(arrival, "trace") == 0) {
		s->kind = WL_TRACE;
		keys = trace_keys;
	} else if (strcmp(arrival, "e2c") == 0) {
		s->kind = WL_TRACE;
		s->e2c = 1;
		keys = e2c_keys;
	} else {
		rc = io_jerr(err, doc, json_object_get(node, "arrival"),
			       "unknown arrival \"%s\" (expected poisson, "
			       "mmpp, trace or e2c)",
			       arrival);
		goto fail;
	}
	rc = io_jcheck_keys(doc, node, keys, err);
	if (rc == IO_OK)
		rc = io_jget_nonneg(doc, node, "start_s", 0, &s->f.start_s,
				      err);
	if (rc == IO_OK && s->f.start_s > IO_MAX_TIME_S)
		rc = io_jerr_at(err, doc, node, "start_s", 0,
				  "\"start_s\" %g is larger than %g, the "
				  "largest time hetsim accepts",
				  s->f.start_s, IO_MAX_TIME_S);
	if (rc < 0)
		goto fail;

	switch (s->kind) {
	case WL_POISSON:
		rc = read_poisson(s, doc, node, p, err);
		break;
	case WL_MMPP:
		rc = read_mmpp(s, doc, node, p, err);
		break;
	case WL_TRACE:
		rc = read_trace_cap(s, doc, node, err);
		if (rc == IO_OK)
			rc = s->e2c ? open_e2c(s, doc, node, p, err)
				    : open_trace(s, doc, node, p, err);
		break;
	}
	if (rc == IO_OK && s->kind != WL_TRACE)
		rc = read_stop(s, doc, node, err);
	if (rc == IO_OK && !s->e2c)
		rc = read_segments(s, doc, node, run_seed, err);
	if (rc < 0)
		goto fail;
	set_expectations(s);

	s->f.at = WL_BATCH;
	if (s->kind != WL_TRACE) {
		s->arrivals_rng = new_stream(run_seed, SIM_STREAM_ARRIVALS);
		if (!s->arrivals_rng) {
			rc = IO_ENOMEM;
			goto fail;
		}
	}
	if (s->kind == WL_MMPP) {
		s->aux_rng = new_stream(run_seed, SIM_STREAM_WORKLOAD_AUX);
		if (!s->aux_rng) {
			rc = IO_ENOMEM;
			goto fail;
		}
		s->mmpp_state = 0;
		s->mmpp_switch_at_s = -log(sim_mt_uniform_pos(s->aux_rng)) *
				      s->mmpp_mean_sojourn_s[0];
	}
	*out = s;
	return IO_OK;
fail:
	if (rc == IO_ENOMEM)
		io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	wl_free(s);
	return rc;
}

/* ------------------------------------------------------ generated tasks */

static inline double exp_gap(sim_mt *r, double rate_per_s)
{
	return -log(sim_mt_uniform_pos(r)) / rate_per_s;
}

/* First i with u < mix_cum[i]; exists because mix_cum[n - 1] = 1 > u. */
static inline uint32_t pick_type(const wl_source *s, double u)
{
	const double *cum = s->mix_cum;
	uint32_t i = 0;
	if (s->n_mix <= WL_LINEAR_SCAN_MAX) {
		while (u >= cum[i])
			i++;
	} else {
		uint32_t hi = s->n_mix - 1;
		while (i < hi) {
			uint32_t mid = i + (hi - i) / 2;
			if (u < cum[mid])
				hi = mid;
			else
				i = mid + 1;
		}
	}
	return s->mix_type[i];
}

/* Advance elapsed_s to the next MMPP arrival; 0 if it would fall at or
 * after duration_s. By memorylessness, a gap drawn in the current state is
 * only valid if it ends before the state does; otherwise move to the switch
 * and draw afresh in the other state. */
static int mmpp_advance(wl_source *s)
{
	for (;;) {
		double gap = exp_gap(s->arrivals_rng,
				     s->mmpp_rate_per_s[s->mmpp_state]);
		double at = s->elapsed_s + gap;
		if (at < s->mmpp_switch_at_s) {
			s->elapsed_s = at;
			return 1;
		}
		s->elapsed_s = s->mmpp_switch_at_s;
		if (s->elapsed_s >= s->duration_s)
			return 0;
		s->mmpp_state ^= 1;
		s->mmpp_switch_at_s += -log(sim_mt_uniform_pos(s->aux_rng)) *
				       s->mmpp_mean_sojourn_s[s->mmpp_state];
	}
}

/* The input of the next request (a call apart, as draw_poisson_batch). */
static __attribute__((noinline)) uint32_t draw_segment(wl_source *s)
{
	return pick_segment(s, sim_mt_uniform_pos(s->seg_rng));
}

/* Draw the next WL_BATCH Poisson arrivals (some may lie beyond the stop
 * rule: the stream serves nothing else). Apart from next_poisson, so that
 * its calls cost next_poisson no saved registers. */
static __attribute__((noinline)) void draw_poisson_batch(wl_source *s)
{
	sim_mt *r = s->arrivals_rng;
	double elapsed = s->elapsed_s;
	if (s->n_mix == 1) { /* the type's uniform is drawn, its value moot */
		uint32_t type = s->mix_type[0];
		for (uint32_t i = 0; i < WL_BATCH; i++) {
			elapsed += exp_gap(r, s->rate_per_s);
			s->f.elapsed_s[i] = elapsed;
			s->f.type[i] = type;
			sim_mt_skip_pos(r);
		}
	} else {
		for (uint32_t i = 0; i < WL_BATCH; i++) {
			elapsed += exp_gap(r, s->rate_per_s);
			s->f.elapsed_s[i] = elapsed;
			s->f.type[i] = pick_type(s, sim_mt_uniform_pos(r));
		}
	}
	s->elapsed_s = elapsed;
	s->f.at = 0;
	/* the tasks of the batch before either stop rule (the next_id <
	 * max_tasks the caller made sure of; the times never decrease) */
	uint32_t n = WL_BATCH;
	if (s->max_tasks - s->f.next_id < n)
		n = (uint32_t)(s->max_tasks - s->f.next_id);
	while (n > 0 && s->f.elapsed_s[n - 1] >= s->duration_s)
		n--;
	s->f.end = s->n_segments ? 0 : n;
}


/* The next Poisson arrival, drawn (batch_at < WL_BATCH), with no input;
 * 0 at the end. */
static inline int next_poisson(wl_source *s, wl_task *t)
{
	if (s->f.next_id >= s->max_tasks)
		return 0;
	uint32_t i = s->f.at++;
	if (s->f.elapsed_s[i] >= s->duration_s)
		return 0;
	wl_front_task(&s->f, t, i);
	return 1;
}

static int next_mmpp(wl_source *s, wl_task *t)
{
	if (s->f.next_id >= s->max_tasks || !mmpp_advance(s) ||
	    s->elapsed_s >= s->duration_s)
		return 0;
	t->id = s->f.next_id++;
	t->arrival_s = s->f.start_s + s->elapsed_s;
	t->deadline_s = NAN;
	t->size = 1.0;
	t->data_size = 0.0;
	t->exec_s = NULL;
	t->type = pick_type(s, sim_mt_uniform_pos(s->arrivals_rng));
	t->key = s->n_segments ? draw_segment(s) : WL_NO_KEY;
	return 1;
}

/* ---------------------------------------------------------- trace rows */

/* Set col to field i for a header column, unless one named the same
 * came before. */
static int header_column(const io_csv *r, int *col, int i, io_err *err)
{
	char *const *names = io_csv_header(r);
	if (*col >= 0)
		return io_csv_errf(r, err,
				 "header column %d \"%s\" repeats column %d",
				 i + 1, names[i], *col + 1);
	*col = i;
	return IO_OK;
}

/* A trace's header names its columns: arrival_s and task_type first (so
 * that a headerless trace's first row cannot pass for one), then any of
 * deadline_s, size, key, exec_s and exec_s:<machine type>, each once. The
 * rows are then read by these names. */
static int trace_header(wl_source *s, io_err *err)
{
	const io_csv *r = s->trace;
	int rc = io_csv_take_header(s->trace, err);
	if (rc)
		return rc;
	char *const *names = io_csv_header(r);
	int n = io_csv_header_n(r);
	if (n < 2 || strcmp(names[1], trace_columns[COL_TYPE]) != 0)
		return io_csv_errf(r, err,
				 "header column 2 is \"%s\", expected \"%s\"",
				 n < 2 ? "" : names[1],
				 trace_columns[COL_TYPE]);
	for (int c = COL_DEADLINE; c < N_COLS; c++)
		s->col[c] = -1;
	for (int i = 2; i < n && rc == IO_OK; i++) {
		const char *name = names[i];
		int *col = NULL, exec = 1;
		for (int c = COL_DEADLINE; c < N_COLS && !col; c++)
			if (strcmp(name, trace_columns[c]) == 0)
				col = &s->col[c];
		if (col) {
			exec = 0;
		} else if (strcmp(name, EXEC_COLUMN) == 0) {
			col = &s->exec_all_col;
		} else if (strncmp(name, EXEC_PREFIX,
					   strlen(EXEC_PREFIX)) == 0) {
			const char *type = name + strlen(EXEC_PREFIX);
			int mt = prof_machine_index(s->profile, type);
			if (mt < 0)
				return io_csv_errf(
					r, err,
					"header column %d \"%s\": the profile "
					"has no machine type \"%s\"",
					i + 1, name, type);
			col = &s->exec_col[mt];
		}
		if (!col)
			return io_csv_errf(
				r, err,
				"header column %d \"%s\" is not a trace "
				"column (arrival_s, task_type, deadline_s, "
				"size, key, " EXEC_COLUMN ", " EXEC_PREFIX
				"<machine type>)",
				i + 1, name);
		rc = header_column(r, col, i, err);
		s->has_exec |= exec;
	}
	s->header_width = n;
	return rc;
}

/* Number field of a trace row; an empty optional field means if_empty.
 * Times and sizes beyond IO_MAX_TIME_S are refused: they are typing
 * errors, and the engine's time arithmetic would lose them. */
static int trace_number(const io_csv *r, const char *field,
			const char *column, int empty_ok, double if_empty,
			double *out, io_err *err)
{
	if (field[0] == '\0' && empty_ok) {
		*out = if_empty;
		return IO_OK;
	}
	if (io_parse_double(field, out) != 0)
		return io_csv_errf(r, err,
				     "%s \"%s\" is not a finite number",
				     column, field);
	if (fabs(*out) > IO_MAX_TIME_S)
		return io_csv_errf(r, err,
				     "%s %s is larger than %g, the largest "
				     "time or size hetsim accepts",
				     column, field, IO_MAX_TIME_S);
	return IO_OK;
}

/* Column names an E2C-Sim workload may use for each role (compared without
 * regard to case); the first is the one E2C-Sim writes. */
static const char *const e2c_aliases[N_COLS][6] = {
	[COL_ARRIVAL] = {"arrival_time", "arrival", "arrival_s", NULL},
	[COL_TYPE] = {"task_type", "type", "task_type_id", "task_type_name",
		      "task", NULL},
	[COL_DEADLINE] = {"deadline", "deadline_s", "deadline_time", NULL},
	[COL_SIZE] = {"data_size", "size", NULL},
	[COL_KEY] = {NULL},
};
static const char *const e2c_roles[N_COLS] = {"arrival", "task_type",
					      "deadline", "size", "key"};

static int e2c_matches(const wl_source *s, int role, const char *field)
{
	const json_t *o = s->e2c_columns
				  ? json_object_get(s->e2c_columns, e2c_roles[role])
				  : NULL;
	if (o)
		return strcmp(field, json_string_value(o)) == 0;
	for (int k = 0; e2c_aliases[role][k]; k++)
		if (strcasecmp(field, e2c_aliases[role][k]) == 0)
			return 1;
	return 0;
}

/* The header of an E2C-Sim workload: find each role's column by name. */
static int e2c_header(wl_source *s, io_err *err)
{
	char *const *fields = io_csv_fields(s->trace);
	int n = io_csv_nfields(s->trace);
	const char *path = io_csv_path(s->trace);
	long line = io_csv_line(s->trace);
	int rc = io_csv_take_header(s->trace, err);
	if (rc)
		return rc;
	for (int role = 0; role < N_COLS; role++) {
		s->col[role] = -1;
		for (int i = 0; i < n; i++) {
			if (!e2c_matches(s, role, fields[i]))
				continue;
			if (s->col[role] >= 0)
				return io_errf(
					err, IO_EINPUT, path, line,
					"columns %d (\"%s\") and %d (\"%s\") "
					"both look like the %s column; name "
					"one in the workload's \"columns\"",
					s->col[role] + 1, fields[s->col[role]],
					i + 1, fields[i], e2c_roles[role]);
			s->col[role] = i;
		}
	}
	for (int role = COL_ARRIVAL; role <= COL_TYPE; role++)
		if (s->col[role] < 0) {
			const json_t *o =
				s->e2c_columns ? json_object_get(
							 s->e2c_columns,
							 e2c_roles[role])
					       : NULL;
			return io_errf(
				err, IO_EINPUT, path, line,
				"no %s column in the header (expected %s%s%s)",
				e2c_roles[role], o ? "\"" : "",
				o ? json_string_value(o)
				  : "arrival_time, task_type or an alias: "
				    "see workloads/workload.h",
				o ? "\"" : "");
		}
	return IO_OK;
}

/* Task type of an E2C-Sim row: by name, or by 0- or 1-based index. */
static int e2c_type(const wl_source *s, const char *field, io_err *err)
{
	const char *path = io_csv_path(s->trace);
	long line = io_csv_line(s->trace);
	if (s->e2c_type_ids == E2C_TYPE_NAME) {
		int type = prof_task_index(s->profile, field);
		if (type < 0)
			return io_errf(err, IO_EINPUT, path, line,
					 "unknown task type \"%s\" (the "
					 "profile's types are named; for "
					 "numbered types set \"type_ids\": "
					 "\"index0\" or \"index1\")",
					 field);
		return type;
	}
	char *end;
	errno = 0;
	long v = strtol(field, &end, 10);
	long base = s->e2c_type_ids == E2C_TYPE_INDEX1 ? 1 : 0;
	if (end == field || *end || errno || v < base ||
	    v - base >= (long)s->profile->n_tasks)
		return io_errf(err, IO_EINPUT, path, line,
				 "task type \"%s\" is not an index from %ld "
				 "to %ld",
				 field, base,
				 base + (long)s->profile->n_tasks - 1);
	return (int)(v - base);
}

/* Field of a row for a role, or NULL if the row does not have it. */
static const char *row_field(const wl_source *s, char *const *fields, int n,
			     int role)
{
	int c = s->col[role];
	return c >= 0 && c < n ? fields[c] : NULL;
}

/* A replayed time from field c of the row (c < 0 or past the row, or an
 * empty field: NAN, none); column names the column for errors. */
static int replayed_time(const wl_source *s, char *const *fields, int n,
			 int c, double *out, io_err *err)
{
	*out = NAN;
	if (c < 0 || c >= n)
		return IO_OK;
	const char *column = io_csv_header(s->trace)[c];
	int rc = trace_number(s->trace, fields[c], column, 1, NAN, out, err);
	if (rc == IO_OK && *out < 0.0)
		return io_csv_errf(s->trace, err, "%s %s is negative", column,
				     fields[c]);
	return rc;
}

/* The row's replayed times into row_exec: exec_s:<type>, else exec_s,
 * else NAN (the model is drawn). Returns 1 if the row gives any, 0 if
 * none, <0 on an error. */
static int replayed_times(wl_source *s, uint32_t type, char *const *fields,
			  int n, io_err *err)
{
	const prof_profile *p = s->profile;
	double all;
	int rc = replayed_time(s, fields, n, s->exec_all_col, &all, err);
	int any = 0;
	for (uint32_t mt = 0; rc == IO_OK && mt < p->n_machines; mt++) {
		double x;
		int c = s->exec_col[mt];
		rc = replayed_time(s, fields, n, c, &x, err);
		if (rc < 0)
			break;
		if (!prof_can_run(p, type, mt)) {
			if (!isnan(x))
				return io_csv_errf(
					s->trace, err,
					"%s %s: task type \"%s\" cannot run "
					"on machine type \"%s\" (the "
					"profile has no model for it); leave "
					"the cell empty",
					io_csv_header(s->trace)[c], fields[c],
					p->tasks[type].name,
					p->machines[mt].name);
			x = NAN; /* exec_s is for the types that can */
		} else if (isnan(x)) {
			x = all;
		}
		s->row_exec[mt] = x;
		any |= !isnan(x);
	}
	return rc < 0 ? rc : any;
}

static int parse_trace_row(wl_source *s, wl_task *t, io_err *err)
{
	const io_csv *r = s->trace;
	char *const *fields = io_csv_fields(r);
	int n = io_csv_nfields(r);
	const char *path = io_csv_path(r);
	long line = io_csv_line(r);
	int rc;
	if (s->e2c && (rc = io_csv_check_width(r, err)))
		return rc;
	if (!s->e2c && s->header_width && (n < 2 || n > s->header_width))
		return io_errf(err, IO_EINPUT, path, line,
				 "%s fields: expected 2 to %d, the header's "
				 "columns",
				 n < 2 ? "too few" : "too many",
				 s->header_width);
	if (!s->e2c && !s->header_width && (n < 2 || n > TRACE_MAX_FIELDS))
		return io_errf(err, IO_EINPUT, path, line,
				 "%s fields: expected 2 to %d (%s,%s[,%s]"
				 "[,%s][,%s])",
				 n < 2 ? "too few" : "too many",
				 TRACE_MAX_FIELDS, trace_columns[0],
				 trace_columns[1], trace_columns[2],
				 trace_columns[3], trace_columns[4]);
	const char *f_arr = row_field(s, fields, n, COL_ARRIVAL);
	const char *f_type = row_field(s, fields, n, COL_TYPE);
	const char *f_dl = row_field(s, fields, n, COL_DEADLINE);
	const char *f_size = row_field(s, fields, n, COL_SIZE);
	const char *f_key = row_field(s, fields, n, COL_KEY);
	const char *const *name = s->e2c ? e2c_roles : trace_columns;
	double arrival, deadline = NAN, size = s->e2c ? 0.0 : 1.0;
	rc = trace_number(r, f_arr, name[COL_ARRIVAL], 0, 0.0, &arrival, err);
	if (rc < 0)
		return rc;
	if (arrival < 0.0)
		return io_errf(err, IO_EINPUT, path, line,
				 "%s %g is negative", name[COL_ARRIVAL],
				 arrival);
	if (s->f.next_id > 0 && arrival < s->trace_last_arrival_s)
		return io_errf(err, IO_EINPUT, path, line,
				 "%s %g is before the previous row's %g",
				 name[COL_ARRIVAL], arrival,
				 s->trace_last_arrival_s);
	int type = s->e2c ? e2c_type(s, f_type, err)
			  : prof_task_index(s->profile, f_type);
	if (type < 0)
		return s->e2c ? type
			      : io_errf(err, IO_EINPUT, path, line,
					  "unknown task type \"%s\"", f_type);
	if (f_dl) {
		rc = trace_number(r, f_dl, name[COL_DEADLINE], 1, NAN, &deadline, err);
		if (rc < 0)
			return rc;
		if (s->e2c_deadline_relative) {
			if (deadline < 0.0)
				return io_errf(err, IO_EINPUT, path, line,
						 "relative deadline %g is "
						 "negative",
						 deadline);
			deadline += arrival;
		}
		if (deadline < arrival)
			return io_errf(err, IO_EINPUT, path, line,
					 "%s %g is before %s %g",
					 name[COL_DEADLINE], deadline,
					 name[COL_ARRIVAL], arrival);
	}
	if (f_size) {
		rc = trace_number(r, f_size, name[COL_SIZE], 1, size, &size,
				  err);
		if (rc < 0)
			return rc;
		if (size < 0.0 || (size == 0.0 && !s->e2c))
			return io_errf(err, IO_EINPUT, path, line,
					 "size %g is %s", size,
					 s->e2c ? "negative"
						: "not positive (it is the "
						  "task's work: its time is "
						  "size x the model's draw)");
	}
	uint32_t key = WL_NO_KEY;
	if (f_key && f_key[0]) {
		char *end;
		errno = 0;
		unsigned long long k = strtoull(f_key, &end, 10);
		if (!s->n_segments)
			return io_errf(err, IO_EINPUT, path, line,
					 "a key needs \"segments\": {\"count\": "
					 "N} in the workload");
		if (end == f_key || *end || errno || f_key[0] == '-' ||
		    k >= s->n_segments)
			return io_errf(err, IO_EINPUT, path, line,
					 "key \"%s\" is not an integer from 0 "
					 "to %u",
					 f_key, s->n_segments - 1);
		key = (uint32_t)k;
	}
	t->exec_s = NULL;
	if (s->has_exec) {
		rc = replayed_times(s, (uint32_t)type, fields, n, err);
		if (rc < 0)
			return rc;
		if (rc > 0)
			t->exec_s = s->row_exec;
	}
	s->trace_last_arrival_s = arrival;
	t->id = s->f.next_id++;
	t->arrival_s = s->f.start_s + arrival;
	t->deadline_s = s->f.start_s + deadline; /* NAN stays NAN */
	t->size = s->e2c ? 1.0 : size;
	t->data_size = s->e2c ? size : 0.0;
	t->type = (uint32_t)type;
	t->key = key;
	return 1;
}

static int next_trace(wl_source *s, wl_task *t, io_err *err)
{
	int rc;
	while ((rc = io_csv_next(s->trace, err)) > 0) {
		int first = !s->trace_seen_row;
		s->trace_seen_row = 1;
		if (first && s->e2c) {
			rc = e2c_header(s, err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (first && strcmp(io_csv_fields(s->trace)[0],
				    trace_columns[0]) == 0) {
			rc = trace_header(s, err);
			if (rc < 0)
				return rc;
			continue;
		}
		return parse_trace_row(s, t, err);
	}
	/* an empty file or a lone header is a mistake, not a quiet run of
	 * no tasks */
	if (rc == 0 && s->f.next_id == 0)
		return io_errf(err, IO_EINPUT, io_csv_path(s->trace), 0,
				 "no tasks");
	return rc;
}

/* -------------------------------------------------------------- public */

int wl_next_other(wl_source *s, wl_task *t, io_err *err)
{
	if (s->exhausted)
		return 0;
	if (s->kind == WL_POISSON) {
		if (s->f.at == WL_BATCH && s->f.next_id < s->max_tasks)
			draw_poisson_batch(s);
		int rc = next_poisson(s, t);
		if (rc && s->n_segments)
			t->key = draw_segment(s);
		s->exhausted = rc == 0;
		return rc;
	}
	if (s->kind == WL_TRACE && s->f.next_id >= s->max_tasks) {
		s->exhausted = 1;
		return 0;
	}
	if (s->failure.code)
		return io_errf(err, s->failure.code, NULL, 0, "%s",
				 s->failure.msg);
	int rc = s->kind == WL_TRACE ? next_trace(s, t, err) : next_mmpp(s, t);
	if (rc == 0)
		s->exhausted = 1;
	if (rc < 0) {
		/* keep the message so that a caller that asks again hears
		 * the same error instead of a truncated trace */
		s->failure.code = rc;
		if (err && err->code)
			memcpy(s->failure.msg, err->msg, sizeof s->failure.msg);
		else
			strcpy(s->failure.msg, "trace read error");
	}
	return rc;
}

uint32_t wl_segments(const wl_source *s)
{
	return s->n_segments;
}

int wl_task_data(const wl_source *s)
{
	return s->kind == WL_TRACE && !s->e2c;
}

uint64_t wl_expected_tasks(const wl_source *s)
{
	return s->expected_tasks;
}

double wl_mean_rate(const wl_source *s)
{
	return s->mean_rate_per_s;
}

void wl_free(wl_source *s)
{
	if (!s)
		return;
	free(s->arrivals_rng);
	free(s->aux_rng);
	free(s->seg_rng);
	free(s->seg_cum);
	if (s->trace)
		io_csv_close(s->trace);
	json_decref(s->e2c_columns);
	free(s->mix_type);
	free(s->mix_cum);
	free(s->exec_col);
	free(s->row_exec);
	free(s);
}
