/*
 * sim/cli/compare.c — `hetsim compare`: its flags; the comparison (and what
 * a summary may be) is sim/compare.c.
 *
 *   hetsim compare A/summary.json B/summary.json ... [--metrics M,M,...]
 *        [--csv out.csv] [--quiet]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "sim/compare.h"

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: compare: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim help)\n");
	return 2;
}

static int parse_args(int argc, char **argv, sim_compare_args *a)
{
	memset(a, 0, sizeof *a);
	a->paths = calloc((size_t)argc + 1, sizeof *a->paths);
	if (!a->paths) {
		fprintf(stderr, "hetsim: out of memory\n");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--metrics") == 0 ||
		    strcmp(arg, "--csv") == 0) {
			if (!val)
				return usage_error("%s needs a value", arg);
			if (arg[2] == 'm')
				a->metrics = val;
			else
				a->csv = val;
			i++;
		} else if (strcmp(arg, "--quiet") == 0) {
			a->quiet = 1;
		} else if (arg[0] == '-' && arg[1]) {
			return usage_error("unknown option %s", arg);
		} else {
			a->paths[a->n_paths++] = arg;
		}
	}
	if (a->n_paths == 0)
		return usage_error("%s", "needs at least one summary.json");
	return 0;
}

const char sim_cli_compare_usage[] =
	"  compare A/summary.json B/summary.json ... [--metrics M,M] [--csv out.csv]\n"
	"                        side-by-side metrics of runs, mean ± 95% CI of\n"
	"                        replicated ones, and differences against the first\n"
	"                        (paired over common seeds: * = interval excludes 0)\n"
	"      --quiet           no table on standard output\n";

int sim_cmd_compare(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_compare_usage))
		return 0;
	sim_compare_args a;
	int st = parse_args(argc, argv, &a);
	if (st) {
		free(a.paths);
		return st;
	}
	io_err err = {0};
	int rc = sim_compare(&a, &err);
	free(a.paths);
	if (rc) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return err.code == IO_EINPUT ? 2 : 1;
	}
	return 0;
}
