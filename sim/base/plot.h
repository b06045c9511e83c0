/* sim/base/plot.h — a line chart (SVG) of a CSV table: column y against
 * column x, one line per value of column series (or one line), whiskers
 * from columns lo..hi; rows kept where every where_col equals where_val;
 * y values times scale. */
#ifndef HETSIM_SIM_BASE_PLOT_H
#define HETSIM_SIM_BASE_PLOT_H
#include "sim/io/io.h"

#define SIM_PLOT_MAX_WHERE 8

typedef struct sim_plot_spec {
	const char *csv, *x, *y, *out;   /* required */
	const char *series, *lo, *hi;    /* NULL: none */
	const char *title;               /* "" for none */
	const char *xlabel, *ylabel;     /* NULL: the column names */
	const char *where_col[SIM_PLOT_MAX_WHERE], *where_val[SIM_PLOT_MAX_WHERE];
	int n_where;
	double scale;                    /* 1 */
} sim_plot_spec;

/* Writes sp->out; an IO_E* code with err set on failure. */
int sim_plot_table(const sim_plot_spec *sp, io_err *err);

#endif
