/* sim/sweep/sweep.h — sweeps: designs, cases, results files, locks, local
 * runs (sim/sweep/sweep.c), Slurm arrays (slurm.c), summaries (summarise.c);
 * used by sim/sweep/mpi.c (runs under MPI) and the command, sim/cli/sweep.c. */
#ifndef HETSIM_SIM_SWEEP_SWEEP_H
#define HETSIM_SIM_SWEEP_SWEEP_H
#include <stddef.h>
#include "sim/io/io.h"

typedef struct sim_sweep sim_sweep;

/* sim_sweep_open flags: a missing results file is an error; run a sweep
 * of more than 10^6 cases */
#define SIM_SWEEP_NEED_RESULTS 1u
#define SIM_SWEEP_FORCE	       2u

/* Load a sweep file and validate every case (each case's experiment is
 * built, none run); results overrides its "results" (NULL: keep). Returns
 * a IO_E* code, *out is set (to a sweep to close) either way. */
int sim_sweep_open(sim_sweep **out, const char *path, const char *results,
		   unsigned flags, io_err *err);
void sim_sweep_close(sim_sweep *sw);
size_t sim_sweep_n_cases(const sim_sweep *sw);
const char *sim_sweep_results(const sim_sweep *sw);

/* The exit status of an error (2 bad input, 1 other); sim_sweep_fail also
 * prints it as "hetsim: <msg>". */
int sim_sweep_status(const io_err *err);
int sim_sweep_fail(const io_err *err);

/* Lock file (a results or part file) for a run or a merge: an advisory
 * lock on file + ".lock", which holds the holder's pid; a second sweep
 * gets an error naming it (IO_EIO). sim_sweep_unlock removes the lock
 * file and closes fd (nothing if fd < 0). The results file's directory
 * must exist. */
int sim_sweep_lock(const char *file, int *fd, io_err *err);
void sim_sweep_unlock(const char *file, int fd);

/* Make the results file ready for a run: create its directory, lock it
 * (*lock: release with sim_sweep_unlock once the run ends, error or not),
 * fold in the part files of sliced runs, repair it, and set done[i]
 * (calloc'd, one per case) for each case it holds; prints what was merged
 * and skipped. */
int sim_sweep_resume(const sim_sweep *sw, unsigned char *done, size_t *n_done,
		     int *lock, io_err *err);
/* Before a run of todo cases that will be long (many cases or simulated
 * tasks), say how big it is on standard error. */
void sim_sweep_announce(const sim_sweep *sw, size_t todo);
/* Run case i; *text (malloc'd, *len bytes) receives its JSON lines. */
int sim_sweep_case_text(const sim_sweep *sw, size_t i, char **text, size_t *len,
			io_err *err);
/* Append one case's lines to fd (opened O_APPEND) with one write(2). */
int sim_sweep_append(const char *path, int fd, const char *text, size_t len,
		     io_err *err);

/* Progress on standard error: a bar on a TTY, else a line per case. */
typedef struct sim_sweep_progress {
	size_t todo, finished, failed;
	double t0;
	int tty;
} sim_sweep_progress;
void sim_sweep_progress_start(sim_sweep_progress *p, size_t todo);
/* Case i ended with status rc; msg, if not NULL, is the error to print. */
void sim_sweep_progress_case(sim_sweep_progress *p, size_t i, int rc,
			     const char *msg);
/* Ends the bar; 0, or 1 (reported) if a case failed or went missing. */
int sim_sweep_progress_end(sim_sweep_progress *p);

/* The time limit of a case: timeout_s (INFINITY: none), or by default
 * (SIM_SWEEP_TIMEOUT_AUTO) 600 s until a case has ended, then max(60 s,
 * 10 x the longest case so far). */
#define SIM_SWEEP_TIMEOUT_AUTO (-1.0)
typedef struct sim_sweep_limit {
	double timeout_s, longest_s;
} sim_sweep_limit;
void sim_sweep_limit_init(sim_sweep_limit *l, double timeout_s);
/* A case ended after seconds. */
void sim_sweep_limit_case(sim_sweep_limit *l, double seconds);
/* The limit now, in seconds, and where it comes from, for messages. */
double sim_sweep_limit_now(const sim_sweep_limit *l);
void sim_sweep_limit_text(const sim_sweep_limit *l, char *buf, size_t cap);
/* Monotonic seconds. */
double sim_sweep_now(void);

/* The parts of `hetsim sweep` (sim/cli/sweep.c) after its flags: list the
 * cases (--list), fold the part files into the results (--merge), write
 * the Slurm job array (--slurm, tasks slices, opts: extra #SBATCH lines),
 * run the cases in jobs worker processes (slice I of n_slices when
 * n_slices > 0). Each returns the exit status and reports its errors. */
#define SIM_SWEEP_MAX_JOBS 256
#define SIM_SWEEP_SLURM_DEFAULT_TASKS 100
#define SIM_SWEEP_SLURM_MAX_OPTS      32
int sim_sweep_list(const sim_sweep *sw);
int sim_sweep_merge_only(const sim_sweep *sw);
/* sim/sweep/slurm.c */
int sim_sweep_write_slurm(const sim_sweep *sw, const char *sweep_path,
			  size_t tasks, const char *const *opts, size_t n_opts);
int sim_sweep_run(const sim_sweep *sw, size_t jobs, size_t slice,
		  size_t n_slices, double timeout_s);
/* Create the results file's directory. */
int sim_sweep_mkdir(const sim_sweep *sw, io_err *err);
/* A JSON value, compact, at most 60 bytes, for messages. */
void sim_sweep_value_text(char *buf, size_t cap, const json_t *v);
/* With the sweep file path, fold its slices' part files into the results
 * file summ (locked meanwhile); without (NULL), warn if there are some.
 * Returns the exit status. */
int sim_sweep_fold_parts(const char *path, const char *summ);

/* sim/sweep/summarise.c. --summarise: the table and plot of metric against
 * parameter xp from the results file summ, after sim_sweep_fold_parts.
 * Returns the exit status. */
int sim_sweep_summarise(const char *path, const char *summ, const char *xp,
			const char *metric, const char *csv_out,
			const char *plot_out);

#endif
