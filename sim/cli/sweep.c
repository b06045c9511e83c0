/*
 * sim/cli/sweep.c — `hetsim sweep`: its flags; the sweep itself is
 * sim/sweep/ (the file format and what a run does: sim/sweep/sweep.c).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "sim/sweep/mpi.h"
#include "sim/sweep/sweep.h"

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hetsim: sweep: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see: hetsim help)\n");
	va_end(ap);
	return 2;
}

/* ---- the command ------------------------------------------------------ */

/* A count in 1..max, or 0 if s is not one. */
static size_t parse_count(const char *s, size_t max)
{
	char *end;
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	return errno || *end || v > max ? 0 : (size_t)v;
}

/* --case-timeout: seconds > 0 (at most 10^9), or "none" (INFINITY); -1 if
 * s is neither */
static double parse_timeout(const char *s)
{
	if (!strcmp(s, "none"))
		return INFINITY;
	char *end;
	errno = 0;
	double t = strtod(s, &end);
	return *s && !*end && !errno && t > 0 && t <= 1e9 ? t : -1;
}

/* "I/N" with 0 <= I < N */
static int parse_slice(const char *s, size_t *slice, size_t *n_slices)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long i = strtoull(s, &end, 10);
	if (errno || *end != '/')
		return -1;
	*n_slices = parse_count(end + 1, 1000000);
	if (*n_slices == 0 || i >= *n_slices)
		return -1;
	*slice = (size_t)i;
	return 0;
}

const char sim_cli_sweep_usage[] =
	"  sweep SWEEP.json [-j N] [--results FILE.jsonl] [--list]\n"
	"                        run an experiment over a grid, random or Latin\n"
	"                        hypercube design of parameter values, one JSON\n"
	"                        line per (case, policy); resumes where it stopped\n"
	"                        (format: man hetsim)\n"
	"      --list            print the cases, run nothing\n"
	"      --case-timeout SECONDS|none\n"
	"                        a case (worker, MPI rank) that gives no result in\n"
	"                        time is killed and reported; default 600 s until a\n"
	"                        case ends, then max(60 s, 10 x the longest case)\n"
	"      --force           run a sweep of more than 10^6 cases\n"
	"                        (every case is checked before any runs; a second\n"
	"                        sweep on the same results file is refused)\n"
	"      --slice I/N       run only the cases i with i % N == I, into\n"
	"                        RESULTS.part-I (for clusters; merged later)\n"
	"      --merge           fold the RESULTS.part-* files into RESULTS (a run\n"
	"                        that is not a --slice does this first too)\n"
	"      --slurm [--slurm-tasks N] [--slurm-opt --time=1:00:00]...\n"
	"                        write RESULTS.sbatch: a Slurm array of N slices\n"
	"                        (default one per case, at most 100); run it with\n"
	"                        sh to submit it and a merge job after it\n"
	"      --mpi             under mpirun -np K (Open MPI): rank 0 hands out the\n"
	"                        cases and alone writes RESULTS; as root, set\n"
	"                        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1\n"
	"                        (or mpirun --allow-run-as-root)\n"
	"  sweep [SWEEP.json] --summarise RESULTS.jsonl --x PARAM --metric NAME\n"
	"       [-o table.csv] [--plot out.svg]\n"
	"                        mean and 95% CI per (PARAM value, policy); with\n"
	"                        SWEEP.json, its slices' part files are merged first\n";

int sim_cmd_sweep(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_sweep_usage))
		return 0;
	const char *path = NULL, *results = NULL, *summ = NULL, *xp = NULL,
		   *metric = NULL, *csv_out = NULL, *plot_out = NULL;
	const char *opts[SIM_SWEEP_SLURM_MAX_OPTS];
	const char *mode = NULL; /* the one of --list, --merge, ... given */
	size_t jobs = 1, slice = 0, n_slices = 0, tasks = 0, n_opts = 0;
	int list = 0, merge = 0, slurm = 0, mpi = 0, jobs_given = 0, force = 0;
	double timeout_s = SIM_SWEEP_TIMEOUT_AUTO;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int *flag = !strcmp(a, "--list")    ? &list
			    : !strcmp(a, "--merge") ? &merge
			    : !strcmp(a, "--slurm") ? &slurm
			    : !strcmp(a, "--mpi")   ? &mpi
						    : NULL;
		if (!strcmp(a, "--force")) {
			force = 1;
			continue;
		}
		if (flag || !strcmp(a, "--slice")) {
			if (mode && strcmp(mode, a) != 0)
				return bad("%s and %s do not go together", mode, a);
			mode = a;
		}
		if (flag) {
			*flag = 1;
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			if (path)
				return bad("unexpected argument %s", a);
			path = a;
			continue;
		}
		if (!v)
			return bad("%s needs a value", a);
		i++;
		if (!strcmp(a, "-j")) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > SIM_SWEEP_MAX_JOBS)
				return bad("-j: \"%s\" is not in 1..256", v);
			jobs = (size_t)n;
			jobs_given = 1;
		} else if (!strcmp(a, "--case-timeout")) {
			if ((timeout_s = parse_timeout(v)) < 0)
				return bad("--case-timeout: \"%s\" is not a number of "
					   "seconds > 0 or \"none\"", v);
		} else if (!strcmp(a, "--slice")) {
			if (parse_slice(v, &slice, &n_slices))
				return bad("--slice: \"%s\" is not I/N with 0 <= I < N", v);
		} else if (!strcmp(a, "--slurm-tasks")) {
			if (!(tasks = parse_count(v, 1000000)))
				return bad("--slurm-tasks: \"%s\" is not a positive integer", v);
		} else if (!strcmp(a, "--slurm-opt")) {
			if (n_opts == SIM_SWEEP_SLURM_MAX_OPTS)
				return bad("more than %d --slurm-opt", SIM_SWEEP_SLURM_MAX_OPTS);
			if (strpbrk(v, "\n\r") ||
			    !(v[0] == '-' || strncmp(v, "#SBATCH ", 8) == 0))
				return bad("--slurm-opt: \"%s\" is not an sbatch option "
					   "(like --time=2:00:00)", v);
			opts[n_opts++] = v;
		} else if (!strcmp(a, "--results")) results = v;
		else if (!strcmp(a, "--summarise") || !strcmp(a, "--summarize")) summ = v;
		else if (!strcmp(a, "--x")) xp = v;
		else if (!strcmp(a, "--metric")) metric = v;
		else if (!strcmp(a, "-o")) csv_out = v;
		else if (!strcmp(a, "--plot")) plot_out = v;
		else
			return bad("unknown option %s", a);
	}
	if ((tasks || n_opts) && !slurm)
		return bad("%s", "--slurm-tasks and --slurm-opt go with --slurm");
	if (jobs_given && mpi)
		return bad("%s", "-j does not go with --mpi: start more ranks (mpirun -np K)");
	if (mpi && sim_sweep_mpi_check())
		return 2;
	if (summ) {
		if (mode || results || !xp || !metric)
			return bad("%s", "--summarise needs RESULTS.jsonl, --x and --metric");
		return sim_sweep_summarise(path, summ, xp, metric, csv_out, plot_out);
	}
	if (!path)
		return bad("%s", "needs a sweep file");
	if (mpi)
		return sim_sweep_mpi(path, results, force ? SIM_SWEEP_FORCE : 0,
				     timeout_s);
	sim_sweep *sw;
	io_err err = {0};
	int rc = sim_sweep_open(&sw, path, results,
				(list ? 0 : SIM_SWEEP_NEED_RESULTS) |
					(force ? SIM_SWEEP_FORCE : 0),
				&err);
	if (rc)
		rc = sim_sweep_fail(&err);
	else if (tasks > sim_sweep_n_cases(sw))
		rc = bad("--slurm-tasks: %zu is more than the sweep's %zu cases", tasks,
			 sim_sweep_n_cases(sw));
	else if (list)
		rc = sim_sweep_list(sw);
	else if (merge)
		rc = sim_sweep_merge_only(sw);
	else if (slurm)
		rc = sim_sweep_write_slurm(sw, path, tasks ? tasks
					       : sim_sweep_n_cases(sw) < SIM_SWEEP_SLURM_DEFAULT_TASKS
						       ? sim_sweep_n_cases(sw)
						       : SIM_SWEEP_SLURM_DEFAULT_TASKS,
				 opts, n_opts);
	else
		rc = sim_sweep_run(sw, jobs, slice, n_slices, timeout_s);
	sim_sweep_close(sw);
	return rc;
}
