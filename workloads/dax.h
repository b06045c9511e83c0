/*
 * workloads/dax.h — Pegasus DAX workflows (XML), versions 2.x and 3.x,
 * into a wl_workflow (workflow.h), read by libxml2's streaming reader
 * (xmlTextReader): memory grows with the DAG, not with the file.
 *
 * Read: <adag version> (2.x or 3.x; other versions are refused);
 * <job id name runtime> (id names the job in dependencies, name is its
 * task category); <uses file|name link size> (link "input" or "output";
 * DAX 3 writes name= and may give the size as <metadata key="size">);
 * the job's runtime in seconds from its runtime attribute, or a
 * <metadata key="time"|"runtime"> or <profile key="runtime"> inside it
 * (DAX 3); <child ref><parent ref/></child>. Other elements (file,
 * executable and transformation catalogues, arguments) are skipped;
 * sub-workflows (<dag>, <dax>) are refused. The jobCount/childCount
 * attributes of <adag> are not trusted (they are wrong in some files).
 *
 * Errors name the file and line: malformed XML, a missing or negative
 * runtime, a negative size, a duplicate job id, a <child>/<parent> naming
 * no job, a dependency cycle, an unknown link.
 *
 * Quirks of WorkflowSim's generated DAX files, resolved as follows:
 *   - one file name used with different sizes by different jobs: the last
 *     size given wins;
 *   - one file name written by several jobs (Montage's fit.txt, written
 *     by every mDiffFit): the first writer in document order is its
 *     producer, later writers' <uses> of it are dropped (their control
 *     edges stay); the workflow's note says how many and names the first.
 */
#ifndef HETSIM_WORKLOADS_DAX_H
#define HETSIM_WORKLOADS_DAX_H

#include "workloads/workflow.h"

/* Load path (plain or gzip-compressed). */
int wl_dax_load(wl_workflow **out, const char *path, io_err *err);

#endif
