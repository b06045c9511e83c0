/* sim/base/clock.h — the two clocks hetsim reads for its own timing (wall
 * time of a run, of a real task, of a training epoch; CPU time of a
 * process): seconds as doubles. Not for simulated time, which is the
 * engine's. */
#ifndef HETSIM_SIM_BASE_CLOCK_H
#define HETSIM_SIM_BASE_CLOCK_H

#include <time.h>

/* Monotonic wall clock, seconds from an arbitrary origin. */
static inline double sim_clock_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this process (all its threads), seconds. */
static inline double sim_cpu_clock_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
