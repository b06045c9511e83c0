/*
 * profiles/wms.h — the overheads a workflow-management system (Pegasus,
 * Makeflow, Nextflow) adds to each job of a workflow run, loaded from
 * profiles/data/wms_<system>.json (wms_none.json: no overheads; the others
 * are fitted from real runs by the fitting code):
 *
 *   {"wms": "Pegasus", "source": "what it was fitted on",
 *    "phases": {"wms_delay":   {"*": DIST, "auxiliary": DIST, ...},
 *               "queue_delay": {"*": DIST},
 *               "startup":     {"*": DIST},
 *               "post_delay":  {"*": DIST},
 *               "dispatch":    {"*": DIST}},
 *    "submit_slots": 1,            (jobs in "dispatch" at once; default 1)
 *    "staging": "inside",          ("inside" or "outside")
 *    "max_running": 0,             (0: unlimited)
 *    "aux_jobs": [{"kind": "create_dir", "class": "auxiliary",
 *                  "where": "first", "runtime": DIST}, ...]}
 *
 * DIST is an execution-time model object as in a profile's "exec" entries
 * (profiles/profile.h: {"model": "lognormal", "mu": .., "sigma": ..,
 * "shift": ..}, constant, empirical with samples, ...). A phase maps a job
 * class (compute, transfer, auxiliary) to a DIST, "*" being the default for
 * the classes not listed; an absent phase or class costs 0 s. Phases:
 * dispatch and wms_delay (ready -> submit), queue_delay (submit -> start),
 * startup (start -> stage-in), post_delay (end -> post_end).
 * "dispatch" is the time the submit host spends on each job (DAGMan and
 * condor_submit, Makeflow's batch submit, Nextflow's executor polling) and
 * it is served, unlike the other phases, by "submit_slots" servers (default
 * 1: one job at a time): a job that becomes ready takes the server that
 * frees first, in the order the jobs became ready (FIFO; same-time ties in
 * the engine's order), waits for it, spends its dispatch draw there, and
 * only then starts its own (parallel) wms_delay. In jobs.csv the wait and
 * the dispatch are part of [ready_s, submit_s]. A wide workflow is then
 * bound by n jobs x dispatch, a chain by the per-job latency. "staging": "inside":
 * a job's runtime already contains its stage-in and stage-out (recorded
 * runtimes of traces do), so transfers are simulated for their traffic but
 * do not lengthen the job beyond its runtime; "outside": they add to it.
 * "max_running": at most this many jobs between submit and end at once
 * (DAGMan maxjobs, Makeflow -j). "aux_jobs": jobs the system adds to the
 * DAG: "where" = first (parent of every root), last (child of every sink),
 * after_sinks ("count" jobs, children of the sinks, split evenly) or
 * per_machine (one per machine that runs a DAG job, before its first one,
 * as Pegasus' create-dir per site: it starts when the first DAG job starts
 * there and that job, and any other started there before it ends, waits
 * for it in its start-up; it draws no WMS phase, holds no slot, and the
 * kinds of one machine run one after the other); their runtime is drawn
 * from "runtime". The
 * engine gives after_sinks job g of n the sinks [g s / n, (g + 1) s / n)
 * of the s sinks in job order (no sink: it follows the whole DAG), and the
 * last ones follow every other job.
 *
 * Draws are inverse-CDF on a uniform u supplied by the caller (the
 * engine's common random numbers), as prof_sample's.
 */
#ifndef HETSIM_PROFILES_WMS_H
#define HETSIM_PROFILES_WMS_H

#include <stdint.h>
#include "profiles/profile.h"

typedef enum wms_phase {
	WMS_WMS_DELAY = 0,
	WMS_QUEUE_DELAY,
	WMS_STARTUP,
	WMS_POST_DELAY,
	WMS_DISPATCH, /* on the submit host, before wms_delay (see above) */
	WMS_PHASES
} wms_phase;

typedef enum wms_class {
	WMS_COMPUTE = 0,
	WMS_TRANSFER,
	WMS_AUXILIARY,
	WMS_CLASSES
} wms_class;

typedef enum wms_where {
	WMS_FIRST = 0,
	WMS_LAST,
	WMS_AFTER_SINKS,
	WMS_PER_MACHINE
} wms_where;

#define WMS_MAX_SUBMIT_SLOTS 65536u

typedef struct wms_aux {
	char *kind;
	wms_class cls;
	wms_where where;
	uint32_t count; /* after_sinks: jobs; else 1 */
	prof_model runtime;
} wms_aux;

typedef struct wms_model {
	char *name;   /* "wms" */
	char *source; /* may be NULL */
	/* kind PROF_NONE: the phase costs 0 s for that class */
	prof_model phase[WMS_PHASES][WMS_CLASSES];
	int staging_inside;
	uint32_t max_running; /* 0: unlimited */
	uint32_t submit_slots; /* jobs in dispatch at once (>= 1) */
	wms_aux *aux;
	uint32_t n_aux;
} wms_model;

int wms_load(wms_model *m, const char *path, io_err *err);
int wms_load_json(wms_model *m, const io_jdoc *doc, const json_t *node,
		  io_err *err);
/* The built-in model of a system: profiles/data/wms_<first word of system,
 * lower case>.json, looked up next to the executable (its ../profiles/data
 * and ../../profiles/data, an installed ../share/hetsim/profiles) and then
 * under the working directory.
 * IO_EINPUT (with err set) when there is none. */
int wms_builtin(wms_model *m, const char *system, io_err *err);
void wms_free(wms_model *m);
/* Quantile u of the phase's distribution for class c; 0 when absent. */
double wms_draw(const wms_model *m, wms_phase ph, wms_class c, double u);
/* Does any phase of class c (or any class, c = WMS_CLASSES) cost time? */
int wms_has_phase(const wms_model *m, wms_phase ph);

const char *wms_phase_name(wms_phase ph);
const char *wms_class_name(wms_class c);
int wms_class_from_name(const char *name); /* -1 if unknown */

#endif
