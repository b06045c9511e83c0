/* sim/base/rng.c — seed mixing and per-purpose GSL streams (see rng.h). */
#include <math.h>
#include <gsl/gsl_cdf.h>
#include "sim/base/rng.h"

uint64_t sim_splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

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
