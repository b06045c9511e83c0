/*
 * real/agent/coord.h — `hetsim coordinator`: an experiment's workload run
 * in real time against `hetsim agent`s (real/agent/agent.h), mapped by the
 * simulator's own policy code (emulation), then the same workload
 * simulated and the two compared.
 *
 *   hetsim coordinator EXP.json --agents AGENTS.json --out DIR
 *                      [--policy NAME] [--seed N] [--tasks N] [--quiet]
 *
 * AGENTS.json (paths relative to it):
 *   {"agents": [{"url": "http://127.0.0.1:8471", "token": "..."},
 *               {"url": "https://10.0.0.2:8470", "token_file": "t.txt",
 *                "ca": "ca.pem"}],
 *    "tasks": {"image_classification": {"kind": "infer", "model": "firenet"},
 *              "sleep_short": {"kind": "sleep", "seconds": "exec"}},
 *    "request_timeout_s": 60, "on_failure": "retry", "health_poll_s": 1,
 *    "connect_timeout_s": 10, "give_up_s": 30}
 *
 * One agent is one machine: its type and slots are what its /health says
 * (machine_type must be a machine type of the experiment's profile). The
 * experiment's "machines" are replaced by the agents, in their order
 * (machine i = agent i), for the real run and the simulated one alike;
 * its queue capacity, deadline rule, workload, seed and policy are kept.
 * "tasks" gives, for every task type of the profile, the body of the
 * request that runs it (agent.h, "Tasks"); a string "exec" anywhere in it
 * is replaced by the task's execution time as the simulator draws it for
 * that machine type (size x the model's draw on the task's common random
 * number, or a trace's replayed time), so sleep and burn tasks take in
 * reality what they take in the simulation. The id is set to
 * "t<task id>-a<attempt>". "https" URLs use TLS, verified against "ca"
 * (else the system's CAs) and the URL's host.
 *
 * The real run: arrivals are released at their times (the monotonic clock
 * from the start of the run); each is mapped by the policy (immediate:
 * on_arrival; batch: on_batch at every arrival and completion) from a
 * sim_view built as the engine builds it: the profile's mean times, each
 * machine's running tasks (start, expected end, type), its local queue
 * (kept here: an agent gets a task only when a slot of it is free) and the
 * per-type history. A task deferred by the policy waits in the
 * coordinator's FIFO queue (or is dropped, with queue.when_full =
 * "reject"). Deadline dropping, pruning, merging and "clairvoyant" are
 * not emulated: an experiment that asks for them is refused.
 *
 * Faults: a request that fails (connection refused or reset, no answer
 * within request_timeout_s, an HTTP error) marks the agent down: the
 * policy sees it as full until a /health poll (every health_poll_s)
 * answers again (a restarted agent on the same address rejoins so; the
 * poll of a down agent backs off, doubling after each poll that fails up
 * to 8 x health_poll_s), and its queued tasks go back to the mapper. A task whose
 * attempt failed (or that the agent reports "failed" or "timeout") is
 * retried once on another agent with on_failure "retry" (the default), or
 * recorded as failed with "fail". Tasks left waiting while no task has
 * run or been queued on any agent for give_up_s (every agent that could
 * take them is down) are recorded as failed. Every task ends as one row:
 * completed, missed, dropped or failed.
 *
 * DIR gets: tasks.csv.gz (the simulator's columns; energy_j as the engine
 * computes it; outcome "failed" for failed tasks), attempts.csv (one row
 * per request: task, attempt, agent, start and end, HTTP status, the
 * agent's status, wall and CPU seconds, error, exec_s: the simulator's
 * draw the request carried, so end_s - start_s - exec_s is the request's
 * overhead: HTTP, fork and the link's delay), summary.json (the real
 * run's metrics; per agent its slots, times down and rejoins), sim/ (the simulated run's summary.json and
 * tasks.csv.gz) and validation.json (both side by side and the two-sample
 * Kolmogorov-Smirnov test on response times). While the run goes,
 * finished tasks are appended to tasks.csv.part and attempts.csv, each
 * row flushed, so a crash loses no finished task; the final files are
 * written atomically (temp name, rename) and tasks.csv.part removed.
 * Response times are kept in memory (8 bytes per finished task) for the
 * percentiles and the test.
 */
#ifndef HETSIM_REAL_AGENT_COORD_H
#define HETSIM_REAL_AGENT_COORD_H

#include <stdint.h>
#include <stdio.h>
#include "sim/io/io.h"

typedef struct real_coord_opts {
	const char *experiment, *agents, *out_dir;
	const char *policy; /* NULL: the experiment's first */
	int has_seed;
	uint64_t seed;
	uint64_t tasks;     /* > 0: override the workload's stop rule */
	int quiet;
} real_coord_opts;

/* Run; the comparison table goes to console (unless quiet). */
int real_coord_run(const real_coord_opts *o, FILE *console, io_err *err);

#endif
