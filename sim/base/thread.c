/* sim/base/thread.c — a second processor for the kernel's set-up work
 * (see thread.h). */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "sim/base/thread.h"

static int cpus_now(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		int n = CPU_COUNT(&set);
		return n > 0 ? n : 1;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static int n_cpus;
static pthread_once_t cpus_once = PTHREAD_ONCE_INIT;
static void cpus_init(void) { n_cpus = cpus_now(); }

int sim_cpus(void)
{
	const char *v = getenv("HETSIM_CPUS");
	if (v && *v) {
		char *end;
		long n = strtol(v, &end, 10);
		if (!*end && n >= 1)
			return n < 1024 ? (int)n : 1024;
	}
	pthread_once(&cpus_once, cpus_init);
	return n_cpus;
}

int sim_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	static const int sync_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL,
					SIGTRAP, SIGSYS,  SIGABRT, SIGXFSZ};
	sigset_t block, old;
	sigfillset(&block);
	for (size_t i = 0; i < sizeof sync_sigs / sizeof *sync_sigs; i++)
		sigdelset(&block, sync_sigs[i]);
	pthread_sigmask(SIG_SETMASK, &block, &old);
	int rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

typedef struct par_half {
	void (*fn)(void *);
	void *arg;
} par_half;

static void *par_run(void *p)
{
	const par_half *h = p;
	h->fn(h->arg);
	return NULL;
}

void sim_par2(void (*fn)(void *), void *a, void *b)
{
	par_half h = {fn, b};
	pthread_t t;
	int threaded = sim_cpus() >= 2 && sim_thread_start(&t, par_run, &h) == 0;
	fn(a);
	if (threaded)
		pthread_join(t, NULL);
	else
		fn(b);
}
