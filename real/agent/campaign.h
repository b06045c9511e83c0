/*
 * real/agent/campaign.h — `hetsim calibrate agents`: a calibration
 * campaign, a task-type x machine-type matrix run on remote `hetsim
 * agent`s (real/agent/agent.h) with repeats, every sample recorded as it
 * comes, then each cell fitted into a profile.
 *
 *   hetsim calibrate agents --agents AGENTS.json --matrix MATRIX.json
 *                           --out DIR [--repeats N] [--serial] [--quiet]
 *
 * AGENTS.json is the coordinator's agents file (real/agent/coord.h; its
 * "agents", "request_timeout_s", "connect_timeout_s", "health_poll_s" and
 * "give_up_s" are used, "tasks" and "on_failure" are accepted and
 * ignored). Each agent's machine type, slots and machine facts are what
 * its GET /health says.
 *
 * MATRIX.json (paths relative to it):
 *   {"tasks": {"short": {"kind": "sleep", "seconds": 0.05},
 *              "enc": {"kind": "transcode", "input": "seg.mp4",
 *                      "outputs": ["codec=vp9"]}},
 *    "machines": ["small", "large"],     default: every type the agents
 *                                        report at the start
 *    "repeats": 5}                       1..100000 (default 5; --repeats
 *                                        overrides)
 * The task names become the profile's task types (1-48 characters, no
 * comma, quote or newline; at most 4096), each body is sent as it is (the
 * agent validates it; "id" is set to "<task>@<machine>#<repeat>"). At
 * most 4,000,000 samples (tasks x machines x repeats).
 *
 * Order: every agent runs samples at once, up to its slots (samples on
 * one agent share its machine as tasks on a machine of that many slots
 * do; give an agent 1 slot to measure each sample alone). The machine
 * types run side by side, so none has its samples bunched in one part of
 * the campaign; within a type the samples go repeat-major (repeat 1 of
 * every task, then repeat 2, ...), so a drift of the machines over the
 * campaign hits every cell alike, and the agents of the type take them
 * in turn. --serial: one request in flight at a time (the agents still
 * take turns), for a campaign whose samples must not overlap at all.
 *
 * Faults: a request that fails (refused, reset, no answer within
 * request_timeout_s, an HTTP error) marks its agent down (stderr says so)
 * and the sample goes back to the front of its type's samples, for
 * another agent of the type or for this one when it comes back. A down
 * agent (or one that did not answer at the start) is asked GET /health
 * again after health_poll_s, then after twice as long each time it does
 * not answer (at most 8 x health_poll_s); when it answers with the same
 * machine type it is up again ("is back" on stderr; a restarted agent on
 * the same address rejoins so) and takes samples again. Samples of a type
 * that has no agent up for give_up_s are recorded as "missing". A 400 or
 * 413 (the agent refuses the body: a bad parameter, a kind it does not
 * allow, too large) stops the campaign with an error located at that
 * task's body in MATRIX.json. An agent busy with another client's tasks
 * (429) counts as failed too: give the campaign agents of its own. A task
 * the agent ran but that failed or timed out is recorded with that status
 * (it is not fitted). Nothing is dropped silently: every (cell, repeat)
 * is one row of samples.csv.
 *
 * DIR gets samples.csv (task_type, machine_type, repeat, agent, url,
 * status ok|failed|timeout|missing, wall_s, cpu_s, error, start_s and
 * end_s: seconds from the campaign's start), its rows in matrix order
 * (task type as in MATRIX.json, machine type, repeat) whatever order the
 * samples ended in, so two campaigns on the same matrix list the same
 * rows in the same order (the measured columns and the agent that took a
 * sample of course differ); while the campaign runs the rows are appended
 * to samples.csv.part as each sample ends, flushed, so a crash loses no
 * sample (the file goes once samples.csv is written). agents.csv (per
 * agent: url, machine type, slots, samples ok and failed, failed
 * requests, rejoins); cells.csv (per cell: ok samples, failed, missing,
 * mean wall_s); and profile.json: one machine type per type measured, its
 * "source" the facts of its agents' /health (URL, CPU model, cores,
 * memory, GPU), "vcpu"/"mem_gib" from the first; one task type per task;
 * one "exec" entry per cell with at least one ok sample, fitted from the
 * wall times by prof_fit_exec_entry (profiles/fit_table.h). All but the
 * journal are written atomically. Exit status 0 when every sample was
 * taken, 1 (after writing all files) when some are missing or failed, 2
 * for bad input.
 */
#ifndef HETSIM_REAL_AGENT_CAMPAIGN_H
#define HETSIM_REAL_AGENT_CAMPAIGN_H

#include <stdint.h>
#include <stdio.h>
#include "sim/io/io.h"

enum { REAL_CAMPAIGN_MAX_TASKS = 4096, REAL_CAMPAIGN_MAX_SAMPLES = 4000000 };

#define REAL_CAMPAIGN_SAMPLES_HEADER \
	"task_type,machine_type,repeat,agent,url,status,wall_s,cpu_s,error,start_s,end_s\n"

typedef struct real_campaign_opts {
	const char *agents, *matrix, *out_dir;
	uint64_t repeats; /* 0: the matrix's */
	int serial;       /* one request in flight at a time */
	int quiet;
} real_campaign_opts;

/* A matrix file, read and checked (nothing is sent). */
typedef struct real_campaign_matrix {
	io_jdoc doc;
	const char **task; /* [n_task] names (in doc) */
	json_t **body;     /* [n_task] request bodies (in doc) */
	size_t n_task;
	const char **mach; /* [n_mach] "machines", or NULL (0) when absent */
	size_t n_mach;
	uint64_t repeats;  /* repeats > 0 given: that */
} real_campaign_matrix;

/* IO_EINPUT naming the file and line (or element) for a bad member.
 * Free with real_campaign_matrix_free (also after an error). */
int real_campaign_matrix_load(real_campaign_matrix *mx, const char *path,
			      uint64_t repeats, io_err *err);
void real_campaign_matrix_free(real_campaign_matrix *mx);

/* Run; progress and the cell table go to console unless quiet. 0 when
 * every sample was taken, 1 when some are missing or failed (files
 * written), else an IO_E* code with err set. */
int real_campaign_run(const real_campaign_opts *o, FILE *console, io_err *err);

#endif
