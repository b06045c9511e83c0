/* sim/experiment.h — the parsed experiment, shared by sim/ files only. */
#ifndef HETSIM_SIM_EXPERIMENT_H
#define HETSIM_SIM_EXPERIMENT_H

#include "profiles/profile.h"
#include "sim/policy.h"
#include "sim/sim.h"

enum deadline_rule { DEADLINE_NONE, DEADLINE_SLACK, DEADLINE_RELATIVE };
enum deadline_ref { REF_FASTEST, REF_MEAN, REF_SLOWEST };

typedef struct exp_policy {
	const sim_policy *policy;
	const json_t *params; /* object node in the doc, or NULL */
} exp_policy;

struct sim_experiment {
	prof_jdoc doc;
	prof_profile *profile;
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
};

/* engine.c: one run with policy p; validate_only = 1 sets the run up
 * (policy init, workload source) and tears it down again. */
int sim_engine_run(const sim_experiment *x, const exp_policy *p,
		   const sim_run_opts *o, int validate_only, sim_result *res,
		   prof_err *err);

#endif
