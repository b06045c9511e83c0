/*
 * sim/base/rng.h — random streams.
 *
 * One GSL generator per purpose, each seeded from the 64-bit run seed by
 * sim_seed_mix(run_seed, stream): SplitMix64 (Steele, Lea & Flood 2014) of
 * run_seed + (stream + 1) * 0x9E3779B97F4A7C15, folded to 32 bits (the part
 * of the seed GSL's generators use) and mapped away from 0. Streams are
 * independent of each other, so adding a draw to one purpose (a policy that
 * flips a coin) never shifts another (arrivals).
 *
 * Execution times use common random numbers that are not a stream at all:
 * the uniform of task `id` on machine type `mtype` is a counter-based hash
 * of (run seed, id), so it depends on nothing else, whatever order tasks are
 * started in. With rank correlation rho = 1 (default) the task has the same
 * uniform on every machine type (a hard task is hard everywhere); with
 * rho < 1 a Gaussian copula mixes a per-task and a per-(task, type) normal:
 * z = sqrt(rho) z_task + sqrt(1 - rho) z_task,type, u = Phi(z).
 *
 * sim_mt is the same Mersenne Twister as GSL's gsl_rng_mt19937 (Matsumoto &
 * Nishimura 1998, seeded as GSL's mt_set does: init_genrand of the 2002
 * reference code, seed 0 taken as 4357), drawn inline: sim_mt_uniform_pos
 * returns exactly what gsl_rng_uniform_pos returns for the same seed, draw
 * after draw, without GSL's call through a function pointer per draw (the
 * arrival stream draws twice per task). tests/test_workloads.c compares the
 * two over several refills of the state.
 */
#ifndef HETSIM_SIM_BASE_RNG_H
#define HETSIM_SIM_BASE_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

typedef enum sim_stream {
	SIM_STREAM_ARRIVALS = 0, /* inter-arrival times, task-type mix */
	SIM_STREAM_EXEC = 1,     /* execution-time uniforms (hash key) */
	SIM_STREAM_POLICY = 2,   /* randomness inside policies */
	SIM_STREAM_FAILURES = 3,
	SIM_STREAM_WORKLOAD_AUX = 4, /* e.g. MMPP state switches */
	SIM_STREAM_SEGMENTS = 5, /* which input (segment) a request is on */
} sim_stream;

static inline uint64_t sim_splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}
/* Never 0. */
uint64_t sim_seed_mix(uint64_t run_seed, uint32_t stream);
/* A new GSL generator (gsl_rng_mt19937) for stream; NULL on no memory. */
gsl_rng *sim_rng_new(uint64_t run_seed, uint32_t stream);

#define SIM_MT_N 624
typedef struct sim_mt {
	uint32_t next; /* index of the next word of out; SIM_MT_N: refill */
	uint32_t mt[SIM_MT_N];	/* the state */
	uint32_t out[SIM_MT_N]; /* its tempered outputs, computed at refill */
} sim_mt;

/* Seed as gsl_rng_set(gsl_rng_mt19937, seed) does (only the low 32 bits of
 * the seed count). */
void sim_mt_seed(sim_mt *g, uint64_t seed);
/* sim_mt_seed(g, sim_seed_mix(run_seed, stream)): the stream's values are
 * those of sim_rng_new(run_seed, stream). */
void sim_mt_seed_stream(sim_mt *g, uint64_t run_seed, uint32_t stream);
/* Compute the next SIM_MT_N words of the state (the generator's state
 * transition) and their tempered outputs, four at a time. */
void sim_mt_refill(sim_mt *g);

/* The next 32-bit output (gsl_rng_get). */
static inline uint32_t sim_mt_get(sim_mt *g)
{
	if (__builtin_expect(g->next >= SIM_MT_N, 0))
		sim_mt_refill(g);
	return g->out[g->next++];
}
/* Uniform in (0, 1): gsl_rng_uniform_pos, which skips outputs of 0. */
static inline double sim_mt_uniform_pos(sim_mt *g)
{
	uint32_t k;
	do
		k = sim_mt_get(g);
	while (__builtin_expect(k == 0, 0));
	return (double)k / 4294967296.0;
}

/* Consume what sim_mt_uniform_pos would, without making its value (a
 * draw whose value is known, so that the stream stays in step). */
static inline void sim_mt_skip_pos(sim_mt *g)
{
	while (__builtin_expect(sim_mt_get(g) == 0, 0))
		;
}

/* The part of sim_task_uniform that depends on the run seed alone, for a
 * run to compute once (sim_task_uniform_keyed). */
static inline uint64_t sim_task_key(uint64_t run_seed)
{
	return sim_splitmix64(run_seed ^ 0xD1B54A32D192ED03ull);
}
/* sim_task_uniform(run_seed, id) with key = sim_task_key(run_seed). */
static inline double sim_task_uniform_keyed(uint64_t key, uint64_t task_id)
{
	uint64_t h =
		sim_splitmix64((key ^ task_id) + 0x9E3779B97F4A7C15ull * 3);
	return ((double)(h >> 11) + 0.5) * 0x1.0p-53;
}
/* Uniform in (0, 1) of task id, depends only on (run_seed, id). */
static inline double sim_task_uniform(uint64_t run_seed, uint64_t task_id)
{
	return sim_task_uniform_keyed(sim_task_key(run_seed), task_id);
}
/* Uniform of task id on machine type mtype with rank correlation rho in
 * [0, 1] across machine types (rho = 1 gives sim_task_uniform). */
double sim_task_uniform_on(uint64_t run_seed, uint64_t task_id,
			   uint32_t mtype, double rho);

#endif
