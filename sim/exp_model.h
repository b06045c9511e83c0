/* sim/exp_model.h — the parsed experiment (the experiment model), shared
 * by sim/experiment.c, which builds it, and sim/engine.c, which runs it;
 * sim/ files only. A header of its own so that neither of the two includes
 * the other. */
#ifndef HETSIM_SIM_EXP_MODEL_H
#define HETSIM_SIM_EXP_MODEL_H

#include "policies/merge.h"
#include "profiles/profile.h"
#include "profiles/wms.h"
#include "workloads/workflow.h"
#include "policies/policy.h"
#include "sim/serving.h"
#include "sim/sim.h"

enum deadline_rule { DEADLINE_NONE, DEADLINE_SLACK, DEADLINE_RELATIVE };
enum deadline_ref { REF_FASTEST, REF_MEAN, REF_SLOWEST };

/* A workflow workload ("workload": {"workflow": ...}, sim/sim.h): the DAG
 * and how its jobs run. Task types of the experiment's profile in workflow
 * mode are the DAG's (see experiment.c: the profile is derived from the
 * loaded one), then one per kind of auxiliary job of the WMS model. */
typedef struct exp_workflow {
	wl_workflow *file;   /* read from a file, or NULL (generator) */
	wl_dag *dag;         /* finalized: file->dag or generated */
	wl_dag *generated;   /* owned, or NULL */
	uint32_t *job_type;  /* [jobs] task type in the (derived) profile */
	double *job_speed;   /* [jobs] speed (MHz) of the machine the job's
				recorded runtime was measured on, NAN: unknown;
				NULL: none known */
	int use_runtime;     /* recorded runtimes (scaled) rather than
				work x profile draws */
	uint32_t aux_type0;  /* task type of the model's first aux job */
	wms_model wms;
	double latency_s, storage_bps, default_nic_bps;
	/* [machines] NIC bandwidths (bytes/s) overriding the types' nic_gbps
	 * where > 0, or NULL (sim_dag_run, sim/dag.h) */
	const double *nic_up_bps, *nic_down_bps;
	int contention_free;
} exp_workflow;

/* An anomaly injected into a workflow run ("anomalies", sim/sim.h; the
 * models are in sim/engine.c, "anomalies", and their calibration in
 * experiments/anomaly/CALIBRATION.md). */
typedef enum exp_anomaly_kind {
	EXP_ANOM_CPU,  /* value = cores taken */
	EXP_ANOM_HDD,  /* value = MB/s written by the stress */
	EXP_ANOM_LOSS  /* value = packet loss in percent */
} exp_anomaly_kind;

typedef struct exp_anomaly {
	exp_anomaly_kind kind;
	double value;
	double disk_mb_per_s; /* hdd: the disk's bandwidth */
	double submit_mb;     /* hdd: MB each job's submission writes
				 synchronously on the submit host (0: the
				 submit host is not stressed) */
	double submit_disk_mb_per_s; /* hdd: the submit host's disk rate
					free for writes (the stress's x
					comes on top; x >= it: saturated) */
	double transfer_mb_per_s; /* hdd: the disk rate a transfer job
				     (stage_out, run from the submit host)
				     needs to run at its normal speed */
	int tcp_pftk;         /* loss: 1 = Padhye et al. (timeouts), 0 = Mathis */
	double streams;       /* loss, pftk: TCP connections per transfer */
	double rto_s;         /* loss, pftk: retransmission timeout T0 */
	double t0, t1;	      /* window [t0, t1) in s since the run's start */
	uint32_t *machines;   /* the machines it hits */
	uint32_t n_machines;
} exp_anomaly;

#define EXP_DISK_MB_PER_S 128.0 /* default disk bandwidth of hdd anomalies:
				   fitted, experiments/anomaly/CALIBRATION.md */
#define EXP_SUBMIT_MB 10.27	/* default submit_mb of hdd anomalies: fitted
				   on the normal runs and hdd_100,
				   CALIBRATION.md ("third round") */
#define EXP_SUBMIT_DISK_MB_PER_S 102.74 /* default submit_disk_mb_per_s:
				   fitted with EXP_SUBMIT_MB */
#define EXP_TRANSFER_MB_PER_S 7.1 /* default transfer_mb_per_s: fitted on
				   hdd_100's stage_out jobs, CALIBRATION.md */
#define EXP_LOSS_RTO_S 0.2	/* default T0 of loss anomalies: Linux's
				   TCP_RTO_MIN (200 ms), the RTO of short RTTs */
#define EXP_LOSS_STREAMS 8.0	/* default TCP connections per transfer of
				   loss anomalies: fitted on the real loss_3
				   and loss_5 runs, CALIBRATION.md */

/* The workflow-only policies (sim/engine.c): "heft" plans the whole DAG
 * before the run, "eft" maps each job as it reaches the mapper to the
 * machine where it would finish first, its input transfers included. */
extern const sim_policy sim_wf_heft, sim_wf_eft;

typedef struct exp_policy {
	const sim_policy *policy;
	const json_t *params; /* object node in the doc, or NULL */
} exp_policy;

struct sim_experiment {
	io_jdoc doc;
	prof_profile *profile;
	int profile_shared; /* from the process-wide cache: not freed here */
	char *name;
	uint32_t n_machines;
	uint32_t *machine_type;  /* [n_machines] profile machine-type index */
	uint32_t *machine_slots; /* [n_machines] */
	uint32_t *machine_qcap;  /* [n_machines] SIM_UNBOUNDED = none */
	int reject_when_full;
	const json_t *workload;
	enum deadline_rule deadline_rule;
	enum deadline_ref deadline_ref;
	double deadline_slack, deadline_relative_s;
	double *deadline_offset_s; /* [n_task_types] */
	exp_policy *policies;
	size_t n_policies;
	uint64_t seed;
	double exec_rank_correlation;
	char *out_dir;
	int tasks_csv;
	uint64_t replications;
	double billing_granularity_s; /* 0: per exact second */
	/* deadline-based dropping (all off by default) */
	int drop_at_mapping, drop_in_queue, drop_while_running;
	/* probabilistic pruning: threshold 0 = off */
	double prune_threshold, prune_step_s;
	int prune_defer;
	/* task merging (policies/merge.h) */
	int merge_strategy; /* pol_merge_strategy */
	uint32_t merge_max_degree;
	/* "clairvoyant": policies plan with each task's actual times */
	int clairvoyant;
	/* E2C-Sim parity (policies/policy.h): "tie_break": "random",
	 * "readiness": "e2c" */
	int tie_random, readiness_e2c;
	/* workflow workload, or NULL */
	exp_workflow *wf;
	exp_anomaly *anomalies; /* workflow runs only */
	size_t n_anomalies;
	/* [profile task types] the share of a job's computation that is CPU
	 * work, which cpu anomalies slow ("cpu_bound", sim/engine.c
	 * "anomalies"); NULL: all of it */
	double *cpu_bound;
	/* the serving model ("serving", sim/serving.h), or NULL: none */
	sim_serving *serving;
	double *type_speed_mhz; /* [machine types] "speed" given to a machine
				   entry, NAN: none; NULL: none at all */
};

#endif
