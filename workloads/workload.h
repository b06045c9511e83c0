/*
 * workloads/workload.h — task arrival sources.
 *
 * A source yields tasks in nondecreasing arrival order, one at a time, so
 * memory does not grow with the number of tasks. Task ids are 0, 1, 2, ...
 * in arrival order. Randomness comes only from the run seed through
 * SIM_STREAM_ARRIVALS (and SIM_STREAM_WORKLOAD_AUX for MMPP state changes),
 * so the same seed gives the same arrivals under every policy.
 *
 * Workload JSON (the "workload" object of an experiment):
 *   {"arrival": "poisson", "rate_per_s": 120,
 *    "mix": {"image_classification": 1, "speech_recognition": 2},
 *    "tasks": 20000}
 *      total rate and mix weights (normalised; a type left out never
 *      arrives; default: all types equally). Equivalent form with one rate
 *      per type: "rate_per_s": {"image_classification": 40, ...} (then no
 *      "mix"). Superposed Poisson processes = one process of the summed rate
 *      whose arrivals pick a type with probability rate_i / sum.
 *   {"arrival": "mmpp", "rates_per_s": [50, 400], "mean_sojourn_s": [20, 5],
 *    "mix": {...}, "tasks": N}
 *      2-state Markov-modulated Poisson process: in state i arrivals are
 *      Poisson(rates_per_s[i]); the state lasts Exp(mean_sojourn_s[i]) then
 *      switches. Starts in state 0. Long-run rate
 *      (r0 s0 + r1 s1) / (s0 + s1).
 *   {"arrival": "trace", "file": "trace.csv"}
 *      CSV rows "arrival_s,task_type[,deadline_s][,size][,key]" (optional
 *      header line starting with "arrival_s"); path relative to the
 *      experiment file; .gz read too; streamed. arrival_s finite, >= 0 and
 *      nondecreasing; task_type a name of the profile; deadline_s (absolute
 *      time, empty = none) >= arrival_s; key (empty = none) the input the
 *      request works on, an integer below the workload's "segments":
 *      {"count": N}. Errors name file:line.
 *      size: the task's work in units of its type's model, finite and > 0
 *      (empty or no column: 1). The task's execution time on a machine
 *      type is size x the model's draw there (the per-unit time, drawn on
 *      the task's common random number as for every task), and what
 *      policies expect it to take is size x the model's mean (sim/sim.h,
 *      "clairvoyant"); a "slack" deadline is arrival + slack x size x the
 *      reference mean.
 *      Replayed times: a header (required for them) may add the columns
 *      exec_s (the task's measured time on every machine type) and
 *      exec_s:<machine type> (on that type of the profile; an unknown type
 *      is an error naming the file, line and column). A value is a time in
 *      seconds, finite and >= 0, taken exactly as the execution time
 *      there (size does not scale it; the model is not drawn); an empty
 *      cell falls back to exec_s, then to size x the draw. Which machine
 *      types can run a task stays the profile's: a value for a type the
 *      task type cannot run on is an error (leave it empty), "inf" is
 *      refused like every non-finite number. Replayed times bypass the
 *      model only: dropping, energy, merging and outputs treat the task as
 *      any other. With a header, columns are found by name: arrival_s and
 *      task_type first, then deadline_s, size, key, exec_s and
 *      exec_s:<machine type> in any order, each at most once; a row may
 *      have fewer fields than the header (the rest empty), not more.
 *      Without a header rows are positional (the five columns above).
 *      Optional "tasks": N (traces and e2c) replays only the first N tasks
 *      (`hetsim run --tasks N`).
 *   {"arrival": "e2c", "file": "workload.csv", "type_ids": "name",
 *    "deadline": "absolute", "columns": {"arrival": NAME, ...}}
 *      E2C-Sim's workload CSV: a header is required; columns are found by
 *      name in any order (case-insensitive): arrival_time | arrival |
 *      arrival_s, task_type | type | task_type_id | task_type_name | task,
 *      optional deadline | deadline_s | deadline_time and data_size | size
 *      (kept as data_size: it does not scale the time, E2C-Sim's EET is
 *      per type); other columns are ignored; "columns" names them
 *      instead. type_ids:
 *      "name" (default), "index0" or "index1" (position in the profile's
 *      task types); deadline: "absolute" (default) or "relative" (after
 *      arrival). Every row has exactly the header's number of fields.
 *      See experiments/e2c/README.md.
 * Inputs (merge keys) of generated requests: "segments": {"count": N,
 *   "zipf_s": 1.0} gives each request one of N inputs (video segments),
 *   input k (1-based rank) with probability k^-s / sum_j j^-s (Zipf;
 *   s = 0 is uniform), from its own stream (SIM_STREAM_SEGMENTS), so adding
 *   segments does not change arrival times or types. Requests on the same
 *   input may be merged (see "merging" in sim/sim.h). N <= 10^7.
 * Stop conditions for the generated processes: "tasks": N (count) and/or
 * "duration_s": T (no arrival at or after T); at least one is required.
 * Optional "start_s" (default 0) offsets the first arrival time origin.
 */
#ifndef HETSIM_WORKLOADS_WORKLOAD_H
#define HETSIM_WORKLOADS_WORKLOAD_H

#include <math.h>
#include <stdint.h>
#include "profiles/profile.h"

typedef struct wl_task {
	uint64_t id;
	double arrival_s;
	double deadline_s; /* absolute; NAN = not given by the source */
	double size;       /* work in units of the type's model: the
			      execution time is size x the unit draw (trace
			      column size); 1 when the source has none */
	double data_size;  /* E2C-Sim's data_size column (not work: E2C-Sim
			      times are per type), 0 if none */
	/* [profile machine types] the row's replayed execution time on each
	 * (trace columns exec_s, exec_s:<type>), NAN where it gives none;
	 * NULL when it gives none at all. Valid until the next wl_next. */
	const double *exec_s;
	uint32_t type;     /* index into the profile's task types */
	uint32_t key;      /* input it works on (merge key), WL_NO_KEY if none */
} wl_task;

#define WL_NO_KEY UINT32_MAX

typedef struct wl_source wl_source;

/* Poisson arrivals are drawn this many at a time: one tight loop of draws
 * and logs, then a few loads per task (the draws and their order are those
 * of one at a time). */
#define WL_BATCH 64

/* The front of every source (a wl_source begins with one): the next id,
 * the origin of arrival times, and the Poisson arrivals drawn ahead, in
 * the order of the draws one at a time (gap, type; gap, type; ...): the
 * elapsed time and type of the next tasks, from at on. elapsed_s[at ..
 * end) are tasks to hand out as they are (within the stop rules, no input
 * to draw): wl_next's common case, inline where it is called. */
typedef struct wl_front {
	uint32_t at;  /* WL_BATCH: none left */
	uint32_t end; /* 0 for the other sources */
	uint64_t next_id;
	double start_s; /* origin added to every arrival */
	double elapsed_s[WL_BATCH];
	uint32_t type[WL_BATCH];
} wl_front;

/* Entry i of f's batch as the next task, with no input. */
static inline void wl_front_task(wl_front *f, wl_task *t, uint32_t i)
{
	t->id = f->next_id++;
	t->arrival_s = f->start_s + f->elapsed_s[i];
	t->deadline_s = NAN;
	t->size = 1.0;
	t->data_size = 0.0;
	t->exec_s = NULL;
	t->type = f->type[i];
	t->key = WL_NO_KEY;
}

/* Build a source from the workload object node of doc. Task type names are
 * resolved against profile p. Errors name doc's file and the line. */
int wl_source_from_json(wl_source **out, const io_jdoc *doc,
			const json_t *node, const prof_profile *p,
			uint64_t run_seed, io_err *err);
/* wl_next but for its common case (a call apart). */
int wl_next_other(wl_source *s, wl_task *t, io_err *err);
/* Returns 1 with *t filled, 0 when the source is exhausted, <0 on an error
 * (a bad trace line: err names file:line). Its common case, a Poisson
 * arrival already drawn, is inline and makes no call. */
static inline int wl_next(wl_source *s, wl_task *t, io_err *err)
{
	wl_front *f = (wl_front *)(void *)s; /* its first member */
	if (f->at >= f->end)
		return wl_next_other(s, t, err);
	wl_front_task(f, t, f->at++);
	return 1;
}
/* Number of inputs requests are drawn on ("segments"), 0 if none. */
uint32_t wl_segments(const wl_source *s);
/* May the tasks carry their own work or times (size other than 1,
 * replayed exec_s)? 1 for a "trace" source, 0 for the others. */
int wl_task_data(const wl_source *s);
/* Expected number of tasks, or 0 if unknown (a trace). */
uint64_t wl_expected_tasks(const wl_source *s);
/* Long-run arrival rate (tasks/s) for generated processes, 0 for traces. */
double wl_mean_rate(const wl_source *s);
void wl_free(wl_source *s);

#endif
