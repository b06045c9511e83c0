/*
 * sim/cli/plot.c — `hetsim plot`: its flags; the chart is sim/base/plot.h.
 * The studies under experiments/ use it to draw a metric against the load.
 *
 *   hetsim plot TABLE.csv --x COL --y COL [--series COL] [--lo COL --hi COL]
 *        [--where COL=TEXT]... [--title T] [--xlabel T] [--ylabel T]
 *        [--scale F] -o out.svg
 */
#include <stdio.h>
#include <string.h>
#include "sim/base/plot.h"
#include "sim/cli/cli.h"

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: plot: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim help)\n");
	return 2;
}

const char sim_cli_plot_usage[] =
	"  plot TABLE.csv --x COL --y COL [--series COL] [--lo COL --hi COL]\n"
	"       [--where COL=TEXT] [--title T] [--xlabel T] [--ylabel T] [--scale F]\n"
	"       -o out.svg\n"
	"                        line chart of a CSV table (e.g. a study's results)\n";

int sim_cmd_plot(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_plot_usage))
		return 0;
	sim_plot_spec sp = {.title = "", .scale = 1};
	for (int i = 0; i < argc; i++) {
		char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			if (sp.csv)
				return bad("unexpected argument %s", a);
			sp.csv = a;
			continue;
		}
		if (!v)
			return bad("%s needs a value", a);
		i++;
		if (!strcmp(a, "--x")) sp.x = v;
		else if (!strcmp(a, "--y")) sp.y = v;
		else if (!strcmp(a, "--series")) sp.series = v;
		else if (!strcmp(a, "--lo")) sp.lo = v;
		else if (!strcmp(a, "--hi")) sp.hi = v;
		else if (!strcmp(a, "-o")) sp.out = v;
		else if (!strcmp(a, "--title")) sp.title = v;
		else if (!strcmp(a, "--xlabel")) sp.xlabel = v;
		else if (!strcmp(a, "--ylabel")) sp.ylabel = v;
		else if (!strcmp(a, "--scale")) {
			if (io_parse_double(v, &sp.scale))
				return bad("--scale: bad number %s", v);
		} else if (!strcmp(a, "--where")) {
			char *eq = strchr(v, '=');
			if (!eq || sp.n_where == SIM_PLOT_MAX_WHERE)
				return bad("--where takes COL=TEXT, not %s", v);
			*eq = 0;
			sp.where_col[sp.n_where] = v;
			sp.where_val[sp.n_where++] = eq + 1;
		} else
			return bad("unknown option %s", a);
	}
	if (!sp.csv || !sp.x || !sp.y || !sp.out)
		return bad("%s", "needs TABLE.csv, --x, --y and -o");
	io_err err = {0};
	if (sim_plot_table(&sp, &err)) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return err.code == IO_EINPUT ? 2 : 1;
	}
	return 0;
}
