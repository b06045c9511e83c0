/* profiles/fit_table.h — fit execution-time families to a table of measured
 * samples per (task type, machine type) group, rank and test the fits,
 * write a profile, plots and a report (profiles/fit_table.c; the command
 * is `hetsim fit`, sim/cli/fit.c, which fills prof_fit_args from its
 * flags). */
#ifndef HETSIM_PROFILES_FIT_TABLE_H
#define HETSIM_PROFILES_FIT_TABLE_H

#include <stddef.h>
#include <jansson.h>
#include "sim/io/io.h"

#define PROF_FIT_MAX_COLS 8
#define PROF_FIT_MAX_WHERE 8
#define PROF_FIT_RES_AUTO (-2.0)
#define PROF_FIT_RES_NONE (-1.0)

typedef struct prof_fit_args {
	const char *csv, *value, *out, *plot, *report, *label, *machines;
	const char *family, *pet_prob, *machine_name, *cite, *machine_types;
	const char *task_cols[PROF_FIT_MAX_COLS], *machine_cols[PROF_FIT_MAX_COLS];
	int n_task_cols, n_machine_cols;
	const char *where_col[PROF_FIT_MAX_WHERE];
	const char *where_val[PROF_FIT_MAX_WHERE];
	int n_where;
	double unit_s;
	/* > 0: the values were logged at this resolution (s): fit them as
	 * interval-censored (prof_fit_family_censored); PROF_FIT_RES_AUTO:
	 * detect it per group (prof_fit_resolution) and fit so where found;
	 * 0 (the default): detect it and only say so (the plain fits stay,
	 * so the shipped profiles do not change); PROF_FIT_RES_NONE: never */
	double resolution_s;
	int rank_ks, quiet;
} prof_fit_args;

/* Run a fit as the flags describe; prints the ranked fits (unless quiet)
 * and writes the files asked for. 0, or an IO_E* code with err set. */
int prof_fit_table(const prof_fit_args *a, io_err *err);

/* A profile "exec" entry for task on machine from n measured times x,
 * sorted ascending: the family best by AIC fitted by maximum likelihood
 * (as `hetsim fit` chooses), or the samples themselves (model
 * "empirical") when no family fits. Its "source" says which: "<what>,
 * <family> fit by maximum likelihood (best of K by AIC), KS D=.. p=..,
 * median .. s<extra>" or "<what>, measured samples (no family fits)".
 * NULL if memory ran out. (The calibration commands write their profiles
 * with it.) */
json_t *prof_fit_exec_entry(const char *task, const char *machine,
			    const double *x, size_t n, const char *what,
			    const char *extra);

#endif
