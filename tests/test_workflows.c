/* tests/test_workflows.c — the workflow loaders (workloads/dax.h,
 * workloads/wfformat.h, workloads/workflow_load.h) and `hetsim workflow
 * info`: the shared examples against INDEX.csv, hand-written files read
 * back field by field, one located error per class of bad input, and a
 * 10^5-job DAX read in memory proportionate to the DAG. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>
#include "workloads/dax.h"
#include "workloads/wfformat.h"
#include "workloads/workflow_load.h"
#include "tests/tests.h"

#define WF_DATA "../shared/data/workflows/"

static wl_workflow *load_ok(const char *path)
{
	io_err err = {0};
	wl_workflow *w = NULL;
	ck_assert_msg(wl_workflow_load(&w, path, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(w);
	return w;
}

/* The error message of loading text written to a file called name. */
static const char *load_err(const char *name, const char *text)
{
	static io_err err;
	memset(&err, 0, sizeof err);
	wl_workflow *w = NULL;
	int rc = wl_workflow_load(&w, test_write(name, text), &err);
	ck_assert_msg(rc == IO_EINPUT, "%s: status %d, message [%s]", name, rc,
		      err.msg);
	ck_assert_ptr_null(w);
	return err.msg;
}

static int64_t find_job(const wl_workflow *w, const char *name)
{
	int64_t j = wl_dag_find_job(w->dag, name);
	ck_assert_msg(j >= 0, "no job %s", name);
	return j;
}

static int has_parent(const wl_dag *d, uint32_t child, uint32_t parent)
{
	for (uint32_t i = d->par_off[child]; i < d->par_off[child + 1]; i++)
		if (d->par[i] == parent)
			return 1;
	return 0;
}

static double file_size(const wl_workflow *w, const char *name)
{
	int64_t f = wl_dag_find_file(w->dag, name);
	ck_assert_msg(f >= 0, "no file %s", name);
	return w->dag->file_size[f];
}

/* ---- the shared examples ------------------------------------------------ */

/* Every file of INDEX.csv: jobs, edges, files, their bytes, the sum of the
 * runtimes and the recorded makespan as INDEX.csv counts them. */
START_TEST(examples_match_index_counts)
{
	FILE *f = fopen(WF_DATA "INDEX.csv", "r");
	ck_assert_msg(f, "cannot open " WF_DATA "INDEX.csv");
	char line[2048], path[600];
	int rows = 0;
	ck_assert(fgets(line, sizeof line, f)); /* header */
	while (fgets(line, sizeof line, f)) {
		char *field[20];
		int n = 0;
		for (char *p = line, *q; n < 20 && p; p = q) {
			q = strchr(p, ',');
			if (q)
				*q++ = 0;
			field[n++] = p;
		}
		ck_assert_int_ge(n, 15);
		snprintf(path, sizeof path, WF_DATA "%s", field[0]);
		wl_workflow *w = load_ok(path);
		ck_assert_str_eq(wl_workflow_format_name(w->format), field[1]);
		ck_assert_str_eq(w->version, field[2]);
		ck_assert_uint_eq(w->dag->n_jobs, strtoul(field[5], NULL, 10));
		ck_assert_uint_eq(w->dag->n_edges, strtoull(field[6], NULL, 10));
		ck_assert_uint_eq(w->dag->n_files, strtoul(field[13], NULL, 10));
		ck_assert_double_eq(wl_dag_total_bytes(w->dag), strtod(field[14], NULL));
		ck_assert_msg(fabs(wl_workflow_total_runtime(w) - strtod(field[7], NULL)) < 1e-3,
			      "%s: runtime %.9g", field[0], wl_workflow_total_runtime(w));
		if (*field[8])
			ck_assert_double_eq(w->makespan_s, strtod(field[8], NULL));
		else
			ck_assert(isnan(w->makespan_s));
		if (*field[10])
			ck_assert_uint_eq(w->n_machines, strtoul(field[10], NULL, 10));
		if (*field[4]) {
			char sys[200];
			snprintf(sys, sizeof sys, "%s %s", w->wms_name, w->wms_version);
			ck_assert_str_eq(sys, field[4]);
		}
		wl_workflow_free(w);
		rows++;
	}
	fclose(f);
	ck_assert_int_eq(rows, 11);
}
END_TEST

/* The WfFormat quirks of the README: Nextflow has no machines per task and
 * a task of runtime 0; Makeflow machines have cores but no speed. */
START_TEST(wfformat_examples_keep_system_specific_fields)
{
	wl_workflow *w = load_ok(WF_DATA "wfformat/bacass-dirt02-001.json");
	ck_assert_ptr_null(w->job_machine);
	ck_assert_uint_eq(w->machines[0].cores, 1);
	ck_assert_double_eq(w->machines[0].speed_mhz, 2400);
	int zero = 0;
	for (uint32_t j = 0; j < w->dag->n_jobs; j++)
		zero += wl_dag_runtime(w->dag, j) == 0;
	ck_assert_int_eq(zero, 1);
	ck_assert_ptr_nonnull(w->job_avg_cpu);
	wl_workflow_free(w);
	w = load_ok(WF_DATA "wfformat/blast-chameleon-small-001.json");
	ck_assert_uint_eq(w->n_machines, 2);
	ck_assert_uint_eq(w->machines[1].cores, 24);
	ck_assert(isnan(w->machines[1].speed_mhz));
	ck_assert_ptr_nonnull(w->job_machine);
	uint32_t j = (uint32_t)find_job(w, "split_fasta_ID000001");
	ck_assert_str_eq(w->machines[w->job_machine[j]].name, "worker-1.novalocal");
	ck_assert_str_eq(w->types.str[w->dag->job_type[j]], "split_fasta");
	wl_workflow_free(w);
	/* Montage's fit.txt, written by every mDiffFit: the first is its
	 * producer and the note says so */
	w = load_ok(WF_DATA "dax/Montage_25.xml");
	int64_t fit = wl_dag_find_file(w->dag, "fit.txt");
	ck_assert_int_ge(fit, 0);
	ck_assert_uint_eq(w->dag->file_producer[fit], find_job(w, "ID00005"));
	ck_assert_ptr_nonnull(strstr(w->note, "'fit.txt'"));
	wl_workflow_free(w);
}
END_TEST

/* ---- hand-written files read back --------------------------------------- */

static const char small_dax[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<adag xmlns=\"http://pegasus.isi.edu/schema/DAX\" version=\"2.1\" name=\"small\">\n"
	"  <job id=\"A\" namespace=\"t\" name=\"split\" version=\"1.0\" runtime=\"10.5\">\n"
	"    <uses file=\"in.dat\" link=\"input\" size=\"100\"/>\n"
	"    <uses file=\"a.out\" link=\"output\" size=\"2000\"/>\n"
	"  </job>\n"
	"  <job id=\"B\" name=\"work\" runtime=\"3\">\n"
	"    <uses file=\"a.out\" link=\"input\" size=\"2500\"/>\n"
	"    <uses file=\"b.out\" link=\"output\" size=\"7\"/>\n"
	"  </job>\n"
	"  <job id=\"C\" name=\"work\">\n"
	"    <metadata key=\"time\">4.25</metadata>\n"
	"    <uses name=\"a.out\" link=\"input\"/>\n"
	"    <uses name=\"c.out\" link=\"output\"><metadata key=\"size\">64</metadata></uses>\n"
	"  </job>\n"
	"  <job id=\"D\" name=\"merge\"><profile namespace=\"pegasus\" key=\"runtime\">1</profile>\n"
	"    <uses file=\"b.out\" link=\"input\"/><uses file=\"c.out\" link=\"input\"/>\n"
	"  </job>\n"
	"  <job id=\"E\" name=\"report\" runtime=\"0\"/>\n"
	"  <child ref=\"B\"><parent ref=\"A\"/></child>\n"
	"  <child ref=\"E\"><parent ref=\"D\"/><parent ref=\"A\"/></child>\n"
	"</adag>\n";

START_TEST(dax_round_trip_of_a_small_file)
{
	wl_workflow *w = load_ok(test_write("small.dax", small_dax));
	const wl_dag *d = w->dag;
	ck_assert_int_eq(w->format, WL_WF_DAX);
	ck_assert_str_eq(w->version, "2.1");
	ck_assert_str_eq(w->name, "small");
	ck_assert_uint_eq(d->n_jobs, 5);
	ck_assert_uint_eq(d->n_files, 4);
	/* A->B (file and control, once), A->C, B->D, C->D, D->E, A->E */
	ck_assert_uint_eq(d->n_edges, 6);
	uint32_t a = (uint32_t)find_job(w, "A"), b = (uint32_t)find_job(w, "B"),
		 c = (uint32_t)find_job(w, "C"), dd = (uint32_t)find_job(w, "D"),
		 e = (uint32_t)find_job(w, "E");
	ck_assert(has_parent(d, b, a) && has_parent(d, c, a));
	ck_assert(has_parent(d, dd, b) && has_parent(d, dd, c));
	ck_assert(has_parent(d, e, dd) && has_parent(d, e, a));
	ck_assert_double_eq(wl_dag_runtime(d, a), 10.5);
	ck_assert_double_eq(wl_dag_runtime(d, b), 3);
	ck_assert_double_eq(wl_dag_runtime(d, c), 4.25);
	ck_assert_double_eq(wl_dag_runtime(d, dd), 1);
	ck_assert_double_eq(wl_dag_runtime(d, e), 0);
	ck_assert_double_eq(file_size(w, "in.dat"), 100);
	ck_assert_double_eq(file_size(w, "a.out"), 2500); /* the last size wins */
	ck_assert_double_eq(file_size(w, "b.out"), 7);
	ck_assert_double_eq(file_size(w, "c.out"), 64);
	ck_assert_uint_eq(d->file_producer[wl_dag_find_file(d, "in.dat")], WL_NONE);
	ck_assert_uint_eq(d->file_producer[wl_dag_find_file(d, "c.out")], c);
	ck_assert_uint_eq(w->types.n, 4);
	ck_assert_str_eq(w->types.str[d->job_type[c]], "work");
	ck_assert_uint_eq(d->job_type[b], d->job_type[c]);
	ck_assert_uint_eq(d->job_line[c], 11);
	/* A 10.5 -> C 4.25 -> D 1 -> E 0 */
	ck_assert_double_eq_tol(wl_workflow_critical_path(w), 15.75, 1e-12);
	ck_assert_double_eq_tol(wl_workflow_total_runtime(w), 18.75, 1e-12);
	ck_assert(isnan(w->makespan_s));
	ck_assert_str_eq(w->note, "");
	wl_workflow_free(w);
}
END_TEST

static const char small_wf[] =
	"{\"name\": \"small\", \"schemaVersion\": \"1.5\",\n"
	" \"runtimeSystem\": {\"name\": \"Pegasus\", \"version\": \"5.0\"},\n"
	" \"workflow\": {\"specification\": {\n"
	"  \"tasks\": [\n"
	"   {\"name\": \"split_ID0000001\", \"id\": \"T1\", \"parents\": [], \"children\": [\"T2\", \"T3\"],\n"
	"    \"inputFiles\": [\"in\"], \"outputFiles\": [\"x\"]},\n"
	"   {\"name\": \"work_ID0000002\", \"id\": \"T2\", \"parents\": [\"T1\"], \"children\": [\"T4\"],\n"
	"    \"inputFiles\": [\"x\"], \"outputFiles\": [\"y\"]},\n"
	"   {\"name\": \"work_ID0000003\", \"id\": \"T3\", \"parents\": [\"T1\"], \"children\": [\"T4\"],\n"
	"    \"inputFiles\": [\"x\"], \"outputFiles\": []},\n"
	"   {\"name\": \"join\", \"category\": \"merge\", \"id\": \"T4\", \"parents\": [\"T2\", \"T3\"],\n"
	"    \"children\": [], \"inputFiles\": [\"y\"], \"outputFiles\": [\"z\"]}],\n"
	"  \"files\": [{\"id\": \"in\", \"sizeInBytes\": 10}, {\"id\": \"x\", \"sizeInBytes\": 2000},\n"
	"   {\"id\": \"y\", \"sizeInBytes\": 30.5}, {\"id\": \"z\", \"sizeInBytes\": 0}]},\n"
	"  \"execution\": {\"makespanInSeconds\": 99.5, \"executedAt\": \"20200401T035043+0000\",\n"
	"   \"tasks\": [\n"
	"    {\"id\": \"T1\", \"runtimeInSeconds\": 5, \"machines\": [\"n1\"], \"avgCPU\": 80},\n"
	"    {\"id\": \"T2\", \"runtimeInSeconds\": 20.25, \"machines\": [\"n2\"]},\n"
	"    {\"id\": \"T3\", \"runtimeInSeconds\": 30, \"machines\": [\"n1\"]},\n"
	"    {\"id\": \"T4\", \"runtimeInSeconds\": 0}],\n"
	"   \"machines\": [{\"nodeName\": \"n1\", \"cpu\": {\"coreCount\": 8, \"speedInMHz\": 2400}},\n"
	"    {\"nodeName\": \"n2\", \"cpu\": {\"coreCount\": 4}}]}}}\n";

static void check_small_wf(wl_workflow *w)
{
	const wl_dag *d = w->dag;
	ck_assert_int_eq(w->format, WL_WF_WFFORMAT);
	ck_assert_str_eq(w->version, "1.5");
	ck_assert_str_eq(w->name, "small");
	ck_assert_str_eq(w->wms_name, "Pegasus");
	ck_assert_str_eq(w->wms_version, "5.0");
	ck_assert_double_eq(w->makespan_s, 99.5);
	ck_assert_uint_eq(d->n_jobs, 4);
	ck_assert_uint_eq(d->n_files, 4);
	ck_assert_uint_eq(d->n_edges, 4);
	uint32_t t1 = (uint32_t)find_job(w, "T1"), t2 = (uint32_t)find_job(w, "T2"),
		 t3 = (uint32_t)find_job(w, "T3"), t4 = (uint32_t)find_job(w, "T4");
	ck_assert(has_parent(d, t2, t1) && has_parent(d, t3, t1));
	ck_assert(has_parent(d, t4, t2) && has_parent(d, t4, t3));
	ck_assert_double_eq(wl_dag_runtime(d, t1), 5);
	ck_assert_double_eq(wl_dag_runtime(d, t2), 20.25);
	ck_assert_double_eq(wl_dag_runtime(d, t3), 30);
	ck_assert_double_eq(wl_dag_runtime(d, t4), 0);
	ck_assert_double_eq(file_size(w, "in"), 10);
	ck_assert_double_eq(file_size(w, "x"), 2000);
	ck_assert_double_eq(file_size(w, "y"), 30.5);
	ck_assert_double_eq(file_size(w, "z"), 0);
	ck_assert_uint_eq(d->file_producer[wl_dag_find_file(d, "y")], t2);
	ck_assert_str_eq(w->types.str[d->job_type[t1]], "split");
	ck_assert_str_eq(w->types.str[d->job_type[t3]], "work");
	ck_assert_str_eq(w->types.str[d->job_type[t4]], "merge");
	ck_assert_uint_eq(w->types.n, 3);
	ck_assert_uint_eq(w->n_machines, 2);
	ck_assert_str_eq(w->machines[0].name, "n1");
	ck_assert_uint_eq(w->machines[0].cores, 8);
	ck_assert_double_eq(w->machines[0].speed_mhz, 2400);
	ck_assert_uint_eq(w->machines[1].cores, 4);
	ck_assert(isnan(w->machines[1].speed_mhz));
	ck_assert_uint_eq(w->job_machine[t2], 1);
	ck_assert_uint_eq(w->job_machine[t3], 0);
	ck_assert_uint_eq(w->job_machine[t4], WL_NONE);
	ck_assert_double_eq(w->job_avg_cpu[t1], 80);
	ck_assert(isnan(w->job_avg_cpu[t2]));
	ck_assert_uint_eq(d->job_line[t3], 9);
	/* T1 5 -> T3 30 -> T4 0 */
	ck_assert_double_eq(wl_workflow_critical_path(w), 35);
	ck_assert_double_eq(wl_workflow_total_runtime(w), 55.25);
}

START_TEST(wfformat_round_trip_of_a_small_file_plain_and_gzip)
{
	wl_workflow *w = load_ok(test_write("small.json", small_wf));
	check_small_wf(w);
	wl_workflow_free(w);
	char gzpath[600];
	snprintf(gzpath, sizeof gzpath, "%s/small.json.gz", test_tmpdir());
	gzFile gz = gzopen(gzpath, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzputs(gz, small_wf), (int)strlen(small_wf));
	ck_assert_int_eq(gzclose(gz), Z_OK);
	w = load_ok(gzpath);
	check_small_wf(w);
	wl_workflow_free(w);
	/* a gzip DAX too */
	snprintf(gzpath, sizeof gzpath, "%s/small.dax.gz", test_tmpdir());
	gz = gzopen(gzpath, "wb");
	ck_assert_int_eq(gzputs(gz, small_dax), (int)strlen(small_dax));
	ck_assert_int_eq(gzclose(gz), Z_OK);
	w = load_ok(gzpath);
	ck_assert_uint_eq(w->dag->n_jobs, 5);
	wl_workflow_free(w);
}
END_TEST

/* ---- bad input: one located error per class ----------------------------- */

#define DAX_HEAD "<adag version=\"2.1\">\n"

static void expect_err(const char *name, const char *text, const char *where,
		       const char *what)
{
	const char *msg = load_err(name, text);
	char want[600];
	snprintf(want, sizeof want, "%s/%s:%s", test_tmpdir(), name, where);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0 && strstr(msg, what),
		      "%s: [%s], want [%s ... %s]", name, msg, want, what);
}

START_TEST(dax_bad_inputs_give_located_errors)
{
	expect_err("m.dax", DAX_HEAD "<job id=\"a\" runtime=\"1\">\n</jb>\n</adag>\n",
		   "3:", "malformed XML");
	expect_err("m2.dax", DAX_HEAD "<job id=\"a\" runtime=\"1\"/>\n", "2:",
		   "malformed XML");
	expect_err("cyc.dax",
		   DAX_HEAD "<job id=\"a\" runtime=\"1\"/>\n<job id=\"b\" runtime=\"1\"/>\n"
			    "<child ref=\"a\"><parent ref=\"b\"/></child>\n"
			    "<child ref=\"b\"><parent ref=\"a\"/></child>\n</adag>\n",
		   "", "dependency cycle");
	expect_err("self.dax",
		   DAX_HEAD "<job id=\"a\" runtime=\"1\">\n<uses file=\"f\" link=\"input\"/>\n"
			    "<uses file=\"f\" link=\"output\"/></job>\n</adag>\n",
		   "2:", "reads its own output file 'f'");
	expect_err("dc.dax",
		   DAX_HEAD "<job id=\"a\" runtime=\"1\"/>\n\n<child ref=\"zz\"><parent ref=\"a\"/></child>\n</adag>\n",
		   "4:", "<child> ref 'zz' is not a job");
	expect_err("dp.dax",
		   DAX_HEAD "<job id=\"a\" runtime=\"1\"/>\n<child ref=\"a\">\n<parent ref=\"zz\"/></child>\n</adag>\n",
		   "4:", "<parent> ref 'zz' is not a job");
	expect_err("dup.dax",
		   DAX_HEAD "<job id=\"a\" runtime=\"1\"/>\n<job id=\"a\" runtime=\"2\"/>\n</adag>\n",
		   "3:", "job 'a' is defined twice");
	expect_err("nort.dax", DAX_HEAD "<job id=\"a\" name=\"x\">\n<uses file=\"f\"/>\n</job>\n</adag>\n",
		   "2:", "job 'a' has no runtime");
	expect_err("negrt.dax", DAX_HEAD "\n<job id=\"a\" runtime=\"-2\"/>\n</adag>\n",
		   "3:", "runtime '-2' is negative");
	expect_err("nanrt.dax", DAX_HEAD "<job id=\"a\" runtime=\"fast\"/>\n</adag>\n",
		   "2:", "runtime 'fast' is not a number");
	expect_err("negsz.dax",
		   DAX_HEAD "<job id=\"a\" runtime=\"1\">\n<uses file=\"f\" link=\"input\" size=\"-5\"/>\n</job>\n</adag>\n",
		   "3:", "size '-5' is negative");
	expect_err("link.dax",
		   DAX_HEAD "<job id=\"a\" runtime=\"1\">\n<uses file=\"f\" link=\"inout\"/>\n</job>\n</adag>\n",
		   "3:", "link 'inout'");
	expect_err("ver.dax", "<adag version=\"4.0\">\n</adag>\n", "1:",
		   "DAX version '4.0' is not supported");
	expect_err("root.dax", "<dag version=\"2.1\"/>\n", "1:", "not <adag>");
	expect_err("sub.dax", DAX_HEAD "<dax id=\"s\" file=\"x.dax\"/>\n</adag>\n",
		   "2:", "sub-workflow <dax>");
	expect_err("empty.dax", DAX_HEAD "</adag>\n", "", "no <job>");
	/* the cycle message names the line of a job on it */
	const char *msg = load_err(
		"cyc2.dax", DAX_HEAD "<job id=\"a\" runtime=\"1\"/>\n<job id=\"b\" runtime=\"1\"/>\n"
				     "<child ref=\"a\"><parent ref=\"b\"/></child>\n"
				     "<child ref=\"b\"><parent ref=\"a\"/></child>\n</adag>\n");
	ck_assert_msg(strstr(msg, "cyc2.dax:2: dependency cycle through job 'a'") ||
			      strstr(msg, "cyc2.dax:3: dependency cycle through job 'b'"),
		      "%s", msg);
	expect_err("nojson", "neither\n", "", "neither a DAX");
}
END_TEST

/* A WfFormat file with the given specification tasks, files and
 * execution tasks (JSON text of the arrays' contents). */
static const char *wf_text(const char *version, const char *tasks,
			   const char *files, const char *exec)
{
	static char text[4096];
	snprintf(text, sizeof text,
		 "{\"schemaVersion\": \"%s\",\n \"workflow\": {\"specification\": {\n"
		 "  \"tasks\": [%s],\n  \"files\": [%s]},\n"
		 "  \"execution\": {\"makespanInSeconds\": 1,\n   \"tasks\": [%s],\n"
		 "   \"machines\": [{\"nodeName\": \"n1\"}]}}}\n",
		 version, tasks, files, exec);
	return text;
}

#define T(id, par, in, out)                                                   \
	"{\"id\": \"" id "\", \"parents\": [" par "], \"inputFiles\": [" in  \
	"], \"outputFiles\": [" out "]}"
#define X(id, rt) "{\"id\": \"" id "\", \"runtimeInSeconds\": " rt "}"

START_TEST(wfformat_bad_inputs_give_located_errors)
{
	const char *two_tasks = T("a", "", "", "") ",\n" T("b", "\"a\"", "", "");
#define TWO_EXEC X("a", "1") ", " X("b", "2")
	const char *two_exec = TWO_EXEC;
	expect_err("j.json", "{\"schemaVersion\": \"1.5\",\n \"workflow\": {]}\n", "2:",
		   "");
	expect_err("v.json", wf_text("2.0", two_tasks, "", two_exec), "1:",
		   "schemaVersion '2.0' is not supported");
	expect_err("cyc.json",
		   wf_text("1.5", T("a", "\"b\"", "", "") ",\n" T("b", "\"a\"", "", ""), "", two_exec),
		   "3:", "dependency cycle");
	expect_err("dp.json",
		   wf_text("1.5", T("a", "", "", "") ",\n" T("b", "\"zz\"", "", ""), "", two_exec),
		   "4:", "parents: 'zz' is not a task");
	expect_err("df.json",
		   wf_text("1.5", T("a", "", "", "") ",\n" T("b", "", "\"nofile\"", ""), "", two_exec),
		   "4:", "inputFiles: 'nofile' is not a file");
	expect_err("dup.json",
		   wf_text("1.5", T("a", "", "", "") ",\n" T("a", "", "", ""), "", two_exec),
		   "4:", "task 'a' is defined twice");
	expect_err("dupf.json",
		   wf_text("1.5", two_tasks,
			   "{\"id\": \"f\", \"sizeInBytes\": 1},\n{\"id\": \"f\", \"sizeInBytes\": 2}", two_exec),
		   "6:", "file 'f' is defined twice");
	expect_err("nort.json", wf_text("1.5", two_tasks, "", X("a", "1")), "4:",
		   "task 'b' has no runtime");
	expect_err("nort2.json", wf_text("1.5", two_tasks, "", X("a", "1") ", {\"id\": \"b\"}"),
		   "7:", "task 'b' has no runtimeInSeconds");
	expect_err("negrt.json", wf_text("1.5", two_tasks, "", X("a", "1") ", " X("b", "-3")),
		   "7:", "runtimeInSeconds -3 is negative");
	expect_err("negsz.json",
		   wf_text("1.5", two_tasks, "{\"id\": \"f\", \"sizeInBytes\": -1}", two_exec),
		   "5:", "sizeInBytes -1 is negative");
	expect_err("prod.json",
		   wf_text("1.5", T("a", "", "", "\"f\"") ",\n" T("b", "", "", "\"f\""),
			   "{\"id\": \"f\", \"sizeInBytes\": 1}", two_exec),
		   "4:", "file 'f' is written by job 'a' and job 'b'");
	expect_err("mach.json",
		   wf_text("1.5", two_tasks, "",
			   X("a", "1") ",\n{\"id\": \"b\", \"runtimeInSeconds\": 1, \"machines\": [\"n9\"]}"),
		   "8:", "machine 'n9' is not in workflow.execution.machines");
	expect_err("xid.json", wf_text("1.5", two_tasks, "", TWO_EXEC ",\n" X("c", "1")),
		   "8:", "'c' is not a task of workflow.specification");
	expect_err("noex.json",
		   "{\"schemaVersion\": \"1.5\",\n \"workflow\": {\"specification\": {\"tasks\": [" T("a", "", "", "") "]}}}\n",
		   "2:", "no \"execution\"");
	expect_err("old.json",
		   "{\"schemaVersion\": \"1.4\",\n \"workflow\": {\"makespanInSeconds\": 1, \"tasks\": []}}\n",
		   "2:", "layout before 1.5");
}
END_TEST

/* ---- streaming ---------------------------------------------------------- */

static long max_rss_kb(void)
{
	struct rusage ru;
	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

/* A chain of 10^5 jobs (each reads its predecessor's file and writes its
 * own, with a control edge to every tenth job before it): the loader keeps
 * the DAG and no copy of the ~20 MB file. */
START_TEST(dax_of_100k_jobs_streams_in_memory_proportionate_to_the_dag)
{
	enum { N = 100000 };
	char path[600];
	snprintf(path, sizeof path, "%s/big.dax", test_tmpdir());
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "<?xml version=\"1.0\"?>\n<adag version=\"2.1\">\n");
	for (int j = 0; j < N; j++) {
		fprintf(f, "  <job id=\"ID%06d\" namespace=\"big\" name=\"t%d\" version=\"1.0\" runtime=\"%d.5\">\n",
			j, j % 7, j % 10);
		if (j)
			fprintf(f, "    <uses file=\"file_%06d.dat\" link=\"input\" register=\"true\" transfer=\"true\" size=\"%d\"/>\n",
				j - 1, 1000 + j - 1);
		fprintf(f, "    <uses file=\"file_%06d.dat\" link=\"output\" register=\"true\" transfer=\"true\" size=\"%d\"/>\n"
			   "  </job>\n", j, 1000 + j);
	}
	for (int j = 10; j < N; j += 10)
		fprintf(f, "  <child ref=\"ID%06d\">\n    <parent ref=\"ID%06d\"/>\n  </child>\n",
			j, j - 10);
	fprintf(f, "</adag>\n");
	long file_bytes = ftell(f);
	ck_assert_int_eq(fclose(f), 0);
	long before = max_rss_kb();
	wl_workflow *w = load_ok(path);
	long grown_kb = max_rss_kb() - before;
	ck_assert_uint_eq(w->dag->n_jobs, N);
	ck_assert_uint_eq(w->dag->n_files, N);
	ck_assert_uint_eq(w->dag->n_edges, (N - 1) + (N / 10 - 1));
	ck_assert_uint_eq(w->types.n, 7);
	ck_assert_double_eq(wl_dag_runtime(w->dag, N - 1), 9.5);
	ck_assert_double_eq(w->dag->file_size[N - 1], 1000 + N - 1);
	/* critical path: the whole chain, sum of j % 10 + 0.5 */
	ck_assert_double_eq(wl_workflow_critical_path(w), N / 10 * 45.0 + N * 0.5);
	wl_workflow_free(w);
	/* the DAG is ~150 bytes a job with its names and index (15 MB here);
	 * the file is ~280 bytes a job, a tree of it several times more.
	 * Sanitizer builds keep freed memory in quarantine: no bound there. */
	if (TEST_SANITIZED)
		return;
	ck_assert_msg(grown_kb * 1024 < file_bytes,
		      "grew %ld KB for a %ld KB file", grown_kb, file_bytes / 1024);
	ck_assert_msg(grown_kb < 400 * N / 1024, "grew %ld KB", grown_kb);
}
END_TEST

/* ---- hetsim workflow info ----------------------------------------------- */

START_TEST(workflow_info_prints_counts_and_critical_path)
{
	char cmd[1600], err[512], out[700];
	snprintf(out, sizeof out, "%s/info.out", test_tmpdir());
	snprintf(cmd, sizeof cmd, "{ %s workflow info %s >%s; }", test_bin(),
		 test_write("info.json", small_wf), out);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	char *text = test_slurp(out, NULL);
	ck_assert_ptr_nonnull(text);
	const char *want[] = {"format        wfformat 1.5\n", "system        Pegasus 5.0\n",
			      "jobs          4\n", "edges         4\n",
			      "files         4 (2040 bytes)\n",
			      "machines      2: n1 (8 cores, 2400 MHz) n2 (4 cores)\n",
			      "runtime_s     55.25 ", "critical_s    35 ",
			      "makespan_s    99.5 (recorded)\n"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(strstr(text, want[i]), "no [%s] in [%s]", want[i], text);
	free(text);
	/* the HEFT paper's DAG: 10 jobs, 15 edges, longest path 14+13+18... */
	snprintf(cmd, sizeof cmd, "{ %s workflow info %s >%s; }", test_bin(),
		 WF_DATA "dax/HEFT_paper.xml", out);
	ck_assert_msg(test_run(cmd, err, sizeof err) == 0, "%s", err);
	text = test_slurp(out, NULL);
	ck_assert_ptr_nonnull(strstr(text, "format        dax 2.1\n"));
	ck_assert_ptr_nonnull(strstr(text, "jobs          10\nedges         15\n"));
	ck_assert_ptr_null(strstr(text, "makespan_s"));
	free(text);
	/* bad input: status 2, the located message */
	snprintf(cmd, sizeof cmd, "%s workflow info %s", test_bin(),
		 test_write("bad.dax", DAX_HEAD "<job id=\"a\"/>\n</adag>\n"));
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "bad.dax:2: job 'a' has no runtime"), "%s", err);
	snprintf(cmd, sizeof cmd, "%s workflow frob x", test_bin());
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
	snprintf(cmd, sizeof cmd, "%s workflow info", test_bin());
	ck_assert_int_eq(test_run(cmd, err, sizeof err), 2);
}
END_TEST

Suite *suite_workflows(void)
{
	Suite *s = suite_create("workflows");
	TCase *tc = tcase_create("loaders");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, examples_match_index_counts);
	tcase_add_test(tc, wfformat_examples_keep_system_specific_fields);
	tcase_add_test(tc, dax_round_trip_of_a_small_file);
	tcase_add_test(tc, wfformat_round_trip_of_a_small_file_plain_and_gzip);
	tcase_add_test(tc, dax_bad_inputs_give_located_errors);
	tcase_add_test(tc, wfformat_bad_inputs_give_located_errors);
	tcase_add_test(tc, dax_of_100k_jobs_streams_in_memory_proportionate_to_the_dag);
	tcase_add_test(tc, workflow_info_prints_counts_and_critical_path);
	suite_add_tcase(s, tc);
	return s;
}
