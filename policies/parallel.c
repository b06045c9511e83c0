/* policies/parallel.c — the data, model, model-opt and hybrid planners
 * (see parallel.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "policies/parallel.h"

static const char *const strategy_names[] = {"data", "model", "model-opt",
					     "hybrid"};

const char *pp_strategy_name(pp_strategy s)
{
	return (unsigned)s < 4 ? strategy_names[s] : "?";
}

int pp_strategy_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, strategy_names[i]) == 0)
			return i;
	return -1;
}

static int nomem(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

void pp_plan_free(pp_plan *p)
{
	if (!p)
		return;
	free(p->group_of);
	free(p->workers);
	memset(p, 0, sizeof *p);
}

double pp_stage_cost(const lg_graph *g, const pp_cluster *c,
		     const uint8_t *in_stage, uint32_t w)
{
	double B = c->batch, compute = 0, in = 0, out = 0, params = 0;
	const double *t = c->time_s + (size_t)w * g->n;
	int any = 0;
	for (uint32_t l = 0; l < g->n; l++) {
		const lg_layer *L = &g->layers[l];
		if (in_stage[l]) {
			any = 1;
			compute += t[l];
			params += L->param_bytes;
			if (lg_is_input(g, l)) {
				if (c->input_from_driver)
					in += L->act_bytes;
				else if (c->load_bps > 0)
					compute += L->act_bytes / c->load_bps;
			}
			if (l == g->output)
				out += L->act_bytes;
		}
		/* an edge across the stage's border, counted once per layer */
		int feeds_in = 0, feeds_out = 0;
		for (uint32_t m = l + 1; m < g->n; m++)
			for (uint32_t k = 0; k < g->layers[m].n_inputs; k++)
				if (g->layers[m].inputs[k] == l) {
					if (in_stage[m] && !in_stage[l])
						feeds_in = 1;
					if (!in_stage[m] && in_stage[l])
						feeds_out = 1;
				}
		if (feeds_in)
			in += L->act_bytes;
		if (feeds_out && l != g->output)
			out += L->act_bytes;
	}
	if (!any)
		return 0;
	double work = B * compute + c->overhead_s;
	double recv = (B * in + (c->ps_pull ? params : 0)) / c->nic_bps[w];
	double sent = B * out / c->nic_bps[w];
	if (c->overlap)
		return fmax(work, fmax(recv, sent));
	return work + recv + sent;
}

double pp_plan_bottleneck(const pp_plan *p, const lg_graph *g,
			  const pp_cluster *c)
{
	uint8_t *in = calloc(g->n ? g->n : 1, 1);
	double worst = 0;
	if (!in)
		return NAN;
	for (uint32_t s = 0; s < p->n_groups; s++) {
		for (uint32_t l = 0; l < g->n; l++)
			in[l] = p->group_of[l] == s;
		for (uint32_t r = 0; r < p->replicas; r++) {
			double v = pp_stage_cost(g, c, in, p->workers[s * p->replicas + r]) /
				   p->replicas;
			if (v > worst)
				worst = v;
		}
	}
	free(in);
	return worst;
}

static int plan_alloc(pp_plan *p, const lg_graph *g, pp_strategy s,
		      uint32_t groups, uint32_t replicas, io_err *err)
{
	memset(p, 0, sizeof *p);
	p->strategy = s;
	p->n_layers = g->n;
	p->n_groups = groups;
	p->replicas = replicas;
	p->group_of = calloc(g->n, sizeof *p->group_of);
	p->workers = calloc((size_t)groups * replicas, sizeof *p->workers);
	if (!p->group_of || !p->workers) {
		pp_plan_free(p);
		return nomem(err);
	}
	return 0;
}

/* The seed's baseline (see parallel.h). */
static int plan_model(pp_plan *p, const lg_graph *g, const pp_cluster *c,
		      io_err *err)
{
	uint32_t K = 0, W = c->n_workers;
	int32_t *branch = malloc(g->n * sizeof *branch);
	if (!branch)
		return nomem(err);
	/* branch[l]: the one input that feeds l, -1 for several */
	for (uint32_t l = 0; l < g->n; l++) {
		const lg_layer *L = &g->layers[l];
		if (L->n_inputs == 0) {
			branch[l] = (int32_t)K++;
			continue;
		}
		branch[l] = branch[L->inputs[0]];
		for (uint32_t k = 1; k < L->n_inputs; k++)
			if (branch[L->inputs[k]] != branch[l])
				branch[l] = -1;
	}
	int rc;
	if (K == 1) {
		uint32_t groups = W < g->n ? W : g->n;
		if ((rc = plan_alloc(p, g, PP_MODEL, groups, 1, err)) == 0) {
			for (uint32_t l = 0; l < g->n; l++)
				p->group_of[l] = (uint32_t)((uint64_t)l * groups / g->n);
			for (uint32_t s = 0; s < groups; s++)
				p->workers[s] = s;
		}
	} else if (W < K + 1) {
		rc = io_errf(err, IO_EINPUT, NULL, 0,
			     "strategy model: the graph has %u input branches "
			     "and a merge part: it needs %u workers, not %u",
			     K, K + 1, W);
	} else if ((rc = plan_alloc(p, g, PP_MODEL, K + 1, 1, err)) == 0) {
		for (uint32_t l = 0; l < g->n; l++)
			p->group_of[l] = branch[l] < 0 ? K : (uint32_t)branch[l];
		for (uint32_t s = 0; s <= K; s++)
			p->workers[s] = s;
	}
	free(branch);
	return rc;
}

/* ---- model-opt: dynamic programming over the ideals of the graph ---- */

typedef struct ideals {
	uint32_t words, n, cap;
	uint64_t *bits;        /* [i * words] */
	uint32_t *size;        /* layers in ideal i */
	uint32_t *hash;        /* open addressing: index + 1, 0 empty */
	uint32_t hash_cap;
} ideals;

static uint64_t *ideal_at(const ideals *s, uint32_t i)
{
	return s->bits + (size_t)i * s->words;
}

static uint32_t hash_bits(const uint64_t *b, uint32_t words)
{
	uint64_t h = 1469598103934665603ull;
	for (uint32_t k = 0; k < words; k++)
		h = (h ^ b[k]) * 1099511628211ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* Add bitset b (size sz) unless present; -1 out of memory or over the
 * limit. */
static int ideal_add(ideals *s, const uint64_t *b, uint32_t sz)
{
	uint32_t h = hash_bits(b, s->words) & (s->hash_cap - 1);
	while (s->hash[h]) {
		if (!memcmp(ideal_at(s, s->hash[h] - 1), b, s->words * 8))
			return 0;
		h = (h + 1) & (s->hash_cap - 1);
	}
	if (s->n == PP_MAX_IDEALS)
		return -1;
	memcpy(ideal_at(s, s->n), b, s->words * 8);
	s->size[s->n] = sz;
	s->hash[h] = ++s->n;
	return 0;
}

/* Every ideal, in breadth-first order (so by size). */
static int ideals_make(ideals *s, const lg_graph *g, io_err *err)
{
	memset(s, 0, sizeof *s);
	s->words = (g->n + 63) / 64;
	s->hash_cap = 4 * PP_MAX_IDEALS;
	s->bits = calloc((size_t)PP_MAX_IDEALS * s->words, 8);
	s->size = calloc(PP_MAX_IDEALS, sizeof *s->size);
	s->hash = calloc(s->hash_cap, sizeof *s->hash);
	uint64_t *tmp = calloc(s->words, 8);
	int rc = 0;
	if (!s->bits || !s->size || !s->hash || !tmp) {
		rc = nomem(err);
		goto done;
	}
	ideal_add(s, tmp, 0);
	for (uint32_t q = 0; q < s->n && !rc; q++)
		for (uint32_t l = 0; l < g->n && !rc; l++) {
			const uint64_t *I = ideal_at(s, q);
			if (I[l / 64] >> (l % 64) & 1)
				continue;
			int ok = 1;
			for (uint32_t k = 0; k < g->layers[l].n_inputs; k++) {
				uint32_t m = g->layers[l].inputs[k];
				ok &= (int)(I[m / 64] >> (m % 64) & 1);
			}
			if (!ok)
				continue;
			memcpy(tmp, I, s->words * 8);
			tmp[l / 64] |= 1ull << (l % 64);
			if (ideal_add(s, tmp, s->size[q] + 1))
				rc = io_errf(err, IO_EINPUT, NULL, 0,
					     "strategy model-opt: the layer graph "
					     "has more than %d ideals (too wide "
					     "for the exact split search)",
					     PP_MAX_IDEALS);
		}
done:
	free(tmp);
	return rc;
}

static void ideals_free(ideals *s)
{
	free(s->bits);
	free(s->size);
	free(s->hash);
}

/* Is ideal j a subset of ideal i? */
static int ideal_within(const ideals *s, uint32_t j, uint32_t i)
{
	const uint64_t *I = ideal_at(s, i), *J = ideal_at(s, j);
	for (uint32_t k = 0; k < s->words; k++)
		if (J[k] & ~I[k])
			return 0;
	return 1;
}

/* Is (bottleneck v, total t) better than (w, u)? The bottleneck first;
 * on a tie the smaller sum of stage costs (no stage that only forwards
 * data, no worker used for nothing). */
static int better(double v, double t, double w, double u)
{
	return v < w || (v == w && t < u);
}

/* Split over `slots` stage slots: slot j runs on workers j*R .. j*R+R-1
 * (cost taken on worker j*R, divided by R). */
static int plan_opt(pp_plan *p, const lg_graph *g, const pp_cluster *c,
		    pp_strategy strat, uint32_t R, io_err *err)
{
	uint32_t slots = c->n_workers / R;
	if (slots > PP_MAX_WORKERS)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "strategy %s: at most %d stages (%u workers)",
			       pp_strategy_name(strat), PP_MAX_WORKERS, c->n_workers);
	if (slots == 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "strategy hybrid: %u replicas per stage but %u "
			       "workers", R, c->n_workers);
	ideals id;
	int rc = ideals_make(&id, g, err);
	uint32_t NU = 1u << slots, full = id.n - 1;
	double *best = NULL, *total = NULL;
	uint32_t *from = NULL;
	uint8_t *in = NULL;
	if (!rc) {
		best = malloc((size_t)id.n * NU * sizeof *best);
		total = malloc((size_t)id.n * NU * sizeof *total);
		from = malloc((size_t)id.n * NU * sizeof *from);
		in = calloc(g->n, 1);
		if (!best || !total || !from || !in)
			rc = nomem(err);
	}
	if (rc)
		goto done;
	for (size_t k = 0; k < (size_t)id.n * NU; k++)
		best[k] = total[k] = INFINITY;
	best[0] = total[0] = 0;
	/* the search's size first (PP_MAX_SEARCH): per pair of nested
	 * ideals a stage cost per slot and the worker sets of each slot */
	double work = 0,
	       max_work = c->max_search > 0 ? c->max_search : PP_MAX_SEARCH;
	for (uint32_t i = 1; i < id.n && work <= max_work; i++)
		for (uint32_t j = 0; j < i && id.size[j] < id.size[i]; j++)
			if (ideal_within(&id, j, i))
				work += (double)slots * (10.0 * g->n + NU);
	if (work > max_work) {
		rc = io_errf(err, IO_EINPUT, NULL, 0,
			     "strategy %s: the search over %u ideals of the "
			     "graph and %u stages is over %.3g steps (%.3g s or "
			     "so); fewer workers, or strategy model",
			     pp_strategy_name(strat), id.n, slots, max_work,
			     max_work * 2.5e-9);
		goto done;
	}
	for (uint32_t i = 1; i < id.n; i++) {
		const uint64_t *I = ideal_at(&id, i);
		for (uint32_t j = 0; j < i; j++) {
			const uint64_t *J = ideal_at(&id, j);
			if (id.size[j] >= id.size[i])
				break;
			if (!ideal_within(&id, j, i))
				continue;
			for (uint32_t l = 0; l < g->n; l++)
				in[l] = (uint8_t)((I[l / 64] ^ J[l / 64]) >> (l % 64) & 1);
			for (uint32_t s = 0; s < slots; s++) {
				double cost = pp_stage_cost(g, c, in, s * R) / R;
				for (uint32_t U = 0; U < NU; U++) {
					if (!(U >> s & 1))
						continue;
					size_t a = (size_t)j * NU + (U ^ (1u << s)),
					       b = (size_t)i * NU + U;
					double v = fmax(best[a], cost), t = total[a] + cost;
					if (better(v, t, best[b], total[b])) {
						best[b] = v;
						total[b] = t;
						from[b] = j * slots + s;
					}
				}
			}
		}
	}
	uint32_t U = 0;
	for (uint32_t u = 1; u < NU; u++)
		if (better(best[(size_t)full * NU + u], total[(size_t)full * NU + u],
			   best[(size_t)full * NU + U], total[(size_t)full * NU + U]))
			U = u;
	uint32_t groups = (uint32_t)__builtin_popcount(U);
	if ((rc = plan_alloc(p, g, strat, groups, R, err)))
		goto done;
	/* walk back from the full ideal: the last stage first */
	uint32_t i = full, gi = groups;
	while (i != 0) {
		uint32_t f = from[(size_t)i * NU + U], j = f / slots, s = f % slots;
		const uint64_t *I = ideal_at(&id, i), *J = ideal_at(&id, j);
		gi--;
		for (uint32_t l = 0; l < g->n; l++)
			if ((I[l / 64] ^ J[l / 64]) >> (l % 64) & 1)
				p->group_of[l] = gi;
		for (uint32_t r = 0; r < R; r++)
			p->workers[gi * R + r] = s * R + r;
		U ^= 1u << s;
		i = j;
	}
done:
	free(best);
	free(total);
	free(from);
	free(in);
	ideals_free(&id);
	return rc;
}

int pp_plan_make(pp_plan *p, const lg_graph *g, const pp_cluster *c,
		 pp_strategy s, io_err *err)
{
	memset(p, 0, sizeof *p);
	if (c->n_workers == 0)
		return io_errf(err, IO_EINPUT, NULL, 0, "no workers");
	int rc;
	switch (s) {
	case PP_DATA:
		rc = plan_alloc(p, g, s, 1, c->n_workers, err);
		for (uint32_t w = 0; !rc && w < c->n_workers; w++)
			p->workers[w] = w;
		break;
	case PP_MODEL:
		rc = plan_model(p, g, c, err);
		break;
	case PP_MODEL_OPT:
		rc = plan_opt(p, g, c, s, 1, err);
		break;
	case PP_HYBRID:
		rc = plan_opt(p, g, c, s, c->replicas ? c->replicas : 1, err);
		break;
	default:
		rc = io_errf(err, IO_EINPUT, NULL, 0, "unknown strategy");
	}
	if (!rc)
		p->bottleneck_s = pp_plan_bottleneck(p, g, c);
	return rc;
}

json_t *pp_plan_json(const pp_plan *p, const lg_graph *g,
		     const char *const *names, uint32_t n_workers,
		     const char *driver, const char *ps, int64_t batch,
		     int64_t samples)
{
	json_t *root = json_object(), *workers = json_array(),
	       *assign = json_array(), *replicas = json_array();
	if (!root || !workers || !assign || !replicas) {
		json_decref(root);
		json_decref(workers);
		json_decref(assign);
		json_decref(replicas);
		return NULL;
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "model", json_string(g->model));
	json_object_set_new(root, "size", json_integer(g->size));
	json_object_set_new(root, "strategy", json_string(pp_strategy_name(p->strategy)));
	json_object_set_new(root, "batch", json_integer(batch));
	json_object_set_new(root, "samples", json_integer(samples));
	json_array_append_new(workers, json_pack("{s:s,s:s}", "name", driver,
						 "role", "driver"));
	if (ps)
		json_array_append_new(workers, json_pack("{s:s,s:s}", "name", ps,
							 "role", "ps"));
	uint32_t merge = p->n_groups > 1 ? p->group_of[g->output] : UINT32_MAX;
	for (uint32_t w = 0; w < n_workers; w++) {
		int is_merge = 0;
		for (uint32_t r = 0; merge != UINT32_MAX && r < p->replicas; r++)
			is_merge |= p->workers[merge * p->replicas + r] == w;
		json_array_append_new(workers,
				      json_pack("{s:s,s:s}", "name", names[w], "role",
						is_merge ? "merge" : "worker"));
	}
	json_object_set_new(root, "workers", workers);
	if (p->strategy != PP_DATA)
		for (uint32_t l = 0; l < g->n; l++)
			for (uint32_t r = 0; r < p->replicas; r++)
				json_array_append_new(
					assign,
					json_pack("{s:s,s:s}", "layer", g->layers[l].name,
						  "worker",
						  names[p->workers[p->group_of[l] * p->replicas + r]]));
	json_object_set_new(root, "assign", assign);
	if (p->strategy == PP_DATA || p->strategy == PP_HYBRID)
		for (size_t k = 0; k < (size_t)p->n_groups * p->replicas; k++)
			json_array_append_new(replicas, json_string(names[p->workers[k]]));
	json_object_set_new(root, "replicas", replicas);
	return root;
}
