/* sim/base/thread.h — a second processor for the kernel's set-up work
 * (and a workflow run's draws, worked out ahead beside it): how many
 * processors this process may run on, and two halves of a job run side
 * by side. The tasks.csv.gz writer (out.c) has a thread of its own. */
#ifndef HETSIM_SIM_BASE_THREAD_H
#define HETSIM_SIM_BASE_THREAD_H

#include <pthread.h>

/* Processors this process may run on: HETSIM_CPUS where set to a whole
 * number from 1, else its affinity mask's count (one under taskset -c 0,
 * read once), at least 1. */
int sim_cpus(void);

/* pthread_create(t, fn, arg) with every asynchronous signal blocked in
 * the new thread: they stay the main thread's. Faults (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGTRAP, SIGSYS), SIGABRT and SIGXFSZ (a file-size
 * limit) act on the thread that causes them, as they would. 0 or
 * pthread_create's error. */
int sim_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* fn(arg) on a second processor while the caller goes on, where this
 * process has two (sim_cpus), else at once in the caller; sim_bg_join
 * returns when it is done. bg (the caller's) lives until then. */
typedef struct sim_bg {
	void (*fn)(void *);
	void *arg;
	pthread_t t;
	int threaded;
} sim_bg;
void sim_bg_start(sim_bg *bg, void (*fn)(void *), void *arg);
void sim_bg_join(sim_bg *bg);

/* fn(a) and fn(b), side by side where this process has two processors
 * (fn(b) on a thread of its own), else one after the other; returns when
 * both are done. The two must touch disjoint memory (or only read what
 * they share): their results are then the same either way. */
void sim_par2(void (*fn)(void *), void *a, void *b);

#endif
