/*
 * sim/gantt.h — Gantt charts of workflow runs: read a jobs.csv(.gz), draw
 * an SVG for people or a fixed-size PNG raster for learning, and convert
 * real Pegasus runs into both (sim/gantt.c draws, sim/gantt_real.c
 * converts; `hetsim gantt` and `hetsim gantt-dataset`, sim/cli/gantt.c).
 *
 * jobs.csv(.gz) — one row per job; the header is exactly GANTT_JOBS_HEADER
 * (the columns and their order are fixed). Read through sim/io/csv.h (gzip,
 * BOM, CRLF, RFC 4180 quotes; errors "file:line: ..."):
 *   job         integer >= 0, unique in the file
 *   name, task_type, machine, machine_type   free text (machine may be
 *               empty: the job then sits in a lane "(none)")
 *   class       compute, transfer or auxiliary
 *   ready_s, submit_s, start_s, end_s, post_end_s       required times
 *   stage_in_start_s/_end_s, compute_start_s/_end_s,
 *   stage_out_start_s/_end_s   optional pairs: both empty = no such phase
 * Times are seconds since the run's start, decimal, 0 <= t < IO_MAX_TIME_S,
 * with ready <= submit <= start <= end <= post_end, and each optional
 * pair in order and inside [start, end]. The writers print
 * times rounded to the microsecond, so an order broken by at most
 * GANTT_SLACK_S is rounding: the time is moved onto its neighbour. Worse
 * is an error naming the row and the columns.
 *
 * Phases of a job (gantt_phase), in life-cycle order, each an interval
 * [a, b) with b > a (a phase of zero length does not exist):
 *   wms       ready_s .. submit_s      workflow system's delay
 *   queue     submit_s .. start_s      batch queue
 *   startup   start_s .. the first of stage_in_start_s, compute_start_s,
 *             stage_out_start_s, end_s present
 *   stage_in, compute, stage_out      their columns
 *   held      any part of [start_s, end_s] none of startup, stage_in,
 *             compute and stage_out covers (the slot is held, no phase is
 *             recorded: e.g. after a stage-out that ended early)
 *   post      end_s .. post_end_s      post-script delay
 * The makespan is the largest post_end_s (1 s when it is 0).
 *
 * The raster (PNG) — one definition for simulated and real runs alike:
 *   size      W x H pixels, default GANTT_PNG_W x GANTT_PNG_H = 256 x 256:
 *             one pixel row or more per job for both real 1000Genome
 *             campaigns (57 and 137 jobs) and 2-16 s per column at their
 *             568-4022 s makespans, close to the data's 1 s resolution; the
 *             seed-001 paper trained on 512 x 512 (--size 512x512).
 *   format    8-bit RGB, no alpha, no interlace, no time or text chunk,
 *             no row filter, zlib level 1: the same jobs give the same
 *             bytes (with the same zlib).
 *   x         column c covers time [c, c + 1) x T / W, T the horizon: by
 *             default the run's makespan (every chart spans its own run, as
 *             the seed's charts did; runs 4x apart in length fill the same
 *             width, so the chart shows shapes, not absolute durations),
 *             or a fixed horizon in seconds (gantt_png_opts.horizon_s):
 *             absolute durations, phases past it cut off.
 *   y         job k of n (in row order) owns rows floor(k H / n) to
 *             floor((k + 1) H / n) - 1, at least row floor(k H / n): with
 *             more jobs than rows, jobs share rows (the later one wins).
 *             Row order GANTT_ROWS_READY (default): by ready_s, then
 *             start_s, then job — it depends on the workflow and its timing
 *             only, not on machine names, which differ between simulated
 *             (indices) and real (host names) runs and between platforms.
 *             GANTT_ROWS_NODE: the SVG's node lanes (machines in natural
 *             order of their labels), in each by start_s, ready_s, job.
 *   pixels    a phase paints every column its interval touches, columns
 *             floor(a W / T) to ceil(b W / T) - 1, so no phase vanishes
 *             below a column's width; a job's phases are painted in order
 *             of start (ties: life-cycle order), a later one winning a
 *             column it shares with an earlier one. A pixel is white
 *             (255, 255, 255) where no job's phase is, else the phase's
 *             colour (gantt_phase_rgb, the same in the SVG):
 *               wms        148 103 189  #9467bd  purple
 *               queue      255 127  14  #ff7f0e  orange
 *               startup    188 189  34  #bcbd22  olive
 *               stage_in    31 119 180  #1f77b4  blue
 *               compute     44 160  44  #2ca02c  green
 *               stage_out  214  39  40  #d62728  red
 *               held       127 127 127  #7f7f7f  grey
 *               post       140  86  75  #8c564b  brown
 *             The raster never shows an anomaly window: that is the label
 *             a detector learns.
 */
#ifndef HETSIM_SIM_GANTT_H
#define HETSIM_SIM_GANTT_H

#include <stddef.h>
#include <stdint.h>
#include "sim/base/out.h"
#include "sim/io/io.h"

#define GANTT_JOBS_HEADER                                                      \
	"job,name,task_type,class,machine,machine_type,ready_s,submit_s,"     \
	"start_s,stage_in_start_s,stage_in_end_s,compute_start_s,"            \
	"compute_end_s,stage_out_start_s,stage_out_end_s,end_s,post_end_s"

#define GANTT_SLACK_S 1e-6 /* see the top: rounding of printed times */
#define GANTT_PNG_W 256
#define GANTT_PNG_H 256
#define GANTT_PNG_MAX_SIDE 8192

typedef enum gantt_class {
	GANTT_COMPUTE,
	GANTT_TRANSFER,
	GANTT_AUXILIARY
} gantt_class;

/* The times of a job, in column order (NAN: empty). */
typedef enum gantt_time {
	GANTT_READY,
	GANTT_SUBMIT,
	GANTT_START,
	GANTT_STAGE_IN_START,
	GANTT_STAGE_IN_END,
	GANTT_COMPUTE_START,
	GANTT_COMPUTE_END,
	GANTT_STAGE_OUT_START,
	GANTT_STAGE_OUT_END,
	GANTT_END,
	GANTT_POST_END,
	GANTT_NTIMES
} gantt_time;

typedef enum gantt_phase {
	GANTT_PH_WMS,
	GANTT_PH_QUEUE,
	GANTT_PH_STARTUP,
	GANTT_PH_STAGE_IN,
	GANTT_PH_COMPUTE,
	GANTT_PH_STAGE_OUT,
	GANTT_PH_HELD,
	GANTT_PH_POST,
	GANTT_NPHASES
} gantt_phase;

typedef struct gantt_job {
	long long index; /* the job column */
	char *name, *task_type, *machine, *machine_type;
	gantt_class cls;
	double t[GANTT_NTIMES];
	long line; /* where it was read, 0 if built in memory */
} gantt_job;

typedef struct gantt_run {
	gantt_job *jobs; /* sorted by index */
	size_t n;
	double makespan_s;
} gantt_run;

/* One phase of a job. A job has at most GANTT_MAX_SPANS of them. */
typedef struct gantt_span {
	gantt_phase phase;
	double t0, t1;
} gantt_span;
#define GANTT_MAX_SPANS 16

/* Read a jobs.csv(.gz): 0, or IO_EINPUT (err "file:line: what") / IO_ENOMEM. */
int gantt_load(gantt_run *run, const char *path, io_err *err);
void gantt_free(gantt_run *run);
/* Check the jobs of a run built in memory as gantt_load checks rows (and
 * nudge rounding), sort them by index and set the makespan. Takes the
 * jobs; label names the run in messages. */
int gantt_finish(gantt_run *run, const char *label, io_err *err);
/* Append s and a comma to t as a CSV field, RFC 4180 quoted when it holds
 * a comma, quote or line break, or starts or ends with a blank (the CSV
 * reader trims unquoted fields). */
void gantt_csv_field(sim_text *t, const char *s);
/* Write a run as jobs.csv, gzipped when path ends in ".gz"; atomic. */
int gantt_write_jobs(const gantt_run *run, const char *path, io_err *err);

/* The phases of job j, ordered by start (ties: life-cycle order); the
 * count. */
int gantt_job_spans(const gantt_job *j, gantt_span *spans);
const char *gantt_phase_name(gantt_phase ph);
const char *gantt_class_name(gantt_class c);
/* "#rrggbb" and its three bytes. */
const char *gantt_phase_color(gantt_phase ph);
void gantt_phase_rgb(gantt_phase ph, uint8_t rgb[3]);

typedef enum gantt_rows { GANTT_ROWS_READY, GANTT_ROWS_NODE } gantt_rows;

/* Row order of the jobs: order[k] is the job (index into run->jobs) of row
 * k; order holds run->n entries. */
void gantt_row_order(const gantt_run *run, gantt_rows rows, size_t *order);

typedef struct gantt_png_opts {
	int width, height; /* 0: GANTT_PNG_W x GANTT_PNG_H */
	gantt_rows rows;
	double horizon_s; /* 0: the makespan */
} gantt_png_opts;

/* Paint the raster into rgb (width x height x 3 bytes, rows top down). */
int gantt_raster(const gantt_run *run, const gantt_png_opts *o, uint8_t *rgb,
		 io_err *err);
/* The raster as PNG bytes (malloc'd, *len bytes; free it). */
int gantt_png_encode(const gantt_run *run, const gantt_png_opts *o,
		     unsigned char **png, size_t *len, io_err *err);
int gantt_write_png(const gantt_run *run, const gantt_png_opts *o,
		    const char *path, io_err *err);

/* A shaded anomaly window on machines: their labels separated by spaces,
 * as the manifest's anomaly_node ("*", empty or NULL: every machine). */
typedef struct gantt_window {
	const char *machine;
	double t0, t1;
} gantt_window;

typedef struct gantt_svg_opts {
	const char *title;           /* NULL: a description of the run */
	const gantt_window *anomaly; /* NULL: none */
} gantt_svg_opts;

/* The chart for people: one row per job in node lanes (machines in natural
 * order of their labels, each job by start_s in its lane), a bar per phase
 * (class "bar <phase>", a tooltip naming job, machine and times), a time
 * axis, lane labels, a legend, a title and the anomaly window (class
 * "anomaly", one per machine). An anomaly on a machine the run does not
 * use is an error. Atomic. */
int gantt_write_svg(const gantt_run *run, const gantt_svg_opts *o,
		    const char *path, io_err *err);

/* ---- data sets (sim/gantt_real.c) ---------------------------------- */

/* Seed-001 labels: "normal", "cpu_K", "hdd_K", "loss_X" (K a whole number,
 * X a decimal) give their coarse class "normal", "cpu", "hdd", "loss";
 * anything else NULL. */
const char *gantt_coarse_class(const char *label);

/* The split of run k (0-based) of the n runs of one class: the first
 * n - 2 floor(n / 10) are "train", the next floor(n / 10) "validation",
 * the last floor(n / 10) "test" — the seed's 80/10/10, exact per class. */
const char *gantt_split(size_t k, size_t n);

/* DIR/manifest.csv, one row per chart, columns in this order:
 *   file           the PNG, relative to DIR (its jobs.csv.gz beside it,
 *                  the same name with .jobs.csv.gz for .png)
 *   class          coarse class: normal, cpu, hdd, loss
 *   label          fine label: normal, cpu_2, hdd_50, loss_0.1, ...
 *   seed           the simulation's seed; empty for a real run
 *   anomaly_node   the machine(s) of the anomaly, several separated by
 *                  spaces; empty when unknown (or normal)
 *   anomaly_start_s, anomaly_end_s   its window; empty when unknown
 *   split          train, validation or test
 * Rows are sorted by file, so the manifest does not depend on the order
 * (or the threads) in which charts were made. Fields are RFC 4180 quoted
 * where needed. gantt_manifest_add copies its strings and may be called
 * from several threads. */
typedef struct gantt_manifest gantt_manifest;
typedef struct gantt_entry {
	const char *file, *coarse, *label;
	int has_seed;
	uint64_t seed;
	const char *anomaly_node; /* NULL: unknown */
	double anomaly_t0, anomaly_t1; /* NAN: unknown */
	const char *split;
} gantt_entry;
#define GANTT_MANIFEST_HEADER                                                  \
	"file,class,label,seed,anomaly_node,anomaly_start_s,anomaly_end_s,split"
gantt_manifest *gantt_manifest_new(void);
int gantt_manifest_add(gantt_manifest *m, const gantt_entry *e, io_err *err);
size_t gantt_manifest_count(const gantt_manifest *m);
int gantt_manifest_write(gantt_manifest *m, const char *path, io_err *err);
void gantt_manifest_free(gantt_manifest *m);

/* One labelled chart of a data set: the jobs.csv(.gz) at jobs drawn as the
 * PNG OUT/e->file (its folders made) and e added to m. The real half of
 * gantt-dataset calls it for each real run; the simulated half
 * (sim/cli/gantt.c) for each run it simulates, in its worker processes,
 * the parent then listing each run with its seed, label, anomaly and
 * gantt_split. */
int gantt_chart_add(const char *out_dir, const char *jobs,
		    const gantt_png_opts *o, const gantt_entry *e,
		    gantt_manifest *m, io_err *err);

/* The real labelled runs of a folder laid out as
 * ../shared/data/anomaly_sample/ (its README): 1000genome_runs_sample.csv
 * (one row per run) and 1000genome_jobs_sample.csv (one row per job).
 * Every run is read and checked first (its job count, and where recorded
 * its count of jobs labelled anomalous, must match the runs file; its
 * label must be a seed-001 label); only then is anything written:
 * OUT/real/<campaign>/<run_id>.jobs.csv.gz and, drawn from that file as
 * any simulated run's, OUT/real/<campaign>/<run_id>.png, each added to m
 * (split "test": real runs are where a detector trained on simulated
 * charts is tried). Mapping (shared spec): ready -> ready_s, submit ->
 * submit_s, execute_start -> start_s, execute_end -> end_s,
 * post_script_end -> post_end_s, stage_in_* / stage_out_* as they are,
 * compute from stage_in_end (or start_s) to stage_out_start (or end_s);
 * name = dag_node, task_type = job_type, class = job_class, machine = host,
 * machine_type empty; job = the row's rank in its run. Two repairs,
 * counted in *clamped and *placed:
 *  - staging that the sources put outside [execute_start, execute_end]
 *    (flowbench2022: stage-out ends up to 94 s after execute_end — the
 *    submit host's and the workers' clocks differ) is clamped into it;
 *  - poseidon2020 records staging durations only: stage-in is placed at
 *    the start of the execution, stage-out at its end (PegasusLite stages
 *    in, runs, stages out, in that order, inside the job).
 * The anomaly node is the runs file's anomalous_hosts (flowbench2022;
 * empty for poseidon2020, where every worker was stressed but the file
 * names none); the window is unknown (empty). */
typedef struct gantt_real_stats {
	size_t runs, jobs, clamped, placed;
} gantt_real_stats;
int gantt_real_convert(const char *real_dir, const char *out_dir,
		       const gantt_png_opts *o, gantt_manifest *m,
		       gantt_real_stats *st, io_err *err);

#endif
