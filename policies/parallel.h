/*
 * policies/parallel.h — planners that split a model's layer graph
 * (workloads/layergraph.h) over the workers of a cluster, for inference
 * in batches of B samples (issue 17; seed 003, Aspri, Tsagkatakis and
 * Tsakalides, "Distributed training and inference of deep learning models
 * for multi-modal land cover classification", Remote Sensing 12(17), 2020).
 * Pure: no engine, no time; sim/parallel.h runs a plan.
 *
 * A plan is a list of groups (stages); each group holds a set of layers
 * and R workers (replicas) that each hold all of the group's layers; batch
 * k of a group runs on its replica k mod R. Every layer is in exactly one
 * group.
 *
 *   data       one group holding every layer, replicated on every worker
 *              (samples sharded: batches dealt round robin), results
 *              gathered at the driver
 *   model      the seed's 'baseline' (Fig. 4): the layers fed only by input
 *              i (its branch) on worker i, every other layer (the fusion
 *              and the dense layers) on one merge worker, worker K for K
 *              inputs; needs K + 1 workers. A graph with one input (a
 *              chain): contiguous stages of equal layer count, in
 *              topological order, one per worker.
 *   model-opt  the split that minimises the bottleneck stage's cost (below)
 *              over every sequence of nested ideals of the graph (an ideal:
 *              a set of layers that holds every input of its layers; stage
 *              j = ideal j minus ideal j-1, on a worker of its own), found
 *              exactly by dynamic programming over (ideal, set of workers
 *              used); among splits of equal bottleneck, one with a smaller
 *              sum of stage costs is preferred (a tie-break kept per DP
 *              state: the bottleneck is exact, the sum need not be the
 *              least). Branches may be cut anywhere: the baseline and the
 *              seed's 'optimized' split (Fig. 5: the last conv block of
 *              each branch moved to the merge worker) are both candidates.
 *              Limits: PP_MAX_WORKERS workers, PP_MAX_IDEALS ideals (a
 *              chain of L layers has L + 1; two branches of a and b layers
 *              joined into a tail of c, (a + 1)(b + 1) + c), and
 *              PP_MAX_SEARCH steps of the search.
 *   hybrid     model-opt over W / R stages, each stage replicated on R
 *              workers (stage j on workers jR .. jR + R - 1).
 *
 * Stage cost per batch, for a stage S on worker w: the sum of the terms
 * below (the period of a stage that neither overlaps its transfers with
 * its computation nor shares its NIC), or with overlap set the largest of
 * compute (+ loading), in and out (a stage whose NIC receives the next
 * batch and sends the last one while it computes, in both directions at
 * once, as sim/parallel.h runs it; still alone on its NIC):
 *     B sum_{l in S} t(l, w) + overhead                   compute
 *   + B sum_{input l in S} act(l) / load_bps               data loading
 *   + B [sum of act(l), l outside S feeding S; plus act(l) of S's input
 *        layers when the driver sends the samples] / nic(w)        in
 *   + B [sum of act(l), l in S feeding a layer outside S, or the
 *        output layer] / nic(w)                                     out
 *   + param_bytes(S) / nic(w)        when the PS serves parameters
 * all divided by R for a replicated group. A layer's output is counted
 * once whatever the number of other stages it feeds.
 *
 * The plan file (pp_plan_json), shared with `hetsim parallel-real`:
 *   {"version": 1, "model": "landcover", "size": 0,
 *    "strategy": "data" | "model" | "model-opt" | "hybrid",
 *    "batch": 50, "samples": 1000,
 *    "workers": [{"name": "w1", "role": "ps" | "worker" | "merge" |
 *                 "driver"}, ...],
 *    "assign": [{"layer": "hsi.conv1", "worker": "w2"}, ...],
 *    "replicas": ["w2", "w3", "w4"]}
 * "workers" lists the driver, the PS (if any) and every compute worker,
 * in that order; "merge" is the worker of the group holding the output
 * layer when there are several groups. Model strategies list every layer
 * in "assign" (input layers too: they receive the samples) and have an
 * empty "replicas"; data lists every worker in "replicas" and has an empty
 * "assign"; hybrid lists each layer once per replica of its stage in
 * "assign", and every worker in "replicas". Readers refuse unknown members
 * and a version other than 1.
 */
#ifndef HETSIM_POLICIES_PARALLEL_H
#define HETSIM_POLICIES_PARALLEL_H

#include <stdint.h>
#include <jansson.h>
#include "sim/io/io.h"
#include "workloads/layergraph.h"

#define PP_MAX_WORKERS 12
#define PP_MAX_IDEALS 2048
/* model-opt and hybrid: the search's steps at most, stages x (10 layers
 * + 2^stages) per pair of nested ideals (a stage cost, then an update
 * per set of workers), about 2-3 ns a step: 2e9 is some 5 s of planning.
 * A larger search is an error (fewer workers, or strategy model); the
 * land-cover graph (108 ideals) on 12 workers takes 2e8. */
#define PP_MAX_SEARCH 2e9

typedef enum pp_strategy { PP_DATA, PP_MODEL, PP_MODEL_OPT, PP_HYBRID } pp_strategy;

/* What the planners know of the cluster: n_workers compute workers. */
typedef struct pp_cluster {
	uint32_t n_workers;
	const double *time_s;    /* [w * n_layers + l]: s per sample of l on w */
	const double *nic_bps;   /* [w]: NIC bytes/s, each direction */
	double batch;            /* samples per batch */
	double overhead_s;       /* per stage per batch */
	double load_bps;         /* local data loading, bytes/s; 0: free */
	int input_from_driver;   /* the driver sends the samples */
	int ps_pull;             /* a PS serves the parameters every batch */
	uint32_t replicas;       /* hybrid: workers per stage (>= 1) */
	int overlap;             /* cost: max of the three terms, not sum */
	double max_search;       /* model-opt, hybrid: steps at most (below);
				    0: PP_MAX_SEARCH */
} pp_cluster;

typedef struct pp_plan {
	pp_strategy strategy;
	uint32_t n_layers, n_groups, replicas;
	uint32_t *group_of;      /* [layer] -> group */
	uint32_t *workers;       /* [g * replicas + r] -> worker */
	double bottleneck_s;     /* the largest stage cost (above) */
} pp_plan;

const char *pp_strategy_name(pp_strategy s);
/* -1 for an unknown name. */
int pp_strategy_from_name(const char *name);

/* Plan strategy s; errors (too few workers, a graph too wide for the
 * exact search) are IO_EINPUT with a message. */
int pp_plan_make(pp_plan *p, const lg_graph *g, const pp_cluster *c,
		 pp_strategy s, io_err *err);
void pp_plan_free(pp_plan *p);

/* The cost above of the layers with in_stage[l] set on worker w. */
double pp_stage_cost(const lg_graph *g, const pp_cluster *c,
		     const uint8_t *in_stage, uint32_t w);
/* The largest stage cost of plan p (also p->bottleneck_s). */
double pp_plan_bottleneck(const pp_plan *p, const lg_graph *g,
			  const pp_cluster *c);

/* The plan file (above); names[w] of the n_workers compute workers, the
 * driver's name, the PS's (NULL: no PS). A new reference, NULL out of
 * memory. */
json_t *pp_plan_json(const pp_plan *p, const lg_graph *g,
		     const char *const *names, uint32_t n_workers,
		     const char *driver, const char *ps, int64_t batch,
		     int64_t samples);

#endif
