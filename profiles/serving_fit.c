/*
 * profiles/serving_fit.c — `hetsim fit --serving`: the serving model and
 * mixed-load service times from recorded runs. The rules are in
 * serving_fit.h; this file reads the rows, computes them and writes the
 * two JSON files.
 */
#include "profiles/serving_fit.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/base/out.h"
#include "sim/io/csv.h"

/* ---- names: a small interning table (types, machines, instances, runs) */

typedef struct names {
	char **name;   /* by index */
	uint32_t n, cap;
	uint32_t *slot; /* open addressing: index + 1, 0 empty */
	uint32_t nslot; /* power of two */
} names;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void names_free(names *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->name[i]);
	free(t->name);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

static int names_grow(names *t)
{
	uint32_t ns = t->nslot ? t->nslot * 2 : 64;
	uint32_t *slot = calloc(ns, sizeof *slot);
	if (!slot)
		return -1;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t h = (uint32_t)hash_str(t->name[i]) & (ns - 1);
		while (slot[h])
			h = (h + 1) & (ns - 1);
		slot[h] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = ns;
	return 0;
}

/* Index of s, added if new; -1 out of memory. */
static long names_intern(names *t, const char *s)
{
	if (2 * (t->n + 1) > t->nslot && names_grow(t))
		return -1;
	uint32_t h = (uint32_t)hash_str(s) & (t->nslot - 1);
	while (t->slot[h]) {
		if (strcmp(t->name[t->slot[h] - 1], s) == 0)
			return t->slot[h] - 1;
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		char **nn = realloc(t->name, cap * sizeof *nn);
		if (!nn)
			return -1;
		t->name = nn;
		t->cap = cap;
	}
	char *copy = strdup(s);
	if (!copy)
		return -1;
	t->name[t->n] = copy;
	t->slot[h] = t->n + 1;
	return t->n++;
}

/* ---- growable int64 arrays */

typedef struct i64s {
	int64_t *v;
	size_t n, cap;
} i64s;

static int i64s_push(i64s *a, int64_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		int64_t *v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return 0;
}

static int cmp_i64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	return (a > b) - (a < b);
}

static void i64s_sort(i64s *a)
{
	if (a->n)
		qsort(a->v, a->n, sizeof *a->v, cmp_i64);
}

/* ---- the rows kept */

typedef struct row {
	int64_t task_id, arrival, inference, completion;
	uint32_t run;      /* index in the runs table */
	uint32_t instance; /* index in the instances table */
	uint32_t seq;      /* file order among the kept rows */
	uint16_t type, machine;
} row;

typedef struct data {
	row *rows;
	size_t n, cap;
	names runs, types, machines, instances;
} data;

static void data_free(data *d)
{
	free(d->rows);
	names_free(&d->runs);
	names_free(&d->types);
	names_free(&d->machines);
	names_free(&d->instances);
}

/* --runs: "1-3", "1,4", "2-3,5" as a list of ranges */
typedef struct run_set {
	long long lo[64], hi[64];
	int n;
} run_set;

/* A whole decimal integer field: [+-]digits. */
static int parse_ll(const char *s, long long *out)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_runs(const char *text, run_set *rs, io_err *err)
{
	char buf[512];
	if (strlen(text) >= sizeof buf)
		return io_errf(err, IO_EINPUT, NULL, 0, "--runs: list too long");
	strcpy(buf, text);
	rs->n = 0;
	int any = 0;
	/* split on every comma: an empty part ("1,,2", "1,") is an error */
	char *part = buf;
	for (;;) {
		char *comma = strchr(part, ',');
		if (comma)
			*comma = 0;
		long long lo, hi;
		char *dash = strchr(part, '-');
		int bad;
		if (dash) {
			*dash = 0;
			bad = parse_ll(part, &lo) || parse_ll(dash + 1, &hi);
		} else {
			bad = parse_ll(part, &lo);
			hi = lo;
		}
		if (bad || rs->n == 64)
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "--runs: \"%s\" is not a run list like "
				       "1-3 or 1,4",
				       text);
		rs->lo[rs->n] = lo;
		rs->hi[rs->n++] = hi;
		any |= lo <= hi;
		if (!comma)
			break;
		part = comma + 1;
	}
	if (!any)
		return io_errf(err, IO_EINPUT, NULL, 0, "--runs: no run named");
	return 0;
}

static int run_wanted(const run_set *rs, long long run)
{
	for (int i = 0; i < rs->n; i++)
		if (run >= rs->lo[i] && run <= rs->hi[i])
			return 1;
	return 0;
}

/* Does --experiments name any experiment? (NULL, "" or ",": no, all.) */
static int names_experiments(const char *list)
{
	return list && list[strspn(list, ",")];
}

/* --experiments E,...: is exp among them (all when none is named)? */
static int experiment_wanted(const char *list, const char *exp)
{
	if (!names_experiments(list))
		return 1;
	size_t len = strlen(exp);
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == len && n && memcmp(p, exp, n) == 0)
			return 1;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

enum { C_EXP, C_N1, C_N2, C_N3, C_RUN, C_ID, C_TYPE, C_MACHINE, C_INST,
       C_ARRIVAL, C_INFERENCE, C_COMPLETION, C_N };

static const char *const col_names[C_N] = {
	"experiment", "n_t2_large", "n_c5_2xlarge", "n_g4dn_xlarge", "run",
	"task_id", "task_type", "machine", "instance", "arrival_ms",
	"inference_ms", "completion_ms"};

/* Times beyond this (ms) are typing errors, and keep sums exact. */
#define MAX_MS 1000000000000000LL /* 1e15 ms, 30 000 years */

static int read_rows(const serving_fit_args *a, const run_set *rs, data *d,
		     io_err *err)
{
	io_csv *r;
	if (io_csv_open(&r, a->data, err))
		return -1;
	int col[C_N];
	int st = io_csv_read_header(r, err);
	for (int i = 0; i < C_N && !st; i++)
		st = io_csv_need_col(r, col_names[i], &col[i], err);
	while (!st && (st = io_csv_next(r, err)) == 1) {
		st = io_csv_check_width(r, err);
		if (st)
			break;
		char *const *f = io_csv_fields(r);
		long long run, pool[3], v[4];
		if (parse_ll(f[col[C_RUN]], &run)) {
			st = io_csv_errf(r, err, "run \"%s\" is not an integer",
					 f[col[C_RUN]]);
			break;
		}
		if (!run_wanted(rs, run) ||
		    !experiment_wanted(a->experiments, f[col[C_EXP]]))
			continue;
		const int vcol[4] = {C_ID, C_ARRIVAL, C_INFERENCE, C_COMPLETION};
		for (int i = 0; i < 3 && !st; i++)
			if (parse_ll(f[col[C_N1 + i]], &pool[i]) || pool[i] < 0)
				st = io_csv_errf(r, err,
						 "%s \"%s\" is not a count",
						 col_names[C_N1 + i],
						 f[col[C_N1 + i]]);
		for (int i = 0; i < 4 && !st; i++)
			if (parse_ll(f[col[vcol[i]]], &v[i]) ||
			    v[i] > MAX_MS || v[i] < -MAX_MS)
				st = io_csv_errf(r, err,
						 "%s \"%s\" is not an integer "
						 "(ms, at most 1e15)",
						 col_names[vcol[i]],
						 f[col[vcol[i]]]);
		if (!st && (v[2] < 0 || v[3] < v[1]))
			st = io_csv_errf(r, err,
					 "negative inference_ms or completion "
					 "before arrival");
		if (st)
			break;
		if (d->n == UINT32_MAX) {
			st = io_csv_errf(r, err, "too many rows");
			break;
		}
		char key[2048];
		int kl = snprintf(key, sizeof key, "%s\x1f%lld,%lld,%lld\x1f%lld",
				  f[col[C_EXP]], pool[0], pool[1], pool[2], run);
		if (kl < 0 || (size_t)kl >= sizeof key) {
			st = io_csv_errf(r, err, "experiment name too long");
			break;
		}
		long run_i = names_intern(&d->runs, key);
		long ty = names_intern(&d->types, f[col[C_TYPE]]);
		long m = names_intern(&d->machines, f[col[C_MACHINE]]);
		long inst = names_intern(&d->instances, f[col[C_INST]]);
		if (run_i < 0 || ty < 0 || m < 0 || inst < 0) {
			st = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			break;
		}
		if (ty > UINT16_MAX || m > UINT16_MAX) {
			st = io_csv_errf(r, err, "over 65535 task or machine types");
			break;
		}
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 4096;
			row *nr = realloc(d->rows, cap * sizeof *nr);
			if (!nr) {
				st = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
				break;
			}
			d->rows = nr;
			d->cap = cap;
		}
		d->rows[d->n] = (row){.task_id = v[0], .arrival = v[1],
				      .inference = v[2], .completion = v[3],
				      .run = (uint32_t)run_i,
				      .instance = (uint32_t)inst,
				      .seq = (uint32_t)d->n, .type = (uint16_t)ty,
				      .machine = (uint16_t)m};
		d->n++;
	}
	io_csv_close(r);
	return st < 0 ? st : 0;
}

/* ---- the fit */

/* By run, instance, completion, task id, file order: each instance's
 * service order. */
static int cmp_by_instance(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	if (a->run != b->run)
		return a->run < b->run ? -1 : 1;
	if (a->instance != b->instance)
		return a->instance < b->instance ? -1 : 1;
	if (a->completion != b->completion)
		return a->completion < b->completion ? -1 : 1;
	if (a->task_id != b->task_id)
		return a->task_id < b->task_id ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* By run, completion, task id, file order. */
static int cmp_by_completion(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	if (a->run != b->run)
		return a->run < b->run ? -1 : 1;
	if (a->completion != b->completion)
		return a->completion < b->completion ? -1 : 1;
	if (a->task_id != b->task_id)
		return a->task_id < b->task_id ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

typedef struct start_arrival {
	int64_t start, arrival;
} start_arrival;

static int cmp_start(const void *pa, const void *pb)
{
	const start_arrival *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (a->arrival > b->arrival) - (a->arrival < b->arrival);
}

typedef struct mix_sum {
	double total; /* of inference_ms, summed in service order */
	long long n;
} mix_sum;

typedef struct fit {
	i64s *service;  /* [type * n_machines + machine] inference_ms */
	mix_sum *after; /* [(machine * (n_types + 1) + prev + 1) * n_types +
			   type]; prev -1 = the instance's first */
	i64s free_;         /* client-side time of requests that found
			       their instance free */
	i64s waited, gaps;  /* of those that waited: how long, and the
			       gap to the previous completion */
	i64s delay;
	int64_t hold, margin;
	long long pairs, inverted;
	/* "retry" (serving_fit.h): the log-likelihood of each (hot time,
	 * backoff) of the grids, the fitted pair, the least-squares sums of
	 * gap on 1 / W and the fitted poll time and hold (ms) */
	double ll[SERVING_FIT_NH][SERVING_FIT_NB];
	long long choices;
	int ih, ib;
	struct wgap {
		double w, gap;
	} *wg; /* of the decisions whose gap is known */
	size_t n_wg, cap_wg;
	double busy_w, poll_ms, hold_ms;
	int64_t ready; /* client time before a request first polls, ms */
} fit;

static const double hot_grid[SERVING_FIT_NH] = {10,  20,   50,   100, 200,
						500, 1000, 2000, 5000};
static const double backoff_grid[SERVING_FIT_NB] = {1,  1.5, 2,  3,  5,  7,
						    10, 15,  20, 30, 50, 100};

static void fit_free(fit *f, const data *d)
{
	if (f->service)
		for (size_t i = 0; i < (size_t)d->types.n * d->machines.n; i++)
			free(f->service[i].v);
	free(f->service);
	free(f->after);
	free(f->free_.v);
	free(f->waited.v);
	free(f->gaps.v);
	free(f->delay.v);
	free(f->wg);
}

static size_t after_index(const data *d, uint32_t machine, long prev,
			  uint32_t type)
{
	return ((size_t)machine * (d->types.n + 1) + (size_t)(prev + 1)) *
		       d->types.n +
	       type;
}

/* Service times, mix sums, and the waited / free requests. */
static int fit_instances(data *d, fit *f, const char *label, io_err *err)
{
	size_t npair = (size_t)d->types.n * d->machines.n;
	/* the mix table is dense, machines x (types + 1) x types */
	if (npair * (d->types.n + 1) > SERVING_FIT_MAX_MIX)
		return io_errf(err, IO_EINPUT, label, 0,
			       "%u task types on %u machine types: over %u "
			       "(machine, previous type, type) triples",
			       d->types.n, d->machines.n, SERVING_FIT_MAX_MIX);
	f->service = calloc(npair ? npair : 1, sizeof *f->service);
	f->after = calloc(after_index(d, d->machines.n, -1, 0) + 1,
			  sizeof *f->after);
	if (!f->service || !f->after)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	qsort(d->rows, d->n, sizeof *d->rows, cmp_by_instance);
	for (size_t i = 0; i < d->n; i++) {
		const row *t = &d->rows[i];
		const row *p = i > 0 && d->rows[i - 1].run == t->run &&
					       d->rows[i - 1].instance ==
						       t->instance
				       ? &d->rows[i - 1]
				       : NULL;
		if (i64s_push(&f->service[(size_t)t->type * d->machines.n +
					  t->machine],
			      t->inference))
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		mix_sum *s = &f->after[after_index(d, t->machine,
						   p ? (long)p->type : -1,
						   t->type)];
		s->total += (double)t->inference;
		s->n++;
		int st;
		if (p && t->arrival < p->completion) {
			int64_t gap = t->completion - p->completion -
				      t->inference;
			st = i64s_push(&f->waited, p->completion - t->arrival) ||
			     i64s_push(&f->gaps, gap > 0 ? gap : 0);
		} else
			st = i64s_push(&f->free_, t->completion - t->arrival -
							  t->inference);
		if (st)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	return 0;
}

/* The share of waiting requests overtaken (serving_fit.h, queue). */
static int fit_queue(data *d, fit *f, io_err *err)
{
	int64_t margin0 = f->margin;
	qsort(d->rows, d->n, sizeof *d->rows, cmp_by_completion);
	int64_t *last_c = malloc((d->instances.n + 1) * sizeof *last_c);
	uint32_t *last_run = malloc((d->instances.n + 1) * sizeof *last_run);
	start_arrival *sa = malloc((d->n + 1) * sizeof *sa);
	int64_t *latest = malloc((d->n + 1) * sizeof *latest);
	size_t *queued = malloc((d->n + 1) * sizeof *queued);
	int st = 0;
	if (!last_c || !last_run || !sa || !latest || !queued) {
		st = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < d->instances.n; i++)
		last_run[i] = UINT32_MAX;
	for (size_t lo = 0, hi; lo < d->n; lo = hi) {
		uint32_t run = d->rows[lo].run;
		size_t nq = 0;
		for (hi = lo; hi < d->n && d->rows[hi].run == run; hi++) {
			const row *t = &d->rows[hi];
			if (last_run[t->instance] == run &&
			    t->arrival < last_c[t->instance] - margin0)
				queued[nq++] = hi;
			last_run[t->instance] = run;
			last_c[t->instance] = t->completion;
			sa[hi - lo] = (start_arrival){t->completion - t->inference,
						      t->arrival};
		}
		size_t n = hi - lo;
		qsort(sa, n, sizeof *sa, cmp_start);
		int64_t m = INT64_MIN;
		for (size_t k = 0; k < n; k++) {
			if (sa[k].arrival > m)
				m = sa[k].arrival;
			latest[k] = m; /* latest arrival among those started
					  by sa[k].start */
		}
		for (size_t q = 0; q < nq; q++) {
			const row *t = &d->rows[queued[q]];
			int64_t key = t->completion - t->inference - margin0;
			size_t a = 0, b = n; /* first start >= key */
			while (a < b) {
				size_t mid = a + (b - a) / 2;
				if (sa[mid].start < key)
					a = mid + 1;
				else
					b = mid;
			}
			f->pairs++;
			f->inverted += a > 0 && latest[a - 1] > t->arrival + margin0;
		}
	}
out:
	free(last_c);
	free(last_run);
	free(sa);
	free(latest);
	free(queued);
	return st;
}

/* By run, start (completion - inference), arrival, file order. */
static int cmp_by_start(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	if (a->run != b->run)
		return a->run < b->run ? -1 : 1;
	int64_t sa = a->completion - a->inference,
		sb = b->completion - b->inference;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->arrival != b->arrival)
		return a->arrival < b->arrival ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

typedef struct arrival_ref {
	int64_t arrival;
	uint32_t seq;
	size_t at; /* index in the run's rows (start order) */
} arrival_ref;

static int cmp_arrival_ref(const void *pa, const void *pb)
{
	const arrival_ref *a = pa, *b = pb;
	if (a->arrival != b->arrival)
		return a->arrival < b->arrival ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* One decision of the retrying client (serving_fit.h, retry): request q
 * started at s while the requests of pend[0..n) (q among them) waited.
 * Pass 0 adds to the likelihood grid, pass 1 (the fitted hot time and
 * backoff) to the least-squares sums when q's gap is known (gap >= 0). */
static int retry_decision(fit *f, int pass, const row *rows,
			   const size_t *pend, size_t n, const row *q,
			   int64_t s, int64_t gap)
{
	if (pass == 0) {
		if (n < 2)
			return 0;
		size_t ny[SERVING_FIT_NH] = {0};
		for (size_t i = 0; i < n; i++) {
			double age = (double)(s - rows[pend[i]].arrival);
			for (int h = 0; h < SERVING_FIT_NH; h++)
				ny[h] += age < hot_grid[h];
		}
		double qage = (double)(s - q->arrival);
		for (int h = 0; h < SERVING_FIT_NH; h++)
			for (int b = 0; b < SERVING_FIT_NB; b++) {
				double k = backoff_grid[b];
				double w = qage < hot_grid[h] ? 1.0 : 1.0 / k;
				f->ll[h][b] += log(w) -
					       log((double)ny[h] +
						   (double)(n - ny[h]) / k);
			}
		f->choices++;
		return 0;
	}
	if (gap < 0)
		return 0;
	/* W when the instance freed (at s - gap): of those waiting then */
	int64_t freed = s - gap;
	double hot = hot_grid[f->ih], k = backoff_grid[f->ib], w = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t a = rows[pend[i]].arrival;
		if (a <= freed - f->ready)
			w += (double)(freed - a) < hot ? 1.0 : 1.0 / k;
	}
	if (!(w > 0))
		return 0;
	if (f->n_wg == f->cap_wg) {
		size_t cap = f->cap_wg ? 2 * f->cap_wg : 1024;
		struct wgap *g = realloc(f->wg, cap * sizeof *g);
		if (!g)
			return -1;
		f->wg = g;
		f->cap_wg = cap;
	}
	f->wg[f->n_wg++] = (struct wgap){w, (double)gap};
	return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

static int cmp_wgap(const void *pa, const void *pb)
{
	const struct wgap *a = pa, *b = pb;
	if (a->w != b->w)
		return a->w < b->w ? -1 : 1;
	return (a->gap > b->gap) - (a->gap < b->gap);
}

/* Sweep every run in start order keeping the requests that wait: arrived
 * at least f->ready before, not started. prevc[seq]: the completion of
 * the request before it on its instance (INT64_MIN: none). */
static int retry_sweep(data *d, fit *f, int pass, const int64_t *prevc,
		       io_err *err)
{
	size_t *pend = malloc((d->n + 1) * sizeof *pend);
	arrival_ref *by_arr = malloc((d->n + 1) * sizeof *by_arr);
	unsigned char *started = calloc(d->n + 1, 1);
	int st = 0;
	if (!pend || !by_arr || !started) {
		st = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	for (size_t lo = 0, hi; lo < d->n; lo = hi) {
		uint32_t run = d->rows[lo].run;
		for (hi = lo; hi < d->n && d->rows[hi].run == run; hi++)
			by_arr[hi - lo] = (arrival_ref){d->rows[hi].arrival,
							d->rows[hi].seq, hi};
		size_t m = hi - lo, next = 0, n = 0;
		qsort(by_arr, m, sizeof *by_arr, cmp_arrival_ref);
		for (size_t i = lo; i < hi; i++) {
			const row *q = &d->rows[i];
			int64_t s = q->completion - q->inference;
			while (next < m && by_arr[next].arrival <= s - f->ready)
				pend[n++] = by_arr[next++].at;
			size_t k = 0;
			int waited = 0;
			for (size_t j = 0; j < n; j++)
				if (!started[pend[j] - lo]) {
					pend[k++] = pend[j];
					waited |= pend[j] == i;
				}
			n = k;
			if (waited) {
				/* the gap is known when q waited for its
				 * instance's previous request */
				int64_t pc = prevc[q->seq], gap = -1;
				if (pc != INT64_MIN && q->arrival <= pc - f->ready)
					gap = s > pc ? s - pc : 0;
				if (retry_decision(f, pass, d->rows, pend, n, q,
						   s, gap)) {
					st = io_errf(err, IO_ENOMEM, NULL, 0,
						     "out of memory");
					goto out;
				}
			}
			started[i - lo] = 1;
		}
		memset(started, 0, m);
	}
out:
	free(pend);
	free(by_arr);
	free(started);
	return st;
}

/* The retrying client (serving_fit.h, retry). */
static int fit_retry(data *d, fit *f, io_err *err)
{
	int64_t *prevc = malloc((d->n + 1) * sizeof *prevc);
	if (!prevc)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	qsort(d->rows, d->n, sizeof *d->rows, cmp_by_instance);
	for (size_t i = 0; i < d->n; i++) {
		const row *t = &d->rows[i], *p = i ? &d->rows[i - 1] : NULL;
		prevc[t->seq] = p && p->run == t->run &&
						p->instance == t->instance
					? p->completion
					: INT64_MIN;
	}
	qsort(d->rows, d->n, sizeof *d->rows, cmp_by_start);
	int st = retry_sweep(d, f, 0, prevc, err);
	if (!st) {
		f->ih = f->ib = 0;
		for (int b = 0; b < SERVING_FIT_NB; b++)
			for (int h = 0; h < SERVING_FIT_NH; h++)
				if (f->ll[h][b] > f->ll[f->ih][f->ib]) {
					f->ih = h;
					f->ib = b;
				}
		st = retry_sweep(d, f, 1, prevc, err);
	}
	free(prevc);
	if (st)
		return st;
	/* gap = hold + idle, idle exponential with mean poll / W: the hold
	 * is the mean of gap - poll / W, less its lowest and highest tenths
	 * (the client's rare stalls), where W is large (at least
	 * SERVING_FIT_BUSY_W, or the largest tenth of the W seen when fewer
	 * reach it); the poll time from the others: (gap - hold) x W is
	 * exponential with mean poll, whose median is poll x ln 2 (the
	 * median, as the client's rare long stalls are no polls) */
	f->hold_ms = (double)f->hold;
	f->poll_ms = 0;
	if (!f->n_wg)
		return 0;
	qsort(f->wg, f->n_wg, sizeof *f->wg, cmp_wgap);
	double thr = f->wg[f->n_wg - 1 - f->n_wg / 10].w;
	f->busy_w = thr < SERVING_FIT_BUSY_W ? thr : SERVING_FIT_BUSY_W;
	double *v = malloc(f->n_wg * sizeof *v);
	if (!v)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	/* each given the other, from poll 0, until they settle (a fixed
	 * number of rounds: the result depends on the data only) */
	for (int round = 0; round < SERVING_FIT_ROUNDS; round++) {
		size_t n = 0;
		for (size_t i = 0; i < f->n_wg; i++)
			if (f->wg[i].w >= f->busy_w)
				v[n++] = f->wg[i].gap - f->poll_ms / f->wg[i].w;
		qsort(v, n, sizeof *v, cmp_double);
		size_t lo = n / 10, hi = n - n / 10;
		double sum = 0;
		for (size_t i = lo; i < hi; i++)
			sum += v[i];
		f->hold_ms = sum / (double)(hi - lo);
		if (f->hold_ms < 0)
			f->hold_ms = 0;
		n = 0;
		for (size_t i = 0; i < f->n_wg; i++)
			if (f->wg[i].w < f->busy_w) {
				double idle = f->wg[i].gap - f->hold_ms;
				v[n++] = (idle > 0 ? idle : 0) * f->wg[i].w;
			}
		qsort(v, n, sizeof *v, cmp_double);
		f->poll_ms = n ? v[n / 2] / log(2.0) : 0.0;
	}
	free(v);
	return 0;
}

/* Median of sorted values: the element at n / 2. */
static int64_t median(const i64s *a)
{
	return a->v[a->n / 2];
}

static int fit_all(data *d, fit *f, const char *label, io_err *err)
{
	int st = fit_instances(d, f, label, err);
	if (st)
		return st;
	if (!f->free_.n)
		return io_errf(err, IO_EINPUT, label, 0,
			       "the training runs have no request that found "
			       "its instance free");
	i64s_sort(&f->free_);
	/* a request that arrived shortly before its instance freed may still
	 * be in its own client delay: the margin is the median client-side
	 * time of a free request */
	f->margin = median(&f->free_);
	if ((st = fit_queue(d, f, err)))
		return st;
	/* a request polls once its own client time has passed: the shortest
	 * (5th percentile) client-side time of a free request */
	f->ready = f->free_.v[f->free_.n / 20];
	if ((st = fit_retry(d, f, err)))
		return st;
	size_t k = 0;
	for (size_t i = 0; i < f->waited.n; i++)
		if (f->waited.v[i] >= f->margin)
			f->gaps.v[k++] = f->gaps.v[i];
	f->gaps.n = k;
	if (!k)
		return io_errf(err, IO_EINPUT, label, 0,
			       "the training runs have no request that waited "
			       "long enough");
	i64s_sort(&f->gaps);
	f->hold = median(&f->gaps);
	for (size_t i = 0; i < f->free_.n; i++) {
		int64_t x = f->free_.v[i] - f->hold;
		if (i64s_push(&f->delay, x > 0 ? x : 0))
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	/* delay is sorted: free_ is, and x -> max(0, x - hold) keeps the
	 * order */
	for (size_t i = 0; i < (size_t)d->types.n * d->machines.n; i++)
		i64s_sort(&f->service[i]);
	return 0;
}

/* ---- JSON as Python's json.dump(indent=1) writes it */

static void put_string(FILE *f, const char *s)
{
	putc('"', f);
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p++;
		switch (c) {
		case '"': fputs("\\\"", f); continue;
		case '\\': fputs("\\\\", f); continue;
		case '\n': fputs("\\n", f); continue;
		case '\r': fputs("\\r", f); continue;
		case '\t': fputs("\\t", f); continue;
		case '\b': fputs("\\b", f); continue;
		case '\f': fputs("\\f", f); continue;
		default: break;
		}
		if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
			continue;
		}
		if (c < 0x80) {
			putc((int)c, f);
			continue;
		}
		/* UTF-8 (jansson checked it) to a code point */
		int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
		unsigned long cp = c & (0x3Fu >> more);
		for (int i = 0; i < more && *p; i++)
			cp = (cp << 6) | (*p++ & 0x3Fu);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			fprintf(f, "\\u%04lx\\u%04lx", 0xD800 + (cp >> 10),
				0xDC00 + (cp & 0x3FF));
		} else
			fprintf(f, "\\u%04lx", cp);
	}
	putc('"', f);
}

/* repr(float): the shortest digits that read back as x; fixed notation
 * for 1e-4 <= |x| < 1e16 (with ".0" when whole), else d.ddde+XX. */
static void put_real(FILE *f, double x)
{
	char buf[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	/* buf: [-]d[.ddd]e[+-]XX */
	char digits[24];
	int nd = 0, neg = buf[0] == '-';
	char *p = buf + neg;
	for (; *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	int exp10 = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = 0;
	int decpt = exp10 + 1; /* x = 0.digits * 10^decpt */
	if (neg)
		putc('-', f);
	if (x == 0) {
		fputs("0.0", f);
		return;
	}
	if (decpt <= -4 || decpt > 16) {
		putc(digits[0], f);
		if (nd > 1)
			fprintf(f, ".%s", digits + 1);
		fprintf(f, "e%c%02d", exp10 < 0 ? '-' : '+',
			exp10 < 0 ? -exp10 : exp10);
	} else if (decpt <= 0) {
		fputs("0.", f);
		for (int i = 0; i < -decpt; i++)
			putc('0', f);
		fputs(digits, f);
	} else if (decpt >= nd) {
		fputs(digits, f);
		for (int i = nd; i < decpt; i++)
			putc('0', f);
		fputs(".0", f);
	} else
		fprintf(f, "%.*s.%s", decpt, digits, digits + decpt);
}

static void put_indent(FILE *f, int level)
{
	putc('\n', f);
	for (int i = 0; i < level; i++)
		putc(' ', f);
}

static void put_json(FILE *f, const json_t *j, int level)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		if (!json_object_size(j)) {
			fputs("{}", f);
			return;
		}
		putc('{', f);
		const char *key;
		json_t *v;
		int first = 1;
		json_object_foreach((json_t *)j, key, v)
		{
			if (!first)
				putc(',', f);
			first = 0;
			put_indent(f, level + 1);
			put_string(f, key);
			fputs(": ", f);
			put_json(f, v, level + 1);
		}
		put_indent(f, level);
		putc('}', f);
		return;
	}
	case JSON_ARRAY: {
		if (!json_array_size(j)) {
			fputs("[]", f);
			return;
		}
		putc('[', f);
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
		{
			if (i)
				putc(',', f);
			put_indent(f, level + 1);
			put_json(f, v, level + 1);
		}
		put_indent(f, level);
		putc(']', f);
		return;
	}
	case JSON_STRING: put_string(f, json_string_value(j)); return;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return;
	case JSON_REAL: put_real(f, json_real_value(j)); return;
	case JSON_TRUE: fputs("true", f); return;
	case JSON_FALSE: fputs("false", f); return;
	case JSON_NULL: fputs("null", f); return;
	}
}

int serving_fit_write_json(FILE *f, const json_t *json)
{
	put_json(f, json, 0);
	putc('\n', f);
	return ferror(f) ? -1 : 0;
}

/* ---- outputs */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static json_t *quantiles(const i64s *sorted)
{
	json_t *a = json_array();
	size_t n = sorted->n;
	for (size_t i = 0; a && i < SERVING_FIT_NQ; i++) {
		size_t k = (i * (n - 1) + (SERVING_FIT_NQ - 1) / 2) /
			   (SERVING_FIT_NQ - 1);
		if (json_array_append_new(a, json_integer(sorted->v[k < n ? k : n - 1])))
			return json_decref(a), NULL;
	}
	return a;
}

/* The indices of t's names in strcmp order (byte order: UTF-8 code
 * points, as the outputs list them); insertion sort, the lists are short
 * (types, machine types). */
static uint32_t *sorted_indices(const names *t)
{
	uint32_t *ix = malloc((t->n + 1) * sizeof *ix);
	if (!ix)
		return NULL;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t k = i;
		for (; k > 0 && strcmp(t->name[ix[k - 1]], t->name[i]) > 0; k--)
			ix[k] = ix[k - 1];
		ix[k] = i;
	}
	return ix;
}

/* The base profile's names of a list ("machine_types", "task_types"). */
static int base_list(const io_jdoc *base, const char *key, json_t **out,
		     io_err *err)
{
	json_t *a = json_object_get(base->root, key);
	if (!json_is_array(a))
		return io_jerr(err, base, base->root,
			       "the base profile needs a \"%s\" array", key);
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
	{
		if (!json_is_string(json_object_get(e, "name")))
			return io_jerr(err, base, e,
				       "each of \"%s\" needs a \"name\"", key);
	}
	*out = a;
	return 0;
}

static int list_has(const json_t *a, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
			return 1;
	}
	return 0;
}

static int write_file(const char *dir, const char *name, const json_t *doc,
		      io_err *err)
{
	char *path = sim_pathf("%s/%s", dir, name);
	char *tmp = sim_pathf("%s/%s" SIM_TMP_INFIX "%ld", dir, name,
			      (long)getpid());
	if (!path || !tmp) {
		free(path);
		free(tmp);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	FILE *f = fopen(tmp, "w");
	int st = 0;
	if (!f)
		st = io_errf(err, IO_EIO, tmp, 0, "%s", strerror(errno));
	else {
		int bad = serving_fit_write_json(f, doc);
		bad |= fclose(f) != 0;
		if (bad || rename(tmp, path)) {
			st = io_errf(err, IO_EIO, path, 0, "cannot write: %s",
				     strerror(errno));
			remove(tmp);
		}
	}
	free(path);
	free(tmp);
	return st;
}

static json_t *exec_entries(const data *d, const fit *f, const char *src)
{
	json_t *a = json_array();
	uint32_t *ti = sorted_indices(&d->types), *mi = sorted_indices(&d->machines);
	for (uint32_t x = 0; a && ti && mi && x < d->types.n; x++)
		for (uint32_t y = 0; a && y < d->machines.n; y++) {
			const i64s *v = &f->service[(size_t)ti[x] * d->machines.n + mi[y]];
			if (!v->n)
				continue;
			char source[1200];
			snprintf(source, sizeof source, "%s, n=%zu", src, v->n);
			json_t *q = quantiles(v);
			json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}",
					      "task", d->types.name[ti[x]],
					      "machine", d->machines.name[mi[y]],
					      "model", "empirical", "unit", "ms",
					      "samples", q, "source", source);
			if (!q || !e || json_array_append_new(a, e)) {
				json_decref(a);
				a = NULL;
			}
		}
	if (!ti || !mi) {
		json_decref(a);
		a = NULL;
	}
	free(ti);
	free(mi);
	return a;
}

/* Python's round(x, 6): correctly rounded to 6 decimals (printf is). */
static double round6(double x)
{
	char buf[400];
	snprintf(buf, sizeof buf, "%.6f", x);
	return strtod(buf, NULL);
}

static json_t *mix_entries(const data *d, const fit *f)
{
	json_t *a = json_array();
	uint32_t *ti = sorted_indices(&d->types), *mi = sorted_indices(&d->machines);
	for (uint32_t y = 0; a && ti && mi && y < d->machines.n; y++)
		for (long p = -1; a && p < (long)d->types.n; p++)
			for (uint32_t x = 0; a && x < d->types.n; x++) {
				uint32_t m = mi[y], t = ti[x];
				long prev = p < 0 ? -1 : (long)ti[p];
				const mix_sum *s = &f->after[after_index(d, m, prev, t)];
				if (!s->n)
					continue;
				const i64s *pair = &f->service[(size_t)t * d->machines.n + m];
				/* in a double: exact below 2^53 ms, and no
				   int64 overflow for many rows of 1e15 ms */
				double sum = 0;
				for (size_t i = 0; i < pair->n; i++)
					sum += (double)pair->v[i];
				double factor = (s->total / (double)s->n) /
						(sum / (double)pair->n);
				json_t *e = json_pack(
					"{s:s, s:s, s:o, s:o, s:I}", "machine",
					d->machines.name[m], "task", d->types.name[t],
					"after", prev < 0 ? json_null()
							  : json_string(d->types.name[prev]),
					"factor", json_real(round6(factor)), "n",
					(json_int_t)s->n);
				if (!e || json_array_append_new(a, e)) {
					json_decref(a);
					a = NULL;
				}
			}
	if (!ti || !mi) {
		json_decref(a);
		a = NULL;
	}
	free(ti);
	free(mi);
	return a;
}

int serving_fit(const serving_fit_args *a, io_err *err)
{
	run_set rs;
	if (parse_runs(a->runs, &rs, err))
		return err->code;
	io_jdoc base = {0};
	data d = {0};
	fit f = {0};
	json_t *prof = NULL, *serving = NULL;
	json_t *mtypes = NULL, *ttypes = NULL;
	int st = io_jdoc_load(&base, a->base, err);
	if (!st && !json_is_object(base.root))
		st = io_jerr(err, &base, base.root, "a profile must be an object");
	if (!st)
		st = base_list(&base, "machine_types", &mtypes, err);
	if (!st)
		st = base_list(&base, "task_types", &ttypes, err);
	if (!st)
		st = read_rows(a, &rs, &d, err);
	if (!st && !d.n)
		st = io_errf(err, IO_EINPUT, a->data, 0, "no row of runs %s%s%s",
			     a->runs, names_experiments(a->experiments) ? " of " : "",
			     names_experiments(a->experiments) ? a->experiments : "");
	if (!st)
		st = fit_all(&d, &f, a->data, err);
	for (uint32_t t = 0; !st && t < d.types.n; t++)
		for (uint32_t m = 0; !st && m < d.machines.n; m++)
			if (f.service[(size_t)t * d.machines.n + m].n &&
			    (!list_has(ttypes, d.types.name[t]) ||
			     !list_has(mtypes, d.machines.name[m])))
				st = io_errf(err, IO_EINPUT, a->data, 0,
					     "task type %s or machine type %s is "
					     "not in %s",
					     d.types.name[t], d.machines.name[m],
					     a->base);
	/* a mix factor divides by the pair's mean inference_ms */
	for (uint32_t t = 0; !st && t < d.types.n; t++)
		for (uint32_t m = 0; !st && m < d.machines.n; m++) {
			const i64s *v = &f.service[(size_t)t * d.machines.n + m];
			size_t i = 0;
			while (i < v->n && v->v[i] == 0)
				i++;
			if (v->n && i == v->n)
				st = io_errf(err, IO_EINPUT, a->data, 0,
					     "every inference_ms of task type %s "
					     "on machine type %s is 0: its mix "
					     "factors (mean after a type / mean) "
					     "are undefined",
					     d.types.name[t], d.machines.name[m]);
		}
	if (st)
		goto out;

	char src[1024];
	int exps = names_experiments(a->experiments);
	snprintf(src, sizeof src, "%s, runs %s%s%s (%u runs)", base_name(a->data),
		 a->runs, exps ? ", " : "", exps ? a->experiments : "", d.runs.n);
	char text[2048];
	snprintf(text, sizeof text,
		 "Mixed-load service times fitted by hetsim fit --serving from "
		 "%s; machine facts from %s",
		 src, base_name(a->base));
	prof = json_pack("{s:s, s:O, s:O, s:o}", "source", text, "machine_types",
			 mtypes, "task_types", ttypes, "exec",
			 exec_entries(&d, &f, src));
	snprintf(text, sizeof text, "hetsim fit --serving on %s", src);
	char hold_src[400], delay_src[200], queue_src[400];
	snprintf(hold_src, sizeof hold_src,
		 "median of n=%zu requests that waited at least %lld ms (the "
		 "median client-side time of a free request)",
		 f.gaps.n, (long long)f.margin);
	snprintf(delay_src, sizeof delay_src,
		 "n=%zu requests that found their instance free, less the hold",
		 f.free_.n);
	double inv = f.pairs ? (double)f.inverted / (double)f.pairs : 0.0;
	snprintf(queue_src, sizeof queue_src,
		 "of %lld requests that waited, %.3f were overtaken by one that "
		 "arrived over %lld ms later (FIFO: none; random when over 0.05)",
		 f.pairs, inv, (long long)f.margin);
	serving = json_pack(
		"{s:s, s:{s:s, s:[I], s:s}, s:{s:s, s:o, s:s}, s:s, s:s, s:o}",
		"source", text, "hold", "unit", "ms", "samples", (json_int_t)f.hold,
		"source", hold_src, "client_delay", "unit", "ms", "samples",
		quantiles(&f.delay), "source", delay_src, "queue",
		inv > SERVING_FIT_RANDOM_SHARE ? "random" : "fifo", "queue_source",
		queue_src, "mix", mix_entries(&d, &f));
	char retry_src[600];
	snprintf(retry_src, sizeof retry_src,
		 "hot_s, backoff: maximum likelihood over %lld choices of the "
		 "request that got a freed instance among those waiting at "
		 "least %lld ms (the 5th percentile client-side time of a free "
		 "request); hold: 10%%-trimmed mean of the gap before it (start - the "
		 "instance's previous completion) less poll_s / W where W >= %g, "
		 "poll_s: median of (gap - hold) x W where W < %g, / ln 2, "
		 "alternately, over %zu gaps",
		 f.choices, (long long)f.ready, f.busy_w, f.busy_w, f.n_wg);
	if (serving &&
	    json_object_set_new(
		    serving, "retry",
		    json_pack("{s:f, s:f, s:f, s:f, s:s}", "poll_s",
			      round6(f.poll_ms / 1e3), "hot_s",
			      round6(hot_grid[f.ih] / 1e3), "backoff",
			      backoff_grid[f.ib], "hold",
			      round6(f.hold_ms / 1e3), "source", retry_src)))
		st = IO_ENOMEM;
	if (!prof || !serving || st) {
		st = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	if ((st = sim_mkdirs(a->out_dir, err)) ||
	    (st = write_file(a->out_dir, "profile.json", prof, err)) ||
	    (st = write_file(a->out_dir, "serving.json", serving, err)))
		goto out;
	if (!a->quiet)
		printf("hetsim: fit --serving: %u runs, %zu requests -> "
		       "%s/profile.json, %s/serving.json\n",
		       d.runs.n, d.n, a->out_dir, a->out_dir);
out:
	json_decref(prof);
	json_decref(serving);
	fit_free(&f, &d);
	data_free(&d);
	io_jdoc_free(&base);
	return st;
}
