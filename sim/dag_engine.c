/*
 * sim/dag_engine.c — event loop of one DAG run (see dag.h).
 *
 * Events: a job's end (EV_DONE) and the network's (flows through latency,
 * flow ends, max-min solves). A job's life: parents done -> mapped (EFT) ->
 * input flows -> machine queue -> start -> end -> its children. Per job, 32
 * bytes of state; the DAG's own arrays say everything else.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sim/dag.h"
#include "sim/heap.h"
#include "sim/net.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"
#include "sim/sim.h"

#define NONE UINT32_MAX
enum { EV_DONE = 1, EV_NET = 16 };

/* A job's state, 32 bytes in all: the two fields read for other jobs (a
 * child's parents_left as each parent ends, a parent's machine as its
 * readers are mapped) live in arrays of their own, so that these scattered
 * reads touch 4 bytes of a cache line rather than 32; the rest is read
 * for the job itself. */
typedef struct jstate {
	uint32_t flows_left;   /* input flows not arrived */
	uint32_t next;         /* machine queue link */
	double ready_s;        /* parents all ended */
	double start_s;
} jstate;

typedef struct mach {
	uint32_t type, slots, busy;
	uint32_t head, tail;      /* queue of jobs (see start_ready) */
	uint32_t waiting;         /* mapped, not started */
	double waiting_expected_s; /* their expected times */
	double min_end_s;         /* earliest expected end of the running */
	double *run_end;          /* [slots] expected end, INFINITY = free */
	uint32_t *run_job;        /* [slots] */
	double busy_s;
	uint64_t jobs;
	double inv_down;          /* 1 / downlink */
	double inv_slots;
} mach;

typedef struct dag_engine {
	const sim_dag_config *c;
	const wl_dag *d;
	const prof_profile *prof;
	uint32_t nm, n_nodes, storage; /* storage: its node, or NONE */
	double *etc;                   /* [task * n_mtypes + mtype] */
	double *etc_m;                 /* [task * nm + machine] */
	jstate *js;
	uint32_t *parents_left; /* [job] parents not ended */
	uint32_t *machine_of;   /* [job] its machine, NONE until mapped */
	mach *m;
	double *slot_mem;
	uint32_t *slot_job_mem;
	double *inv_up;    /* [n_nodes] */
	sim_heap heap;
	sim_net *net;
	/* a job's parents while HEFT plans it: machine, planned end, bytes
	 * on the edge (-1: no file) */
	uint32_t *par_machine;
	double *par_end, *par_bytes;
	double *type_mean; /* [task type] mean expected time (HEFT ranks) */
	/* inputs grouped by source node, for EFT */
	uint32_t *src_stamp, *src_pos, *src_list;
	double *src_bytes;
	uint32_t stamp;
	double now;
	uint64_t in_flight, peak_in_flight, events, local_reads;
	double makespan;
	uint64_t done;
	sim_gzout *csv;
	io_err *err;
} dag_engine;

static int nomem(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

static inline void *job_ptr(uint32_t j) { return (void *)(uintptr_t)(j + 1); }
static inline uint32_t ptr_job(void *p) { return (uint32_t)((uintptr_t)p - 1); }

/* Expected time of job j on machine type mt (INFINITY: cannot run). */
static inline double expected(const dag_engine *e, uint32_t j, uint32_t mt)
{
	const wl_dag *d = e->d;
	double r = wl_dag_runtime(d, j);
	double x = e->etc[(size_t)d->job_type[j] * e->prof->n_machines + mt];
	if (!isnan(r))
		return isfinite(x) ? r : INFINITY;
	return wl_dag_work(d, j) * x;
}

/* Node that sends file f to its readers (its writer's machine, or the
 * storage node), NONE if it is everywhere already. */
static inline uint32_t file_source(const dag_engine *e, uint32_t f)
{
	uint32_t p = e->d->file_producer[f];
	if (p != WL_NONE)
		return e->machine_of[p];
	return e->storage;
}

/* ---- machines ----------------------------------------------------------- */

static void update_min_end(mach *mc)
{
	double m = INFINITY;
	for (uint32_t s = 0; s < mc->slots; s++)
		if (mc->run_end[s] < m)
			m = mc->run_end[s];
	mc->min_end_s = m;
}

static void queue_push(dag_engine *e, mach *mc, uint32_t j)
{
	e->js[j].next = NONE;
	if (mc->tail != NONE)
		e->js[mc->tail].next = j;
	else
		mc->head = j;
	mc->tail = j;
}

static int start_job(dag_engine *e, uint32_t mi, uint32_t j)
{
	mach *mc = &e->m[mi];
	uint32_t slot = 0;
	while (mc->run_job[slot] != NONE)
		slot++;
	const wl_dag *d = e->d;
	double exp_s = expected(e, j, mc->type);
	double r = wl_dag_runtime(d, j), x;
	if (!isnan(r)) {
		x = r;
	} else {
		double u = sim_task_uniform_on(e->c->seed, j, mc->type,
					       e->c->exec_rank_correlation);
		x = wl_dag_work(d, j) *
		    prof_sample(e->prof, d->job_type[j], mc->type, u);
	}
	if (!(x >= 0 && x <= SIM_MAX_TIME_S)) { /* or NaN */
		char b[96];
		io_errf(e->err, IO_EINPUT, d->label, 0,
			  "job %s: execution time %g s on machine type \"%s\" "
			  "is beyond the limit of %g s",
			  wl_dag_job_label(d, j, b, sizeof b), x,
			  e->prof->machines[mc->type].name, SIM_MAX_TIME_S);
		return -1;
	}
	mc->busy++;
	mc->run_job[slot] = j;
	mc->run_end[slot] = e->now + exp_s;
	if (mc->run_end[slot] < mc->min_end_s)
		mc->min_end_s = mc->run_end[slot];
	if (--mc->waiting == 0)
		mc->waiting_expected_s = 0; /* no drift */
	else
		mc->waiting_expected_s -= exp_s;
	e->js[j].start_s = e->now;
	return sim_heap_push(&e->heap, e->now + x, EV_DONE, job_ptr(j)) ? 0 : -1;
}

static inline int job_has_inputs(const dag_engine *e, uint32_t j)
{
	return e->parents_left[j] == 0 && e->js[j].flows_left == 0;
}

/* Start queued jobs while slots are free. The queue holds, for EFT, jobs
 * whose inputs are all there (FIFO); for HEFT, the plan's order, whose
 * head may still wait for inputs. */
static int start_ready(dag_engine *e, uint32_t mi)
{
	mach *mc = &e->m[mi];
	while (mc->busy < mc->slots && mc->head != NONE &&
	       job_has_inputs(e, mc->head)) {
		uint32_t j = mc->head;
		mc->head = e->js[j].next;
		if (mc->head == NONE)
			mc->tail = NONE;
		if (start_job(e, mi, j))
			return -1;
	}
	return 0;
}

/* ---- transfers ------------------------------------------------------------ */

static int send(dag_engine *e, uint32_t src, uint32_t j, uint32_t f)
{
	e->js[j].flows_left++;
	return sim_net_start(e->net, e->now, src, e->machine_of[j],
			     e->d->file_size[f], j)
		       ? -1
		       : 0;
}

/* Inputs of j (mapped) that come from storage: sent once its parents are
 * all done. */
static int stage_in(dag_engine *e, uint32_t j)
{
	if (e->storage == NONE)
		return 0;
	const wl_dag *d = e->d;
	for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++) {
		uint32_t f = d->in_file[i];
		if (d->file_producer[f] == WL_NONE && send(e, e->storage, j, f))
			return -1;
	}
	return 0;
}

/* j's inputs are all on its machine. */
static int inputs_complete(dag_engine *e, uint32_t j)
{
	uint32_t mi = e->machine_of[j];
	if (e->c->policy == SIM_DAG_EFT)
		queue_push(e, &e->m[mi], j);
	return start_ready(e, mi);
}

/* ---- EFT ---------------------------------------------------------------- */

static int map_eft(dag_engine *e, uint32_t j)
{
	const wl_dag *d = e->d;
	double now = e->now;
	uint32_t ns = 0;
	uint32_t st = ++e->stamp;
	int cf = e->c->contention_free;
	for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++) {
		/* scattered: fetch them together */
		__builtin_prefetch(&d->file_producer[d->in_file[i]]);
		__builtin_prefetch(&d->file_size[d->in_file[i]]);
	}
	for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++) {
		uint32_t f = d->in_file[i];
		uint32_t s = file_source(e, f);
		if (s == NONE)
			continue;
		double b = d->file_size[f];
		if (e->src_stamp[s] != st) {
			e->src_stamp[s] = st;
			e->src_pos[s] = ns;
			e->src_list[ns] = s;
			e->src_bytes[ns++] = b;
		} else if (cf) {
			if (b > e->src_bytes[e->src_pos[s]])
				e->src_bytes[e->src_pos[s]] = b;
		} else {
			e->src_bytes[e->src_pos[s]] += b;
		}
	}
	double lat = sim_net_latency(e->net);
	double best = INFINITY;
	uint32_t bm = NONE;
	const double *row = e->etc_m + (size_t)d->job_type[j] * e->nm;
	double fixed = wl_dag_runtime(d, j), work = wl_dag_work(d, j);
	for (uint32_t mi = 0; mi < e->nm; mi++) {
		double x = row[mi];
		if (!(x < INFINITY))
			continue; /* cannot run there */
		x = isnan(fixed) ? work * x : fixed;
		const mach *mc = &e->m[mi];
		double ready = now;
		if (mc->busy >= mc->slots && mc->min_end_s > now)
			ready = mc->min_end_s;
		ready += mc->waiting_expected_s * mc->inv_slots;
		if (ready + x >= best)
			continue; /* the inputs can only make it later */
		double arrive = now;
		for (uint32_t k = 0; k < ns; k++) {
			uint32_t s = e->src_list[k];
			if (s == mi)
				continue;
			double inv = e->inv_up[s] > mc->inv_down ? e->inv_up[s]
								  : mc->inv_down;
			double t = now + lat + e->src_bytes[k] * inv;
			if (t > arrive)
				arrive = t;
		}
		double fin = (ready > arrive ? ready : arrive) + x;
		if (fin < best) {
			best = fin;
			bm = mi;
		}
	}
	/* bm exists: setup checked that every job can run somewhere */
	mach *mc = &e->m[bm];
	e->machine_of[j] = bm;
	mc->waiting++;
	mc->waiting_expected_s += expected(e, j, mc->type);
	for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++) {
		uint32_t f = d->in_file[i];
		uint32_t s = file_source(e, f);
		if (s == NONE || s == bm) {
			e->local_reads += s == bm;
			continue;
		}
		if (send(e, s, j, f))
			return -1;
	}
	if (e->js[j].flows_left == 0)
		return inputs_complete(e, j);
	return 0;
}

/* ---- HEFT plan ------------------------------------------------------------- */

/* Stable LSD radix sort of idx[0..n) by key, descending. */
static int radix_desc(uint32_t *idx, const uint64_t *key, uint32_t n)
{
	uint32_t *tmp = malloc((size_t)(n ? n : 1) * sizeof *tmp);
	if (!tmp)
		return -1;
	uint32_t *a = idx, *b = tmp;
	for (int shift = 0; shift < 64; shift += 8) {
		uint32_t cnt[257] = {0};
		for (uint32_t i = 0; i < n; i++)
			cnt[255 - ((key[a[i]] >> shift) & 255) + 1]++;
		int same = 0; /* every key has this byte equal: nothing moves */
		for (int k = 1; k <= 256 && !same; k++)
			same = cnt[k] == n;
		if (same)
			continue;
		for (int k = 0; k < 256; k++)
			cnt[k + 1] += cnt[k];
		for (uint32_t i = 0; i < n; i++)
			b[cnt[255 - ((key[a[i]] >> shift) & 255)]++] = a[i];
		uint32_t *t = a;
		a = b;
		b = t;
	}
	if (a != idx)
		memcpy(idx, a, (size_t)n * sizeof *idx);
	free(tmp);
	return 0;
}

static int plan_heft(dag_engine *e)
{
	const wl_dag *d = e->d;
	uint32_t n = d->n_jobs, nm = e->nm;
	size_t ne = d->par_off[n];
	double *edata = calloc(ne ? ne : 1, sizeof *edata);
	uint8_t *efiles = calloc(ne ? ne : 1, 1);
	double *rank = malloc((size_t)(n ? n : 1) * sizeof *rank);
	double *aft = malloc((size_t)(n ? n : 1) * sizeof *aft);
	uint64_t *key = malloc((size_t)(n ? n : 1) * sizeof *key);
	uint32_t *order = malloc((size_t)(n ? n : 1) * sizeof *order);
	double *slot_free = NULL;
	size_t total_slots = 0;
	for (uint32_t mi = 0; mi < nm; mi++)
		total_slots += e->m[mi].slots;
	slot_free = calloc(total_slots, sizeof *slot_free);
	uint32_t maxp = 1;
	for (uint32_t j = 0; j < n; j++)
		if (d->par_off[j + 1] - d->par_off[j] > maxp)
			maxp = d->par_off[j + 1] - d->par_off[j];
	e->par_machine = malloc(maxp * sizeof *e->par_machine);
	e->par_end = malloc(maxp * sizeof *e->par_end);
	e->par_bytes = malloc(maxp * sizeof *e->par_bytes);
	e->type_mean = malloc((e->prof->n_tasks ? e->prof->n_tasks : 1) *
			      sizeof *e->type_mean);
	int rc = -1;
	if (!edata || !efiles || !rank || !aft || !key || !order || !slot_free ||
	    !e->par_machine || !e->par_end || !e->par_bytes || !e->type_mean)
		goto out;
	/* bytes on each edge, aligned with the parent lists */
	for (uint32_t j = 0; j < n; j++)
		for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++) {
			uint32_t f = d->in_file[i], p = d->file_producer[f];
			if (p == WL_NONE)
				continue;
			uint32_t k = d->par_off[j];
			while (d->par[k] != p)
				k++;
			edata[k] += d->file_size[f];
			efiles[k] = 1;
		}
	/* mean bandwidth over ordered machine pairs */
	double inv_bw_mean = 0;
	if (nm > 1) {
		double sum = 0;
		for (uint32_t a = 0; a < nm; a++)
			for (uint32_t b = 0; b < nm; b++)
				if (a != b) {
					const sim_nic *x = sim_net_nic(e->net, a),
						      *y = sim_net_nic(e->net, b);
					sum += x->up_bps < y->down_bps ? x->up_bps
								       : y->down_bps;
				}
		inv_bw_mean = (double)nm * (nm - 1) / sum;
	}
	double lat = sim_net_latency(e->net);
	/* mean expected time of each task type over the machines that can
	 * run it (mean of work x time = work x mean) */
	for (uint32_t tt = 0; tt < e->prof->n_tasks; tt++) {
		double w = 0;
		uint32_t cnt = 0;
		for (uint32_t mi = 0; mi < nm; mi++) {
			double x = e->etc_m[(size_t)tt * nm + mi];
			if (x < INFINITY) {
				w += x;
				cnt++;
			}
		}
		e->type_mean[tt] = cnt ? w / cnt : INFINITY;
	}
	/* upward ranks, children first; aft[] holds the best child term */
	for (uint32_t j = 0; j < n; j++)
		aft[j] = 0;
	for (uint32_t t = n; t-- > 0;) {
		uint32_t j = d->topo[t];
		double fixed = wl_dag_runtime(d, j);
		double w = isnan(fixed) ? wl_dag_work(d, j) * e->type_mean[d->job_type[j]]
				       : fixed;
		rank[j] = w + aft[j];
		for (uint32_t k = d->par_off[j]; k < d->par_off[j + 1]; k++) {
			double c = efiles[k] && nm > 1
					   ? lat + edata[k] * inv_bw_mean
					   : 0;
			double v = c + rank[j];
			if (v > aft[d->par[k]])
				aft[d->par[k]] = v;
		}
	}
	/* decreasing rank, ties in topological order (ranks are >= 0, so
	 * their bits sort as the values do) */
	for (uint32_t t = 0; t < n; t++) {
		order[t] = d->topo[t];
		memcpy(&key[t], &rank[t], sizeof key[t]);
	}
	if (radix_desc(order, key, n))
		goto out;
	/* insertion-free EFT in rank order */
	for (uint32_t t = 0; t < n; t++) {
		uint32_t j = order[t];
		uint32_t k0 = d->par_off[j], np = d->par_off[j + 1] - k0;
		double parents_end = 0;
		for (uint32_t k = 0; k < np; k++) {
			uint32_t p = d->par[k0 + k];
			e->par_machine[k] = e->machine_of[p];
			e->par_end[k] = aft[p];
			e->par_bytes[k] = efiles[k0 + k] ? edata[k0 + k] : -1;
			if (aft[p] > parents_end)
				parents_end = aft[p];
		}
		double stage_bytes = 0; /* from storage, after the parents */
		int staged = 0;
		if (e->storage != NONE)
			for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++)
				if (d->file_producer[d->in_file[i]] == WL_NONE) {
					double b = d->file_size[d->in_file[i]];
					staged = 1;
					if (!e->c->contention_free)
						stage_bytes += b; /* they share */
					else if (b > stage_bytes)
						stage_bytes = b;
				}
		const double *row = e->etc_m + (size_t)d->job_type[j] * nm;
		double fixed = wl_dag_runtime(d, j), work = wl_dag_work(d, j);
		double best = INFINITY;
		uint32_t bm = NONE;
		size_t bslot = 0, base = 0;
		for (uint32_t mi = 0; mi < nm; base += e->m[mi].slots, mi++) {
			const mach *mc = &e->m[mi];
			double x = row[mi];
			if (!(x < INFINITY))
				continue;
			x = isnan(fixed) ? work * x : fixed;
			size_t s_best = base;
			for (size_t s = base + 1; s < base + mc->slots; s++)
				if (slot_free[s] < slot_free[s_best])
					s_best = s;
			double avail = slot_free[s_best];
			if ((avail > parents_end ? avail : parents_end) + x >= best)
				continue; /* data can only make it later */
			double drt = parents_end;
			for (uint32_t k = 0; k < np; k++) {
				uint32_t pm = e->par_machine[k];
				if (pm == mi || e->par_bytes[k] < 0)
					continue;
				double inv = e->inv_up[pm] > mc->inv_down ? e->inv_up[pm]
									   : mc->inv_down;
				double t_arr = e->par_end[k] + lat + e->par_bytes[k] * inv;
				if (t_arr > drt)
					drt = t_arr;
			}
			if (staged) {
				double inv = e->inv_up[e->storage] > mc->inv_down
						     ? e->inv_up[e->storage]
						     : mc->inv_down;
				double t_arr = parents_end + lat + stage_bytes * inv;
				if (t_arr > drt)
					drt = t_arr;
			}
			double est = avail > drt ? avail : drt;
			if (est + x < best) {
				best = est + x;
				bm = mi;
				bslot = s_best;
			}
		}
		slot_free[bslot] = best;
		aft[j] = best;
		e->machine_of[j] = bm;
		e->m[bm].waiting++;
		e->m[bm].waiting_expected_s += expected(e, j, e->m[bm].type);
		queue_push(e, &e->m[bm], j);
	}
	rc = 0;
out:
	free(edata);
	free(efiles);
	free(rank);
	free(aft);
	free(key);
	free(order);
	free(slot_free);
	return rc;
}

/* ---- events --------------------------------------------------------------- */

/* j's parents are all done. */
static int job_ready(dag_engine *e, uint32_t j)
{
	e->js[j].ready_s = e->now;
	if (++e->in_flight > e->peak_in_flight)
		e->peak_in_flight = e->in_flight;
	if (e->c->policy == SIM_DAG_EFT)
		return map_eft(e, j); /* stages in with the other inputs */
	if (stage_in(e, j))
		return -1;
	return e->js[j].flows_left == 0 ? inputs_complete(e, j) : 0;
}

static void write_row(dag_engine *e, uint32_t j, const jstate *s)
{
	/* bounded whatever the values: 2 integers, 3 names of at most 200
	 * bytes, 3 times and 8 separators */
	char row[2 * SIM_FMT_U64_MAX + 3 * 200 + 3 * SIM_FMT_TIME_MAX + 8];
	size_t n = sim_fmt_u64(row, j);
	row[n++] = ',';
	const char *name = wl_dag_job_name(e->d, j);
	if (name) {
		size_t l = strlen(name);
		if (l > 200)
			l = 200;
		memcpy(row + n, name, l);
		n += l;
	}
	row[n++] = ',';
	const char *tt = e->prof->tasks[e->d->job_type[j]].name;
	size_t l = strlen(tt);
	if (l > 200)
		l = 200;
	memcpy(row + n, tt, l);
	n += l;
	row[n++] = ',';
	n += sim_fmt_u64(row + n, e->machine_of[j]);
	row[n++] = ',';
	const char *mt = e->prof->machines[e->m[e->machine_of[j]].type].name;
	l = strlen(mt);
	if (l > 200)
		l = 200;
	memcpy(row + n, mt, l);
	n += l;
	row[n++] = ',';
	n += sim_fmt_time(row + n, s->ready_s);
	row[n++] = ',';
	n += sim_fmt_time(row + n, s->start_s);
	row[n++] = ',';
	n += sim_fmt_time(row + n, e->now);
	row[n++] = '\n';
	sim_gzout_write(e->csv, row, n);
}

static int on_done(dag_engine *e, uint32_t j)
{
	const wl_dag *d = e->d;
	jstate *s = &e->js[j];
	uint32_t mi = e->machine_of[j];
	mach *mc = &e->m[mi];
	uint32_t slot = 0;
	while (mc->run_job[slot] != j)
		slot++;
	mc->run_job[slot] = NONE;
	double old_end = mc->run_end[slot];
	mc->run_end[slot] = INFINITY;
	if (old_end <= mc->min_end_s)
		update_min_end(mc);
	mc->busy--;
	mc->busy_s += e->now - s->start_s;
	mc->jobs++;
	e->done++;
	e->in_flight--;
	e->makespan = e->now;
	if (e->c->on_job) {
		sim_dag_job_row row = {.job = j, .machine = mi,
				       .ready_s = s->ready_s,
				       .start_s = s->start_s, .end_s = e->now};
		e->c->on_job(e->c->ctx, &row);
	}
	if (e->csv)
		write_row(e, j, s);
	if (e->c->policy == SIM_DAG_HEFT) {
		/* push the files to the readers planned elsewhere */
		for (uint32_t i = d->out_off[j]; i < d->out_off[j + 1]; i++) {
			uint32_t f = d->out_file[i];
			for (uint32_t k = d->cons_off[f]; k < d->cons_off[f + 1]; k++) {
				uint32_t c = d->cons[k];
				if (e->machine_of[c] == mi)
					e->local_reads++;
				else if (send(e, mi, c, f))
					return -1;
			}
		}
	}
	uint32_t k0 = d->child_off[j], k1 = d->child_off[j + 1];
	for (uint32_t k = k0; k < k1; k++) /* scattered: fetch them together */
		__builtin_prefetch(&e->parents_left[d->child[k]], 1);
	for (uint32_t k = k0; k < k1; k++) {
		uint32_t c = d->child[k];
		if (--e->parents_left[c] == 0 && job_ready(e, c))
			return -1;
	}
	return start_ready(e, mi);
}

static int on_arrived(dag_engine *e, uint32_t j)
{
	jstate *s = &e->js[j];
	if (--s->flows_left == 0 && e->parents_left[j] == 0)
		return inputs_complete(e, j);
	return 0;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_loop(dag_engine *e)
{
	const wl_dag *d = e->d;
	if (e->c->policy == SIM_DAG_HEFT && plan_heft(e))
		return -1;
	for (uint32_t t = 0; t < d->n_jobs; t++) {
		uint32_t j = d->topo[t];
		if (d->par_off[j + 1] != d->par_off[j])
			break; /* topo lists the entry jobs first */
		if (job_ready(e, j))
			return -1;
	}
	double t;
	uint32_t kind;
	void *data;
	while (sim_heap_pop(&e->heap, &t, &kind, &data)) {
		e->now = t;
		e->events++;
		if (e->heap.size) { /* the next event's job, while this one runs */
			const sim_heap_node *nx =
				&e->heap.nodes[e->heap.entries[0].node];
			if (nx->kind == EV_DONE) {
				uint32_t nj = ptr_job(nx->data);
				__builtin_prefetch(&e->machine_of[nj]);
				__builtin_prefetch(&e->js[nj]);
				__builtin_prefetch(&d->child_off[nj]);
			}
		}
		if (kind == EV_DONE) {
			if (on_done(e, ptr_job(data)))
				return -1;
			continue;
		}
		const uint64_t *done;
		int k = sim_net_event(e->net, t, kind, data, &done);
		if (k < 0)
			return -1;
		for (int i = 0; i < k; i++)
			if (on_arrived(e, (uint32_t)done[i]))
				return -1;
	}
	return 0;
}

/* ---- set-up --------------------------------------------------------------- */

static int check_config(const sim_dag_config *c, io_err *err)
{
	const prof_profile *p = c->profile;
	const wl_dag *d = c->dag;
	if (!p || !d || !c->machines || c->n_machines == 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "DAG run: profile, DAG and machines are required");
	if (d->finalized != 1)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "DAG run: the DAG is not finalized");
	if (c->policy != SIM_DAG_EFT && c->policy != SIM_DAG_HEFT)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "DAG run: unknown policy %d", (int)c->policy);
	if (!isfinite(c->storage_bps) || c->storage_bps < 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "DAG run: storage_bps must be finite and >= 0");
	if (!(c->exec_rank_correlation >= 0 && c->exec_rank_correlation <= 1))
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "DAG run: exec_rank_correlation must be in [0, 1]");
	for (uint32_t m = 0; m < c->n_machines; m++)
		if (c->machines[m].type >= p->n_machines)
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "DAG run: machine %u: type %u out of "
					 "range (%u types)",
					 m, c->machines[m].type, p->n_machines);
	for (uint32_t j = 0; j < d->n_jobs; j++)
		if (d->job_type[j] >= p->n_tasks) {
			char b[96];
			return io_errf(err, IO_EINPUT, d->label, 0,
					 "job %s: task type %u out of range (%u "
					 "types)",
					 wl_dag_job_label(d, j, b, sizeof b),
					 d->job_type[j], p->n_tasks);
		}
	return 0;
}

static int setup(dag_engine *e, const sim_dag_config *c, io_err *err)
{
	int rc = check_config(c, err);
	if (rc)
		return rc;
	const prof_profile *p = c->profile;
	const wl_dag *d = c->dag;
	e->c = c;
	e->d = d;
	e->prof = p;
	e->err = err;
	e->nm = c->n_machines;
	e->storage = c->storage_bps > 0 ? e->nm : NONE;
	e->n_nodes = e->nm + (e->storage != NONE);
	size_t ntt = p->n_tasks, nmt = p->n_machines;
	e->etc = malloc(ntt * nmt * sizeof *e->etc);
	e->etc_m = malloc(ntt * e->nm * sizeof *e->etc_m);
	size_t nj = d->n_jobs ? d->n_jobs : 1;
	e->js = malloc(nj * sizeof *e->js);
	e->parents_left = malloc(nj * sizeof *e->parents_left);
	e->machine_of = malloc(nj * sizeof *e->machine_of);
	e->m = calloc(e->nm, sizeof *e->m);
	e->inv_up = malloc((size_t)e->n_nodes * sizeof *e->inv_up);
	e->src_stamp = calloc(e->n_nodes, sizeof *e->src_stamp);
	e->src_pos = calloc(e->n_nodes, sizeof *e->src_pos);
	e->src_list = calloc(e->n_nodes, sizeof *e->src_list);
	e->src_bytes = calloc(e->n_nodes, sizeof *e->src_bytes);
	sim_nic *nics = malloc((size_t)e->n_nodes * sizeof *nics);
	size_t total_slots = 0;
	for (uint32_t m = 0; m < e->nm; m++) {
		uint32_t s = c->machines[m].slots;
		total_slots += s ? s : (p->machines[c->machines[m].type].slots
						? p->machines[c->machines[m].type].slots
						: 1);
	}
	e->slot_mem = malloc(total_slots * sizeof *e->slot_mem);
	e->slot_job_mem = malloc(total_slots * sizeof *e->slot_job_mem);
	if (!e->etc || !e->etc_m || !e->js || !e->parents_left ||
	    !e->machine_of || !e->m || !e->inv_up || !e->src_stamp ||
	    !e->src_pos || !e->src_list || !e->src_bytes || !nics ||
	    !e->slot_mem || !e->slot_job_mem || sim_heap_init(&e->heap, 256)) {
		free(nics);
		return nomem(err);
	}
	for (size_t tt = 0; tt < ntt; tt++)
		for (size_t mt = 0; mt < nmt; mt++)
			e->etc[tt * nmt + mt] = prof_mean(p, (uint32_t)tt, (uint32_t)mt);
	size_t slot = 0;
	for (uint32_t m = 0; m < e->nm; m++) {
		const sim_dag_machine *dm = &c->machines[m];
		const prof_machine_type *mt = &p->machines[dm->type];
		mach *mc = &e->m[m];
		mc->type = dm->type;
		mc->slots = dm->slots ? dm->slots : mt->slots ? mt->slots : 1;
		mc->inv_slots = 1.0 / mc->slots;
		for (size_t tt = 0; tt < ntt; tt++)
			e->etc_m[tt * e->nm + m] = e->etc[tt * nmt + dm->type];
		mc->head = mc->tail = NONE;
		mc->min_end_s = INFINITY;
		mc->run_end = e->slot_mem + slot;
		mc->run_job = e->slot_job_mem + slot;
		for (uint32_t s = 0; s < mc->slots; s++) {
			mc->run_end[s] = INFINITY;
			mc->run_job[s] = NONE;
		}
		slot += mc->slots;
		double nic = mt->nic_gbps > 0 ? mt->nic_gbps * 1e9 / 8 : 0;
		nics[m].up_bps = dm->up_bps > 0 ? dm->up_bps : nic;
		nics[m].down_bps = dm->down_bps > 0 ? dm->down_bps : nic;
		if (!(nics[m].up_bps > 0) || !(nics[m].down_bps > 0)) {
			free(nics);
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "DAG run: machine %u (%s) has no NIC "
					 "bandwidth (give up_bps/down_bps or the "
					 "type's nic_gbps)",
					 m, mt->name);
		}
	}
	if (e->storage != NONE)
		nics[e->storage].up_bps = nics[e->storage].down_bps = c->storage_bps;
	rc = sim_net_new(&e->net, &e->heap, EV_NET, e->n_nodes, nics,
			 c->latency_s, c->contention_free, err);
	free(nics);
	if (rc)
		return rc;
	for (uint32_t m = 0; m < e->n_nodes; m++) {
		const sim_nic *nic = sim_net_nic(e->net, m);
		e->inv_up[m] = 1.0 / nic->up_bps;
		if (m < e->nm)
			e->m[m].inv_down = 1.0 / nic->down_bps;
	}
	for (uint32_t j = 0; j < d->n_jobs; j++) {
		int ok = 0;
		for (uint32_t m = 0; m < e->nm && !ok; m++)
			ok = isfinite(expected(e, j, e->m[m].type));
		if (!ok) {
			char b[96];
			return io_errf(err, IO_EINPUT, d->label, 0,
					 "job %s (task type '%s') can run on none "
					 "of the machines",
					 wl_dag_job_label(d, j, b, sizeof b),
					 p->tasks[d->job_type[j]].name);
		}
		e->js[j] = (jstate){.next = NONE};
		e->parents_left[j] = d->par_off[j + 1] - d->par_off[j];
		e->machine_of[j] = NONE;
	}
	if (c->jobs_csv) {
		rc = sim_gzout_open(&e->csv, c->jobs_csv, err);
		if (rc)
			return rc;
		static const char header[] = "job,name,task_type,machine,"
					     "machine_type,ready_s,start_s,end_s\n";
		sim_gzout_write(e->csv, header, sizeof header - 1);
	}
	return 0;
}

static void teardown(dag_engine *e)
{
	free(e->etc);
	free(e->etc_m);
	free(e->js);
	free(e->parents_left);
	free(e->machine_of);
	free(e->m);
	free(e->inv_up);
	free(e->src_stamp);
	free(e->src_pos);
	free(e->src_list);
	free(e->src_bytes);
	free(e->par_machine);
	free(e->par_end);
	free(e->par_bytes);
	free(e->type_mean);
	free(e->slot_mem);
	free(e->slot_job_mem);
	sim_net_free(e->net);
	sim_heap_free(&e->heap);
}

int sim_dag_run(const sim_dag_config *c, sim_dag_result *r, io_err *err)
{
	dag_engine e;
	memset(&e, 0, sizeof e);
	memset(r, 0, sizeof *r);
	double t0 = wall_now();
	int rc = setup(&e, c, err);
	if (!rc && run_loop(&e))
		rc = err->code ? err->code : nomem(err);
	r->wall_s = wall_now() - t0;
	if (!rc && e.done != c->dag->n_jobs)
		rc = io_errf(err, IO_EINPUT, c->dag->label, 0,
			       "DAG run ended with %llu of %u jobs done",
			       (unsigned long long)e.done, c->dag->n_jobs);
	if (e.csv) {
		int crc = sim_gzout_close(e.csv, rc == 0, err);
		if (!rc)
			rc = crc;
	}
	if (!rc) {
		r->n_machines = e.nm;
		r->busy_s = malloc((size_t)e.nm * sizeof *r->busy_s);
		r->jobs_on = malloc((size_t)e.nm * sizeof *r->jobs_on);
		if (!r->busy_s || !r->jobs_on) {
			sim_dag_result_free(r);
			rc = nomem(err);
		}
	}
	if (!rc) {
		for (uint32_t m = 0; m < e.nm; m++) {
			r->busy_s[m] = e.m[m].busy_s;
			r->jobs_on[m] = e.m[m].jobs;
		}
		sim_net_stats ns;
		sim_net_get_stats(e.net, &ns);
		r->makespan_s = e.makespan;
		r->jobs_done = e.done;
		r->transfers = ns.completed;
		r->bytes_transferred = ns.bytes_done;
		r->local_reads = e.local_reads;
		r->events = e.events;
		r->peak_in_flight = e.peak_in_flight;
		r->peak_flows = ns.peak_active;
		r->solves = ns.solves;
		r->reschedules = ns.reschedules;
	}
	teardown(&e);
	return rc;
}

void sim_dag_result_free(sim_dag_result *r)
{
	free(r->busy_s);
	free(r->jobs_on);
	r->busy_s = NULL;
	r->jobs_on = NULL;
}

const char *sim_dag_policy_name(sim_dag_policy p)
{
	return p == SIM_DAG_HEFT ? "heft" : p == SIM_DAG_EFT ? "eft" : "?";
}

int sim_dag_policy_from_name(const char *name)
{
	if (strcmp(name, "eft") == 0 || strcmp(name, "mct") == 0)
		return SIM_DAG_EFT;
	if (strcmp(name, "heft") == 0)
		return SIM_DAG_HEFT;
	return -1;
}
