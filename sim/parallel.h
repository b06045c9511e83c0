/*
 * sim/parallel.h — discrete-event simulation of a parallel inference plan
 * (policies/parallel.h) on a cluster: a driver, an optional parameter
 * server (PS) and compute workers, every transfer a flow over the max-min
 * network of sim/net.h (a NIC per node, one latency, optional loss).
 *
 * The run. After startup_s (job launch, model loading) the driver releases
 * batches of B samples (the last one smaller), at most `window` batches
 * in flight (released and not finished), the next one as each finishes.
 * Releasing batch k makes one task per group (stage) of the plan, on the
 * group's replica k mod R; at release the driver sends each task holding
 * input layers its samples (when input_from_driver; otherwise the worker
 * reads them locally, load time bytes / load_bps, added to its compute)
 * and the PS sends each task the parameter bytes of its layers (when
 * ps_pull: TensorFlow's parameter-server layout, where the variables live
 * on the PS and every step reads them). A task is ready when all its
 * inputs arrived (samples, parameters, and the activations of every
 * upstream group: one transfer per upstream group carrying B x the output
 * bytes of each of its layers that the task's layers read). A worker runs
 * up to `executors` ready tasks at once, in the order they became ready;
 * a task computes for overhead_s + B x the sum of its layers' per-sample
 * times on the worker (times jitter_cv: a mean-1 lognormal factor per
 * task, from the seed; 0 none), then sends its activations downstream and,
 * if it holds the output layer, B x the output bytes to the driver; the
 * worker does not wait for its sends (pipelining: it starts batch k+1
 * while batch k's activations travel and the next stage computes). With
 * ps_push (the traffic of training) each task then also sends the
 * gradient of its layers, as many bytes as their parameters, to the PS,
 * and its batch waits for it too; the compute stays the forward pass's. A
 * batch finishes when all its tasks computed and the driver has its
 * results; the makespan is when the last one finishes.
 *
 * Outputs (sp_result): makespan, throughput (samples / makespan), the mean
 * and largest batch latency (release to finish), per node busy seconds
 * (computing; with several executors, the time with at least one busy),
 * bytes in and out, and a per-node traffic series in bins of bin_s
 * seconds: each transfer's bytes spread evenly over its bandwidth phase
 * (after the latency), so the series sums to the byte counts exactly.
 * Memory: the tasks and transfers of the batches in flight, and the bins
 * (at most 10^6, and 10^7 bins x nodes: a longer series is an error
 * asking for larger bins).
 * Deterministic: the same config and seed give the same result.
 */
#ifndef HETSIM_SIM_PARALLEL_H
#define HETSIM_SIM_PARALLEL_H

#include <stdint.h>
#include "policies/parallel.h"
#include "sim/io/io.h"
#include "workloads/layergraph.h"

/* Node numbering of sp_result: the driver, then the PS (if any), then
 * the workers. */
typedef struct sp_config {
	const lg_graph *graph;
	const pp_plan *plan;
	uint32_t n_workers;
	const double *time_s;      /* [w * graph->n + l]: s per sample */
	const double *nic_bps;     /* [w]: worker NICs, bytes/s each way */
	double driver_bps, ps_bps; /* their NICs */
	int has_ps;
	double latency_s, loss;    /* every node's loss probability */
	double overhead_s;         /* per task (per batch per stage) */
	double load_bps;           /* local data loading; 0: free */
	int input_from_driver, ps_pull, ps_push;
	int64_t samples, batch;
	uint32_t executors, window;
	double startup_s, jitter_cv, bin_s;
	uint64_t seed;
} sp_config;

typedef struct sp_result {
	double makespan_s, throughput_per_s, latency_mean_s, latency_max_s;
	uint64_t batches, transfers;
	uint32_t n_nodes;
	double *busy_s, *bytes_in, *bytes_out;  /* [node] */
	uint32_t n_bins;
	double bin_s;
	double *bin_in, *bin_out;               /* [bin * n_nodes + node] */
} sp_result;

/* The traffic series as CSV, "time_s,node,role,in_MBps,out_MBps" (MB =
 * 1e6 bytes; time_s: the bin's start), one row per bin and node; and as
 * an SVG of two panels (incoming, outgoing), a line per node. names and
 * roles: per node. */
int sp_write_traffic_csv(const sp_result *r, const char *const *names,
			 const char *const *roles, const char *path,
			 io_err *err);
int sp_write_traffic_svg(const sp_result *r, const char *const *names,
			 const char *title, const char *path, io_err *err);

/* Run; IO_EINPUT for a bad config (message), IO_ENOMEM. */
int sp_run(const sp_config *c, sp_result *r, io_err *err);
void sp_result_free(sp_result *r);

/*
 * A run's configuration file (`hetsim parallel CONFIG.json`), read by
 * sp_setup_load; relative paths are relative to the file:
 *
 *   {"graph": "landcover.layers.json",       (workloads/layergraph.h)
 *    "machine_types": [
 *       {"name": "local", "layer_times": "calib/layers.json",
 *        "threads": 1, "batch": 50},          (a calibrate --per-layer file)
 *       {"name": "i5", "gflops": 20}],         (or FLOPs / GFLOP/s)
 *       (both may carry "speed": a factor dividing every time, default 1,
 *        and "note"; input layers take no time, loading is load_MBps's)
 *    "driver": {"name": "master", "nic_MBps": 117},
 *    "ps": {"name": "w1", "nic_MBps": 117},   (optional)
 *    "workers": [{"name": "w2", "type": "i5", "nic_MBps": 117}, ...],
 *    "strategy": "data" | "model" | "model-opt" | "hybrid",
 *    "replicas": 2,                           (hybrid; default 1)
 *    "batch": 50, "samples": 1000,
 *    "executors": 1, "window": 8,             (defaults 1 and 4)
 *    "network": {"latency_s": 0.0001, "loss": 0},
 *    "startup_s": 0, "overhead_s": 0,         (per run; per task)
 *    "input": "driver" | "local", "load_MBps": 0,   (local: read at
 *                                             load_MBps, 0: free)
 *    "ps_pull": false, "ps_push": false,      (sp_run above)
 *    "jitter_cv": 0, "bin_s": 1, "seed": 1,
 *    "note": "..."}
 *
 * MB is 1e6 bytes. Whole numbers (a real without a fraction, 50.0, is
 * one) and their ranges: "replicas" 1..12 (PP_MAX_WORKERS), "batch"
 * 1..1e9, "samples" 1..1e12, "executors" 1..1024, "window" 1..65536,
 * "seed" 0..2^63-1; a machine type's "threads" 0..1024 and "batch" 0..1e9
 * (0: any configuration of the layer_times file). Unknown members are
 * errors; every error names the file and line.
 */
typedef struct sp_setup {
	lg_graph graph;
	pp_strategy strategy;
	pp_cluster cluster;
	pp_plan plan;
	sp_config run;
	uint32_t n_nodes;
	char **names;        /* [node] */
	const char **roles;  /* [node], after sp_setup_plan */
	double *time_s, *nic_bps;
	int64_t size;
} sp_setup;

/* Overrides of the file's values (NULL / 0: the file's). */
typedef struct sp_overrides {
	const char *strategy;
	int64_t batch, samples;
	uint64_t seed;
	int has_seed;
	double bin_s;
} sp_overrides;

int sp_setup_load(sp_setup *s, const char *path, const sp_overrides *o,
		  io_err *err);
/* Plan (policies/parallel.h) and fill the roles. */
int sp_setup_plan(sp_setup *s, io_err *err);
void sp_setup_free(sp_setup *s);

#endif
