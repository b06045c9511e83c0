/* sim/engine.h — the event loop of one run (sim/engine.c), called by
 * sim/experiment.c; sim/ files only. */
#ifndef HETSIM_SIM_ENGINE_H
#define HETSIM_SIM_ENGINE_H

#include "sim/exp_model.h"

/* One run with policy p; validate_only = 1 sets the run up
 * (policy init, workload source) and tears it down again, filling only
 * res->label (when res is not NULL). */
int sim_engine_run(const sim_experiment *x, const exp_policy *p,
		   const sim_run_opts *o, int validate_only, sim_result *res,
		   io_err *err);

/* "kpb(30%)" -> "kpb-30". */
void sim_label_to_dir(const char *label, char *dir, size_t cap);

#endif
