/*
 * sim/serving.h — the serving model of an experiment's independent tasks
 * ("serving" in the experiment JSON): what a model-serving system adds to
 * the execution-time profile. Every part is off unless given, and with no
 * "serving" key a run is exactly what it was without this module.
 *
 *   "serving": {
 *     "client_delay": DIST,  client / network time of each request that
 *                            does not occupy the instance: added to its
 *                            response time (its end in tasks.csv.gz, the
 *                            response statistics and the makespan). A
 *                            completed request is judged missed when its
 *                            instance finishes after the deadline.
 *     "hold": DIST,          time an instance stays taken after the model's
 *                            own time (the load balancer learning it is
 *                            free): added to the execution time, it
 *                            occupies the slot.
 *     "mix": [{"machine": "c5.2xlarge", "task": "image_classification",
 *              "after": "speech_recognition", "factor": 1.06}, ...],
 *                            service time that depends on the instance's
 *                            previous request: the drawn time of a request
 *                            of "task" on an instance of type "machine"
 *                            whose previous request was of type "after"
 *                            ("after": null: the instance's first request)
 *                            is multiplied by "factor" (> 0). Pairs not
 *                            listed: 1.
 *     "queue": "fifo" | "random"
 *                            the order in which requests waiting for a free
 *                            instance get one (immediate policies: the
 *                            mapper's wait queue): arrival order (fifo, the
 *                            default) or a uniformly random waiting request
 *                            each time (a load balancer whose waiting
 *                            requests race for an instance; each pick walks
 *                            the queue, so it costs its length)
 *     "retry": {"poll_s": 0.004, "hot_s": 0.1, "backoff": 5, "hold": 0.002}
 *                            a retrying client (replaces "queue" and
 *                            "hold"): each waiting request polls for a free
 *                            instance at random (memoryless) times, on
 *                            average every poll_s while it has waited less
 *                            than hot_s, every backoff x poll_s after
 *                            (backoff >= 1: the client backs off). A
 *                            request that arrives to a free instance takes
 *                            it at once; an instance that frees while
 *                            requests wait stays idle until the first of
 *                            them polls (exponential with rate W / poll_s,
 *                            W = waiting hot requests + waiting others /
 *                            backoff; this idle time occupies it, as the
 *                            hold does), and that request is a hot one
 *                            with probability 1 / W each, another with
 *                            1 / (backoff W). New arrivals are thus
 *                            favoured over long-waiting requests, and an
 *                            instance of a lightly loaded pool idles
 *                            longer between queued requests than one of a
 *                            saturated pool. "hold" (seconds) is the
 *                            instance's own hold under this client.
 *                            Each pick and idle time is drawn from the
 *                            run seed and a pick counter.
 *     "retry": {"poll_s": 0.01, "growth": 1.6, "cap_s": 1, "hold": 0.002}
 *                            the same client with a growing back-off, in
 *                            place of "hot_s" and "backoff" (giving both
 *                            forms is an error): a request's k-th poll
 *                            interval is poll_s x growth^k (k = 0, 1, ...:
 *                            each failed attempt multiplies it, as gRPC
 *                            and HTTP clients do), at most cap_s (cap_s >=
 *                            poll_s); its poll rate, in units of
 *                            1 / poll_s, is growth^-k, at least
 *                            poll_s / cap_s, where k = floor(log(1 + age
 *                            (growth - 1) / poll_s) / log growth) is the
 *                            number of attempts made by its age (growth
 *                            1: every poll_s, the hot/backoff form with
 *                            backoff 1). A request's chance to win a freed
 *                            instance thus falls about as 1 / its age
 *                            until the cap.
 *     "file": "serving.json" a fitted model (`hetsim fit --serving`
 *                            writes one): a JSON object with the keys
 *                            above, path relative to the experiment; keys
 *                            given next to "file" override the file's.
 *   }
 *   DIST: a number (a constant in seconds) or {"samples": [t, ...],
 *   "unit": "s" | "ms" | "us"}: a uniformly drawn one of the samples (each
 *   with probability 1/n, as the profile's "replay" model). Every time must
 *   be finite and in [0, 10^6] s.
 *
 * Draws: each request's client delay and hold come from its own uniforms
 * (sim_task_uniform on the run seed and task id, one key per part), so
 * every policy sees the same delays (common random numbers), and they do
 * not change the execution-time draws. The random queue's and "retry"'s
 * picks (and retry's idle times) come from the run seed and the count of
 * picks so far.
 * The load balancer's choice among free instances is the policy
 * (fcfs = first free, fcfs_random = random free, fcfs_least = least
 * loaded; policies/immediate.h). Workflow workloads refuse "serving".
 */
#ifndef HETSIM_SIM_SERVING_H
#define HETSIM_SIM_SERVING_H

#include <math.h>
#include <stdint.h>
#include "profiles/profile.h"
#include "sim/base/rng.h"

typedef struct sim_serving {
	double *delay_s; /* sorted samples, n_delay = 0: none */
	double *hold_s;  /* sorted samples, n_hold = 0: none */
	uint32_t n_delay, n_hold;
	/* [machine type][previous type, n_tasks = none][task type] factors,
	 * NULL: none given */
	double *mix;
	uint32_t n_tasks, n_machine_types;
	int queue_random; /* "queue": "random" */
	/* "retry" (has_retry): poll interval, hot time, backoff, hold (s);
	 * the growing form (growth > 0): growth per attempt and cap (s) */
	int has_retry;
	double poll_s, hot_s, backoff, retry_hold_s;
	double growth, cap_s;
} sim_serving;

/* Parse node (the experiment's "serving" object) against profile p. */
int sim_serving_load(sim_serving **out, const io_jdoc *doc,
		     const json_t *node, const prof_profile *p, io_err *err);
void sim_serving_free(sim_serving *s);

/* One of the n sorted samples for uniform u in (0, 1); 0 when n = 0. */
static inline double sim_serving_pick(const double *s, uint32_t n, double u)
{
	if (n == 0)
		return 0.0;
	uint32_t k = (uint32_t)(u * n);
	return s[k < n ? k : n - 1];
}

/* Request id's client delay and hold under run seed. */
static inline double sim_serving_delay(const sim_serving *s, uint64_t seed,
				       uint64_t id)
{
	return s->n_delay ? sim_serving_pick(s->delay_s, s->n_delay,
			      sim_task_uniform(seed ^ 0x5E4D1A7C0FFEEull, id))
			  : 0.0;
}
static inline double sim_serving_hold(const sim_serving *s, uint64_t seed,
				      uint64_t id)
{
	return s->n_hold ? sim_serving_pick(s->hold_s, s->n_hold,
			     sim_task_uniform(seed ^ 0x40DD15EA5Eull, id))
			 : 0.0;
}
/* "retry" with "growth" g > 1: the attempts a request has made by age a,
 * its k-th poll interval poll_s g^k (uncapped: the cap only matters once
 * the interval reaches it, serving.h), floor(log(1 + a (g - 1) / poll_s)
 * / log g). */
static inline double sim_serving_retry_attempts(double poll_s, double g,
						double age)
{
	if (!(poll_s > 0))
		return INFINITY;
	return floor(log1p(age * (g - 1) / poll_s) / log(g));
}
/* "retry": the poll rate of a request that has waited age seconds, in
 * units of 1 / poll_s: 1 while hot, 1 / backoff after; with "growth" g,
 * g^-attempts, at least poll_s / cap_s. */
static inline double sim_serving_retry_weight(const sim_serving *s,
					      double age)
{
	if (s->growth > 0) {
		double lo = s->cap_s > 0 ? s->poll_s / s->cap_s : 1.0;
		if (s->growth == 1.0 || lo >= 1.0)
			return 1.0;
		double w = pow(s->growth, -sim_serving_retry_attempts(
						  s->poll_s, s->growth, age));
		return w > lo ? w : lo;
	}
	return age < s->hot_s ? 1.0 : 1.0 / s->backoff;
}
/* "retry": how long a freed instance idles before the first poll of the
 * waiting requests whose weights sum to w, for uniform u in (0, 1). */
static inline double sim_serving_retry_idle(const sim_serving *s, double w,
					    double u)
{
	return w > 0 ? -log(u) * s->poll_s / w : 0.0;
}
/* The factor of a request of type tt after a request of type prev
 * (prev = n_tasks: the instance's first) on machine type mt. */
static inline double sim_serving_factor(const sim_serving *s, uint32_t mt,
					uint32_t prev, uint32_t tt)
{
	if (!s->mix)
		return 1.0;
	return s->mix[((size_t)mt * (s->n_tasks + 1) + prev) * s->n_tasks + tt];
}

#endif
