/*
 * sim/sim.h — running experiments.
 *
 * An experiment is one JSON file:
 *   {"name": "assistive_ml",
 *    "profile": "../profiles/data/heet.json",   (path relative to this file,
 *                                                or the profile inline)
 *    "machines": [{"type": "t2.large", "count": 6}, ...]
 *        optional per entry: "slots" (overrides the type's), "queue_capacity",
 *        "speed_mhz" (the type's CPU speed: a workflow trace's recorded
 *        runtimes are scaled by the speed of the machine they ran on over
 *        this, when both are known; one speed per type)
 *    "queue": {"capacity": 4, "when_full": "wait"}
 *        local queue places per machine (integer >= 0, or "unbounded": the
 *        default); when no machine accepts a task it "wait"s in the mapper's
 *        FIFO queue (default) or is "reject"ed (dropped, counted).
 *    "workload": {...}                  (see workloads/workload.h)
 *        or a workflow (sim/engine.c, "workflows"; wfspec of issue 13):
 *        {"workflow": "file.dax" | "trace.json[.gz]"   (relative to this
 *                     file; workloads/workflow_load.h)
 *                   | {"generator": "layered" | "chain" | "fork_join" |
 *                      "montage", "jobs", "width", "fan_in_min",
 *                      "fan_in_max", "fan_out_max", "span", "stages",
 *                      "n_types", "size_mean_bytes", "size_cv",
 *                      "file_per_edge", "input_bytes", "seed"}
 *                     (workloads/dag.h; job types are the profile's),
 *         "runtimes": "recorded" (default: a file's jobs run their
 *                     recorded runtimes, scaled by speed_mhz) | "profile"
 *                     (work x the profile's draw for the job's type),
 *         "task_types": "category" (default: the file's categories) |
 *                     "job" (each job a type of its own, named by its id:
 *                     a profile can then give per-job costs),
 *         "latency_s": 0, "nic_gbps": 10 (NICs of types without
 *                     nic_gbps), "storage_gbps": 0 (> 0: a storage node
 *                     of that NIC holds the initial inputs; 0: they are
 *                     on every machine), "contention_free": false (each
 *                     transfer at min(uplink, downlink), sim/net.h)}
 *        Task types are the workflow's: a type the profile names keeps its
 *        models, others run anywhere (their runtimes are recorded); the
 *        profile needs at least one task type of its own all the same.
 *        Each job: ready (parents' post_end) -> WMS delay -> submit (at
 *        most "max_running" between submit and end) -> queue delay ->
 *        the run's policy -> start on a slot -> start-up -> stage-in
 *        (its remote inputs, sent over the max-min network as soon as the
 *        producer ended and its machine was known) -> runtime -> end ->
 *        post delay. Policies: "heft" (static plan), "eft" (input-aware
 *        earliest finish), or any registry policy on the jobs as they
 *        reach the mapper. Outputs: jobs.csv.gz instead of tasks.csv.gz,
 *        a "workflow" object in summary.json (jobs, transfers, bytes up
 *        and down each NIC, the recorded makespan of a trace); makespan_s
 *        is the last post_end. --tasks does not apply.
 *    "wms": "pegasus" | "path/wms.json" | {...} | "none"
 *        the workflow system's overheads (profiles/wms.h): a built-in
 *        model by system name, a file (relative to this file), a model
 *        inline, or none. Default: a trace's runtimeSystem when a built-in
 *        model of it exists, else none. Workflows only.
 *    "anomalies": [{"kind": "cpu", "cores": 2, "machines": [0, 3],
 *                   "start_s": 100, "end_s": 400},
 *                  {"kind": "hdd", "mb_per_s": 50, "node": 1},
 *                  {"kind": "loss", "percent": 1, "node": 2, ...}]
 *        faults injected into a workflow run (workflows only): on the
 *        machines listed (indices in the order "machines" expands, from 0)
 *        or the one "node", while start_s <= t < end_s (defaults: 0 and
 *        the end of time). cpu: "cores" (whole) cores taken by CPU hogs;
 *        a job computing on the machine shares its slots (one core each)
 *        with them: rate min(1, slots / (jobs holding slots + cores)).
 *        Stage-in and transfer jobs are left alone. hdd: a stress writing
 *        "mb_per_s" to a disk of "disk_mb_per_s" (default 128; must be
 *        above mb_per_s) leaves disk - mb_per_s to the rest: the open
 *        stage-ins of the machine share it, each running at the lesser of
 *        its network rate and its share (network-bound ones are left
 *        alone); transfer jobs copy at rate (disk - mb_per_s) / disk; on
 *        the submit host each job's submission writes "submit_mb"
 *        (default 129; 0: the submit host is not stressed) synchronously
 *        at the rate left, one job after another, lengthening the wms
 *        phase. loss: "percent" packet loss on the
 *        machine's links: each flow to or from it capped at "streams"
 *        (default 8) TCP connections of Padhye et al.'s rate with
 *        retransmission timeouts of "rto_s" (default 0.2), "tcp": "pftk"
 *        (default), or at the Mathis rate of one connection, "tcp":
 *        "mathis" (sim/net.h; both need "latency_s" > 0 for the
 *        round-trip time, 2 x latency); computation is left alone. Outside its window an anomaly changes nothing.
 *        Models and their calibration against real labelled runs: the
 *        "anomalies" comment of sim/engine.c and
 *        experiments/anomaly/CALIBRATION.md.
 *    "deadline": {"slack": 4, "reference": "fastest"}
 *        deadline = arrival + slack x expected execution time of the task's
 *        type on the fastest ("fastest", default), average ("mean") or
 *        slowest ("slowest") machine type present in "machines", times the
 *        task's size (a trace's work column, 1 by default); or
 *        {"relative_s": 0.5}: arrival + a constant. A trace's own
 *        deadline_s wins. No "deadline": tasks have none.
 *    "policy": "mct"  or  "policies": ["fcfs", {"name": "kpb", "k_percent": 30}]
 *        (workflows also "heft" and "eft")
 *    "seed": 42,
 *    "replications": 10   runs seeds seed, seed + 1, ..., seed + 9 for every
 *        policy: with common random numbers replication r of two policies
 *        is a paired comparison. Each run's files go to
 *        <dir>/<policy>/rep-<r>/; <dir>/<policy>/summary.json then holds each
 *        metric's mean, 95% CI and per-replication values, and
 *        <dir>/comparison.csv the paired differences against the first
 *        policy (sim/ci.h).
 *    "drop": {"at_mapping": true, "in_queue": true, "while_running": false}
 *        drop tasks whose deadline has passed while waiting to be mapped, in
 *        a machine's queue (when they would start), or while running (they
 *        end at the deadline); all false by default.
 *    "pruning": {"threshold": 0.5, "action": "drop", "step_s": 0.001}
 *        probabilistic pruning: a task whose chance to meet its deadline
 *        (policies/prune.h: convolution of the queued tasks' execution-time
 *        distributions) is below the threshold on the machine its policy
 *        picks (immediate) or on every machine that has room (batch) is
 *        dropped, or with "defer" left waiting while the tasks behind it
 *        are mapped. Tasks still waiting when the run ends are counted as
 *        dropped ("unmapped"), never lost.
 *    "merging": {"strategy": "adaptive", "max_degree": 5}
 *        merge a new request into a queued task on the same input
 *        (workload "segments"): never (default), always or adaptive
 *        (policies/merge.h); the shared part of a merged run comes from
 *        the profile's "merge" (profiles/profile.h). summary.json reports
 *        merged_requests and machine_time_saved_s (sum over merged
 *        requests of their own drawn time less what they added to the run).
 *    "exec_rank_correlation": 1.0      (see sim/base/rng.h)
 *    "clairvoyant": false
 *        true: policies plan with each task's actual execution time on
 *        each machine type (sim_task_view.etc, policies/policy.h) instead
 *        of what they expect by default, its type's mean times its size
 *        (a trace's work column, workloads/workload.h). The actual time is
 *        the trace's replayed exec_s, or size x the model's draw on the
 *        task's common random number (sim_task_uniform_on: a function of
 *        the seed, the task and the machine type), so the time planned with
 *        is the time the task then takes wherever it runs. Immediate and
 *        batch policies alike; machines' ready times follow (sim_ready_s).
 *        The adaptive merge test uses the same expected times; kpb's
 *        subset stays the machines fastest for the task's type by the
 *        means, and probabilistic pruning keeps the types' distributions
 *        (neither scaled by size nor replayed).
 *        For upper-bound studies and comparisons with simulators that
 *        give the mapper exact times.
 *    "serving": {...}
 *        the serving model of independent tasks: client delay, hold,
 *        waiting order or a retrying client, and previous-type factors
 *        (sim/serving.h).
 *    "tie_break": "lowest" | "random"
 *        machines of equal score (met, mct, olb, kpb, the batch policies'
 *        least completion, felare's energy and completion): the lowest
 *        index (default) or, as E2C-Sim does, a uniformly random one drawn
 *        from the policy's stream of the run's seed (same seed, same run).
 *    "readiness": "hetsim" | "e2c"
 *        how policies reckon a machine's ready time: the expected end of
 *        its running task plus the full expected times of its queue
 *        (default, sim_ready_s), or as E2C-Sim's MECT and batch mappers do
 *        (sim_ready_e2c_s, policies/policy.h): every task counted at most
 *        until its deadline and queued tasks that will have expired before
 *        their turn skipped (E2C drops tasks at their deadlines: pair it
 *        with "drop": {"in_queue": true, "while_running": true}).
 *        experiments/e2c/parity measures both.
 *    "e2c_config": "config.json"
 *        E2C-Sim's configuration, relative to the experiment: its machines
 *        (counts, power) and queue size where the experiment gives none,
 *        and its fairness_factor for felare with "evict" (profiles/e2c.h,
 *        prof_e2c_config).
 *    "billing_granularity_s": 3600   every machine is billed its price per
 *        hour for the run's makespan rounded up to whole periods of this
 *        length (default 0: exact seconds)
 *    "output": {"dir": "out/assistive_ml", "tasks_csv": true}}
 *        dir is relative to the working directory; one sub-directory per
 *        policy holds summary.json and tasks.csv.gz.
 */
#ifndef HETSIM_SIM_SIM_H
#define HETSIM_SIM_SIM_H

#include <stdint.h>
#include <stdio.h>
#include "sim/io/io.h"

#define HETSIM_VERSION "0.1.0"

/* The largest time (s) a run accepts: arrivals, drawn execution times and
 * the mean execution time of every (task, machine) pair present must be
 * finite and at most this (about 31.7 million years); anything beyond is an
 * input error (a rate of 1e-300, a trace row "1e200,t"), never garbage
 * output. Times stay exact to the microsecond below 2^53 us (~9e9 s). The
 * readers of traces and CSVs refuse the same bound (IO_MAX_TIME_S). */
#define SIM_MAX_TIME_S IO_MAX_TIME_S

typedef struct sim_experiment sim_experiment;

int sim_experiment_load(sim_experiment **out, const char *path,
			io_err *err);
/* The same, with overrides "a.b.c=VALUE" applied to the file's JSON before
 * it is read (VALUE is JSON, or else taken as a string; missing objects
 * on the path are created). Errors in overridden values name the file
 * without a line. */
int sim_experiment_load_set(sim_experiment **out, const char *path,
			    const char *const *sets, size_t n_sets,
			    io_err *err);
void sim_experiment_free(sim_experiment *x);
/* Number of policies the experiment compares. */
size_t sim_experiment_policies(const sim_experiment *x);
/* Number of machines ("machines" expanded). */
uint32_t sim_experiment_machines(const sim_experiment *x);
/* Is its workload a workflow ("workload": {"workflow": ...})? */
int sim_experiment_is_workflow(const sim_experiment *x);

typedef struct sim_run_opts {
	const char *policy;  /* run only this policy (its parameters from the
				experiment's list if named there); NULL: all */
	const char *out_dir; /* NULL: the experiment's output.dir */
	int has_seed;
	uint64_t seed;
	uint64_t tasks;      /* > 0: override workload.tasks */
	int tasks_csv;       /* -1: the experiment's; 0/1 override */
	int quiet;           /* no console table */
	const char *run_dir; /* exact directory of one run's files (the
				replication runner sets it); NULL: out_dir/label */
	int force;	     /* run even more than SIM_MAX_TASKS tasks */
} sim_run_opts;

/* Size of a run (tasks per run x policies x replications): above
 * SIM_ANNOUNCE_TASKS `hetsim run` says on stderr how long it will take at
 * about SIM_TASKS_PER_S; above SIM_MAX_TASKS it refuses without --force
 * (opts.force). Memory does not grow with the tasks: they are generated one
 * at a time and recycled when done; only the tasks in flight are held. */
#define SIM_ANNOUNCE_TASKS 1e8
#define SIM_MAX_TASKS 1e10
#define SIM_TASKS_PER_S 2e6

#define SIM_RUN_OPTS_DEFAULT {.tasks_csv = -1}

typedef struct sim_result {
	char label[64];
	uint64_t seed;
	uint64_t arrived, completed, dropped, deadline_missed;
	double makespan_s;
	double response_mean_s, response_p50_s, response_p95_s,
		response_p99_s, response_max_s;
	double wait_mean_s;
	double mean_in_system; /* time-average number of tasks in the system */
	double throughput_per_s;
	double utilization_mean; /* over machines */
	double energy_j, cost_usd;
	uint64_t peak_in_flight;
	uint64_t events;
	uint64_t merged;	/* requests served by another's run */
	double saved_s;		/* machine time merging saved */
	double wall_s;
} sim_result;

/* The scalar metrics every run reports, by index: names as in the
 * "metrics" object of summary.json. */
#define SIM_N_METRICS 16
const char *sim_metric_name(int i);
double sim_metric_value(const sim_result *r, int i);

/* Run policy number i of the experiment; writes its outputs (unless
 * out_dir is "" ) straight into out_dir/<label>/ (no staging, no manifest:
 * for tests and benchmarks) and fills *res. */
int sim_run_policy(const sim_experiment *x, size_t i, const sim_run_opts *o,
		   sim_result *res, io_err *err);
/* Run every policy (or o->policy), print the comparison table to console
 * (if not quiet) and write comparison.csv: the whole set through a staging
 * dir, then moved into place and listed in manifest.json (sim/base/out.h). results may be NULL; else it has
 * room for sim_experiment_policies(x) entries (with replications, each
 * gets its policy's replication 0). */
int sim_run_experiment(const sim_experiment *x, const sim_run_opts *o,
		       FILE *console, sim_result *results, io_err *err);

#endif
