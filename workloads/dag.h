/*
 * workloads/dag.h — workflows as DAGs of jobs linked by files.
 *
 * A job has a task type (index into a profile's task types) and either a
 * fixed runtime (seconds, the same on every machine) or an amount of work
 * that scales the profile's execution time (time = work x prof_sample;
 * work defaults to 1, so a plain job takes one profile draw). Jobs read
 * input files and write output files; a file has a size in bytes and at
 * most one producer. Edges are implied by files (a job that reads a file
 * another job writes depends on it) and may also be given explicitly
 * (control dependencies, as DAX <child><parent/></child> or WfFormat
 * "parents"); both kinds are merged into one set of unique parents. A file
 * no job writes is an initial input of the workflow (staged in from
 * storage, or taken to be present, depending on the run).
 *
 * Building: wl_dag_new, then jobs and files (names optional: generators
 * leave them NULL, loaders give them and can look them up while they read),
 * then edges by index in any order (forward references are fine: indices
 * are checked at finalize), then wl_dag_finalize, which validates (indices
 * in range, one producer per file, no cycle: the error names the jobs of
 * one cycle) and builds compact CSR arrays: no allocation per job or edge,
 * about 90 bytes per job for a DAG of fan-in 2 with one file per job.
 * Errors are values: "label: job 'x' ...", label being what wl_dag_new was
 * given (a loader passes its file name).
 *
 * After finalize the structure is read-only and its arrays may be read
 * directly (the engines do): for job j, its inputs are
 * in_file[in_off[j] .. in_off[j+1]), and the same for out_*, parents
 * (par_*), children (child_*); the consumers of file f are
 * cons[cons_off[f] .. cons_off[f+1]). topo is a topological order
 * (parents first; among jobs ready at once, lower index first).
 *
 * Later additions (Pegasus job phases, per-job machine constraints) are
 * meant as further per-job arrays next to job_type, filled by the loaders.
 */
#ifndef HETSIM_WORKLOADS_DAG_H
#define HETSIM_WORKLOADS_DAG_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/io/io.h"

#define WL_NONE UINT32_MAX

typedef struct wl_name_index {
	uint32_t *slot; /* item index + 1; 0 = empty */
	uint32_t mask;  /* capacity - 1 (power of 2), 0 when unused */
	uint32_t used;
} wl_name_index;

typedef struct wl_dag {
	char *label;
	uint32_t n_jobs, n_files;
	uint64_t n_edges; /* unique parent -> child pairs (after finalize) */
	int finalized; /* 1 after a good finalize, -1 after a failed one */
	/* per job */
	uint32_t *job_type;
	double *job_runtime_s; /* NAN: work x profile sample; NULL while no
				  job has a runtime (read wl_dag_runtime) */
	double *job_work;      /* >= 0; NULL while every job has the default
				  1 (read wl_dag_work) */
	uint32_t *job_name;    /* offset into names, WL_NONE = unnamed; NULL
				  while no job has a name */
	uint32_t *job_line;    /* line of the job in its source file (0:
				  unknown); NULL while no job has one.
				  Finalize's errors about a job name it. */
	/* per file */
	double *file_size;      /* bytes */
	uint32_t *file_producer; /* job, or WL_NONE: an initial input */
	uint32_t *file_name;
	/* CSR, built by finalize */
	uint32_t *in_off, *in_file;
	uint32_t *out_off, *out_file;
	uint32_t *par_off, *par;
	uint32_t *child_off, *child;
	uint32_t *cons_off, *cons;
	uint32_t *topo;
	/* name storage and lookup */
	char *names;
	size_t names_len, names_cap;
	wl_name_index job_index, file_index;
	/* builder state: (job, x) pairs in the order given */
	uint32_t *in_j, *in_f, *out_j, *out_f, *xp_c, *xp_p;
	size_t n_in, n_out, n_xp, cap_in, cap_out, cap_xp;
	uint32_t cap_jobs, cap_files;
} wl_dag;

/* An empty DAG; label names it in error messages (may be NULL). NULL when
 * out of memory. */
wl_dag *wl_dag_new(const char *label);
void wl_dag_free(wl_dag *d);

/* Add a job of task type `type`; name may be NULL (unnamed); a duplicate
 * name is an error. *id gets its index (0, 1, 2, ... in order). */
int wl_dag_add_job(wl_dag *d, const char *name, uint32_t type, uint32_t *id,
		   io_err *err);
/* Fixed runtime (>= 0, finite) on every machine, instead of the profile. */
int wl_dag_set_runtime(wl_dag *d, uint32_t job, double runtime_s,
		       io_err *err);
/* Work (>= 0, finite) that scales the profile's time; default 1. */
int wl_dag_set_work(wl_dag *d, uint32_t job, double work, io_err *err);
/* Source line of a job (loaders): finalize's errors about the job then
 * read "label:line: ...". */
int wl_dag_set_line(wl_dag *d, uint32_t job, uint32_t line, io_err *err);
/* Change a file's size (>= 0, finite) before finalize. */
int wl_dag_set_file_size(wl_dag *d, uint32_t file, double size_bytes,
			 io_err *err);
/* Add a file of size_bytes (>= 0, finite); name may be NULL. */
int wl_dag_add_file(wl_dag *d, const char *name, double size_bytes,
		    uint32_t *id, io_err *err);
/* Edges by index, checked at finalize. A file listed twice as an input of
 * one job is read once. */
int wl_dag_add_input(wl_dag *d, uint32_t job, uint32_t file, io_err *err);
int wl_dag_add_output(wl_dag *d, uint32_t job, uint32_t file, io_err *err);
int wl_dag_add_parent(wl_dag *d, uint32_t child, uint32_t parent,
		      io_err *err);
/* Validate and build the read-only arrays; the builder calls above fail
 * afterwards. */
int wl_dag_finalize(wl_dag *d, io_err *err);

/* Fixed runtime of a job (NAN: none), and its work (default 1). */
static inline double wl_dag_runtime(const wl_dag *d, uint32_t job)
{
	return d->job_runtime_s ? d->job_runtime_s[job] : (double)NAN;
}
static inline double wl_dag_work(const wl_dag *d, uint32_t job)
{
	return d->job_work ? d->job_work[job] : 1.0;
}

/* Index of a named job / file, or -1. */
int64_t wl_dag_find_job(const wl_dag *d, const char *name);
int64_t wl_dag_find_file(const wl_dag *d, const char *name);
/* Name of a job / file, or NULL if unnamed. */
const char *wl_dag_job_name(const wl_dag *d, uint32_t job);
const char *wl_dag_file_name(const wl_dag *d, uint32_t file);
/* "'name'" or "#index", for messages; returns buf. */
const char *wl_dag_job_label(const wl_dag *d, uint32_t job, char *buf,
			     size_t cap);

/* Sum of the sizes of all files (bytes). */
double wl_dag_total_bytes(const wl_dag *d);

/*
 * Seeded synthetic DAGs (benchmarks, tests). Randomness comes only from
 * seed (a SplitMix64 sequence of its own), so a seed gives the same DAG
 * everywhere. Task types are 0 .. n_types - 1. File sizes are lognormal
 * with mean size_mean_bytes and coefficient of variation size_cv (0:
 * every file exactly size_mean_bytes).
 *
 *   layered    `jobs` jobs in levels of `width`; every job of level L > 0
 *              draws between fan_in_min and fan_in_max distinct parents
 *              uniformly among the jobs of the `span` levels before it
 *              (span 1: the previous level only), skipping parents that
 *              already have fan_out_max children (0: no bound); task type
 *              uniform. file_per_edge = 0: each job writes one file that
 *              all its children read; 1: one file per edge.
 *   chain      `jobs` jobs, each reading the previous one's file; task
 *              type of job i: i % n_types.
 *   fork_join  `stages` times: one job forks to `width` parallel jobs that
 *              join into one job (the next stage's fork); 1 + stages x
 *              (width + 1) jobs. Fork and join jobs have type 0, branches
 *              type 1 % n_types.
 *   montage    Montage-like levels for `width` images: mProjectPP x n,
 *              mDiffFit (neighbours in a sqrt(n)-wide grid: about 2n),
 *              mConcatFit, mBgModel, mBackground x n, mImgtbl, mAdd,
 *              mShrink, mJPEG; the task type of level k is k % n_types.
 *              Images have size_mean_bytes, tables and fits 1/100 of it.
 * input_bytes > 0 gives every entry job (no parents) an initial input file
 * of that mean size (same cv) that no job writes (stage-in).
 */
typedef enum wl_dag_shape {
	WL_DAG_LAYERED = 0,
	WL_DAG_CHAIN,
	WL_DAG_FORK_JOIN,
	WL_DAG_MONTAGE,
} wl_dag_shape;

typedef struct wl_dag_gen {
	wl_dag_shape shape;
	uint64_t seed;
	uint32_t jobs;   /* layered, chain */
	uint32_t width;  /* layered: per level; fork_join: branches;
			    montage: images */
	uint32_t fan_in_min, fan_in_max, fan_out_max, span; /* layered */
	uint32_t stages; /* fork_join */
	uint32_t n_types;
	double size_mean_bytes, size_cv;
	int file_per_edge;
	double input_bytes;
} wl_dag_gen;

#define WL_DAG_GEN_DEFAULT                                                    \
	{.shape = WL_DAG_LAYERED, .seed = 1, .jobs = 1000, .width = 100,      \
	 .fan_in_min = 1, .fan_in_max = 3, .span = 1, .stages = 1,            \
	 .n_types = 1, .size_mean_bytes = 1e6}

int wl_dag_generate(wl_dag **out, const wl_dag_gen *g, io_err *err);
/* "layered", "chain", "fork_join", "montage" and back (-1 if unknown). */
const char *wl_dag_shape_name(wl_dag_shape s);
int wl_dag_shape_from_name(const char *name);

#endif
