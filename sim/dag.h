/*
 * sim/dag.h — running a workflow DAG (workloads/dag.h) given in C (tests,
 * benchmarks) on machines with slots, with its files moved between
 * machines by the network model (sim/net.h). A thin front of the one
 * engine (sim/engine.c, "workflows"): the same kernel `hetsim run` runs a
 * "workload": {"workflow": ...} with, here without WMS overheads.
 *
 * Machines have a type (profile machine type), slots (jobs at once) and a
 * NIC. A job's execution time on machine type mt is its fixed runtime if it
 * has one, else work x prof_sample(profile, task type, mt, u) with u the
 * job's common random number sim_task_uniform_on(seed, job index, mt, rho)
 * (sim/base/rng.h): the same seed gives the same times under every policy. The
 * expected time a policy plans with is the fixed runtime, or work x the
 * profile's mean.
 *
 * Data: a job needs every file it reads on its machine. A file written by
 * a job on another machine is sent as one flow from there as soon as the
 * writer has ended and the reader's machine is known (the same machine: no
 * transfer). A file no job writes (an initial input) is on every machine
 * already when storage_bps is 0, else it is staged in from a storage node
 * (one more NIC of storage_bps up and down) once the reader is mapped. A
 * job starts (holds a slot) when a slot is free and computes once its
 * inputs are all there; the wait between is its stage-in.
 *
 * Policies:
 *   SIM_DAG_EFT   dynamic: a job is mapped when it becomes ready (parents
 *     all done) to the machine with the earliest estimated finish time =
 *     max(machine ready, inputs arrival) + expected time, where machine
 *     ready is sim_ready's (policies/policy.h: now if a slot is free, else
 *     the earliest expected end of its running jobs plus the expected time
 *     of the jobs queued there over its slots); inputs arrival = now + max
 *     over the source machines of latency + bytes from there / min(their
 *     uplink, its downlink) (bytes from one source add up: they share its
 *     uplink; contention-free: the largest file from there); 0 for local
 *     files. Ties: lower machine index. On each machine jobs start FIFO in
 *     the order they were mapped.
 *   SIM_DAG_HEFT  static HEFT (Topcuoglu, Hariri & Wu, IEEE TPDS 13(3),
 *     2002), insertion-free: upward ranks with mean costs (mean expected
 *     time over the machines that can run the job; mean communication cost
 *     of an edge = latency + its bytes / mean over ordered machine pairs
 *     of min(uplink, downlink), 0 for an edge without files), then in
 *     decreasing rank order (ties: topological order) each job goes to the
 *     machine (slot) where it would finish first, after the last job
 *     already planned on that slot. The plan is fixed before the run; its
 *     per-machine order is kept (a job starts only after the jobs planned
 *     before it on its machine have started). A file is sent when its
 *     writer ends.
 *
 * Outputs: makespan, bytes moved, per-machine computing time (busy_s: the
 * compute phases, not the stage-in waits) and job counts, and for each job
 * (ready, compute start, end, machine), to a callback and/or streamed to a
 * gzip CSV written atomically (sim/base/out.h): jobs.csv.gz's columns
 * (wfspec.md, as `hetsim run` writes them for workflows).
 *
 * Memory: 24 bytes per job for the whole run (its machine, its parents
 * left, the index of its record, and copies of its type and of where its
 * inputs and children start, side by side: one cache line where the
 * DAG's arrays take several) and 12 per input edge (the file's size and
 * producer); with a second processor and lognormal times, 8 more per job
 * (its draw's normal quantile, worked out ahead); under heft, 12 per
 * reader of each file and 4 per job (the files a job pushes at its end,
 * side by side); the rest of a job's state, a record of
 * 64 bytes (one cache line; 72 more with jobs.csv.gz, its times), only
 * from the job's first event to its end (peak_records of them at once:
 * the jobs in flight); tasks, events and flows from free lists.
 */
#ifndef HETSIM_SIM_DAG_H
#define HETSIM_SIM_DAG_H

#include <stdint.h>
#include "profiles/profile.h"
#include "workloads/dag.h"

typedef enum sim_dag_policy {
	SIM_DAG_EFT = 0,
	SIM_DAG_HEFT = 1,
} sim_dag_policy;

typedef struct sim_dag_machine {
	uint32_t type;  /* machine type index in the profile */
	uint32_t slots; /* jobs at once; 0: the type's slots */
	double up_bps, down_bps; /* NIC, bytes/s; 0: the type's nic_gbps */
} sim_dag_machine;

typedef struct sim_dag_job_row {
	uint32_t job, machine;
	double ready_s, start_s, end_s; /* start_s: its computation's */
} sim_dag_job_row;

typedef struct sim_dag_config {
	const prof_profile *profile;
	const wl_dag *dag;
	const sim_dag_machine *machines;
	uint32_t n_machines;
	double latency_s;
	int contention_free; /* sim/net.h */
	double storage_bps;  /* 0: initial inputs are everywhere */
	sim_dag_policy policy;
	uint64_t seed;
	double exec_rank_correlation; /* sim/base/rng.h; 1 by default */
	const char *jobs_csv; /* path of the gzip CSV of jobs, or NULL */
	/* called at each job's end, or NULL */
	void (*on_job)(void *ctx, const sim_dag_job_row *row);
	void *ctx;
} sim_dag_config;

#define SIM_DAG_CONFIG_DEFAULT {.exec_rank_correlation = 1.0, .seed = 1}

typedef struct sim_dag_result {
	double makespan_s;
	uint64_t jobs_done;
	uint64_t transfers;       /* flows between machines (and storage) */
	double bytes_transferred; /* their bytes */
	uint64_t local_reads;     /* inputs already on the job's machine */
	uint64_t events;
	uint64_t peak_in_flight;  /* jobs mapped, not ended */
	uint64_t peak_flows;
	uint64_t solves;          /* max-min recomputations */
	uint64_t reschedules;     /* flow completion events moved */
	uint64_t peak_records;    /* job records live at once (see Memory) */
	double *busy_s;           /* [n_machines] job-seconds computing */
	uint64_t *jobs_on;        /* [n_machines] */
	uint32_t n_machines;
	double wall_s;            /* set-up, plan and run */
} sim_dag_result;

int sim_dag_run(const sim_dag_config *c, sim_dag_result *r, io_err *err);
void sim_dag_result_free(sim_dag_result *r);
const char *sim_dag_policy_name(sim_dag_policy p);
int sim_dag_policy_from_name(const char *name); /* -1 if unknown */

#endif
