/*
 * sim/sweep/slurm.c — `hetsim sweep --slurm`: RESULTS.sbatch, a Slurm job
 * array of slices (`--slice I/N`, each into its own RESULTS.part-I) and a
 * merge job that runs once all tasks succeed (sim/sweep/sweep.c, "Slices").
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/base/out.h"
#include "sim/sweep/sweep.h"



/* s as one word of sh, in single quotes */
static void sh_word(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/* Can s go unquoted into an #SBATCH line? */
static int sbatch_plain(const char *s)
{
	return *s &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._/+-,=:@") == strlen(s);
}

/* The command that merges the slices' parts: sh words. */
static void merge_command(FILE *f, const char *exe, const char *sweep_path,
			  const char *results)
{
	sh_word(f, exe);
	fputs(" sweep ", f);
	sh_word(f, sweep_path);
	fputs(" --results ", f);
	sh_word(f, results);
	fputs(" --merge", f);
}

/* The script's comment: what it is and how to submit it. */
static void slurm_header(FILE *f, const sim_sweep *sw, const char *sweep_path,
			 size_t tasks, const char *script, const char *merge)
{
	fprintf(f,
		"#!/bin/sh\n"
		"# A Slurm job array of `hetsim sweep`, written by\n"
		"# hetsim sweep --slurm.\n"
		"#   sweep:   %s (%zu cases)\n"
		"#   results: %s\n"
		"# Task I of %zu runs the cases i with i %% %zu == I into\n"
		"# the results file + \".part-I\" (resumable: a task that is\n"
		"# run again continues). Submit with\n"
		"#   sh %s\n"
		"# which submits this file as the array, then a job that\n"
		"# merges the parts into the results file once every task\n"
		"# has succeeded (--dependency=afterok). Or by hand: sbatch\n"
		"# this file; resubmit failed tasks (sbatch --array=I ...);\n"
		"# once every task has ended, merge:\n"
		"#   %s\n"
		"# (any later run of the sweep but a --slice merges too).\n",
		sweep_path, sim_sweep_n_cases(sw), sim_sweep_results(sw), tasks, tasks, script,
		merge);
}

/* --slurm: write RESULTS.sbatch, an array of tasks slices that, run with
 * sh, submits itself and a merge job that waits for all of them. */
int sim_sweep_write_slurm(const sim_sweep *sw, const char *sweep_path,
			  size_t tasks, const char *const *opts, size_t n_opts)
{
	io_err err = {0};
	char cwd[4096], exe[4096], script[1100], abs_script[5200];
	if (!getcwd(cwd, sizeof cwd)) {
		fprintf(stderr, "hetsim: sweep: getcwd: %s\n", strerror(errno));
		return 1;
	}
	/* the jobs run this binary by its absolute path (a file system
	 * shared with the nodes is assumed, as for the sweep and results) */
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0)
		exe[n] = 0;
	else
		snprintf(exe, sizeof exe, "hetsim");
	snprintf(script, sizeof script, "%s.sbatch", sim_sweep_results(sw));
	snprintf(abs_script, sizeof abs_script, "%s%s%s",
		 script[0] == '/' ? "" : cwd, script[0] == '/' ? "" : "/",
		 script);
	const char *base = strrchr(sim_sweep_results(sw), '/');
	base = base ? base + 1 : sim_sweep_results(sw);
	int plain = sbatch_plain(sim_sweep_results(sw));
	char *text = NULL, *merge = NULL;
	size_t len = 0, mlen = 0;
	FILE *m = open_memstream(&merge, &mlen);
	if (m)
		merge_command(m, exe, sweep_path, sim_sweep_results(sw));
	FILE *f = m && fclose(m) == 0 ? open_memstream(&text, &len) : NULL;
	if (!f) {
		free(merge);
		fprintf(stderr, "hetsim: sweep: out of memory\n");
		return 1;
	}
	slurm_header(f, sw, sweep_path, tasks, abs_script, merge);
	fprintf(f, "#SBATCH --job-name=hetsim-%s\n",
		sbatch_plain(base) ? base : "sweep");
	fprintf(f, "#SBATCH --array=0-%zu\n", tasks - 1);
	if (sbatch_plain(cwd))
		fprintf(f, "#SBATCH --chdir=%s\n", cwd);
	if (plain)
		fprintf(f, "#SBATCH --output=%s.slurm-%%A_%%a.log\n",
			sim_sweep_results(sw));
	for (size_t k = 0; k < n_opts; k++)
		fprintf(f, "%s%s\n", opts[k][0] == '#' ? "" : "#SBATCH ",
			opts[k]);
	/* run with sh: submit; as a task of the array: run its slice */
	fputs("set -e\ncd ", f);
	sh_word(f, cwd);
	fputs("\nif [ -z \"${SLURM_ARRAY_TASK_ID:-}\" ]; then\n"
	      "\tjid=$(sbatch --parsable ",
	      f);
	sh_word(f, abs_script);
	fputs(")\n"
	      "\tjid=${jid%%;*}\n"
	      "\tmid=$(sbatch --parsable --job-name=hetsim-merge \\\n"
	      "\t\t--dependency=afterok:\"$jid\" --chdir=",
	      f);
	sh_word(f, cwd);
	if (plain)
		fprintf(f, " --output=%s.slurm-merge-%%j.log", sim_sweep_results(sw));
	fputs(" \\\n\t\t--wrap=", f);
	sh_word(f, merge);
	fprintf(f,
		")\n"
		"\techo \"submitted job array $jid (%zu tasks) and merge job "
		"${mid%%%%;*}\"\n"
		"\texit 0\n"
		"fi\n"
		"exec ",
		tasks);
	sh_word(f, exe);
	fputs(" sweep ", f);
	sh_word(f, sweep_path);
	fputs(" --results ", f);
	sh_word(f, sim_sweep_results(sw));
	fprintf(f,
		" --slice \"$SLURM_ARRAY_TASK_ID/%zu\" \\\n"
		"\t-j \"${SLURM_CPUS_PER_TASK:-1}\"\n",
		tasks);
	int rc = fclose(f) != 0 ? io_errf(&err, IO_ENOMEM, NULL, 0,
					    "out of memory")
				: sim_sweep_mkdir(sw, &err);
	if (!rc)
		rc = sim_write_text(script, text, len, &err);
	if (!rc)
		printf("sweep: wrote %s: %zu cases in %zu array tasks\n"
		       "submit with:  sh %s\n"
		       "  (the array, then a job that merges the tasks' parts "
		       "into %s)\n",
		       script, sim_sweep_n_cases(sw), tasks, script, sim_sweep_results(sw));
	free(text);
	free(merge);
	return rc ? sim_sweep_fail(&err) : 0;
}

