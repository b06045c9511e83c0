/*
 * workloads/wfformat.h — WfCommons WfFormat JSON workflows (schema 1.x,
 * the 1.5 layout) into a wl_workflow (workflow.h), with jansson and the
 * located-JSON helpers of sim/io/io.h; plain or gzip-compressed files.
 *
 * Read:
 *   schemaVersion                 "1.<n>"; other versions are refused
 *   name, runtimeSystem{name, version}
 *   workflow.specification.tasks  [{id, name, category?, parents,
 *                                   children, inputFiles, outputFiles}]
 *   workflow.specification.files  [{id, sizeInBytes}]
 *   workflow.execution            makespanInSeconds, tasks [{id,
 *                                 runtimeInSeconds, machines?, avgCPU?}],
 *                                 machines [{nodeName, cpu{coreCount,
 *                                 speedInMHz}}]
 * Other members are ignored (the format has many). Edges come from
 * parents and children (both lists are merged, as every file gives each
 * edge twice) and from the files (a reader of a file depends on its
 * writer). Every task needs an execution entry with runtimeInSeconds (a
 * file without workflow.execution is refused: it has no runtimes); a
 * runtime of 0 is accepted (Nextflow records some). Execution fields
 * that vary by runtime system are optional: no machines (Nextflow), no
 * cpu.speedInMHz (Makeflow).
 *
 * Errors name the file and the JSON line: malformed JSON, a missing or
 * negative runtime, a negative size, a duplicate task or file id, a
 * parent, child, file or machine naming nothing, two writers of one
 * file, a dependency cycle. The older layouts (workflow.jobs of 1.0-1.3,
 * workflow.tasks with inline files of 1.4) are refused with a message
 * that says so.
 */
#ifndef HETSIM_WORKLOADS_WFFORMAT_H
#define HETSIM_WORKLOADS_WFFORMAT_H

#include "workloads/workflow.h"

/* Load path (plain or gzip-compressed). */
int wl_wfformat_load(wl_workflow **out, const char *path, io_err *err);
/* The same over JSON text in memory (label names it in messages). */
int wl_wfformat_parse(wl_workflow **out, const char *label, const char *text,
		      size_t len, io_err *err);

#endif
