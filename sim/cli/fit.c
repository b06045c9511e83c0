/*
 * sim/cli/fit.c — `hetsim fit`: its flags; the fitting (every family per
 * group, ranked and tested; profile, plots, report) is profiles/fit_table.c.
 *
 *   hetsim fit SAMPLES.csv[.gz] --value COL [--group-by TASKCOL[,MACHINECOL]]
 *        [--task-cols C,C] [--machine-cols C,C] [--machine-name NAME]
 *        [--where COL=TEXT]... [--unit s|ms|us] [--resolution R|auto|none]
 *        [--family best|NAME]
 *        [--rank aic|ks] [--machines machines.csv] [--pet-prob COL]
 *        [-o profile.json] [--plot out.svg] [--report out.md] [--label TEXT]
 *        [--cite TEXT] [--machine-types PROFILE.json] [--quiet]
 *
 *   hetsim fit --serving DATA.csv[.gz] --runs 1-3 [--experiments E,...]
 *        [--base PROFILE.json] -o DIR [--quiet]
 *
 * What each does: profiles/fit_table.c; --serving: profiles/serving_fit.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profiles/fit.h"
#include "profiles/fit_table.h"
#include "profiles/serving_fit.h"
#include "sim/cli/cli.h"

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: fit: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim help)\n");
	return 2;
}

static int split_list(char *s, const char **out, int max)
{
	int n = 0;
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (n == max)
			return -1;
		out[n++] = tok;
	}
	return n;
}

static int parse_args(int argc, char **argv, prof_fit_args *a)
{
	memset(a, 0, sizeof *a);
	a->unit_s = 1;
	a->family = "best";
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		char *val = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = arg[0] == '-' && strcmp(arg, "--quiet") != 0;
		if (takes && !val)
			return usage_error("%s needs a value", arg);
		if (strcmp(arg, "--value") == 0)
			a->value = val;
		else if (strcmp(arg, "--group-by") == 0) {
			const char *cols[2];
			int n = split_list(val, cols, 2);
			if (n < 1)
				return usage_error("--group-by takes TASKCOL[,MACHINECOL], not %s", val);
			a->task_cols[0] = cols[0];
			a->n_task_cols = 1;
			if (n == 2) {
				a->machine_cols[0] = cols[1];
				a->n_machine_cols = 1;
			}
		} else if (strcmp(arg, "--task-cols") == 0) {
			a->n_task_cols = split_list(val, a->task_cols, PROF_FIT_MAX_COLS);
			if (a->n_task_cols < 1)
				return usage_error("bad --task-cols %s", val);
		} else if (strcmp(arg, "--machine-cols") == 0) {
			a->n_machine_cols = split_list(val, a->machine_cols, PROF_FIT_MAX_COLS);
			if (a->n_machine_cols < 1)
				return usage_error("bad --machine-cols %s", val);
		} else if (strcmp(arg, "--machine-name") == 0)
			a->machine_name = val;
		else if (strcmp(arg, "--where") == 0) {
			char *eq = strchr(val, '=');
			if (!eq || eq == val || a->n_where == PROF_FIT_MAX_WHERE)
				return usage_error("--where takes COL=TEXT, not %s", val);
			*eq = 0;
			a->where_col[a->n_where] = val;
			a->where_val[a->n_where++] = eq + 1;
		} else if (strcmp(arg, "--unit") == 0) {
			if (strcmp(val, "s") == 0)
				a->unit_s = 1;
			else if (strcmp(val, "ms") == 0)
				a->unit_s = 1e-3;
			else if (strcmp(val, "us") == 0)
				a->unit_s = 1e-6;
			else
				return usage_error("--unit must be s, ms or us, not %s", val);
		} else if (strcmp(arg, "--resolution") == 0) {
			double r;
			char *end;
			if (strcmp(val, "auto") == 0)
				a->resolution_s = PROF_FIT_RES_AUTO;
			else if (strcmp(val, "none") == 0)
				a->resolution_s = PROF_FIT_RES_NONE;
			else if ((r = strtod(val, &end)) > 0 && end != val &&
				 (strcmp(end, "") == 0 || strcmp(end, "s") == 0 ||
				  strcmp(end, "ms") == 0 || strcmp(end, "us") == 0) &&
				 isfinite(r))
				a->resolution_s = r * (end[0] == 'm' ? 1e-3 : end[0] == 'u' ? 1e-6 : 1);
			else
				return usage_error("--resolution takes a time (1ms, 0.5s, 10us), "
						   "auto or none, not %s", val);
		} else if (strcmp(arg, "--family") == 0)
			a->family = val;
		else if (strcmp(arg, "--rank") == 0) {
			if (strcmp(val, "aic") && strcmp(val, "ks"))
				return usage_error("--rank must be aic or ks, not %s", val);
			a->rank_ks = strcmp(val, "ks") == 0;
		} else if (strcmp(arg, "--machines") == 0)
			a->machines = val;
		else if (strcmp(arg, "--pet-prob") == 0)
			a->pet_prob = val;
		else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--out") == 0)
			a->out = val;
		else if (strcmp(arg, "--plot") == 0)
			a->plot = val;
		else if (strcmp(arg, "--report") == 0)
			a->report = val;
		else if (strcmp(arg, "--label") == 0)
			a->label = val;
		else if (strcmp(arg, "--cite") == 0)
			a->cite = val;
		else if (strcmp(arg, "--machine-types") == 0)
			a->machine_types = val;
		else if (strcmp(arg, "--quiet") == 0)
			a->quiet = 1;
		else if (arg[0] == '-')
			return usage_error("unknown option %s", arg);
		else if (!a->csv) {
			a->csv = arg;
			continue;
		} else
			return usage_error("unexpected argument %s", arg);
		if (takes)
			i++;
	}
	if (!a->csv)
		return usage_error("%s", "needs a samples file");
	if (!a->value)
		return usage_error("%s", "needs --value COL");
	if (strcmp(a->family, "best") && strcmp(a->family, "empirical") &&
	    strcmp(a->family, "replay") && prof_family_from_name(a->family) < 0)
		return usage_error("unknown family %s", a->family);
	if (!a->label)
		a->label = a->csv;
	return 0;
}

/* `hetsim fit --serving ...` */
static int fit_serving(int argc, char **argv)
{
	serving_fit_args a = {.base = "profiles/data/heet.json"};
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		const char **to = NULL;
		if (strcmp(arg, "--quiet") == 0) {
			a.quiet = 1;
			continue;
		}
		if (strcmp(arg, "--serving") == 0)
			to = &a.data;
		else if (strcmp(arg, "--runs") == 0)
			to = &a.runs;
		else if (strcmp(arg, "--experiments") == 0)
			to = &a.experiments;
		else if (strcmp(arg, "--base") == 0)
			to = &a.base;
		else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--out") == 0)
			to = &a.out_dir;
		else if (arg[0] == '-')
			return usage_error("unknown option %s with --serving", arg);
		else
			return usage_error("unexpected argument %s", arg);
		if (!val)
			return usage_error("%s needs a value", arg);
		*to = val;
		i++;
	}
	if (!a.runs)
		return usage_error("%s", "--serving needs --runs (e.g. 1-3)");
	if (!a.out_dir)
		return usage_error("%s", "--serving needs -o DIR");
	io_err err = {0};
	if (serving_fit(&a, &err)) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return err.code == IO_EINPUT ? 2 : 1;
	}
	return 0;
}

const char sim_cli_fit_usage[] =
	"  fit SAMPLES.csv --value COL [options]\n"
	"                        fit execution-time families per group and write a\n"
	"                        profile (more: man hetsim)\n"
	"      --group-by TASKCOL[,MACHINECOL]  --task-cols C,C  --machine-cols C,C\n"
	"      --machine-name NAME  --where COL=TEXT  --unit s|ms|us\n"
	"      --resolution 1ms|auto|none (values logged rounded to a unit: fit them\n"
	"        interval-censored; auto: where detected per group; by default a\n"
	"        detected resolution is only reported)\n"
	"      --family best|NAME|empirical|replay  --rank aic|ks\n"
	"      --machines machines.csv  --pet-prob COL  -o profile.json\n"
	"      --plot out.svg  --report out.md  --label TEXT  --cite TEXT  --quiet\n"
	"      --machine-types PROFILE.json (copy power, slots, ... of same-named types)\n"
	"  fit --serving DATA.csv[.gz] --runs 1-3 -o DIR [options]\n"
	"                        fit the serving model (hold, client delay, queue\n"
	"                        order, mix factors) and mixed-load service times\n"
	"                        from recorded serving runs (heet_mixed_exp2 layout);\n"
	"                        writes DIR/profile.json and DIR/serving.json\n"
	"      --runs 1-3|1,4  --experiments E,...  --quiet\n"
	"      --base PROFILE.json (machine and task types; default\n"
	"        profiles/data/heet.json)\n";

int sim_cmd_fit(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_fit_usage))
		return 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--serving") == 0)
			return fit_serving(argc, argv);
	prof_fit_args a;
	int st = parse_args(argc, argv, &a);
	if (st)
		return st;
	io_err err = {0};
	if (prof_fit_table(&a, &err)) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return err.code == IO_EINPUT ? 2 : 1;
	}
	return 0;
}
