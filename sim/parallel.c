/* sim/parallel.c — a parallel inference plan run over the max-min network
 * (see parallel.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "sim/base/out.h"
#include "sim/base/rng.h"
#include "sim/base/svg.h"
#include "sim/heap.h"
#include "sim/net.h"
#include "sim/parallel.h"

enum { EV_NET = 0, EV_RELEASE = SIM_NET_EVENT_KINDS, EV_DONE };

#define TO_DRIVER UINT32_MAX
#define TO_PS (UINT32_MAX - 1)
/* Bins of the traffic series at most, and bins x nodes (memory: 16
 * bytes per bin and node; traffic.csv a row per bin and node). */
#define SP_MAX_BINS 1000000
#define SP_MAX_BIN_CELLS 10000000
/* Whole numbers of a configuration file (sp_setup_load): their ranges. */
#define SP_MAX_BATCH 1000000000         /* "batch", as --batch */
#define SP_MAX_SAMPLES 1000000000000LL  /* "samples", as --samples */
#define SP_MAX_EXECUTORS 1024
#define SP_MAX_WINDOW 65536
#define SP_MAX_THREADS 1024             /* a machine type's "threads" */

/* What a group sends, receives and computes, per sample. */
typedef struct edge {
	uint32_t to;        /* destination group */
	double bytes;       /* per sample */
} edge;

typedef struct group {
	edge *out;
	uint32_t n_out, n_up;     /* downstream edges; upstream groups */
	double input_bytes;       /* of its input layers */
	double param_bytes;
	double output_bytes;      /* to the driver (holds the output layer) */
	int has_output;
} group;

typedef struct task {
	int64_t batch;
	uint32_t group, worker;
	uint32_t pending;         /* inputs not yet arrived */
	int computed;
} task;

typedef struct xfer {
	uint32_t src, dst;        /* nodes */
	uint32_t slot, group;     /* destination task (group TO_DRIVER: the
				   * batch's results) */
	double bytes, start;
	uint32_t next_free;
} xfer;

typedef struct wstate {
	uint32_t *queue, head, len, cap; /* ready tasks (slot * G + group) */
	uint32_t running;
	double last, busy;
} wstate;

typedef struct run {
	const sp_config *c;
	const lg_graph *g;
	const pp_plan *p;
	uint32_t G, R, N;          /* groups, replicas, nodes */
	uint32_t first_worker;     /* node of worker 0 */
	group *groups;
	double *compute;           /* [w * G + g]: s per sample */
	task *tasks;               /* [slot * G + g] */
	uint32_t *left;            /* [slot]: tasks + 1 before finished */
	double *released;          /* [slot] */
	/* slots no batch holds, a stack: batches finish out of order
	 * (replicas of unequal speed, jitter), so batch k cannot simply
	 * take slot k % window */
	uint32_t *free_slot, n_free;
	int64_t next_batch, n_batches, finished;
	xfer *x;
	uint32_t nx, capx, free_x;
	wstate *ws;
	sim_heap heap;
	sim_net *net;
	gsl_rng *rng;
	sp_result *r;
	uint32_t bins_cap, ids_cap;
	uint32_t pushes;           /* groups with parameters (ps_push) */
	uint64_t *ids;
	double lat_sum;
} run;

static int nomem(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

void sp_result_free(sp_result *r)
{
	if (!r)
		return;
	free(r->busy_s);
	free(r->bytes_in);
	free(r->bytes_out);
	free(r->bin_in);
	free(r->bin_out);
	memset(r, 0, sizeof *r);
}

/* The groups' edges, bytes and per-worker compute rates. */
static int build_groups(run *s, io_err *err)
{
	const lg_graph *g = s->g;
	const pp_plan *p = s->p;
	uint32_t G = s->G;
	s->groups = calloc(G, sizeof *s->groups);
	s->compute = calloc((size_t)s->c->n_workers * G, sizeof *s->compute);
	double *b = calloc((size_t)G * G, sizeof *b); /* [from * G + to] */
	uint8_t *linked = calloc((size_t)G * G, 1);
	uint8_t *seen = calloc(G, 1);
	if (!s->groups || !s->compute || !b || !linked || !seen) {
		free(b);
		free(linked);
		free(seen);
		return nomem(err);
	}
	for (uint32_t l = 0; l < g->n; l++) {
		const lg_layer *L = &g->layers[l];
		uint32_t gl = p->group_of[l];
		group *gr = &s->groups[gl];
		gr->param_bytes += L->param_bytes;
		if (lg_is_input(g, l))
			gr->input_bytes += L->act_bytes;
		if (l == g->output) {
			gr->has_output = 1;
			gr->output_bytes = L->act_bytes;
		}
		for (uint32_t w = 0; w < s->c->n_workers; w++)
			s->compute[(size_t)w * G + gl] += s->c->time_s[(size_t)w * g->n + l];
		/* l's output to each other group reading it, once per group */
		memset(seen, 0, G);
		for (uint32_t m = l + 1; m < g->n; m++)
			for (uint32_t k = 0; k < g->layers[m].n_inputs; k++) {
				uint32_t gm = p->group_of[m];
				if (g->layers[m].inputs[k] == l && gm != gl && !seen[gm]) {
					seen[gm] = 1;
					b[(size_t)gl * G + gm] += L->act_bytes;
					linked[(size_t)gl * G + gm] = 1;
				}
			}
	}
	int rc = 0;
	for (uint32_t u = 0; u < G && !rc; u++) {
		for (uint32_t v = 0; v < G; v++)
			if (linked[(size_t)u * G + v])
				s->groups[u].n_out++, s->groups[v].n_up++;
		s->groups[u].out = calloc(s->groups[u].n_out + 1, sizeof(edge));
		if (!s->groups[u].out) {
			rc = nomem(err);
			break;
		}
		uint32_t k = 0;
		for (uint32_t v = 0; v < G; v++)
			if (linked[(size_t)u * G + v])
				s->groups[u].out[k++] = (edge){v, b[(size_t)u * G + v]};
	}
	free(b);
	free(linked);
	free(seen);
	return rc;
}

static uint32_t worker_node(const run *s, uint32_t w)
{
	return s->first_worker + w;
}

static uint32_t max_bins(const run *s)
{
	uint32_t by_cells = SP_MAX_BIN_CELLS / s->N;
	return by_cells < SP_MAX_BINS ? by_cells : SP_MAX_BINS;
}

/* Add bytes over [t0, t1] to the bins of node (in or out). */
static int traffic_add(run *s, uint32_t node, int in, double t0, double t1,
		       double bytes)
{
	sp_result *r = s->r;
	double bw = r->bin_s;
	if (!(t1 / bw < max_bins(s)))
		return -2;
	uint32_t last = (uint32_t)(t1 / bw);
	if (last >= r->n_bins) {
		uint32_t need = last + 1;
		if (need > s->bins_cap) {
			uint32_t cap = s->bins_cap ? s->bins_cap : 64;
			while (cap < need)
				cap *= 2;
			double *a = realloc(r->bin_in, (size_t)cap * s->N * sizeof *a);
			if (a)
				r->bin_in = a;
			double *o = a ? realloc(r->bin_out, (size_t)cap * s->N * sizeof *o) : NULL;
			if (o)
				r->bin_out = o;
			if (!a || !o)
				return -1;
			s->bins_cap = cap;
		}
		memset(r->bin_in + (size_t)r->n_bins * s->N, 0,
		       (size_t)(need - r->n_bins) * s->N * sizeof(double));
		memset(r->bin_out + (size_t)r->n_bins * s->N, 0,
		       (size_t)(need - r->n_bins) * s->N * sizeof(double));
		r->n_bins = need;
	}
	double *bins = in ? r->bin_in : r->bin_out;
	uint32_t first = (uint32_t)(t0 / bw);
	if (first > last)
		first = last;
	if (first == last || !(t1 > t0)) {
		bins[(size_t)last * s->N + node] += bytes;
		return 0;
	}
	double rate = bytes / (t1 - t0), placed = 0;
	for (uint32_t k = first; k < last; k++) {
		double a = k == first ? t0 : k * bw, e = (k + 1) * bw;
		bins[(size_t)k * s->N + node] += rate * (e - a);
		placed += rate * (e - a);
	}
	/* the rest in the last bin, so that the sum is exact */
	bins[(size_t)last * s->N + node] += bytes - placed;
	return 0;
}

static int send(run *s, double now, uint32_t src, uint32_t dst, uint32_t slot,
		uint32_t grp, double bytes);

static void ready(run *s, uint32_t slot, uint32_t grp);

/* A task's input arrived. */
static void arrived(run *s, uint32_t slot, uint32_t grp)
{
	task *t = &s->tasks[(size_t)slot * s->G + grp];
	if (--t->pending == 0)
		ready(s, slot, grp);
}

static int finish_part(run *s, double now, uint32_t slot);

static int start_tasks(run *s, double now, uint32_t w)
{
	wstate *ws = &s->ws[w];
	while (ws->len && ws->running < s->c->executors) {
		uint32_t id = ws->queue[ws->head];
		ws->head = (ws->head + 1) % ws->cap;
		ws->len--;
		task *t = &s->tasks[id];
		const group *gr = &s->groups[t->group];
		double b = (double)(t->batch == s->n_batches - 1
					    ? s->c->samples - t->batch * s->c->batch
					    : s->c->batch);
		double d = b * s->compute[(size_t)w * s->G + t->group];
		if (!s->c->input_from_driver && s->c->load_bps > 0)
			d += b * gr->input_bytes / s->c->load_bps;
		if (s->c->jitter_cv > 0) {
			double sg = sqrt(log1p(s->c->jitter_cv * s->c->jitter_cv));
			d *= exp(sg * gsl_ran_ugaussian(s->rng) - sg * sg / 2);
		}
		d += s->c->overhead_s;
		if (ws->running)
			ws->busy += now - ws->last;
		ws->last = now;
		ws->running++;
		if (!sim_heap_push(&s->heap, now + d, EV_DONE, (void *)(uintptr_t)id))
			return -1;
	}
	return 0;
}

static void ready(run *s, uint32_t slot, uint32_t grp)
{
	task *t = &s->tasks[(size_t)slot * s->G + grp];
	wstate *ws = &s->ws[t->worker];
	ws->queue[(ws->head + ws->len) % ws->cap] = slot * s->G + grp;
	ws->len++;
}

static int release(run *s, double now)
{
	const sp_config *c = s->c;
	while (s->next_batch < s->n_batches &&
	       s->next_batch - s->finished < (int64_t)c->window) {
		int64_t k = s->next_batch++;
		uint32_t slot = s->free_slot[--s->n_free];
		double b = (double)(k == s->n_batches - 1 ? c->samples - k * c->batch
							   : c->batch);
		s->left[slot] = s->G + 1 + (c->ps_push ? s->pushes : 0);
		s->released[slot] = now;
		for (uint32_t gi = 0; gi < s->G; gi++) {
			const group *gr = &s->groups[gi];
			task *t = &s->tasks[(size_t)slot * s->G + gi];
			t->batch = k;
			t->group = gi;
			t->worker = s->p->workers[gi * s->R + (uint32_t)(k % s->R)];
			t->computed = 0;
			t->pending = gr->n_up + 1;
			uint32_t node = worker_node(s, t->worker);
			if (c->input_from_driver && gr->input_bytes > 0) {
				t->pending++;
				if (send(s, now, 0, node, slot, gi, b * gr->input_bytes))
					return -1;
			}
			if (c->ps_pull && c->has_ps && gr->param_bytes > 0) {
				t->pending++;
				if (send(s, now, 1, node, slot, gi, gr->param_bytes))
					return -1;
			}
		}
		for (uint32_t gi = 0; gi < s->G; gi++)
			arrived(s, slot, gi); /* the release itself */
	}
	for (uint32_t w = 0; w < c->n_workers; w++)
		if (start_tasks(s, now, w))
			return -1;
	return 0;
}

static int send(run *s, double now, uint32_t src, uint32_t dst, uint32_t slot,
		uint32_t grp, double bytes)
{
	if (src == dst) { /* on the same node: no network */
		if (grp == TO_DRIVER || grp == TO_PS)
			return finish_part(s, now, slot);
		arrived(s, slot, grp);
		return 0;
	}
	uint32_t i;
	if (s->free_x != UINT32_MAX) {
		i = s->free_x;
		s->free_x = s->x[i].next_free;
	} else {
		if (s->nx == s->capx) {
			uint32_t cap = s->capx ? 2 * s->capx : 64;
			xfer *a = realloc(s->x, cap * sizeof *a);
			if (!a)
				return -1;
			s->x = a;
			s->capx = cap;
		}
		i = s->nx++;
	}
	s->x[i] = (xfer){src, dst, slot, grp, bytes, now + s->c->latency_s,
			 UINT32_MAX};
	s->r->transfers++;
	return sim_net_start(s->net, now, src, dst, bytes, i) ? -1 : 0;
}

/* One of a batch's parts (a task computed, or its results at the driver)
 * is done. */
static int finish_part(run *s, double now, uint32_t slot)
{
	if (--s->left[slot])
		return 0;
	s->free_slot[s->n_free++] = slot;
	double lat = now - s->released[slot];
	s->lat_sum += lat;
	if (lat > s->r->latency_max_s)
		s->r->latency_max_s = lat;
	s->finished++;
	if (s->finished == s->n_batches)
		s->r->makespan_s = now;
	return release(s, now);
}

static int computed(run *s, double now, uint32_t id)
{
	task *t = &s->tasks[id];
	uint32_t slot = id / s->G, w = t->worker, node = worker_node(s, w);
	const group *gr = &s->groups[t->group];
	wstate *ws = &s->ws[w];
	ws->busy += now - ws->last;
	ws->last = now;
	ws->running--;
	t->computed = 1;
	double b = (double)(t->batch == s->n_batches - 1
				    ? s->c->samples - t->batch * s->c->batch
				    : s->c->batch);
	for (uint32_t k = 0; k < gr->n_out; k++) {
		uint32_t to = gr->out[k].to;
		uint32_t wd = s->tasks[(size_t)slot * s->G + to].worker;
		if (send(s, now, node, worker_node(s, wd), slot, to,
			 b * gr->out[k].bytes))
			return -1;
	}
	if (gr->has_output && send(s, now, node, 0, slot, TO_DRIVER,
				   b * gr->output_bytes))
		return -1;
	if (s->c->ps_push && gr->param_bytes > 0 &&
	    send(s, now, node, 1, slot, TO_PS, gr->param_bytes))
		return -1;
	if (finish_part(s, now, slot))
		return -1;
	return start_tasks(s, now, w);
}

static int transferred(run *s, double now, uint32_t i)
{
	xfer x = s->x[i];
	s->x[i].next_free = s->free_x;
	s->free_x = i;
	sp_result *r = s->r;
	r->bytes_out[x.src] += x.bytes;
	r->bytes_in[x.dst] += x.bytes;
	int rc = traffic_add(s, x.src, 0, x.start, now, x.bytes);
	if (!rc)
		rc = traffic_add(s, x.dst, 1, x.start, now, x.bytes);
	if (rc)
		return rc;
	if (x.group == TO_DRIVER || x.group == TO_PS)
		return finish_part(s, now, x.slot);
	arrived(s, x.slot, x.group);
	return start_tasks(s, now, s->tasks[(size_t)x.slot * s->G + x.group].worker);
}

static int check_config(const sp_config *c, io_err *err)
{
	if (!c->graph || !c->plan || c->n_workers == 0)
		return io_errf(err, IO_EINPUT, NULL, 0, "no graph, plan or workers");
	if (c->samples < 1 || c->batch < 1)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "samples and batch must be >= 1");
	if (c->executors < 1 || c->window < 1)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "executors and window must be >= 1");
	if (!(c->bin_s > 0) || !(c->driver_bps > 0) ||
	    (c->has_ps && !(c->ps_bps > 0)))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "bin and NIC bandwidths must be > 0");
	for (uint32_t w = 0; w < c->n_workers; w++)
		if (!(c->nic_bps[w] > 0) || !isfinite(c->nic_bps[w]))
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "worker %u: NIC bandwidth must be > 0", w);
	for (size_t k = 0; k < (size_t)c->plan->n_groups * c->plan->replicas; k++)
		if (c->plan->workers[k] >= c->n_workers)
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "the plan names worker %u of %u",
				       c->plan->workers[k], c->n_workers);
	if ((c->ps_pull || c->ps_push) && !c->has_ps)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "ps_pull or ps_push without a parameter server");
	return 0;
}

static void run_free(run *s)
{
	if (s->groups)
		for (uint32_t g = 0; g < s->G; g++)
			free(s->groups[g].out);
	free(s->groups);
	free(s->compute);
	free(s->tasks);
	free(s->left);
	free(s->released);
	free(s->free_slot);
	free(s->x);
	free(s->ids);
	if (s->ws)
		for (uint32_t w = 0; w < s->c->n_workers; w++)
			free(s->ws[w].queue);
	free(s->ws);
	sim_net_free(s->net);
	sim_heap_free(&s->heap);
	if (s->rng)
		gsl_rng_free(s->rng);
}

int sp_run(const sp_config *c, sp_result *r, io_err *err)
{
	memset(r, 0, sizeof *r);
	int rc = check_config(c, err);
	if (rc)
		return rc;
	run s;
	memset(&s, 0, sizeof s);
	s.c = c;
	s.g = c->graph;
	s.p = c->plan;
	s.G = c->plan->n_groups;
	s.R = c->plan->replicas;
	s.first_worker = c->has_ps ? 2 : 1;
	s.N = s.first_worker + c->n_workers;
	s.r = r;
	s.free_x = UINT32_MAX;
	s.n_batches = (c->samples + c->batch - 1) / c->batch;
	r->n_nodes = s.N;
	r->bin_s = c->bin_s;
	sim_nic *nics = calloc(s.N, sizeof *nics);
	r->busy_s = calloc(s.N, sizeof(double));
	r->bytes_in = calloc(s.N, sizeof(double));
	r->bytes_out = calloc(s.N, sizeof(double));
	s.tasks = calloc((size_t)c->window * s.G, sizeof *s.tasks);
	s.left = calloc(c->window, sizeof *s.left);
	s.released = calloc(c->window, sizeof *s.released);
	s.free_slot = malloc(c->window * sizeof *s.free_slot);
	s.ws = calloc(c->n_workers, sizeof *s.ws);
	s.rng = sim_rng_new(c->seed, 17);
	if (!nics || !r->busy_s || !r->bytes_in || !r->bytes_out || !s.tasks ||
	    !s.left || !s.released || !s.free_slot || !s.ws || !s.rng ||
	    sim_heap_init(&s.heap, 64)) {
		rc = nomem(err);
		goto done;
	}
	/* popped 0, 1, 2, ...: in order, batch k takes slot k % window */
	for (s.n_free = 0; s.n_free < c->window; s.n_free++)
		s.free_slot[s.n_free] = c->window - 1 - s.n_free;
	for (uint32_t w = 0; w < c->n_workers; w++) {
		s.ws[w].cap = c->window * s.G;
		if (!(s.ws[w].queue = calloc(s.ws[w].cap, sizeof(uint32_t)))) {
			rc = nomem(err);
			goto done;
		}
	}
	nics[0] = (sim_nic){c->driver_bps, c->driver_bps};
	if (c->has_ps)
		nics[1] = (sim_nic){c->ps_bps, c->ps_bps};
	for (uint32_t w = 0; w < c->n_workers; w++)
		nics[s.first_worker + w] = (sim_nic){c->nic_bps[w], c->nic_bps[w]};
	if ((rc = sim_net_new(&s.net, &s.heap, EV_NET, s.N, nics, c->latency_s, 0,
			      err)) ||
	    (rc = build_groups(&s, err)))
		goto done;
	if (c->loss > 0)
		for (uint32_t v = 0; v < s.N && !rc; v++)
			if (sim_net_set_loss(s.net, 0, v, c->loss))
				rc = io_errf(err, IO_EINPUT, NULL, 0,
					     "loss %g needs a latency > 0 and "
					     "must be in [0, 1)", c->loss);
	if (rc)
		goto done;
	for (uint32_t gi = 0; gi < s.G; gi++)
		s.pushes += s.groups[gi].param_bytes > 0;
	if (!sim_heap_push(&s.heap, c->startup_s, EV_RELEASE, NULL)) {
		rc = nomem(err);
		goto done;
	}
	double now;
	uint32_t kind;
	void *data;
	while (!rc && sim_heap_pop(&s.heap, &now, &kind, &data)) {
		if (sim_net_owns(s.net, kind)) {
			const uint64_t *done;
			int k = sim_net_event(s.net, now, kind, data, &done);
			if (k < 0)
				rc = -1;
			/* copied: handling one may call into the network */
			if (k > 0 && (uint32_t)k > s.ids_cap) {
				free(s.ids);
				s.ids_cap = 2 * (uint32_t)k;
				if (!(s.ids = malloc(s.ids_cap * sizeof *s.ids)))
					rc = -1;
			}
			if (k > 0 && !rc)
				memcpy(s.ids, done, (size_t)k * sizeof *s.ids);
			for (int j = 0; j < k && !rc; j++)
				rc = transferred(&s, now, (uint32_t)s.ids[j]);
		} else if (kind == EV_RELEASE) {
			rc = release(&s, now);
		} else {
			rc = computed(&s, now, (uint32_t)(uintptr_t)data);
		}
	}
	if (rc == -2)
		rc = io_errf(err, IO_EINPUT, NULL, 0,
			     "the traffic series would need more than %u bins "
			     "of %g s for %u nodes: the run reached %g s (a "
			     "larger bin_s, or check the times and rates of "
			     "the config)",
			     max_bins(&s), c->bin_s, s.N, now);
	else if (rc && rc != IO_EINPUT)
		rc = nomem(err);
	if (!rc && s.finished != s.n_batches)
		rc = io_errf(err, IO_EINPUT, NULL, 0,
			     "the run stopped with %lld of %lld batches done",
			     (long long)s.finished, (long long)s.n_batches);
	if (!rc) {
		r->batches = (uint64_t)s.n_batches;
		r->throughput_per_s = r->makespan_s > 0
					      ? (double)c->samples / r->makespan_s
					      : INFINITY;
		r->latency_mean_s = s.lat_sum / (double)s.n_batches;
		for (uint32_t w = 0; w < c->n_workers; w++)
			r->busy_s[s.first_worker + w] = s.ws[w].busy;
	}
done:
	free(nics);
	run_free(&s);
	if (rc)
		sp_result_free(r);
	return rc;
}

int sp_write_traffic_csv(const sp_result *r, const char *const *names,
			 const char *const *roles, const char *path,
			 io_err *err)
{
	sim_text t = {0};
	sim_text_add(&t, "time_s,node,role,in_MBps,out_MBps\n");
	for (uint32_t b = 0; b < r->n_bins; b++)
		for (uint32_t v = 0; v < r->n_nodes; v++)
			sim_text_add(&t, "%.6f,%s,%s,%.6f,%.6f\n", b * r->bin_s,
				     names[v], roles[v],
				     r->bin_in[(size_t)b * r->n_nodes + v] / r->bin_s / 1e6,
				     r->bin_out[(size_t)b * r->n_nodes + v] / r->bin_s / 1e6);
	int rc = t.failed ? io_errf(err, IO_ENOMEM, NULL, 0, "out of memory")
			  : sim_write_text(path, t.buf, t.len, err);
	free(t.buf);
	return rc;
}

int sp_write_traffic_svg(const sp_result *r, const char *const *names,
			 const char *title, const char *path, io_err *err)
{
	uint32_t nb = r->n_bins, N = r->n_nodes;
	double *xs = malloc((nb + 1) * sizeof *xs), *ys = malloc((nb + 1) * sizeof *ys);
	sim_svg *s = sim_svg_new(900, 760);
	int rc = 0;
	if (!xs || !ys || !s) {
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	double top = 0;
	for (size_t k = 0; k < (size_t)nb * N; k++) {
		if (r->bin_in[k] > top)
			top = r->bin_in[k];
		if (r->bin_out[k] > top)
			top = r->bin_out[k];
	}
	top = top / r->bin_s / 1e6;
	sim_svg_text(s, 450, 22, "middle", 15, title);
	for (int in = 1; in >= 0; in--) {
		double y = in ? 50 : 420;
		sim_svg_panel p = sim_svg_axes(
			s, 80, y, 640, 290, 0, nb * r->bin_s, 0, top > 0 ? top * 1.05 : 1,
			in ? "incoming traffic per node" : "outgoing traffic per node",
			"time (s)", "MB/s");
		const double *bins = in ? r->bin_in : r->bin_out;
		for (uint32_t v = 0; v < N; v++) {
			/* a step per bin: its mean rate */
			for (uint32_t b = 0; b < nb; b++) {
				xs[b] = (b + 0.5) * r->bin_s;
				ys[b] = bins[(size_t)b * N + v] / r->bin_s / 1e6;
			}
			sim_svg_line(s, &p, xs, ys, nb, sim_svg_color((int)v), 1.5, 0);
			sim_svg_legend(s, &p, (int)v, 0, sim_svg_color((int)v), 0, names[v]);
		}
	}
	rc = sim_svg_write(s, path, err);
done:
	free(xs);
	free(ys);
	sim_svg_free(s);
	return rc;
}

/* ---- configuration files ---- */

static const char *const top_keys[] = {
	"graph", "machine_types", "driver", "ps", "workers", "strategy",
	"replicas", "batch", "samples", "executors", "window", "network",
	"startup_s", "overhead_s", "input", "load_MBps", "ps_pull", "ps_push",
	"jitter_cv", "bin_s", "seed", "plan_cost", "note", NULL};
static const char *const type_keys[] = {"name", "gflops", "layer_times",
					"threads", "batch", "speed", "note",
					NULL};
static const char *const node_keys[] = {"name", "nic_MBps", "type", "note",
					NULL};
static const char *const net_keys[] = {"latency_s", "loss", NULL};

void sp_setup_free(sp_setup *s)
{
	if (!s)
		return;
	for (uint32_t v = 0; s->names && v < s->n_nodes; v++)
		free(s->names[v]);
	free(s->names);
	free((void *)s->roles);
	free(s->time_s);
	free(s->nic_bps);
	pp_plan_free(&s->plan);
	lg_free(&s->graph);
	memset(s, 0, sizeof *s);
}

/* A node object: name (default dflt) and NIC. */
static int read_node(sp_setup *s, const io_jdoc *d, const json_t *o,
		     const char *what, uint32_t v, const char *dflt,
		     double *bps, io_err *err)
{
	if (!json_is_object(o))
		return io_jerr(err, d, o, "%s must be an object", what);
	const char *name = dflt;
	double mbps = 0;
	if (io_jcheck_keys(d, o, node_keys, err) ||
	    io_jget_str(d, o, "name", 0, &name, err) ||
	    io_jget_posnum(d, o, "nic_MBps", 1, &mbps, err))
		return err->code;
	if (!*name || strchr(name, ',') || strchr(name, '"'))
		return io_jerr_at(err, d, o, "name", 0,
				  "%s: a name is non-empty, without ',' or '\"'",
				  what);
	for (uint32_t u = 0; u < v; u++)
		if (s->names[u] && strcmp(s->names[u], name) == 0)
			return io_jerr_at(err, d, o, "name", 0,
					  "%s: name \"%s\" used twice", what, name);
	if (!(s->names[v] = strdup(name)))
		return nomem(err);
	*bps = mbps * 1e6;
	return 0;
}

/* Per-sample layer times of machine type t into out[graph.n]. */
static int read_type(sp_setup *s, const io_jdoc *d, const json_t *t,
		     double *out, io_err *err)
{
	const char *file = NULL;
	double gflops = 0, speed = 1;
	int64_t threads = 0, batch = 0; /* 0: any configuration */
	if (io_jcheck_keys(d, t, type_keys, err) ||
	    io_jget_str(d, t, "layer_times", 0, &file, err) ||
	    io_jget_posnum(d, t, "gflops", 0, &gflops, err) ||
	    io_jget_posnum(d, t, "speed", 0, &speed, err) ||
	    io_jget_int(d, t, "threads", 0, 0, SP_MAX_THREADS, &threads, err) ||
	    io_jget_int(d, t, "batch", 0, 0, SP_MAX_BATCH, &batch, err))
		return err->code;
	if (!file == !(gflops > 0))
		return io_jerr(err, d, t,
			       "a machine type has \"layer_times\" (a file) or "
			       "\"gflops\", one of the two");
	if (file) {
		char *p = io_jdoc_resolve(d, file);
		if (!p)
			return nomem(err);
		io_err inner = {0};
		int rc = lg_times_load(&s->graph, p, (int)threads, batch,
				       out, &inner);
		free(p);
		if (rc)
			return io_jerr_at(err, d, t, "layer_times", 0, "%s",
					  inner.msg);
	} else {
		for (uint32_t l = 0; l < s->graph.n; l++)
			out[l] = s->graph.layers[l].flops / (gflops * 1e9);
	}
	/* an input layer computes nothing: its measured time is the copy of
	 * the samples into the engine, which load_MBps models */
	for (uint32_t l = 0; l < s->graph.n; l++)
		out[l] = lg_is_input(&s->graph, l) ? 0 : out[l] / speed;
	return 0;
}

static int read_config(sp_setup *s, const io_jdoc *d, const sp_overrides *o,
		       io_err *err)
{
	const json_t *root = d->root;
	sp_config *c = &s->run;
	if (!json_is_object(root))
		return io_jerr(err, d, root, "a parallel run is a JSON object");
	const char *graph = NULL, *strategy = NULL, *input = "driver";
	/* whole numbers: range checked by io_jget_int before any cast */
	int64_t replicas = 1, batch = 0, samples = 0, executors = 1, window = 4,
		seed = 1;
	double load = 0;
	c->bin_s = 1;
	if (io_jcheck_keys(d, root, top_keys, err) ||
	    io_jget_str(d, root, "graph", 1, &graph, err) ||
	    io_jget_str(d, root, "strategy", 1, &strategy, err) ||
	    io_jget_int(d, root, "replicas", 0, 1, PP_MAX_WORKERS, &replicas,
			err) ||
	    io_jget_int(d, root, "batch", 1, 1, SP_MAX_BATCH, &batch, err) ||
	    io_jget_int(d, root, "samples", 1, 1, SP_MAX_SAMPLES, &samples,
			err) ||
	    io_jget_int(d, root, "executors", 0, 1, SP_MAX_EXECUTORS,
			&executors, err) ||
	    io_jget_int(d, root, "window", 0, 1, SP_MAX_WINDOW, &window, err) ||
	    io_jget_nonneg(d, root, "startup_s", 0, &c->startup_s, err) ||
	    io_jget_nonneg(d, root, "overhead_s", 0, &c->overhead_s, err) ||
	    io_jget_str(d, root, "input", 0, &input, err) ||
	    io_jget_nonneg(d, root, "load_MBps", 0, &load, err) ||
	    io_jget_nonneg(d, root, "jitter_cv", 0, &c->jitter_cv, err) ||
	    io_jget_posnum(d, root, "bin_s", 0, &c->bin_s, err) ||
	    io_jget_int(d, root, "seed", 0, 0, INT64_MAX, &seed, err))
		return err->code;
	const json_t *pp = json_object_get(root, "ps_pull");
	if (pp && !json_is_boolean(pp))
		return io_jerr_at(err, d, root, "ps_pull", 0,
				  "\"ps_pull\" is true or false");
	c->ps_pull = json_is_true(pp);
	const json_t *pu = json_object_get(root, "ps_push");
	if (pu && !json_is_boolean(pu))
		return io_jerr_at(err, d, root, "ps_push", 0,
				  "\"ps_push\" is true or false");
	c->ps_push = json_is_true(pu);
	const char *plan_cost = "sum";
	if (io_jget_str(d, root, "plan_cost", 0, &plan_cost, err))
		return err->code;
	if (strcmp(plan_cost, "sum") && strcmp(plan_cost, "overlap"))
		return io_jerr_at(err, d, root, "plan_cost", 0,
				  "\"plan_cost\" is \"sum\" or \"overlap\", not "
				  "\"%s\"", plan_cost);
	s->cluster.overlap = strcmp(plan_cost, "overlap") == 0;
	if (strcmp(input, "driver") && strcmp(input, "local"))
		return io_jerr_at(err, d, root, "input", 0,
				  "\"input\" is \"driver\" or \"local\", not \"%s\"",
				  input);
	c->input_from_driver = strcmp(input, "driver") == 0;
	c->load_bps = load * 1e6;
	if (o->strategy)
		strategy = o->strategy;
	int st = pp_strategy_from_name(strategy);
	if (st < 0)
		return o->strategy
			       ? io_errf(err, IO_EINPUT, NULL, 0,
					 "unknown strategy \"%s\" (data, model, "
					 "model-opt, hybrid)", strategy)
			       : io_jerr_at(err, d, root, "strategy", 0,
					    "unknown strategy \"%s\" (data, "
					    "model, model-opt, hybrid)", strategy);
	s->strategy = (pp_strategy)st;
	c->batch = o->batch ? o->batch : batch;
	c->samples = o->samples ? o->samples : samples;
	c->executors = (uint32_t)executors;
	c->window = (uint32_t)window;
	c->seed = o->has_seed ? o->seed : (uint64_t)seed;
	if (o->bin_s > 0)
		c->bin_s = o->bin_s;
	const json_t *net = json_object_get(root, "network");
	if (net) {
		if (!json_is_object(net))
			return io_jerr_at(err, d, root, "network", 0,
					  "\"network\" must be an object");
		if (io_jcheck_keys(d, net, net_keys, err) ||
		    io_jget_nonneg(d, net, "latency_s", 0, &c->latency_s, err) ||
		    io_jget_nonneg(d, net, "loss", 0, &c->loss, err))
			return err->code;
		if (c->loss >= 1 || (c->loss > 0 && !(c->latency_s > 0)))
			return io_jerr_at(err, d, net, "loss", 0,
					  "\"loss\" is in [0, 1), and > 0 needs "
					  "a latency_s > 0");
	}
	/* the graph */
	char *gp = io_jdoc_resolve(d, graph);
	if (!gp)
		return nomem(err);
	io_err inner = {0};
	int rc = lg_load(&s->graph, gp, &inner);
	free(gp);
	if (rc)
		return io_jerr_at(err, d, root, "graph", 0, "%s", inner.msg);
	s->size = s->graph.size;
	/* machine types, then the nodes */
	const json_t *types = json_object_get(root, "machine_types"),
		     *workers = json_object_get(root, "workers"),
		     *ps = json_object_get(root, "ps"),
		     *driver = json_object_get(root, "driver");
	if (!json_is_array(types) || json_array_size(types) == 0)
		return io_jerr(err, d, types ? types : root,
			       "\"machine_types\" must be a non-empty array");
	if (!json_is_array(workers) || json_array_size(workers) == 0 ||
	    json_array_size(workers) > 1024)
		return io_jerr(err, d, workers ? workers : root,
			       "\"workers\" must be an array of 1 to 1024 workers");
	if (!driver)
		return io_jerr(err, d, root, "missing \"driver\"");
	uint32_t W = (uint32_t)json_array_size(workers), T = (uint32_t)json_array_size(types);
	c->has_ps = ps != NULL;
	s->n_nodes = W + 1 + (uint32_t)c->has_ps;
	s->names = calloc(s->n_nodes, sizeof *s->names);
	s->roles = calloc(s->n_nodes, sizeof *s->roles);
	s->time_s = calloc((size_t)W * s->graph.n, sizeof *s->time_s);
	s->nic_bps = calloc(W, sizeof *s->nic_bps);
	double *type_t = calloc((size_t)T * s->graph.n, sizeof *type_t);
	if (!s->names || !s->roles || !s->time_s || !s->nic_bps || !type_t) {
		free(type_t);
		return nomem(err);
	}
	for (uint32_t k = 0; k < T && !rc; k++) {
		const json_t *t = json_array_get(types, k);
		const char *name = NULL;
		if (!json_is_object(t))
			rc = io_jerr_at(err, d, types, NULL, k,
					"machine_types[%u] must be an object", k);
		else if (io_jget_str(d, t, "name", 1, &name, err))
			rc = err->code;
		for (uint32_t m = 0; !rc && m < k; m++)
			if (strcmp(json_string_value(json_object_get(
					   json_array_get(types, m), "name")), name) == 0)
				rc = io_jerr_at(err, d, t, "name", 0,
						"machine type \"%s\" given twice", name);
		if (!rc)
			rc = read_type(s, d, t, type_t + (size_t)k * s->graph.n, err);
	}
	if (!rc)
		rc = read_node(s, d, driver, "\"driver\"", 0, "driver",
			       &c->driver_bps, err);
	if (!rc && ps)
		rc = read_node(s, d, ps, "\"ps\"", 1, "ps", &c->ps_bps, err);
	for (uint32_t w = 0; w < W && !rc; w++) {
		const json_t *o2 = json_array_get(workers, w);
		char dflt[32], what[48];
		snprintf(dflt, sizeof dflt, "w%u", w + 1);
		snprintf(what, sizeof what, "workers[%u]", w);
		const char *type = NULL;
		rc = read_node(s, d, o2, what, 1 + (uint32_t)c->has_ps + w, dflt,
			       &s->nic_bps[w], err);
		if (!rc && io_jget_str(d, o2, "type", 1, &type, err))
			rc = err->code;
		uint32_t k = T;
		for (uint32_t m = 0; !rc && m < T; m++)
			if (strcmp(json_string_value(json_object_get(
					   json_array_get(types, m), "name")), type) == 0)
				k = m;
		if (!rc && k == T)
			rc = io_jerr_at(err, d, o2, "type", 0,
					"%s: no machine type \"%s\"", what, type);
		if (!rc)
			memcpy(s->time_s + (size_t)w * s->graph.n,
			       type_t + (size_t)k * s->graph.n,
			       s->graph.n * sizeof *type_t);
	}
	free(type_t);
	if (rc)
		return rc;
	if (c->ps_pull && !c->has_ps)
		return io_jerr_at(err, d, root, "ps_pull", 0,
				  "\"ps_pull\" needs a \"ps\"");
	if (c->ps_push && !c->has_ps)
		return io_jerr_at(err, d, root, "ps_push", 0,
				  "\"ps_push\" needs a \"ps\"");
	if (c->batch < 1 || c->samples < 1)
		return io_errf(err, IO_EINPUT, d->path, 0,
			       "batch and samples must be >= 1");
	pp_cluster *pc = &s->cluster;
	pc->n_workers = W;
	pc->time_s = s->time_s;
	pc->nic_bps = s->nic_bps;
	pc->batch = (double)c->batch;
	pc->overhead_s = c->overhead_s;
	pc->load_bps = c->load_bps;
	pc->input_from_driver = c->input_from_driver;
	pc->ps_pull = c->ps_pull;
	pc->replicas = (uint32_t)replicas;
	c->graph = &s->graph;
	c->plan = &s->plan;
	c->n_workers = W;
	c->time_s = s->time_s;
	c->nic_bps = s->nic_bps;
	return 0;
}

int sp_setup_load(sp_setup *s, const char *path, const sp_overrides *o,
		  io_err *err)
{
	memset(s, 0, sizeof *s);
	io_jdoc d;
	int rc = io_jdoc_load(&d, path, err);
	if (rc)
		return rc;
	rc = read_config(s, &d, o, err);
	io_jdoc_free(&d);
	if (rc)
		sp_setup_free(s);
	return rc;
}

int sp_setup_plan(sp_setup *s, io_err *err)
{
	int rc = pp_plan_make(&s->plan, &s->graph, &s->cluster, s->strategy, err);
	if (rc)
		return rc;
	uint32_t first = s->run.has_ps ? 2 : 1;
	s->roles[0] = "driver";
	if (s->run.has_ps)
		s->roles[1] = "ps";
	for (uint32_t w = 0; w < s->cluster.n_workers; w++)
		s->roles[first + w] = "worker";
	if (s->plan.n_groups > 1) {
		uint32_t m = s->plan.group_of[s->graph.output];
		for (uint32_t r = 0; r < s->plan.replicas; r++)
			s->roles[first + s->plan.workers[m * s->plan.replicas + r]] = "merge";
	}
	return 0;
}
