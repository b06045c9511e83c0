/* sim/cli/replay.c — `hetsim replay TRACE --out DIR`: a WfFormat trace run
 * again on its own machines with its own runtimes and its system's WMS
 * overheads, to compare the simulated makespan with the recorded one.
 *
 * The trace becomes an experiment (written to a temporary file and read by
 * sim_experiment_load, so that every check of `hetsim run` applies): one
 * machine type and one machine per machine of the trace, named after it,
 * slots = its cores (1 when not given), speed_mhz = its speed (so the
 * recorded runtimes run unscaled); a trace without machines runs on one
 * machine of 1 slot. Policy fcfs (jobs, as they reach the mapper, to the
 * first machine with a free slot: HTCondor's matchmaking of identical
 * slots), staging "inside" or "outside" as the WMS model says, NICs of
 * 10 Gb/s, initial inputs present. The WMS model is --wms (a system name
 * such as "pegasus", "none", or a model file), else the trace's
 * runtimeSystem when a built-in model exists, else none.
 *
 * --pin: every job that the trace records on a machine runs on that
 * machine (each job a task type of its own, "task_types": "job", that can
 * run only there; the policy picks among one machine), so that the replay
 * isolates the WMS overhead model from the mapping. Jobs without a
 * recorded machine (Nextflow traces) and the WMS model's aux jobs run
 * where they can end first. The policy is then mct, whose queues are per
 * machine: a job waits only for a slot of its own machine, in the order
 * the jobs reached the mapper (fcfs's one FIFO queue would let a job whose
 * machine is full hold back the jobs of the other machines behind it).
 *
 * DIR receives summary.json (the run's, plus "recorded_makespan_s" and
 * "error_pct" = 100 (simulated - recorded) / recorded) and jobs.csv.gz,
 * through a staging dir and a manifest like every run's.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/base/out.h"
#include "sim/cli/cli.h"
#include "sim/sim.h"
#include "workloads/workflow_load.h"

const char sim_cli_replay_usage[] =
	"  replay TRACE.json[.gz] --out DIR   replay a WfFormat trace on its own\n"
	"                        machines with its own runtimes and its system's\n"
	"                        WMS overheads: DIR/summary.json (metrics.makespan_s,\n"
	"                        recorded_makespan_s, error_pct) and DIR/jobs.csv.gz\n"
	"      --wms NAME|PATH   WMS model: a system (pegasus, makeflow, nextflow,\n"
	"                        none) or a model file (default: the trace's system)\n"
	"      --pin             run every job on the machine the trace records\n"
	"                        for it (the policy bypassed)\n"
	"      --seed N          run seed (default 1)\n"
	"      --quiet           no summary line on standard output\n";

static int fail(const io_err *err)
{
	fprintf(stderr, "hetsim: %s\n", err->msg);
	return err->code == IO_EINPUT ? 2 : 1;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: replay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim replay --help)\n");
	return 2;
}

/* The experiment of a replay (see the top). */
static json_t *replay_experiment(const wl_workflow *w, const char *trace,
				 const char *wms, uint64_t seed, int pin)
{
	json_t *types = json_array(), *machines = json_array();
	json_t *exec = json_array(), *tasks = NULL;
	/* pinned: one task type per job, runnable on its recorded machine */
	pin = pin && w->job_machine && w->n_machines;
	if (pin) {
		tasks = json_array();
		for (uint32_t j = 0; tasks && j < w->dag->n_jobs; j++) {
			const char *id = wl_dag_job_name(w->dag, j);
			if (!id) {
				json_decref(tasks);
				json_decref(types);
				json_decref(machines);
				json_decref(exec);
				return NULL;
			}
			json_array_append_new(tasks, json_pack("{s:s}", "name", id));
			uint32_t m0 = w->job_machine[j], m1 = m0 + 1;
			if (m0 == WL_NONE) {
				m0 = 0;
				m1 = w->n_machines;
			}
			for (uint32_t m = m0; m < m1; m++) {
				char name[256];
				snprintf(name, sizeof name, "%u:%s", m,
					 w->machines[m].name ? w->machines[m].name : "host");
				json_array_append_new(exec, json_pack("{s:s, s:s, s:s, s:f}",
								      "task", id, "machine", name,
								      "model", "constant",
								      "value", 1.0));
			}
		}
	}
	uint32_t n = w->n_machines ? w->n_machines : 1;
	for (uint32_t m = 0; m < n; m++) {
		char name[256];
		const wl_wf_machine *wm = w->n_machines ? &w->machines[m] : NULL;
		/* the index keeps two machines of one name apart */
		snprintf(name, sizeof name, "%u:%s", m,
			 wm && wm->name ? wm->name : "host");
		uint32_t cores = wm && wm->cores ? wm->cores : 1;
		json_array_append_new(types, json_pack("{s:s, s:i, s:f}", "name", name,
						       "slots", (json_int_t)cores,
						       "nic_gbps", 10.0));
		json_t *mach = json_pack("{s:s, s:i}", "type", name, "count", 1);
		if (wm && !isnan(wm->speed_mhz) && wm->speed_mhz > 0)
			json_object_set_new(mach, "speed_mhz", json_real(wm->speed_mhz));
		json_array_append_new(machines, mach);
		if (!pin)
			json_array_append_new(exec, json_pack("{s:s, s:s, s:s, s:f}", "task",
							      "job", "machine", name, "model",
							      "constant", "value", 1.0));
	}
	if (!tasks)
		tasks = json_pack("[{s:s}]", "name", "job");
	json_t *x = json_pack(
		"{s:s, s:{s:o, s:o, s:o}, s:o, s:{s:s, s:s}, s:s, s:I}", "name",
		w->name ? w->name : "replay", "profile", "machine_types", types,
		"task_types", tasks, "exec", exec, "machines", machines,
		"workload", "workflow", trace, "task_types", pin ? "job" : "category",
		"policy", pin ? "mct" : "fcfs", "seed", (json_int_t)seed);
	if (x && wms)
		json_object_set_new(x, "wms", json_string(wms));
	return x;
}

/* Add the recorded makespan and the error to the staged summary.json. */
static int add_error(const char *path, double recorded, double *sim,
		     double *error_pct, io_err *err)
{
	json_error_t je;
	json_t *s = json_load_file(path, 0, &je);
	if (!s)
		return io_errf(err, IO_EIO, path, je.line, "%s", je.text);
	json_t *metrics = json_object_get(s, "metrics");
	*sim = json_number_value(json_object_get(metrics, "makespan_s"));
	*error_pct = recorded > 0 ? 100 * (*sim - recorded) / recorded : NAN;
	json_object_set_new(s, "recorded_makespan_s", sim_json_num(recorded));
	json_object_set_new(s, "error_pct", sim_json_num(*error_pct));
	int rc = sim_write_json(path, s, err);
	json_decref(s);
	return rc;
}

int sim_cmd_replay(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_replay_usage))
		return 0;
	const char *trace = NULL, *out = NULL, *wms = NULL;
	uint64_t seed = 1;
	int quiet = 0, pin = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--out") == 0 || strcmp(a, "--wms") == 0 ||
		    strcmp(a, "--seed") == 0) {
			if (!val)
				return bad_usage("%s needs a value", a);
			i++;
			if (a[2] == 'o')
				out = val;
			else if (a[2] == 'w')
				wms = val;
			else {
				if (sim_cli_parse_u64(val, UINT64_MAX, &seed))
					return bad_usage("--seed: bad number \"%s\"", val);
			}
		} else if (strcmp(a, "--quiet") == 0) {
			quiet = 1;
		} else if (strcmp(a, "--pin") == 0) {
			pin = 1;
		} else if (a[0] == '-' && a[1]) {
			return bad_usage("unknown option \"%s\"", a);
		} else if (trace) {
			return bad_usage("one trace at a time (\"%s\")", a);
		} else {
			trace = a;
		}
	}
	if (!trace)
		return bad_usage("%s", "no trace given");
	if (!out || !*out)
		return bad_usage("%s", "--out DIR is required");
	io_err err = {0};
	wl_workflow *w = NULL;
	if (wl_workflow_load(&w, trace, &err))
		return fail(&err);
	char abs_trace[PATH_MAX], abs_wms[PATH_MAX];
	if (!realpath(trace, abs_trace)) {
		wl_workflow_free(w);
		io_errf(&err, IO_EINPUT, trace, 0, "%s", strerror(errno));
		return fail(&err);
	}
	if (wms && (strchr(wms, '/') || strstr(wms, ".json"))) {
		if (!realpath(wms, abs_wms)) {
			wl_workflow_free(w);
			io_errf(&err, IO_EINPUT, wms, 0, "%s", strerror(errno));
			return fail(&err);
		}
		wms = abs_wms;
	}
	double recorded = w->makespan_s;
	json_t *xj = replay_experiment(w, abs_trace, wms, seed, pin);
	wl_workflow_free(w);
	char tmp[] = "/tmp/hetsim-replay-XXXXXX";
	int fd = xj ? mkstemp(tmp) : -1;
	int rc = 0;
	if (fd < 0) {
		json_decref(xj);
		io_errf(&err, IO_EIO, "/tmp", 0, "cannot write the replay's experiment");
		return fail(&err);
	}
	close(fd);
	rc = sim_write_json(tmp, xj, &err);
	json_decref(xj);
	sim_experiment *x = NULL;
	if (!rc)
		rc = sim_experiment_load(&x, tmp, &err);
	unlink(tmp);
	sim_outset *set = NULL;
	if (!rc)
		rc = sim_outset_begin(&set, out, &err);
	sim_result r;
	double sim = NAN, error_pct = NAN;
	if (!rc) {
		sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
		o.run_dir = sim_outset_dir(set);
		o.quiet = 1;
		rc = sim_run_policy(x, 0, &o, &r, &err);
		if (rc)
			sim_outset_name_final(set, &err);
	}
	if (!rc) {
		char *path = sim_pathf("%s/summary.json", sim_outset_dir(set));
		rc = path ? add_error(path, recorded, &sim, &error_pct, &err)
			  : io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
		free(path);
	}
	if (!rc) {
		json_t *info = json_pack("{s:s, s:s, s:I, s:b, s:[s]}", "hetsim_version",
					 HETSIM_VERSION, "trace", abs_trace,
					 "seed", (json_int_t)seed, "pinned", pin,
					 "policies", pin ? "mct" : "fcfs");
		rc = info ? sim_outset_commit(set, info, &err)
			  : io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
		json_decref(info);
	}
	sim_outset_free(set);
	sim_experiment_free(x);
	if (rc)
		return fail(&err);
	if (!quiet)
		printf("replay %s: simulated makespan %.2f s, recorded %.2f s, "
		       "error %+.1f%%\n",
		       trace, sim, recorded, error_pct);
	return 0;
}
