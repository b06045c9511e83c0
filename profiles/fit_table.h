/* profiles/fit_table.h — fit execution-time families to a table of measured
 * samples per (task type, machine type) group, rank and test the fits,
 * write a profile, plots and a report (profiles/fit_table.c; the command
 * is `hetsim fit`, sim/cli/fit.c, which fills prof_fit_args from its
 * flags). */
#ifndef HETSIM_PROFILES_FIT_TABLE_H
#define HETSIM_PROFILES_FIT_TABLE_H

#include "sim/io/io.h"

#define PROF_FIT_MAX_COLS 8
#define PROF_FIT_MAX_WHERE 8

typedef struct prof_fit_args {
	const char *csv, *value, *out, *plot, *report, *label, *machines;
	const char *family, *pet_prob, *machine_name, *cite, *machine_types;
	const char *task_cols[PROF_FIT_MAX_COLS], *machine_cols[PROF_FIT_MAX_COLS];
	int n_task_cols, n_machine_cols;
	const char *where_col[PROF_FIT_MAX_WHERE];
	const char *where_val[PROF_FIT_MAX_WHERE];
	int n_where;
	double unit_s;
	int rank_ks, quiet;
} prof_fit_args;

/* Run a fit as the flags describe; prints the ranked fits (unless quiet)
 * and writes the files asked for. 0, or an IO_E* code with err set. */
int prof_fit_table(const prof_fit_args *a, io_err *err);

#endif
