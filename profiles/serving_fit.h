/*
 * profiles/serving_fit.h — fit the serving model of sim/serving.h and the
 * mixed-load service times it goes with from recorded multi-model serving
 * runs. The command is `hetsim fit --serving` (sim/cli/fit.c).
 *
 *   hetsim fit --serving DATA.csv[.gz] --runs 1-3 [--experiments E,...]
 *        [--base PROFILE.json] -o DIR [--quiet]
 *
 * DATA is in the layout of ../shared/data/heet_mixed_exp2.csv.gz (columns
 * experiment, n_t2_large, n_c5_2xlarge, n_g4dn_xlarge, run, task_id,
 * task_type, machine, instance, arrival_ms, inference_ms, completion_ms;
 * integer ms). It is read as a stream; only the rows of the runs named by
 * --runs (and of the experiments named by --experiments, default all) are
 * kept, so memory is bounded by the training rows. A run is one
 * (experiment, pool n_t2_large/n_c5_2xlarge/n_g4dn_xlarge, run). Writes:
 *
 *  DIR/profile.json  the base profile's machine and task types (default
 *                    profiles/data/heet.json) with, per (task type, machine
 *                    type), an empirical model of the measured inference_ms
 *                    under mixed load: 1001 quantiles of the training rows
 *                    (nearest rank, SERVING_FIT_NQ), unit ms
 *  DIR/serving.json  the "serving" model of sim/serving.h:
 *    hold          the time an instance stays taken after a request's own
 *                  round trip: for each request that had waited (it arrived
 *                  before the previous response of its instance, in the
 *                  instance's completion order, by at least the median
 *                  client-side time c - a - inference_ms of a request that
 *                  found its instance free: no longer in its own client
 *                  delay), completion - previous completion on the instance
 *                  - inference_ms (clipped at 0): their median, a constant
 *                  (their tail is the client's dispatch in lightly loaded
 *                  pools, not time the instance is taken; saturated pools
 *                  show a median of 2 ms)
 *    client_delay  the rest of a request's client-side time, which does not
 *                  occupy the instance: for each request that found its
 *                  instance free, completion - arrival - inference_ms, less
 *                  the hold (clipped at 0), 1001 quantiles
 *    queue         "random" when waiting requests are served out of arrival
 *                  order: over 5% of the requests that waited (arrived more
 *                  than the margin above before their instance's previous
 *                  completion) were overtaken (a request that arrived more
 *                  than the margin later started, at completion -
 *                  inference_ms, more than the margin earlier), which FIFO
 *                  never does; else "fifo"
 *    mix           per (machine type, previous task type on the instance or
 *                  null for its first request, task type): mean inference_ms
 *                  after that previous type / mean inference_ms of the pair
 *                  (the service order on an instance is its completion
 *                  order), rounded to 6 decimals, with its count n
 *    retry         the retrying client (sim/serving.h "retry"). A decision
 *                  is a request q that started (completion - inference_ms)
 *                  at s while it waited: it arrived at least `ready` before
 *                  s (ready: the 5th percentile client-side time of a free
 *                  request, the shortest the client takes before it first
 *                  polls) and had not started; the requests waiting with
 *                  it are those of its run that arrived by s - ready and
 *                  started at s or later. hot_s and backoff: the pair of
 *                  the grids (hot 10 ms .. 5 s, backoff 1 .. 100) of
 *                  greatest likelihood of every decision with 2 or more
 *                  waiting, P(q) = weight(q) / W (weight 1 while the wait
 *                  is under hot_s, 1 / backoff after; W the sum over the
 *                  waiting); ties to the smaller backoff, then hot time.
 *                  hold and poll_s from the gap before each decision whose
 *                  request waited for its instance's previous one (gap =
 *                  s - that completion, at least 0; W of those waiting
 *                  when it freed): the gap is hold + an idle time,
 *                  exponential with mean poll_s / W. hold = the mean of
 *                  gap - poll_s / W less its lowest and highest tenths
 *                  where W >= SERVING_FIT_BUSY_W (or the largest tenth of
 *                  W when fewer reach it); poll_s = the median of (gap -
 *                  hold) x W where W is smaller, / ln 2; the two
 *                  alternately from poll_s 0, SERVING_FIT_ROUNDS times.
 *                  Without decisions: hold as above, poll_s 0, backoff 1.
 *  Each value carries the rule and counts that produced it ("source").
 *
 * Every number comes from the training rows; nothing is tuned by hand. The
 * same inputs give byte-identical outputs (the JSON is laid out one value a
 * line, indent 1, ASCII with \u escapes, numbers in their shortest exact
 * form). Apart from "retry", these are the rules of the former
 * experiments/serving/fit.py, whose outputs this reproduces value for
 * value.
 *
 * Errors: io_err values; a bad row or header is "file:line: what", a flag
 * "--runs: ...", exit status 2 in the CLI.
 */
#ifndef HETSIM_PROFILES_SERVING_FIT_H
#define HETSIM_PROFILES_SERVING_FIT_H

#include <stdio.h>
#include "sim/io/io.h"

#define SERVING_FIT_NQ 1001       /* quantiles kept per distribution */
#define SERVING_FIT_RANDOM_SHARE 0.05 /* overtaken share above which
					 the queue is "random" */
#define SERVING_FIT_NH 9  /* hot times tried by the retry fit */
#define SERVING_FIT_NB 12 /* backoffs tried */
#define SERVING_FIT_BUSY_W 10.0 /* W where the hold is read */
#define SERVING_FIT_ROUNDS 20   /* of the hold / poll time fit */
#define SERVING_FIT_MAX_MIX (1u << 20) /* (machine, previous type, type)
					  triples: memory stays bounded */

typedef struct serving_fit_args {
	const char *data;        /* the runs, CSV or .csv.gz */
	const char *runs;        /* "1-3", "1,4", "1-2,5" */
	const char *experiments; /* "E1,E2" or NULL/"" for all */
	const char *base;        /* profile whose machine and task types are
				    copied */
	const char *out_dir;     /* created if missing */
	int quiet;               /* no summary line on stdout */
} serving_fit_args;

/* Read, fit and write DIR/profile.json and DIR/serving.json. */
int serving_fit(const serving_fit_args *a, io_err *err);

/* Write json as Python's json.dump(indent=1) does (ensure_ascii, ", " ->
 * ",", reals in their shortest round-trip form), and a final newline. */
int serving_fit_write_json(FILE *f, const json_t *json);

#endif
