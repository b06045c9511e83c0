/*
 * workloads/workflow.h — a workflow read from a file: its DAG (dag.h) and
 * what the file says about how it ran.
 *
 * Two formats load into it: Pegasus DAX (workloads/dax.h) and WfCommons
 * WfFormat JSON (workloads/wfformat.h); wl_workflow_load
 * (workloads/workflow_load.h) picks by content
 * (after gunzip: '<' starts a DAX, '{' a WfFormat file), so a file may
 * have any name and be gzip-compressed.
 *
 * What each field holds:
 *   dag            jobs named by their id in the file, files by name;
 *                  job_runtime_s is the recorded runtime (s) of every job
 *                  (a loader refuses a job without one); job_line the line
 *                  of its definition; job_type an index into types.
 *   types          task categories: DAX job `name` (the transformation),
 *                  WfFormat task `category` if given, else its `name` less
 *                  a trailing "_ID<digits>" or "_<digits>" (WfCommons
 *                  names tasks "<category>_ID0000001").
 *   machines       WfFormat execution.machines: nodeName, cpu.coreCount
 *                  (0: not given), cpu.speedInMHz (NAN: not given).
 *   job_machine    per job, the index of the first machine its execution
 *                  entry names, WL_NONE if none; NULL when no job names
 *                  one (DAX, Nextflow traces).
 *   job_avg_cpu    per job, WfFormat avgCPU (percent, NAN: not given);
 *                  NULL when no job gives it.
 *   makespan_s     recorded wall time of the run, NAN if none (DAX).
 *   wms_name, wms_version   WfFormat runtimeSystem, NULL if none.
 *   note           quirks the loader resolved (see dax.h), "" if none.
 */
#ifndef HETSIM_WORKLOADS_WORKFLOW_H
#define HETSIM_WORKLOADS_WORKFLOW_H

#include <stdint.h>
#include "workloads/dag.h"

typedef struct wl_strtab {
	char **str;
	uint32_t n, cap;
	uint32_t *slot; /* index + 1; 0 = empty */
	uint32_t mask;
} wl_strtab;

/* Index of s in t, added if new; -1 out of memory. */
int64_t wl_strtab_intern(wl_strtab *t, const char *s);
/* Index of s in t, or -1. */
int64_t wl_strtab_find(const wl_strtab *t, const char *s);
void wl_strtab_free(wl_strtab *t);

typedef struct wl_wf_machine {
	char *name;
	uint32_t cores;   /* 0: not given */
	double speed_mhz; /* NAN: not given */
} wl_wf_machine;

typedef enum wl_wf_format { WL_WF_DAX = 0, WL_WF_WFFORMAT } wl_wf_format;

typedef struct wl_workflow {
	wl_dag *dag; /* finalized */
	wl_wf_format format;
	char *version; /* DAX adag version, WfFormat schemaVersion */
	char *name;    /* NULL if none */
	wl_strtab types;
	wl_wf_machine *machines;
	uint32_t n_machines;
	uint32_t *job_machine;
	double *job_avg_cpu;
	double makespan_s;
	char *wms_name, *wms_version;
	char note[320];
} wl_workflow;

/* A workflow with an empty DAG labelled label; NULL out of memory. */
wl_workflow *wl_workflow_new(const char *label, wl_wf_format format);
void wl_workflow_free(wl_workflow *w);

/* "dax" or "wfformat". */
const char *wl_workflow_format_name(wl_wf_format f);

/* Sum of the recorded runtimes (s). */
double wl_workflow_total_runtime(const wl_workflow *w);
/* Length (s) of the longest path through the DAG, each job weighing its
 * recorded runtime: the makespan on unlimited machines with no overheads
 * and free transfers. */
double wl_workflow_critical_path(const wl_workflow *w);

/* Loader helpers: type index of a category name; -1 out of memory. */
int64_t wl_workflow_type(wl_workflow *w, const char *category);

#endif
