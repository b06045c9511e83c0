/* sim/base/rng.c — seed mixing and per-purpose GSL streams (see rng.h). */
#include <math.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "sim/base/rng.h"

uint64_t sim_seed_mix(uint64_t run_seed, uint32_t stream)
{
	uint64_t h = sim_splitmix64(run_seed +
				    (uint64_t)(stream + 1) * 0x9E3779B97F4A7C15ull);
	uint64_t folded = (h ^ (h >> 32)) & 0xFFFFFFFFull;
	return folded ? folded : 0x5EED;
}

gsl_rng *sim_rng_new(uint64_t run_seed, uint32_t stream)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (r)
		gsl_rng_set(r, (unsigned long)sim_seed_mix(run_seed, stream));
	return r;
}

void sim_mt_seed(sim_mt *g, uint64_t seed)
{
	uint32_t s = (uint32_t)seed;
	g->mt[0] = s ? s : 4357;
	for (uint32_t i = 1; i < SIM_MT_N; i++)
		g->mt[i] =
			1812433253u * (g->mt[i - 1] ^ (g->mt[i - 1] >> 30)) + i;
	g->next = SIM_MT_N;
}

void sim_mt_seed_stream(sim_mt *g, uint64_t run_seed, uint32_t stream)
{
	sim_mt_seed(g, sim_seed_mix(run_seed, stream));
}

/* One step of the recurrence: the upper bit of a, the lower 31 of b. The
 * same for four words at once, in GCC's vector extension (clang has it). */
static inline uint32_t mt_twist(uint32_t far, uint32_t a, uint32_t b)
{
	uint32_t y = (a & 0x80000000u) | (b & 0x7fffffffu);
	return far ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
}

typedef uint32_t mt_v4 __attribute__((vector_size(16)));

static inline mt_v4 mt_load(const uint32_t *p)
{
	mt_v4 v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* mt[k..k+3] from mt[far..far+3], mt[k..k+3] and mt[k+1..k+4], all read
 * before mt[k..k+3] is written, as one at a time reads them. */
static inline void mt_twist4(uint32_t *mt, uint32_t k, uint32_t far)
{
	mt_v4 a = mt_load(mt + k), b = mt_load(mt + k + 1);
	mt_v4 y = (a & 0x80000000u) | (b & 0x7fffffffu);
	mt_v4 r = mt_load(mt + far) ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
	memcpy(mt + k, &r, sizeof r);
}

void sim_mt_refill(sim_mt *g)
{
	enum { N = SIM_MT_N, M = 397 };
	uint32_t *mt = g->mt;
	uint32_t k = 0;
	/* mt[k] for k < N - M reads mt[k + M], not yet rewritten; the rest
	 * read mt[k + M - N], rewritten N - M = 227 >= 4 words before. */
	for (; k + 4 <= N - M; k += 4)
		mt_twist4(mt, k, k + M);
	for (; k < N - M; k++)
		mt[k] = mt_twist(mt[k + M], mt[k], mt[k + 1]);
	for (; k + 4 <= N - 1; k += 4) /* N - 1 - (N - M) = 396 = 4 x 99 */
		mt_twist4(mt, k, k + M - N);
	for (; k < N - 1; k++)
		mt[k] = mt_twist(mt[k + M - N], mt[k], mt[k + 1]);
	mt[N - 1] = mt_twist(mt[M - 1], mt[N - 1], mt[0]);
	/* tempering */
	for (k = 0; k < N; k += 4) {
		mt_v4 v = mt_load(mt + k);
		v ^= v >> 11;
		v ^= (v << 7) & 0x9d2c5680u;
		v ^= (v << 15) & 0xefc60000u;
		v ^= v >> 18;
		memcpy(g->out + k, &v, sizeof v);
	}
	g->next = 0;
}

double sim_task_uniform_on(uint64_t run_seed, uint64_t task_id, uint32_t mtype,
			   double rho)
{
	double u = sim_task_uniform(run_seed, task_id);
	if (rho >= 1.0)
		return u;
	uint64_t k = sim_splitmix64(run_seed ^ 0x2545F4914F6CDD1Dull) ^ task_id;
	uint64_t h = sim_splitmix64(sim_splitmix64(k) + mtype + 1);
	double v = ((double)(h >> 11) + 0.5) * 0x1.0p-53;
	double z = sqrt(rho) * gsl_cdf_ugaussian_Pinv(u) +
		   sqrt(1.0 - rho) * gsl_cdf_ugaussian_Pinv(v);
	double w = gsl_cdf_ugaussian_P(z);
	/* keep strictly inside (0, 1) for the inverse CDFs */
	if (w <= 0.0)
		w = 0x1.0p-53;
	if (w >= 1.0)
		w = 1.0 - 0x1.0p-53;
	return w;
}
