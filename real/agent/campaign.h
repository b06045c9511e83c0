/*
 * real/agent/campaign.h — `hetsim calibrate agents`: a calibration
 * campaign, a task-type x machine-type matrix run on remote `hetsim
 * agent`s (real/agent/agent.h) with repeats, every sample recorded as it
 * comes, then each cell fitted into a profile.
 *
 *   hetsim calibrate agents --agents AGENTS.json --matrix MATRIX.json
 *                           --out DIR [--repeats N] [--quiet]
 *
 * AGENTS.json is the coordinator's agents file (real/agent/coord.h; its
 * "agents", "request_timeout_s" and "connect_timeout_s" are used, the
 * coordinator's other members are accepted and ignored). Each agent's
 * machine type, slots and machine facts are what its GET /health says.
 *
 * MATRIX.json (paths relative to it):
 *   {"tasks": {"short": {"kind": "sleep", "seconds": 0.05},
 *              "enc": {"kind": "transcode", "input": "seg.mp4",
 *                      "outputs": ["codec=vp9"]}},
 *    "machines": ["small", "large"],     default: every type the agents
 *                                        report at the start
 *    "repeats": 5}                       1..100000 (default 5; --repeats
 *                                        overrides)
 * The task names become the profile's task types, each body is sent as it
 * is (the agent validates it; "id" is set to "<task>@<machine>#<repeat>").
 *
 * Order: repeat-major and interleaved (repeat 1 of every cell, then repeat
 * 2 of every cell, ...), so a drift of the machines over the campaign
 * hits every cell alike. One request is in flight at a time (no task of
 * the campaign competes with another). Within a machine type the agents
 * take the cells in turn.
 *
 * Faults: a request that fails (refused, reset, no answer within
 * request_timeout_s, an HTTP error) marks its agent down for the rest of
 * the campaign (stderr says so) and the sample is retried at once on
 * another agent of the same type; when none is left the sample is
 * recorded as "missing". A 400 or 413 (the agent refuses the body: a bad
 * parameter, a kind it does not allow, too large) stops the campaign
 * with an error located at that task's body in MATRIX.json. An agent
 * busy with another client's tasks (429) counts as failed too: give the
 * campaign agents of its own. A task the agent ran but that failed or timed
 * out is recorded with that status (it is not fitted). Nothing is
 * dropped silently: every (cell, repeat) is one row of samples.csv.
 *
 * DIR gets samples.csv (task_type, machine_type, repeat, agent, url,
 * status ok|failed|timeout|missing, wall_s, cpu_s, error), a row appended
 * and flushed as each sample ends, so a crash loses no sample;
 * cells.csv (per cell: ok samples, failed, missing, mean wall_s); and
 * profile.json (written atomically): one machine type per type measured,
 * its "source" the facts of its agents' /health (URL, CPU model, cores,
 * memory, GPU), "vcpu"/"mem_gib" from the first; one task type per task;
 * one "exec" entry per cell with at least one ok sample, fitted from the
 * wall times by prof_fit_exec_entry (profiles/fit_table.h). Exit status 0
 * when every sample was taken, 1 (after writing all files) when some are
 * missing or failed, 2 for bad input.
 */
#ifndef HETSIM_REAL_AGENT_CAMPAIGN_H
#define HETSIM_REAL_AGENT_CAMPAIGN_H

#include <stdint.h>
#include <stdio.h>
#include "sim/io/io.h"

typedef struct real_campaign_opts {
	const char *agents, *matrix, *out_dir;
	uint64_t repeats; /* 0: the matrix's */
	int quiet;
} real_campaign_opts;

/* Run; progress and the cell table go to console unless quiet. 0 when
 * every sample was taken, 1 when some are missing or failed (files
 * written), else an IO_E* code with err set. */
int real_campaign_run(const real_campaign_opts *o, FILE *console, io_err *err);

#endif
