/*
 * workloads/workflow_load.h — load a workflow file whatever its format:
 * Pegasus DAX (workloads/dax.h) or WfFormat JSON (workloads/wfformat.h),
 * plain or gzip-compressed, told apart by content (the first non-blank
 * byte after gunzip and a BOM: '<' DAX, '{' WfFormat).
 */
#ifndef HETSIM_WORKLOADS_WORKFLOW_LOAD_H
#define HETSIM_WORKLOADS_WORKFLOW_LOAD_H

#include "workloads/workflow.h"

int wl_workflow_load(wl_workflow **out, const char *path, io_err *err);

#endif
