/* tests/test_workflow_run.c — workflows run by the engine of `hetsim run`
 * (sim/engine.c, "workflows") and `hetsim replay`: HEFT's published
 * schedule length through `hetsim run`, the critical path on unlimited
 * machines, the phases of every jobs.csv.gz row in order and after the
 * parents' post_end, the max_running throttle, the six shared traces
 * replayed, located errors, the same seed giving the same bytes, and the
 * WMS model loader (profiles/wms.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "profiles/wms.h"
#include "workloads/workflow_load.h"
#include "tests/tests.h"

#define WFF "../shared/data/workflows/wfformat/"

static const char *const traces[] = {
	"1000genome-chameleon-2ch-100k-001.json", "bacass-dirt02-001.json",
	"blast-chameleon-small-001.json",
	"epigenomics-chameleon-hep-1seq-100k-001.json",
	"helloworld-chain-5-chameleon.json",
	"montage-chameleon-2mass-005d-001.json"};

/* A gzip file's text (malloc'd), NULL if unreadable. */
static char *gz_slurp(const char *path)
{
	gzFile g = gzopen(path, "rb");
	if (!g)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int k;
	while (buf && (k = gzread(g, buf + n, (unsigned)(cap - n - 1))) > 0) {
		n += (size_t)k;
		if (cap - n < 2)
			buf = realloc(buf, cap *= 2);
	}
	gzclose(g);
	if (buf)
		buf[n] = 0;
	return buf;
}

static const char *const header =
	"job,name,task_type,class,machine,machine_type,ready_s,submit_s,"
	"start_s,stage_in_start_s,stage_in_end_s,compute_start_s,"
	"compute_end_s,stage_out_start_s,stage_out_end_s,end_s,post_end_s";

typedef struct row {
	char name[128];
	char cls[16];
	unsigned machine;
	double t[11]; /* ready .. post_end, NAN: empty */
} row;

/* The rows of a jobs.csv.gz (names without quotes or commas). */
static row *read_jobs(const char *path, size_t *n)
{
	char *text = gz_slurp(path);
	ck_assert_msg(text, "cannot read %s", path);
	ck_assert_msg(strncmp(text, header, strlen(header)) == 0 &&
			      text[strlen(header)] == '\n',
		      "header of %s", path);
	size_t cap = 16, k = 0;
	row *rs = malloc(cap * sizeof *rs);
	char *save = NULL;
	for (char *line = strtok_r(text + strlen(header) + 1, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (k == cap)
			rs = realloc(rs, (cap *= 2) * sizeof *rs);
		row *r = &rs[k++];
		char *f[17];
		int nf = 0;
		for (char *p = line; nf < 17; nf++) {
			f[nf] = p;
			char *c = strchr(p, ',');
			if (!c) {
				nf++;
				break;
			}
			*c = 0;
			p = c + 1;
		}
		ck_assert_int_eq(nf, 17);
		snprintf(r->name, sizeof r->name, "%s", f[1]);
		snprintf(r->cls, sizeof r->cls, "%s", f[3]);
		r->machine = (unsigned)atoi(f[4]);
		for (int c = 0; c < 11; c++)
			r->t[c] = *f[6 + c] ? atof(f[6 + c]) : NAN;
	}
	free(text);
	*n = k;
	return rs;
}

static const row *find_row(const row *rs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rs[i].name, name) == 0)
			return &rs[i];
	ck_abort_msg("no row for job %s", name);
	return NULL;
}

/* Phases in order (empty ones skipped), submit and start present, and
 * every job ready no sooner than its parents' post_end. */
static void check_rows(const row *rs, size_t n, const wl_workflow *w)
{
	for (size_t i = 0; i < n; i++) {
		const row *r = &rs[i];
		double last = -1;
		for (int c = 0; c < 11; c++) {
			if (isnan(r->t[c])) {
				tck_assert_msg(c == 3 || c == 4 || c == 7 || c == 8,
					      "%s: column %d empty", r->name, 6 + c);
				continue;
			}
			tck_assert_msg(r->t[c] >= last - 1e-6,
				      "%s: column %d (%g) before %g", r->name,
				      6 + c, r->t[c], last);
			last = r->t[c];
		}
	}
	const wl_dag *d = w->dag;
	for (uint32_t j = 0; j < d->n_jobs; j++) {
		const row *c = find_row(rs, n, wl_dag_job_name(d, j));
		for (uint32_t k = d->par_off[j]; k < d->par_off[j + 1]; k++) {
			const row *p = find_row(rs, n, wl_dag_job_name(d, d->par[k]));
			ck_assert_msg(c->t[0] >= p->t[10] - 1e-6,
				      "%s ready at %g before parent %s's post_end %g",
				      c->name, c->t[0], p->name, p->t[10]);
		}
	}
}

static double summary_num(const char *path, const char *obj, const char *key)
{
	json_error_t je;
	json_t *s = json_load_file(path, 0, &je);
	ck_assert_msg(s, "%s: %s", path, je.text);
	json_t *o = obj ? json_object_get(s, obj) : s;
	json_t *v = json_object_get(o, key);
	ck_assert_msg(json_is_number(v), "%s: no %s.%s", path, obj ? obj : "", key);
	double x = json_number_value(v);
	json_decref(s);
	return x;
}

static wl_workflow *load_wf(const char *path)
{
	io_err err = {0};
	wl_workflow *w = NULL;
	ck_assert_msg(wl_workflow_load(&w, path, &err) == 0, "%s", err.msg);
	return w;
}

/* Topcuoglu, Hariri & Wu (2002) through `hetsim run` on the shared DAX,
 * costs from tests/data/heft_paper_profile.json. The DAX's edge n3 -> n7
 * carries 2500 bytes, a cost of 20 where the paper has 23: n3's rank is 77
 * rather than 80, so n2/n3 swap their places in the paper's Fig. 4(a), and
 * the schedule below is the one computed by hand for these costs; its
 * length is the paper's 80. */
START_TEST(heft_gives_the_published_length_80_through_hetsim_run)
{
	char cmd[1024], err[512], dir[512];
	snprintf(dir, sizeof dir, "%s/heft", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s run tests/data/heft_paper.json --policy heft --out '%s' --quiet",
		 test_bin(), dir);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	char path[600];
	snprintf(path, sizeof path, "%s/heft/summary.json", dir);
	ck_assert_double_eq(summary_num(path, "metrics", "makespan_s"), 80);
	snprintf(path, sizeof path, "%s/heft/jobs.csv.gz", dir);
	size_t n;
	row *rs = read_jobs(path, &n);
	ck_assert_uint_eq(n, 10);
	/* machine, compute start, compute end of n1..n10 */
	static const double want[10][3] = {
		{2, 0, 9},   {2, 9, 27},  {0, 21, 32}, {1, 18, 26}, {2, 27, 37},
		{1, 26, 42}, {0, 32, 39}, {0, 57, 62}, {1, 50, 62}, {1, 73, 80}};
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof name, "ID%05d", i + 1);
		const row *r = find_row(rs, n, name);
		ck_assert_uint_eq(r->machine, (unsigned)want[i][0]);
		ck_assert_double_eq_tol(r->t[5], want[i][1], 1e-9);
		ck_assert_double_eq_tol(r->t[6], want[i][2], 1e-9);
	}
	wl_workflow *w = load_wf("../shared/data/workflows/dax/HEFT_paper.xml");
	check_rows(rs, n, w);
	wl_workflow_free(w);
	free(rs);
}
END_TEST

/* An experiment file in the temp dir running workflow file wf (absolute
 * path made from the working directory) without WMS overheads (a trace's
 * own system's model would be the default). */
static const char *experiment(const char *name, const char *wf,
			      const char *machines, const char *extra)
{
	char cwd[1024], text[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(text, sizeof text,
		 "{\"profile\": {\"machine_types\": [{\"name\": \"vm\", "
		 "\"slots\": 1, \"nic_gbps\": 1}], \"task_types\": [{\"name\": "
		 "\"job\"}], \"exec\": [{\"task\": \"job\", \"machine\": \"vm\", "
		 "\"model\": \"constant\", \"value\": 1}]},\n"
		 " \"machines\": %s,\n"
		 " \"workload\": {\"workflow\": \"%s/%s\"%s},\n"
		 " \"wms\": \"none\",\n"
		 " \"policies\": [\"eft\", \"mct\", \"fcfs\", \"minmin\", \"heft\"]}\n",
		 machines, cwd, wf, extra);
	return test_write(name, text);
}

/* As many machines as jobs, free transfers and no overheads: every job
 * starts when its parents end, so the makespan is the longest path. */
START_TEST(critical_path_with_unlimited_machines_is_the_longest_path)
{
	const char *wf = WFF "1000genome-chameleon-2ch-100k-001.json";
	wl_workflow *w = load_wf(wf);
	double cp = wl_workflow_critical_path(w);
	char machines[64];
	snprintf(machines, sizeof machines, "[{\"type\": \"vm\", \"count\": %u}]",
		 w->dag->n_jobs);
	const char *x = experiment("cp.json", wf, machines,
				   ", \"nic_gbps\": 1e15, \"contention_free\": true");
	char cmd[1200], err[512], dir[512], path[700];
	snprintf(dir, sizeof dir, "%s/cp", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s run '%s' --out '%s' --quiet --set 'profile.machine_types.0.nic_gbps=1e15'",
		 test_bin(), x, dir);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	static const char *const pols[] = {"eft", "mct", "fcfs", "minmin", "heft"};
	for (int p = 0; p < 5; p++) {
		snprintf(path, sizeof path, "%s/%s/summary.json", dir, pols[p]);
		double ms = summary_num(path, "metrics", "makespan_s");
		ck_assert_msg(fabs(ms - cp) < 1e-3, "%s: makespan %.9g, longest path %.9g",
			      pols[p], ms, cp);
	}
	wl_workflow_free(w);
}
END_TEST

/* With the hand-made WMS model (tests/data/wms_test.json): every row's
 * phases in order, children after their parents' post_end, the aux jobs
 * first and last, the constant phases exact, and never more than
 * max_running = 2 jobs between submit and end. */
START_TEST(jobs_csv_rows_are_consistent_under_a_wms_model)
{
	const char *wf = WFF "1000genome-chameleon-2ch-100k-001.json";
	const char *x = experiment("wms.json", wf, "[{\"type\": \"vm\", \"count\": 3}]",
				   ", \"storage_gbps\": 1");
	char cmd[4096], err[512], dir[512], path[700], cwd[1024];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(dir, sizeof dir, "%s/wms", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "%s run '%s' --out '%s' --quiet --set 'wms=\"%s/tests/data/wms_test.json\"'",
		 test_bin(), x, dir, cwd);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	wl_workflow *w = load_wf(wf);
	static const char *const pols[] = {"eft", "mct", "fcfs", "minmin", "heft"};
	for (int p = 0; p < 5; p++) {
		snprintf(path, sizeof path, "%s/%s/jobs.csv.gz", dir, pols[p]);
		size_t n;
		row *rs = read_jobs(path, &n);
		ck_assert_uint_eq(n, w->dag->n_jobs + 4);
		check_rows(rs, n, w);
		const row *first = find_row(rs, n, "create_dir_52");
		const row *last = find_row(rs, n, "cleanup_55");
		/* the two stage_out jobs follow their halves of the sinks (in
		 * job order) */
		const wl_dag *d = w->dag;
		uint32_t ns = 0, sinks[64];
		for (uint32_t j = 0; j < d->n_jobs; j++)
			if (d->child_off[j + 1] == d->child_off[j] && ns < 64)
				sinks[ns++] = j;
		ck_assert_uint_ge(ns, 2);
		for (uint32_t g = 0; g < 2; g++) {
			char name[32];
			snprintf(name, sizeof name, "stage_out_%u", 53 + g);
			const row *so = find_row(rs, n, name);
			ck_assert_str_eq(so->cls, "transfer");
			double after = 0;
			for (uint32_t i = g * ns / 2; i < (g + 1) * ns / 2; i++) {
				const row *sk = find_row(rs, n, wl_dag_job_name(d, sinks[i]));
				if (sk->t[10] > after)
					after = sk->t[10];
			}
			ck_assert_msg(so->t[0] >= after - 1e-6 && so->t[0] <= after + 1e-6,
				      "%s ready at %g, its sinks done at %g", name,
				      so->t[0], after);
		}
		double max_post = 0;
		size_t exact_delay = 0;
		for (size_t i = 0; i < n; i++) {
			const row *r = &rs[i];
			int aux = strcmp(r->cls, "auxiliary") == 0;
			if (strcmp(r->cls, "transfer") == 0)
				continue; /* stage_out: the "*" delays */
			/* the WMS delay; more when max_running held the job */
			double wd = aux ? 1.0 : 2.0;
			ck_assert_msg(r->t[1] - r->t[0] >= wd - 1e-6, "%s: submit %g, ready %g",
				      r->name, r->t[1], r->t[0]);
			exact_delay += fabs(r->t[1] - r->t[0] - wd) < 1e-6;
			ck_assert_double_eq_tol(r->t[10] - r->t[9], 1.5, 0.5 + 1e-6);
			ck_assert_msg(r->t[2] - r->t[1] >= 3 - 1e-6, "queue delay");
			if (r != first)
				ck_assert(r->t[0] >= first->t[10] - 1e-6);
			if (r != last && r->t[10] > max_post)
				max_post = r->t[10];
			/* max_running: jobs between submit and end at r's submit */
			int live = 0;
			for (size_t k = 0; k < n; k++)
				live += rs[k].t[1] <= r->t[1] && r->t[1] < rs[k].t[9];
			ck_assert_msg(live <= 2, "%d jobs running at %g", live, r->t[1]);
		}
		ck_assert(last->t[0] >= max_post - 1e-6);
		ck_assert_uint_gt(exact_delay, 2);
		snprintf(path, sizeof path, "%s/%s/summary.json", dir, pols[p]);
		ck_assert_double_eq_tol(summary_num(path, "metrics", "makespan_s"),
					last->t[10], 1e-6);
		free(rs);
	}
	wl_workflow_free(w);
}
END_TEST

/* A WfFormat trace of n jobs of runtime_s each, independent or a chain,
 * on one machine of `cores` cores, run by Makeflow, recorded makespan
 * `makespan_s`; its path. */
static const char *dispatch_trace(const char *name, int n, int chain, double runtime_s,
				  int cores, double makespan_s)
{
	char tasks[4096] = "", exec[4096] = "", text[9000];
	size_t lt = 0, le = 0;
	for (int j = 0; j < n; j++) {
		char par[32] = "";
		if (chain && j)
			snprintf(par, sizeof par, "\"j%d\"", j - 1);
		lt += (size_t)snprintf(tasks + lt, sizeof tasks - lt,
				       "%s{\"name\": \"j%d\", \"id\": \"j%d\", \"parents\": [%s]}",
				       j ? ",\n" : "", j, j, par);
		le += (size_t)snprintf(exec + le, sizeof exec - le,
				       "%s{\"id\": \"j%d\", \"runtimeInSeconds\": %g, "
				       "\"machines\": [\"n1\"]}", j ? ",\n" : "", j, runtime_s);
	}
	snprintf(text, sizeof text,
		 "{\"name\": \"%s\", \"schemaVersion\": \"1.5\",\n"
		 " \"runtimeSystem\": {\"name\": \"Makeflow\", \"version\": \"7\"},\n"
		 " \"workflow\": {\"specification\": {\"tasks\": [\n%s],\n \"files\": []},\n"
		 " \"execution\": {\"makespanInSeconds\": %g, \"tasks\": [\n%s],\n"
		 "  \"machines\": [{\"nodeName\": \"n1\", \"cpu\": {\"coreCount\": %d}}]}}}\n",
		 name, tasks, makespan_s, exec, cores);
	return test_write(name, text);
}

/* The submit host (WMS "dispatch", profiles/wms.h) serves one job at a
 * time: 4 independent jobs ready at 0 on 4 cores, dispatch 10 s each,
 * start at 10, 20, 30, 40 s (no other phase); with "submit_slots": 2 at
 * 10, 10, 20, 20. */
START_TEST(serial_submit_host_dispatches_one_job_at_a_time)
{
	const char *trace = dispatch_trace("four.json", 4, 0, 5, 4, 45);
	static const struct {
		const char *slots;
		double start[4];
	} c[] = {{"", {10, 20, 30, 40}}, {", \"submit_slots\": 2", {10, 10, 20, 20}}};
	for (int k = 0; k < 2; k++) {
		char text[512], cmd[2048], err[512], dir[512], path[700];
		snprintf(text, sizeof text,
			 "{\"wms\": \"serial\", \"phases\": {\"dispatch\": {\"*\": "
			 "{\"model\": \"constant\", \"value\": 10}}}%s}\n", c[k].slots);
		const char *model = test_write("wms_dispatch.json", text);
		snprintf(dir, sizeof dir, "%s/dispatch%d", test_tmpdir(), k);
		snprintf(cmd, sizeof cmd, "%s replay '%s' --wms '%s' --out '%s' --quiet",
			 test_bin(), trace, model, dir);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
		snprintf(path, sizeof path, "%s/jobs.csv.gz", dir);
		size_t n;
		row *rs = read_jobs(path, &n);
		ck_assert_uint_eq(n, 4);
		double st[4];
		for (size_t i = 0; i < n; i++) {
			ck_assert_double_eq_tol(rs[i].t[0], 0, 1e-9); /* ready */
			/* the dispatch window is part of [ready_s, submit_s] */
			ck_assert_double_eq_tol(rs[i].t[1], rs[i].t[2], 1e-9);
			st[i] = rs[i].t[2];
		}
		for (size_t i = 1; i < n; i++) /* sort the starts */
			for (size_t j = i; j > 0 && st[j] < st[j - 1]; j--) {
				double x = st[j];
				st[j] = st[j - 1];
				st[j - 1] = x;
			}
		for (int i = 0; i < 4; i++)
			ck_assert_msg(fabs(st[i] - c[k].start[i]) < 1e-9, "slots case %d: start %d at %g",
				      k, i, st[i]);
		snprintf(path, sizeof path, "%s/summary.json", dir);
		ck_assert_double_eq_tol(summary_num(path, "metrics", "makespan_s"),
					c[k].start[3] + 5, 1e-9);
		free(rs);
	}
}
END_TEST

/* Three independent jobs of 5 s recorded on n2 (1 core), n2 and n1 (4
 * cores); n3 (2 cores) runs none. Its path. */
static const char *pin_trace(void)
{
	return test_write(
		"pin.json",
		"{\"name\": \"pin\", \"schemaVersion\": \"1.5\",\n"
		" \"runtimeSystem\": {\"name\": \"Pegasus\", \"version\": \"5\"},\n"
		" \"workflow\": {\"specification\": {\"tasks\": [\n"
		"  {\"name\": \"j0\", \"id\": \"j0\", \"parents\": []},\n"
		"  {\"name\": \"j1\", \"id\": \"j1\", \"parents\": []},\n"
		"  {\"name\": \"j2\", \"id\": \"j2\", \"parents\": []}],\n"
		"  \"files\": []},\n"
		" \"execution\": {\"makespanInSeconds\": 10, \"tasks\": [\n"
		"  {\"id\": \"j0\", \"runtimeInSeconds\": 5, \"machines\": [\"n2\"]},\n"
		"  {\"id\": \"j1\", \"runtimeInSeconds\": 5, \"machines\": [\"n2\"]},\n"
		"  {\"id\": \"j2\", \"runtimeInSeconds\": 5, \"machines\": [\"n1\"]}],\n"
		"  \"machines\": [{\"nodeName\": \"n1\", \"cpu\": {\"coreCount\": 4}},\n"
		"   {\"nodeName\": \"n2\", \"cpu\": {\"coreCount\": 1}},\n"
		"   {\"nodeName\": \"n3\", \"cpu\": {\"coreCount\": 2}}]}}}\n");
}

/* --pin on pin_trace(): fcfs alone puts all three on n1 (machine
 * 0) at 0 s (makespan 5 s); pinned, each runs on its recorded machine:
 * j2 on n1 at 0, j0 and j1 one after the other on n2's one core at 0 and
 * 5 s (makespan 10 s). No WMS overhead (--wms none). */
START_TEST(replay_pin_runs_every_job_on_its_recorded_machine)
{
	const char *trace = pin_trace();
	static const struct {
		const char *opt;
		unsigned machine[3];
		double start[3], makespan;
	} c[] = {{"", {0, 0, 0}, {0, 0, 0}, 5}, {"--pin", {1, 1, 0}, {0, 5, 0}, 10}};
	for (int k = 0; k < 2; k++) {
		char cmd[2048], err[512], dir[512], path[700];
		snprintf(dir, sizeof dir, "%s/pin%d", test_tmpdir(), k);
		snprintf(cmd, sizeof cmd, "%s replay '%s' --wms none --out '%s' --quiet %s",
			 test_bin(), trace, dir, c[k].opt);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
		snprintf(path, sizeof path, "%s/jobs.csv.gz", dir);
		size_t n;
		row *rs = read_jobs(path, &n);
		ck_assert_uint_eq(n, 3);
		for (int j = 0; j < 3; j++) {
			char name[16];
			snprintf(name, sizeof name, "j%d", j);
			const row *r = find_row(rs, n, name);
			ck_assert_msg(r->machine == c[k].machine[j], "%s %s: machine %u",
				      c[k].opt, name, r->machine);
			ck_assert_msg(fabs(r->t[2] - c[k].start[j]) < 1e-9, "%s %s: start %g",
				      c[k].opt, name, r->t[2]);
		}
		snprintf(path, sizeof path, "%s/summary.json", dir);
		ck_assert_double_eq_tol(summary_num(path, "metrics", "makespan_s"),
					c[k].makespan, 1e-9);
		free(rs);
	}
}
END_TEST

/* per_machine aux jobs (profiles/wms.h): one per machine that runs a DAG
 * job, before its first. A model with one per_machine job of 2 s and no
 * other phase on pin_trace(): unpinned, fcfs runs the three jobs on n1
 * (machine 0): one aux job on 0 at [0, 2], the jobs compute [2, 7]
 * (makespan 7). Pinned (--pin): aux jobs on machines 0 and 1 (n3 runs
 * nothing, so has none) at [0, 2]; j2 on 0 and j0 on 1 start at 0 and
 * compute [2, 7]; j1 waits for n2's core until 7 and computes [7, 12]
 * (its machine's aux job is done). */
START_TEST(per_machine_aux_jobs_run_once_on_each_machine_used)
{
	const char *trace = pin_trace();
	const char *model = test_write(
		"wms_pm.json",
		"{\"wms\": \"pm\", \"aux_jobs\": [{\"kind\": \"create_dir\", "
		"\"where\": \"per_machine\", \"runtime\": {\"model\": "
		"\"constant\", \"value\": 2}}]}\n");
	static const struct {
		const char *opt;
		unsigned n_aux, aux_machine[2];
		double c_s[3], makespan;
	} c[] = {{"", 1, {0, 0}, {2, 2, 2}, 7}, {"--pin", 2, {0, 1}, {2, 7, 2}, 12}};
	for (int k = 0; k < 2; k++) {
		char cmd[2048], err[512], dir[512], path[700];
		snprintf(dir, sizeof dir, "%s/pm%d", test_tmpdir(), k);
		snprintf(cmd, sizeof cmd, "%s replay '%s' --wms '%s' --out '%s' --quiet %s",
			 test_bin(), trace, model, dir, c[k].opt);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
		snprintf(path, sizeof path, "%s/jobs.csv.gz", dir);
		size_t n;
		row *rs = read_jobs(path, &n);
		ck_assert_uint_eq(n, 3 + c[k].n_aux);
		unsigned seen = 0;
		for (size_t i = 0; i < n; i++) {
			const row *r = &rs[i];
			if (strncmp(r->name, "create_dir_", 11) != 0)
				continue;
			ck_assert_str_eq(r->cls, "auxiliary");
			ck_assert_msg(!(seen & (1u << r->machine)), "two on machine %u", r->machine);
			seen |= 1u << r->machine;
			ck_assert_double_eq_tol(r->t[5], 0, 1e-9); /* compute start */
			ck_assert_double_eq_tol(r->t[10], 2, 1e-9); /* post end */
		}
		unsigned want = 0;
		for (unsigned a = 0; a < c[k].n_aux; a++)
			want |= 1u << c[k].aux_machine[a];
		ck_assert_msg(seen == want, "%s: aux machines %#x, want %#x", c[k].opt, seen, want);
		for (int j = 0; j < 3; j++) {
			char name[16];
			snprintf(name, sizeof name, "j%d", j);
			const row *r = find_row(rs, n, name);
			ck_assert_msg(fabs(r->t[5] - c[k].c_s[j]) < 1e-9, "%s %s: compute start %g",
				      c[k].opt, name, r->t[5]);
		}
		snprintf(path, sizeof path, "%s/summary.json", dir);
		ck_assert_double_eq_tol(summary_num(path, "metrics", "makespan_s"),
					c[k].makespan, 1e-9);
		json_error_t je;
		json_t *sj = json_load_file(path, 0, &je);
		ck_assert_ptr_nonnull(sj);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_object_get(sj, "workflow"), "aux_jobs")),
				 c[k].n_aux);
		json_decref(sj);
		free(rs);
	}
}
END_TEST

START_TEST(replay_runs_the_six_shared_traces)
{
	for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++) {
		char wf[256], cmd[1200], err[512], dir[512], path[700];
		snprintf(wf, sizeof wf, WFF "%s", traces[i]);
		snprintf(dir, sizeof dir, "%s/replay%zu", test_tmpdir(), i);
		snprintf(cmd, sizeof cmd, "%s replay '%s' --out '%s' --quiet --wms none",
			 test_bin(), wf, dir);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s: %s", wf, err);
		wl_workflow *w = load_wf(wf);
		snprintf(path, sizeof path, "%s/summary.json", dir);
		double sim = summary_num(path, "metrics", "makespan_s");
		double rec = summary_num(path, NULL, "recorded_makespan_s");
		double e = summary_num(path, NULL, "error_pct");
		ck_assert_double_eq(rec, w->makespan_s);
		ck_assert_double_eq_tol(e, 100 * (sim - rec) / rec, 1e-6);
		/* no overheads, own runtimes: never shorter than the longest path */
		ck_assert_msg(sim >= wl_workflow_critical_path(w) - 1e-6, "%s", wf);
		snprintf(path, sizeof path, "%s/jobs.csv.gz", dir);
		size_t n;
		row *rs = read_jobs(path, &n);
		ck_assert_uint_eq(n, w->dag->n_jobs);
		check_rows(rs, n, w);
		free(rs);
		snprintf(path, sizeof path, "%s/manifest.json", dir);
		ck_assert_int_eq(access(path, R_OK), 0);
		wl_workflow_free(w);
	}
}
END_TEST

/* Without --wms a trace runs with its runtimeSystem's built-in model
 * (profiles/data/wms_pegasus.json for a Pegasus trace): its overheads
 * lengthen the run. */
START_TEST(replay_defaults_to_the_traces_own_system)
{
	char cmd[1200], err[512], path[2][700];
	const char *wf = WFF "1000genome-chameleon-2ch-100k-001.json";
	static const char *const opt[2] = {"", "--wms none"};
	double ms[2];
	for (int k = 0; k < 2; k++) {
		snprintf(cmd, sizeof cmd, "%s replay '%s' --out '%s/own%d' --quiet %s",
			 test_bin(), wf, test_tmpdir(), k, opt[k]);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
		snprintf(path[k], sizeof path[k], "%s/own%d/summary.json", test_tmpdir(), k);
		ms[k] = summary_num(path[k], "metrics", "makespan_s");
	}
	json_error_t je;
	json_t *s = json_load_file(path[0], 0, &je);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "workflow"), "wms")),
			 "Pegasus");
	ck_assert_uint_gt(json_integer_value(json_object_get(json_object_get(s, "workflow"),
							     "aux_jobs")), 0);
	json_decref(s);
	ck_assert_msg(ms[0] > ms[1], "with Pegasus %g s, without %g s", ms[0], ms[1]);
}
END_TEST

/* The error of `hetsim run` on experiment text, NUL if it ran. */
static const char *run_err(const char *name, const char *text)
{
	static char err[1024];
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "%s run '%s' --out '%s/bad' --quiet", test_bin(),
		 test_write(name, text), test_tmpdir());
	int st = test_run(cmd, err, sizeof err);
	ck_assert_msg(st == 2, "%s: status %d, [%s]", name, st, err);
	return err;
}

START_TEST(bad_workflows_and_experiments_give_located_errors)
{
	static const char head[] =
		"{\"profile\": {\"machine_types\": [{\"name\": \"vm\"}], "
		"\"task_types\": [{\"name\": \"job\"}], \"exec\": [{\"task\": "
		"\"job\", \"machine\": \"vm\", \"model\": \"constant\", \"value\": 1}]},\n"
		" \"machines\": [{\"type\": \"vm\"}],\n";
	char text[2048];
	/* a workflow file that is not there: the error names it */
	snprintf(text, sizeof text, "%s \"workload\": {\"workflow\": \"nope.dax\"},\n"
		 " \"policy\": \"eft\"}\n", head);
	ck_assert_ptr_nonnull(strstr(run_err("a.json", text), "nope.dax"));
	/* a cycle in the DAX: the loader's located error */
	test_write("cyc.dax",
		   "<adag version=\"2.1\">\n<job id=\"a\" name=\"t\" runtime=\"1\"/>\n"
		   "<job id=\"b\" name=\"t\" runtime=\"1\"/>\n"
		   "<child ref=\"a\"><parent ref=\"b\"/></child>\n"
		   "<child ref=\"b\"><parent ref=\"a\"/></child>\n</adag>\n");
	snprintf(text, sizeof text, "%s \"workload\": {\"workflow\": \"cyc.dax\"},\n"
		 " \"policy\": \"eft\"}\n", head);
	ck_assert_ptr_nonnull(strstr(run_err("b.json", text), "cycle"));
	/* bad keys and values of the workload: file and line */
	snprintf(text, sizeof text, "%s \"workload\": {\"workflow\": \"cyc.dax\",\n"
		 "  \"runtimes\": \"guess\"},\n \"policy\": \"eft\"}\n", head);
	ck_assert_ptr_nonnull(strstr(run_err("c.json", text), "c.json:4:"));
	snprintf(text, sizeof text, "%s \"workload\": {\"workflow\": {\"generator\": "
		 "\"spiral\"}},\n \"policy\": \"eft\"}\n", head);
	ck_assert_ptr_nonnull(strstr(run_err("d.json", text), "d.json:3:"));
	/* a bad inline WMS model: its line */
	snprintf(text, sizeof text, "%s \"workload\": {\"workflow\": {\"generator\": "
		 "\"chain\", \"jobs\": 3}},\n \"wms\": {\"wms\": \"x\", \"phases\": "
		 "{\"startup\":\n {\"*\": {\"model\": \"lognormal\", \"mu\": 1}}}},\n"
		 " \"policy\": \"eft\"}\n", head);
	const char *e = run_err("e.json", text);
	ck_assert_msg(strstr(e, "e.json:5:") && strstr(e, "phases.startup"), "%s", e);
	/* heft on independent tasks */
	snprintf(text, sizeof text, "%s \"workload\": {\"arrival\": {\"process\": "
		 "\"poisson\", \"rate_per_s\": 1}, \"tasks\": 5},\n \"policy\": \"heft\"}\n",
		 head);
	ck_assert_ptr_nonnull(strstr(run_err("f.json", text), "workflows only"));
	/* a runtime scaled beyond the limit, a WMS draw beyond it */
	const char *x = experiment("speed.json", WFF "1000genome-chameleon-2ch-100k-001.json",
				   "[{\"type\": \"vm\", \"speed_mhz\": 1e-300}]", "");
	char cmd[1400], err[512];
	snprintf(cmd, sizeof cmd, "%s run '%s' --out '%s/big' --quiet --policy eft",
		 test_bin(), x, test_tmpdir());
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "individuals_ID") && strstr(err, "beyond the limit"),
		      "%s", err);
	snprintf(cmd, sizeof cmd,
		 "%s run '%s' --out '%s/big' --quiet --policy eft --set "
		 "'machines.0.speed_mhz=2000' --set 'wms={\"wms\": \"big\", "
		 "\"phases\": {\"post_delay\": {\"*\": {\"model\": \"constant\", "
		 "\"value\": 1e16}}}}'",
		 test_bin(), x, test_tmpdir());
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "post_delay") && strstr(err, "beyond the limit"),
		      "%s", err);
	/* replay of a file that is not a trace */
	snprintf(cmd, sizeof cmd, "%s replay '%s' --out '%s/r'", test_bin(),
		 test_write("g.json", "{\"name\": 1}\n"), test_tmpdir());
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "g.json"), "%s", err);
}
END_TEST

START_TEST(same_seed_gives_byte_identical_jobs_csv)
{
	const char *wf = WFF "montage-chameleon-2mass-005d-001.json";
	const char *x = experiment("seed.json", wf, "[{\"type\": \"vm\", \"count\": 4}]",
				   ", \"storage_gbps\": 0.5");
	char cmd[4096], err[512], cwd[1024], path[3][700];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	static const unsigned seeds[3] = {7, 7, 8};
	char *text[3];
	size_t len[3];
	for (int k = 0; k < 3; k++) {
		snprintf(cmd, sizeof cmd,
			 "%s run '%s' --out '%s/seed%d' --quiet --seed %u --policy mct "
			 "--set 'wms=\"%s/tests/data/wms_test.json\"'",
			 test_bin(), x, test_tmpdir(), k, seeds[k], cwd);
		ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
		snprintf(path[k], sizeof path[k], "%s/seed%d/mct/jobs.csv.gz",
			 test_tmpdir(), k);
		text[k] = test_slurp(path[k], &len[k]);
		ck_assert_ptr_nonnull(text[k]);
	}
	ck_assert(len[0] == len[1] && memcmp(text[0], text[1], len[0]) == 0);
	ck_assert(len[0] != len[2] || memcmp(text[0], text[2], len[0]) != 0);
	for (int k = 0; k < 3; k++)
		free(text[k]);
}
END_TEST

START_TEST(wms_model_loads_and_draws)
{
	wms_model m;
	io_err err = {0};
	ck_assert_msg(wms_load(&m, "tests/data/wms_test.json", &err) == 0, "%s", err.msg);
	ck_assert_str_eq(m.name, "Test");
	ck_assert_double_eq(wms_draw(&m, WMS_WMS_DELAY, WMS_COMPUTE, 0.3), 2);
	ck_assert_double_eq(wms_draw(&m, WMS_WMS_DELAY, WMS_TRANSFER, 0.3), 2);
	ck_assert_double_eq(wms_draw(&m, WMS_WMS_DELAY, WMS_AUXILIARY, 0.3), 1);
	ck_assert_double_eq_tol(wms_draw(&m, WMS_POST_DELAY, WMS_COMPUTE, 0.5), 1.5, 1e-12);
	ck_assert_int_eq(m.staging_inside, 1);
	ck_assert_uint_eq(m.max_running, 2);
	ck_assert_uint_eq(m.n_aux, 3);
	ck_assert_int_eq(m.aux[0].where, WMS_FIRST);
	ck_assert_int_eq(m.aux[1].where, WMS_AFTER_SINKS);
	ck_assert_uint_eq(m.aux[1].count, 2);
	ck_assert_int_eq(m.aux[2].where, WMS_LAST);
	wms_free(&m);
	ck_assert_msg(wms_load(&m, "profiles/data/wms_none.json", &err) == 0, "%s", err.msg);
	for (int p = 0; p < WMS_PHASES; p++)
		ck_assert_double_eq(wms_draw(&m, (wms_phase)p, WMS_COMPUTE, 0.9), 0);
	ck_assert_int_eq(m.staging_inside, 0);
	wms_free(&m);
	ck_assert_msg(wms_builtin(&m, "None 1.0", &err) == 0, "%s", err.msg);
	wms_free(&m);
	/* bad files: file and line */
	static const struct {
		const char *text, *where, *what;
	} bad[] = {
		{"{\"wms\": \"x\",\n \"phases\": {\"boot\": {}}}\n", ":2:", "unknown phase"},
		{"{\"wms\": \"x\", \"phases\": {\"startup\":\n {\"gpu\": {\"model\": "
		 "\"constant\", \"value\": 1}}}}\n", ":2:", "unknown job class"},
		{"{\"wms\": \"x\", \"phases\": {\"startup\": {\"*\":\n {\"model\": "
		 "\"constant\", \"value\": -1}}}}\n", ":2:", "phases.startup.*"},
		{"{\"wms\": \"x\",\n \"staging\": \"beside\"}\n", ":2:", "staging"},
		{"{\"wms\": \"x\", \"aux_jobs\": [\n {\"kind\": \"c\", \"where\": "
		 "\"middle\", \"runtime\": {\"model\": \"constant\", \"value\": 1}}]}\n",
		 ":2:", "where"},
		{"{\"phases\": {}}\n", ":1:", "wms"},
		{"{\"wms\": \"x\",\n \"submit_slots\": 0}\n", ":2:", "submit_slots"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(wms_load(&m, test_write("bad_wms.json", bad[i].text), &err),
				 IO_EINPUT);
		ck_assert_msg(strstr(err.msg, bad[i].where) && strstr(err.msg, bad[i].what),
			      "case %zu: [%s]", i, err.msg);
	}
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(wms_builtin(&m, "NoSuchSystem", &err), IO_EINPUT);
}
END_TEST

Suite *suite_workflow_run(void)
{
	Suite *s = suite_create("workflow_run");
	TCase *tc = tcase_create("workflow_run");
	tcase_set_timeout(tc, 120 * TEST_SLOWDOWN);
	tcase_add_test(tc, heft_gives_the_published_length_80_through_hetsim_run);
	tcase_add_test(tc, critical_path_with_unlimited_machines_is_the_longest_path);
	tcase_add_test(tc, jobs_csv_rows_are_consistent_under_a_wms_model);
	tcase_add_test(tc, serial_submit_host_dispatches_one_job_at_a_time);
	tcase_add_test(tc, replay_pin_runs_every_job_on_its_recorded_machine);
	tcase_add_test(tc, per_machine_aux_jobs_run_once_on_each_machine_used);
	tcase_add_test(tc, replay_runs_the_six_shared_traces);
	tcase_add_test(tc, replay_defaults_to_the_traces_own_system);
	tcase_add_test(tc, bad_workflows_and_experiments_give_located_errors);
	tcase_add_test(tc, same_seed_gives_byte_identical_jobs_csv);
	tcase_add_test(tc, wms_model_loads_and_draws);
	suite_add_tcase(s, tc);
	return s;
}
