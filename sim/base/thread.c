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

static void *bg_run(void *p)
{
	const sim_bg *bg = p;
	bg->fn(bg->arg);
	return NULL;
}

void sim_bg_start(sim_bg *bg, void (*fn)(void *), void *arg)
{
	bg->fn = fn;
	bg->arg = arg;
	bg->threaded = sim_cpus() >= 2 && sim_thread_start(&bg->t, bg_run, bg) == 0;
	if (!bg->threaded)
		fn(arg);
}

void sim_bg_join(sim_bg *bg)
{
	if (bg->threaded)
		pthread_join(bg->t, NULL);
	bg->threaded = 0;
}

void sim_par2(void (*fn)(void *), void *a, void *b)
{
	sim_bg bg;
	sim_bg_start(&bg, fn, b);
	fn(a);
	sim_bg_join(&bg);
}
