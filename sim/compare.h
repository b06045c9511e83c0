/* sim/compare.h — the metrics of several runs' summaries side by side,
 * with paired differences from the first (sim/compare.c; the command is
 * `hetsim compare`, sim/cli/compare.c). */
#ifndef HETSIM_SIM_COMPARE_H
#define HETSIM_SIM_COMPARE_H

#include "sim/io/io.h"

typedef struct sim_compare_args {
	const char **paths;
	int n_paths;
	char *metrics; /* comma-separated, or NULL: all */
	const char *csv;
	int quiet;
} sim_compare_args;

/* Load, check and compare the summaries; print the table (unless quiet),
 * write the CSV (if csv). 0, or an IO_E* code with err set. */
int sim_compare(const sim_compare_args *a, io_err *err);

#endif
