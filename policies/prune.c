/* policies/prune.c — success probabilities for probabilistic pruning (see
 * prune.h for the model, the multi-slot approximation and the caches). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "policies/prune.h"
#include "profiles/pmf.h"

/* Prefix sums of a pmf with two leading zeros and the total repeated once
 * at the end: cz[j + 2] = CW(j) = p[0] + ... + p[j] for -2 <= j <= n
 * (CW(j) = CW(n - 1) for j >= n), so that reading CW(j - 2 .. j) needs no
 * test for j < 0, nor for j = n. */
typedef struct prune_cum {
	double *cz;
	uint32_t n, cap;
} prune_cum;

/* One task type's W = (queued work / slots) (+) X on one machine, for the
 * machine's epoch (one per version seen). */
typedef struct prune_w {
	uint64_t epoch;	      /* 0: never built */
	const prune_cum *use; /* own, or X's own when the queue is empty */
	prune_cum own;
	prof_pmf pmf;
} prune_w;

typedef struct prune_machine {
	int synced;
	uint64_t version, epoch;
	uint32_t cut; /* bins the queue's sums are cut at (see horizon) */
	/* The queue as the classic two-stack queue with running aggregates:
	 * types[head, tail) live; [head, mid) the older part, suffix[i] the
	 * sum of its elements i..mid-1; [mid, tail) the newer part, back
	 * their sum. Pops advance head, pushes extend back; when a pop passes
	 * mid the live elements become the older part again (rebuild). */
	uint32_t *types;
	prof_pmf *suffix;
	uint32_t head, mid, tail, cap;
	prof_pmf back;
	/* the queued work for this epoch, spread over the slots */
	uint64_t q_epoch;
	int q_empty;
	const prof_pmf *q; /* into suffix / back / q_sum / q_scaled */
	prof_pmf q_sum, q_scaled;
	prune_w *w; /* [n_task_types], allocated on the first probe */
	/* start delay for (epoch, now); start_none: a slot is free */
	uint64_t s_epoch;
	double s_now;
	int s_none;
	prof_pmf start;
	prof_pmf *res; /* [res_cap] per-slot residuals, several slots only */
	uint32_t res_cap;
} prune_machine;

struct pol_prune {
	const prof_profile *prof;
	double h;
	uint32_t max_bins, n_tt, n_mt;
	/* Bins that probes have needed so far (a power of two, at most
	 * max_bins): every sum is cut there, W at horizon and the queued work
	 * at horizon x slots (it is divided by the slots). P(sum <= t) only
	 * reads bins below t / h, and a bin of a convolution only depends on
	 * lower bins, so the cut is exact for every probe within it; a probe
	 * beyond it doubles it and the machines' sums are rebuilt. Deadlines
	 * are usually a few task times away, so this keeps convolutions at
	 * O(horizon^2) however long the models' grids (a heavy lognormal
	 * tail fills max_bins). */
	uint32_t horizon;
	prof_pmf *exec;	     /* [tt * n_mt + mt] */
	prune_cum *exec_cum; /* the same, as prefix sums */
	prune_machine *mc;
	uint32_t n_mc;
	uint32_t *qbuf; /* queue types read from the view */
	uint32_t qbuf_cap;
	double *surv; /* survival products, several slots */
	uint32_t surv_cap;
	prof_pmf tmp;
	uint64_t convolutions;
};

/* Grow a buffer of elem-sized items to hold need (zeroing the new part). */
static int grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	uint32_t n = *cap ? *cap : 8;
	while (n < need)
		n = n > UINT32_MAX / 2 ? need : n * 2;
	char *p = realloc(*arr, (size_t)n * elem);
	if (!p)
		return -1;
	memset(p + (size_t)*cap * elem, 0, (size_t)(n - *cap) * elem);
	*arr = p;
	*cap = n;
	return 0;
}

static int pmf_copy(prof_pmf *dst, const prof_pmf *src)
{
	if (src->n > dst->cap) {
		double *p = realloc(dst->p, src->n * sizeof *p);
		if (!p)
			return -1;
		dst->p = p;
		dst->cap = src->n;
	}
	if (src->n)
		memcpy(dst->p, src->p, src->n * sizeof *dst->p);
	dst->n = src->n;
	dst->h = src->h;
	dst->tail = src->tail;
	return 0;
}

static int convolve(pol_prune *pr, prof_pmf *out, const prof_pmf *a,
		    const prof_pmf *b, uint32_t cut)
{
	pr->convolutions++;
	return prof_pmf_convolve(out, a, b, cut);
}

static int cum_build(prune_cum *c, const prof_pmf *p)
{
	void *cz = c->cz;
	if (grow(&cz, &c->cap, p->n + 3, sizeof *c->cz))
		return -1;
	c->cz = cz;
	c->cz[0] = c->cz[1] = 0.0;
	double s = 0;
	for (uint32_t k = 0; k < p->n; k++)
		c->cz[k + 2] = s += p->p[k];
	c->cz[p->n + 2] = s;
	c->n = p->n;
	return 0;
}

static const prof_pmf *exec_pmf(const pol_prune *pr, uint32_t tt, uint32_t mt)
{
	return &pr->exec[(size_t)tt * pr->n_mt + mt];
}

/* ---- building ------------------------------------------------------------ */

int pol_prune_new(pol_prune **out, const prof_profile *p, double h,
		  uint32_t max_bins, io_err *err)
{
	*out = NULL;
	if (!(h > 0.0) || !isfinite(h))
		return io_errf(
			err, IO_EINPUT, NULL, 0,
			"pruning: grid step %g s must be finite and > 0", h);
	if (max_bins < 2 || max_bins > (1u << 28))
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "pruning: max_bins %u must be in [2, 2^28]",
				 max_bins);
	pol_prune *pr = calloc(1, sizeof *pr);
	size_t pairs = (size_t)p->n_tasks * p->n_machines;
	if (!pr || !(pr->exec = calloc(pairs ? pairs : 1, sizeof *pr->exec)) ||
	    !(pr->exec_cum = calloc(pairs ? pairs : 1, sizeof *pr->exec_cum))) {
		pol_prune_free(pr);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	pr->prof = p;
	pr->h = h;
	pr->max_bins = max_bins;
	pr->horizon = max_bins < 128 ? max_bins : 128;
	pr->n_tt = p->n_tasks;
	pr->n_mt = p->n_machines;
	for (uint32_t tt = 0; tt < pr->n_tt; tt++)
		for (uint32_t mt = 0; mt < pr->n_mt; mt++) {
			size_t i = (size_t)tt * pr->n_mt + mt;
			int rc = prof_pmf_from_model(&pr->exec[i],
						     prof_model_at(p, tt, mt),
						     h, max_bins);
			if (!rc && cum_build(&pr->exec_cum[i], &pr->exec[i]))
				rc = IO_ENOMEM;
			if (rc) {
				pol_prune_free(pr);
				if (rc == IO_ENOMEM)
					return io_errf(err, rc, NULL, 0,
							 "out of memory");
				return io_errf(
					err, rc, NULL, 0,
					"pruning: cannot discretise the "
					"model of %s on %s",
					p->tasks[tt].name,
					p->machines[mt].name);
			}
		}
	*out = pr;
	return 0;
}

static void machine_free(prune_machine *c, uint32_t n_tt)
{
	for (uint32_t i = 0; i < c->cap; i++)
		prof_pmf_free(&c->suffix[i]);
	free(c->suffix);
	free(c->types);
	prof_pmf_free(&c->back);
	prof_pmf_free(&c->q_sum);
	prof_pmf_free(&c->q_scaled);
	if (c->w)
		for (uint32_t t = 0; t < n_tt; t++) {
			free(c->w[t].own.cz);
			prof_pmf_free(&c->w[t].pmf);
		}
	free(c->w);
	prof_pmf_free(&c->start);
	for (uint32_t s = 0; s < c->res_cap; s++)
		prof_pmf_free(&c->res[s]);
	free(c->res);
}

void pol_prune_free(pol_prune *pr)
{
	if (!pr)
		return;
	size_t pairs = (size_t)pr->n_tt * pr->n_mt;
	for (size_t i = 0; pr->exec && i < pairs; i++)
		prof_pmf_free(&pr->exec[i]);
	for (size_t i = 0; pr->exec_cum && i < pairs; i++)
		free(pr->exec_cum[i].cz);
	free(pr->exec);
	free(pr->exec_cum);
	for (uint32_t m = 0; m < pr->n_mc; m++)
		machine_free(&pr->mc[m], pr->n_tt);
	free(pr->mc);
	free(pr->qbuf);
	free(pr->surv);
	prof_pmf_free(&pr->tmp);
	free(pr);
}

uint64_t pol_prune_convolutions(const pol_prune *pr)
{
	return pr->convolutions;
}

double pol_prune_default_step(const prof_profile *p)
{
	double min_mean = INFINITY, max_q = 0.0;
	for (uint32_t tt = 0; tt < p->n_tasks; tt++)
		for (uint32_t mt = 0; mt < p->n_machines; mt++) {
			if (!prof_can_run(p, tt, mt))
				continue;
			const prof_model *m = prof_model_at(p, tt, mt);
			min_mean = fmin(min_mean, m->mean);
			max_q = fmax(max_q, prof_model_quantile(m, 0.999));
		}
	double h = min_mean / 50.0;
	double cover = 8.0 * max_q / (double)POL_PRUNE_DEFAULT_BINS;
	if (!(h >= cover))
		h = cover;
	return h > 0.0 && isfinite(h) ? h : 1e-6;
}

/* ---- the queued work ----------------------------------------------------- */

/* Room for one more element at tail: compact first if the head has moved,
 * swapping pmf structs so that their buffers are kept, not leaked. */
static int queue_room(prune_machine *c)
{
	if (c->tail < c->cap)
		return 0;
	if (c->head > 0) {
		uint32_t live = c->tail - c->head;
		for (uint32_t i = 0; i < live; i++) {
			prof_pmf t = c->suffix[i];
			c->suffix[i] = c->suffix[c->head + i];
			c->suffix[c->head + i] = t;
		}
		memmove(c->types, c->types + c->head, live * sizeof *c->types);
		c->mid -= c->head;
		c->tail -= c->head;
		c->head = 0;
		return 0;
	}
	uint32_t cap = c->cap, cap2 = c->cap;
	void *types = c->types, *suffix = c->suffix;
	if (grow(&types, &cap, c->tail + 1, sizeof *c->types))
		return -1;
	c->types = types;
	if (grow(&suffix, &cap2, c->tail + 1, sizeof *c->suffix))
		return -1; /* cap stays the old one: suffix has that many */
	c->suffix = suffix;
	c->cap = cap < cap2 ? cap : cap2;
	return 0;
}

/* All live elements become the older part: suffix sums from the tail. */
static int queue_rebuild(pol_prune *pr, prune_machine *c, uint32_t mt)
{
	if (c->head == c->tail) {
		c->head = c->mid = c->tail = 0;
		return 0;
	}
	uint32_t last = c->tail - 1;
	if (pmf_copy(&c->suffix[last], exec_pmf(pr, c->types[last], mt)))
		return -1;
	for (uint32_t i = last; i-- > c->head;)
		if (convolve(pr, &c->suffix[i], exec_pmf(pr, c->types[i], mt),
			     &c->suffix[i + 1], c->cut))
			return -1;
	c->mid = c->tail;
	return 0;
}

/* Bring the cached queue to the types nt[0, n): the longest still-live
 * suffix of the cache that is a prefix of nt is kept (tasks left from the
 * head), the rest of nt is pushed (tasks joined at the tail). The sum only
 * depends on the list of types, so any such match is right. */
static int queue_sync(pol_prune *pr, prune_machine *c, uint32_t mt,
		      const uint32_t *nt, uint32_t n)
{
	uint32_t live = c->tail - c->head, d = 0;
	for (; d < live; d++) {
		uint32_t keep = live - d;
		if (keep <= n &&
		    !memcmp(c->types + c->head + d, nt, keep * sizeof *nt))
			break;
	}
	uint32_t keep = live - d;
	c->head += d;
	/* a pop into the newer part: its sum holds popped tasks */
	int rebuild = c->head > c->mid;
	if (c->head == c->tail) {
		c->head = c->mid = c->tail = 0;
		rebuild = 0;
	} else if (rebuild)
		c->mid = c->head; /* compaction wants mid >= head */
	for (uint32_t i = keep; i < n; i++) {
		if (queue_room(c))
			return -1;
		c->types[c->tail] = nt[i];
		const prof_pmf *x = exec_pmf(pr, nt[i], mt);
		/* when rebuilding, everything is summed afresh below */
		if (!rebuild && c->mid == c->tail) {
			if (pmf_copy(&c->back, x))
				return -1;
		} else if (!rebuild) {
			if (convolve(pr, &pr->tmp, &c->back, x, c->cut))
				return -1;
			prof_pmf t = pr->tmp;
			pr->tmp = c->back;
			c->back = t;
		}
		c->tail++;
	}
	return rebuild ? queue_rebuild(pr, c, mt) : 0;
}

/* Bins of Q / s on the same grid: bin j of Q / s is Q's bins j s .. j s +
 * s - 1 (exact for the histogram density). */
static int scale_down(prof_pmf *out, const prof_pmf *q, uint32_t s)
{
	uint32_t n = q->n / s + (q->n % s != 0);
	if (n > out->cap) {
		double *p = realloc(out->p, n * sizeof *p);
		if (!p)
			return -1;
		out->p = p;
		out->cap = n;
	}
	for (uint32_t j = 0; j < n; j++) {
		double sum = 0;
		for (uint32_t i = j * s; i < (j + 1) * s && i < q->n; i++)
			sum += q->p[i];
		out->p[j] = sum;
	}
	out->n = n;
	out->h = q->h;
	out->tail = q->tail;
	return 0;
}

/* c->q for the current epoch: the queued work over the slots. */
static int queue_sum(pol_prune *pr, prune_machine *c, uint32_t slots)
{
	if (c->q_epoch == c->epoch)
		return 0;
	c->q_empty = c->head == c->tail;
	const prof_pmf *q = NULL;
	if (c->q_empty)
		q = NULL;
	else if (c->mid == c->tail)
		q = &c->suffix[c->head];
	else if (c->head == c->mid)
		q = &c->back;
	else {
		if (convolve(pr, &c->q_sum, &c->suffix[c->head], &c->back,
			     c->cut))
			return -1;
		q = &c->q_sum;
	}
	if (q && slots > 1) {
		if (scale_down(&c->q_scaled, q, slots))
			return -1;
		q = &c->q_scaled;
	}
	c->q = q;
	c->q_epoch = c->epoch;
	return 0;
}

/* ---- the start delay ----------------------------------------------------- */

/* Distribution of the minimum of independent residuals res[0, n): on the
 * grid P(min >= j h) = prod_s P(R_s >= j h) exactly; bin masses are the
 * differences (the density inside a bin is again taken as uniform). */
static int min_of(pol_prune *pr, prof_pmf *out, const prof_pmf *res, uint32_t n)
{
	uint32_t len = 0;
	for (uint32_t s = 0; s < n; s++)
		if (res[s].n > len)
			len = res[s].n;
	void *surv = pr->surv;
	if (grow(&surv, &pr->surv_cap, len + 1, sizeof *pr->surv))
		return -1;
	pr->surv = surv;
	for (uint32_t j = 0; j <= len; j++)
		pr->surv[j] = 1.0;
	for (uint32_t s = 0; s < n; s++) {
		/* P(R_s >= j h), summed from the small end */
		double above = res[s].tail;
		for (uint32_t j = len + 1; j-- > 0;) {
			if (j < res[s].n)
				above += res[s].p[j];
			pr->surv[j] *= above;
		}
	}
	if (len > out->cap) {
		double *p = realloc(out->p, len * sizeof *p);
		if (!p)
			return -1;
		out->p = p;
		out->cap = len;
	}
	for (uint32_t j = 0; j < len; j++)
		out->p[j] = fmax(pr->surv[j] - pr->surv[j + 1], 0.0);
	out->n = len;
	out->h = pr->h;
	out->tail = pr->surv[len];
	return 0;
}

/* c->start for (epoch, now): none when a slot is free (the queue starts
 * now), else the residual of the running task, or for several slots the
 * minimum of the residuals. -1: no memory, or a view without run_start_s /
 * run_type. */
static int start_delay(pol_prune *pr, prune_machine *c,
		       const sim_machine_view *mv, double now)
{
	if (c->s_epoch == c->epoch && c->s_now == now)
		return 0;
	c->s_none = mv->busy < mv->slots;
	for (uint32_t s = 0; s < mv->slots && !c->s_none; s++)
		c->s_none = mv->run_end_s[s] == -INFINITY;
	if (!c->s_none) {
		if (!mv->run_start_s || !mv->run_type)
			return -1;
		if (mv->slots == 1) {
			if (prof_pmf_residual(
				    &c->start,
				    exec_pmf(pr, mv->run_type[0], mv->type),
				    now - mv->run_start_s[0]))
				return -1;
		} else {
			void *res = c->res;
			if (grow(&res, &c->res_cap, mv->slots, sizeof *c->res))
				return -1;
			c->res = res;
			for (uint32_t s = 0; s < mv->slots; s++)
				if (prof_pmf_residual(&c->res[s],
						      exec_pmf(pr,
							       mv->run_type[s],
							       mv->type),
						      now - mv->run_start_s[s]))
					return -1;
			if (min_of(pr, &c->start, c->res, mv->slots))
				return -1;
		}
	}
	c->s_epoch = c->epoch;
	c->s_now = now;
	return 0;
}

/* ---- probing ------------------------------------------------------------- */

/* The machine's cache, brought to its current version; NULL: no memory,
 * or no queue_types in the view. */
static prune_machine *machine_sync(pol_prune *pr, const sim_view *v, uint32_t m)
{
	if (m >= pr->n_mc) {
		void *mc = pr->mc;
		if (grow(&mc, &pr->n_mc,
			 v->n_machines > m ? v->n_machines : m + 1,
			 sizeof *pr->mc))
			return NULL;
		pr->mc = mc;
	}
	prune_machine *c = &pr->mc[m];
	const sim_machine_view *mv = &v->machines[m];
	if (!c->w && !(c->w = calloc(pr->n_tt ? pr->n_tt : 1, sizeof *c->w)))
		return NULL;
	uint64_t cut = (uint64_t)pr->horizon * (mv->slots ? mv->slots : 1);
	if (cut > (1u << 30))
		cut = 1u << 30;
	if (c->cut != cut) { /* the horizon grew: sum afresh */
		c->head = c->mid = c->tail = 0;
		c->synced = 0;
		c->cut = (uint32_t)cut;
	}
	if (c->synced && c->version == mv->version)
		return c;
	uint32_t n = 0;
	if (mv->queued > 0) {
		if (!v->queue_types)
			return NULL;
		for (;;) {
			n = v->queue_types(v->engine, m, pr->qbuf,
					   pr->qbuf_cap);
			if (n <= pr->qbuf_cap)
				break;
			void *buf = pr->qbuf;
			if (grow(&buf, &pr->qbuf_cap, n, sizeof *pr->qbuf))
				return NULL;
			pr->qbuf = buf;
		}
	}
	/* on failure the cache is dropped: rebuilt from nothing next time */
	if (queue_sync(pr, c, mv->type, pr->qbuf, n)) {
		c->head = c->mid = c->tail = 0;
		c->synced = 0;
		return NULL;
	}
	c->synced = 1;
	c->version = mv->version;
	c->epoch++; /* invalidates q, w[] and start, which compare epochs */
	return c;
}

/* W for tt in the current epoch. */
static const prune_cum *work_with(pol_prune *pr, prune_machine *c, uint32_t mt,
				  uint32_t tt)
{
	prune_w *w = &c->w[tt];
	if (w->epoch == c->epoch)
		return w->use;
	if (c->q_empty)
		w->use = &pr->exec_cum[(size_t)tt * pr->n_mt + mt];
	else {
		if (convolve(pr, &w->pmf, c->q, exec_pmf(pr, tt, mt),
			     pr->horizon) ||
		    cum_build(&w->own, &w->pmf))
			return NULL;
		w->use = &w->own;
	}
	w->epoch = c->epoch;
	return w->use;
}

/*
 * P(M + W <= t) for M the start delay (NULL: 0) and W given by its prefix
 * sums: equal to prof_pmf_cdf of prof_pmf_convolve(M, W) (uncut) at t,
 * without building it. With c the plain convolution and C its prefix sums,
 * the convolution's bin k is (c[k-1] + c[k]) / 2 (pmf.h), so its CDF at
 * (K + phi) h is ((1 - phi) C[K-2] + C[K-1] + phi C[K]) / 2, and C[k] =
 * sum_r M[r] CW(k - r). O(bins of M).
 */
static double prob_by(const prof_pmf *start, const prune_cum *w, double t,
		      double h)
{
	const double *cz = w->cz;
	uint32_t top = w->n + 1; /* cz[top] = cz[top + 1]: W's grid total */
	uint32_t n_m = start ? start->n : 0;
	if (start && n_m == 0)
		return 0.0; /* the running task's end is past the grid */
	double x = t / h;
	/* past every bin of the sum, only the grid totals matter */
	double limit = (double)n_m + (double)w->n + 2.0;
	uint32_t K = x >= limit ? (uint32_t)limit : (uint32_t)x;
	double phi = x >= limit ? 0.0 : x - (double)K;
	double p;
	if (!start) {
		uint32_t i1 = K + 1 < top ? K + 1 : top;
		uint32_t i2 = K + 2 < top ? K + 2 : top;
		p = (1.0 - phi) * cz[i1] + phi * cz[i2];
	} else {
		/* r <= K only (CW is 0 below 0). For r < r_a, K - r >= top:
		 * all three terms are the total; for the others, K - r + 2 <=
		 * top + 1, within the padded array: no test in the loop */
		uint32_t r_end = K < n_m ? K + 1 : n_m;
		uint32_t r_a = K >= top ? K - top + 1 : 0;
		if (r_a > r_end)
			r_a = r_end;
		double mass_a = 0;
		for (uint32_t r = 0; r < r_a; r++)
			mass_a += start->p[r];
		double s0 = mass_a * cz[top], s1 = s0, s2 = s0;
		const double *base = cz + K, *mp = start->p;
		for (uint32_t r = r_a; r < r_end; r++) {
			const double *c =
				base - r; /* c[i] = CW(K - r - 2 + i) */
			s0 += mp[r] * c[2];
			s1 += mp[r] * c[1];
			s2 += mp[r] * c[0];
		}
		p = 0.5 * ((1.0 - phi) * s2 + s1 + phi * s0);
	}
	return fmin(fmax(p, 0.0), 1.0);
}

double pol_prune_success(pol_prune *pr, const sim_view *v, uint32_t m,
			 uint32_t tt, double deadline_s)
{
	if (m >= v->n_machines || tt >= pr->n_tt ||
	    v->machines[m].type >= pr->n_mt)
		return NAN;
	const sim_machine_view *mv = &v->machines[m];
	if (!prof_can_run(pr->prof, tt, mv->type))
		return 0.0;
	double t = deadline_s - v->now;
	if (isnan(t))
		return NAN;
	if (!(t > 0.0))
		return 0.0;
	if (isinf(t))
		return 1.0;
	double need =
		t / pr->h; /* bins the probe reads: below floor(need) + 1 */
	if (need >= (double)pr->horizon && pr->horizon < pr->max_bins) {
		uint32_t hz = pr->horizon;
		while (hz < pr->max_bins && (double)hz <= need)
			hz = hz > pr->max_bins / 2 ? pr->max_bins : 2 * hz;
		pr->horizon = hz;
	}
	prune_machine *c = machine_sync(pr, v, m);
	if (!c)
		return NAN;
	uint32_t slots = mv->slots ? mv->slots : 1;
	if (queue_sum(pr, c, slots) || start_delay(pr, c, mv, v->now))
		return NAN;
	const prune_cum *w = work_with(pr, c, mv->type, tt);
	if (!w)
		return NAN;
	return prob_by(c->s_none ? NULL : &c->start, w, t, pr->h);
}
