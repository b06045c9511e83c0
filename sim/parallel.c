/* sim/parallel.c — a parallel inference plan run over the max-min network
 * (see parallel.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "sim/base/rng.h"
#include "sim/heap.h"
#include "sim/net.h"
#include "sim/parallel.h"

enum { EV_NET = 0, EV_RELEASE = SIM_NET_EVENT_KINDS, EV_DONE };

#define TO_DRIVER UINT32_MAX

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
	int64_t next_batch, n_batches, finished;
	xfer *x;
	uint32_t nx, capx, free_x;
	wstate *ws;
	sim_heap heap;
	sim_net *net;
	gsl_rng *rng;
	sp_result *r;
	uint32_t bins_cap, ids_cap;
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

/* Add bytes over [t0, t1] to the bins of node (in or out). */
static int traffic_add(run *s, uint32_t node, int in, double t0, double t1,
		       double bytes)
{
	sp_result *r = s->r;
	double bw = r->bin_s;
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
		uint32_t slot = (uint32_t)(k % c->window);
		double b = (double)(k == s->n_batches - 1 ? c->samples - k * c->batch
							   : c->batch);
		s->left[slot] = s->G + 1;
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
		if (grp == TO_DRIVER)
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
	if (traffic_add(s, x.src, 0, x.start, now, x.bytes) ||
	    traffic_add(s, x.dst, 1, x.start, now, x.bytes))
		return -1;
	if (x.group == TO_DRIVER)
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
	if (c->ps_pull && !c->has_ps)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "ps_pull without a parameter server");
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
	s.ws = calloc(c->n_workers, sizeof *s.ws);
	s.rng = sim_rng_new(c->seed, 17);
	if (!nics || !r->busy_s || !r->bytes_in || !r->bytes_out || !s.tasks ||
	    !s.left || !s.released || !s.ws || !s.rng ||
	    sim_heap_init(&s.heap, 64)) {
		rc = nomem(err);
		goto done;
	}
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
	if (rc && rc != IO_EINPUT)
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
