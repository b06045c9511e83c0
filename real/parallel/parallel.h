/*
 * real/parallel/parallel.h — data and model parallel inference of a zoo
 * model as real processes on this machine, talking TCP over 127.0.0.1:
 * the real check of the simulator's parallelization strategies (issue 17,
 * seeds 002/003). `hetsim parallel-real PLAN.json` runs it
 * (sim/cli/parallel_real.c).
 *
 * The plan (what `hetsim parallel` writes; this reads it):
 *
 *   {"version": 1, "model": "landcover", "size": 0,
 *    "strategy": "data" | "model" | "model-opt" | "hybrid",
 *    "batch": 50, "samples": 1000,
 *    "workers": [{"name": "w1", "role": "ps"}, {"name": "w2", "role":
 *                "worker"}, ...],          role: ps, worker, merge, driver
 *    "assign": [{"layer": "hsi.conv1", "worker": "w2"}, ...],
 *    "replicas": ["w2", "w3", "w4"]}
 *
 * An empty "assign" or "replicas" (as `hetsim parallel` writes the one
 * its strategy does not use) is the same as none. "version" must be 1; "model" a zoo model (real/nn/zoo.h) and "size"
 * its size (0: the default); "batch" and "samples" integers >= 1 (the
 * caller may override them). Worker names are unique, 1 to 31 of
 * [A-Za-z0-9_.-]; at most one "driver" (this process; named "driver" when
 * the plan has none), at most PAR_MAX_WORKERS. Strategy "data" needs
 * "replicas" (distinct workers that are not the driver; each holds the
 * whole model) and no "assign"; the others need "assign": every layer of
 * the model (names as `hetsim nn layers` prints them, input layers too)
 * exactly once, on a worker that is not the driver or the ps, and the
 * workers' stages must form an acyclic graph (no worker reads a worker
 * that reads it). "hybrid" runs as its assignment says, like "model".
 * Unknown keys are errors; every error names the file and the JSON element
 * (a parse error the line).
 *
 * Processes: the driver (this process) forks one process per worker of
 * the plan (no shell, no exec: each builds the model from the zoo and
 * draws the same seeded weights); a ps and a worker that holds nothing
 * only connect and wait (inference has no parameter exchange). Each
 * process listens on 127.0.0.1, port 0 (the kernel picks), bound before
 * the fork; every worker connects to the driver and to each worker it
 * sends activations to. Data: the driver generates seeded synthetic
 * inputs of the model's input shapes (par_input_fill), batch by batch;
 * strategy data sends batch k's inputs to replica k mod R, which returns
 * its predictions; the model strategies send each input layer's batch to
 * the worker that holds it, each worker runs its layers
 * (nn_model_prepare_part) as soon as it has batch k's inputs and sends
 * every output another worker reads (once per receiving worker), and the
 * worker with the output layer sends the predictions to the driver. A
 * worker works on batch k+1 while the next one works on k (sockets
 * buffer; a sender blocks only when the receiver is a batch behind). All
 * processes are prepared for the full batch: the last batch of samples
 * not divisible by it is sent with its real count of rows and computed
 * padded (rows are independent, so predictions are unchanged).
 *
 * Messages (host byte order: every end is this machine): a header of
 * PAR_HDR_BYTES = 32 bytes — u32 magic "HSPR", u32 type (1 hello, 2 data,
 * 3 stats, 4 start), i32 layer, u32 rows, u64 batch, u64 payload bytes — then the
 * payload: for data, rows x the layer's elements per sample float32. Sent
 * and received bytes count the data messages only (inputs, activations,
 * predictions): payload and on-wire (payload + 32 per message); the hello
 * at connection and the closing statistics are not counted. So in a model
 * run the bytes of a cut edge are rows x act_bytes of its layer plus 32
 * per batch, per receiving worker.
 *
 * --bandwidth B (bytes/s) emulates a NIC per process: its sends are paced
 * in chunks of PAR_CHUNK bytes, each taking chunk/B seconds of the
 * process's link (loopback is otherwise many GB/s). Every socket read and
 * write has a time limit (timeout_s): a worker that dies or hangs makes
 * the driver kill the others, reap every child and report which worker
 * failed and how (its exit status or signal); children also die with the
 * driver (PR_SET_PDEATHSIG). For tests, $HETSIM_PARALLEL_REAL_CRASH=NAME:K
 * makes worker NAME kill itself (SIGKILL) before the K-th (0-based) batch it
 * works on.
 *
 * local_inputs (--local-inputs): each worker holding an input layer (data:
 * each replica) makes its batches' inputs itself, as seed 003's workers
 * read a local copy of the data set; the driver then sends nothing and
 * only receives the predictions.
 *
 * Measured (result.json and traffic.csv, by par_result_write): the wall
 * time from the start signal (message type 4, sent once every worker has
 * built its model and connected) to the last prediction received; per
 * process: bytes and messages sent and received; wall seconds in its
 * forward passes (compute_s), making inputs (input_s), blocked waiting for
 * a message (idle_s) and blocked sending, the pacing included (send_s);
 * the CPU seconds of its forward passes (compute_cpu_s: what it computed,
 * however the cores were shared); the machine's 1-minute load average at
 * the start and end; and traffic.csv, "t_s,node,in_bytes,out_bytes":
 * each process's on-wire bytes per bin of bin_s seconds from the start (as
 * the simulator's traffic.csv). The predictions are checked against one
 * process running the whole model on the same inputs (check: the largest
 * absolute difference; equal bits on the ref backend).
 */
#ifndef HETSIM_REAL_PARALLEL_PARALLEL_H
#define HETSIM_REAL_PARALLEL_PARALLEL_H

#include <stdint.h>
#include <stdio.h>
#include "sim/io/io.h"

#define PAR_MAX_WORKERS 32
#define PAR_NAME_MAX 32
#define PAR_HDR_BYTES 32
#define PAR_CHUNK 16384

typedef enum par_strategy {
	PAR_DATA,
	PAR_MODEL,
	PAR_MODEL_OPT,
	PAR_HYBRID
} par_strategy;

typedef enum par_role { PAR_PS, PAR_WORKER, PAR_MERGE, PAR_DRIVER } par_role;

typedef struct par_plan {
	char model[64];
	int64_t size;
	par_strategy strategy;
	int64_t batch, samples;
	int n_workers;
	char name[PAR_MAX_WORKERS][PAR_NAME_MAX];
	par_role role[PAR_MAX_WORKERS];
	int driver;        /* index of the driver worker, -1: none listed */
	int n_replicas;
	int replica[PAR_MAX_WORKERS]; /* worker indices (data) */
	int n_layers;
	int *owner;        /* per layer: worker index (model strategies) */
} par_plan;

/* Read and check a plan (the format above) against the zoo's model. */
int par_plan_load(par_plan *p, const char *path, io_err *err);
void par_plan_free(par_plan *p);
const char *par_strategy_name(par_strategy s);

typedef struct par_opts {
	int64_t samples, batch;  /* 0: the plan's */
	int threads;             /* oneDNN threads per process, <= 1024
				    (0: 1); par_run refuses values out of
				    these ranges (IO_EINPUT) */
	const char *backend;     /* "dnnl" (NULL) or "ref" */
	double bandwidth_Bps;    /* 0: unlimited; at most 1e12 */
	double bin_s;            /* traffic bins, 0.001 to 3600; 0: 0.1
				    (a node's series: 2^20 bins at most, the
				    counts of later ones dropped) */
	double timeout_s;        /* per socket operation, 0.1 to 86400;
				    0: 60 */
	uint64_t seed;           /* weights and inputs; 0: 1 */
	int check;               /* compare with one process */
	int keep_predictions;    /* hand them back in par_result's pred */
	int local_inputs;        /* workers make their inputs (a local data
				    set, as in seed 003's cluster) */
} par_opts;

typedef struct par_node_stats {
	char name[PAR_NAME_MAX];
	char role[16];
	int layers;              /* layers it computes (data: all) */
	uint64_t sent_payload, sent_wire, recv_payload, recv_wire;
	uint64_t msgs_sent, msgs_recv;
	double compute_s, idle_s, send_s;
	double compute_cpu_s;    /* CPU time of its forward passes */
	double input_s;          /* making inputs (the driver; local_inputs:
				    the workers holding input layers) */
	int n_bins;
	uint64_t *bin_in, *bin_out; /* on-wire bytes per bin */
} par_node_stats;

typedef struct par_result {
	char model[64];
	par_strategy strategy;
	int64_t samples, batch, batches;
	int threads;
	double bandwidth_Bps, bin_s, wall_s;
	int n_nodes;             /* [0] the driver, then the workers */
	par_node_stats node[PAR_MAX_WORKERS + 1];
	double loadavg_start, loadavg_end; /* this machine's 1-min load */
	int checked;
	double check_max_abs;    /* largest |parallel - one process| */
	int64_t output_elems;    /* per sample */
	int local_inputs;
	float *pred;             /* keep_predictions: samples x output_elems,
				    sample order */
} par_result;

/* Run plan p with o; fills r. An error names the failing worker. */
int par_run(const par_plan *p, const par_opts *o, par_result *r,
	    io_err *err);
void par_result_free(par_result *r);
/* result.json and traffic.csv into dir (created if missing). */
int par_result_write(const par_result *r, const char *dir, io_err *err);

/* The n values of input layer k (0-based, in layer order) of sample s:
 * uniform in [-1, 1), a xorshift64* stream (Vigna 2016) from a hash of
 * (seed, k, s), so any process makes any sample's inputs alone. */
void par_input_fill(uint64_t seed, int input, int64_t sample, float *dst,
		    int64_t n);

#endif
