/*
 * sim/cli/workflow.c — `hetsim workflow info FILE`: what a Pegasus DAX or
 * WfFormat file holds, as the loaders read it (workloads/workflow.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "workloads/workflow_load.h"

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hetsim: workflow: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see: hetsim help)\n");
	va_end(ap);
	return 2;
}

const char sim_cli_workflow_usage[] =
	"  workflow info FILE    what a workflow file holds (Pegasus DAX 2.x/3.x or\n"
	"                        WfFormat 1.x JSON, plain or .gz): format, jobs, edges,\n"
	"                        files, task types, machines, total runtime, critical\n"
	"                        path of the recorded runtimes, recorded makespan\n";

static int info(const char *path)
{
	io_err err = {0};
	wl_workflow *w;
	int rc = wl_workflow_load(&w, path, &err);
	if (rc) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return rc == IO_EINPUT ? 2 : 1;
	}
	const wl_dag *d = w->dag;
	printf("file          %s\n", path);
	printf("format        %s %s\n", wl_workflow_format_name(w->format),
	       w->version);
	if (w->name)
		printf("name          %s\n", w->name);
	if (w->wms_name)
		printf("system        %s%s%s\n", w->wms_name,
		       w->wms_version ? " " : "",
		       w->wms_version ? w->wms_version : "");
	printf("jobs          %u\n", d->n_jobs);
	printf("edges         %llu\n", (unsigned long long)d->n_edges);
	printf("files         %u (%.0f bytes)\n", d->n_files,
	       wl_dag_total_bytes(d));
	printf("task types    %u\n", w->types.n);
	if (w->n_machines) {
		printf("machines      %u:", w->n_machines);
		for (uint32_t m = 0; m < w->n_machines; m++) {
			const wl_wf_machine *wm = &w->machines[m];
			printf(" %s", wm->name);
			if (wm->cores)
				printf(" (%u cores", wm->cores);
			if (!isnan(wm->speed_mhz))
				printf("%s%g MHz", wm->cores ? ", " : " (",
				       wm->speed_mhz);
			if (wm->cores || !isnan(wm->speed_mhz))
				printf(")");
		}
		printf("\n");
	}
	printf("runtime_s     %.6g (sum of the jobs' runtimes)\n",
	       wl_workflow_total_runtime(w));
	printf("critical_s    %.6g (longest path of runtimes)\n",
	       wl_workflow_critical_path(w));
	if (!isnan(w->makespan_s))
		printf("makespan_s    %.6g (recorded)\n", w->makespan_s);
	if (w->note[0])
		printf("note          %s\n", w->note);
	wl_workflow_free(w);
	return 0;
}

int sim_cmd_workflow(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_workflow_usage))
		return 0;
	if (argc < 1)
		return usage("needs a subcommand: hetsim workflow info FILE");
	if (strcmp(argv[0], "info") == 0) {
		if (argc != 2)
			return usage("info takes one FILE");
		return info(argv[1]);
	}
	return usage("unknown subcommand %s (known: info)", argv[0]);
}
