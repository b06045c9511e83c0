/*
 * sim/sweep/mpi.c — `hetsim sweep --mpi`: the cases of a sweep spread over
 * the ranks of an MPI job:
 *
 *   mpirun -np K hetsim sweep SWEEP.json --mpi [--results FILE.jsonl]
 *
 * (Open MPI refuses to run as root without --allow-run-as-root or the
 * environment OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;
 * more ranks than cores needs --oversubscribe.)
 *
 * Rank 0 is the master and the only rank that touches the results file: it
 * merges the part files of slices and repairs the file as a local run does,
 * then hands out the unfinished cases one at a time — a worker sends the
 * lines of the case it finished (or its error) and gets the next index
 * back, or a stop — and appends each case's lines with one write(2), so the
 * file resumes like any other. With one rank, rank 0 runs the cases itself.
 * A case that fails is reported by rank 0 and the others go on; the run
 * ends with status 1 once every worker has been stopped. A rank that sends
 * no result within the case time limit (--case-timeout; stopped, dead or
 * hung) is given up on: its case is reported failed naming the rank, the
 * others finish, and the job is ended (MPI_Finalize would wait for the
 * lost rank): once the results are written and the lock released, a lost
 * rank on rank 0's node, known by the pid and host every rank sends at
 * the start, is killed (mpirun does not kill a stopped rank) and mpirun
 * ends the job on seeing it die; rank 0 calls MPI_Abort only if that has
 * not happened within 10 s (a lost rank on another node). Open MPI 4.1's
 * mpirun can then hang in its own PMIx finalize after every rank has
 * ended (seen under load, 1 run in ~10): everything is written by then,
 * and interrupting mpirun loses nothing.
 * HETSIM_SWEEP_TEST_STOP=I makes the worker of case I stop itself, =start
 * the last rank before its first message (tests).
 *
 * Every rank loads the sweep file; the ranks agree on the outcome before
 * any case runs, so a file one node cannot read stops them all (no hang).
 * The master waits with MPI_Iprobe and short sleeps rather than a blocking
 * receive, which Open MPI spins in: a master that shares a core with a
 * worker (mpirun --oversubscribe) leaves the core to the worker.
 *
 * Built only with -DHETSIM_MPI (sim/sweep/module.mk: when pkg-config finds
 * ompi-c, unless make MPI=0); without it --mpi is an error.
 */
#include <stdio.h>
#include "sim/sweep/mpi.h"
#include "sim/sweep/sweep.h"

#ifndef HETSIM_MPI

int sim_sweep_mpi_check(void)
{
	fprintf(stderr, "hetsim: sweep: hetsim was built without MPI "
			"(install libopenmpi-dev and rebuild)\n");
	return 2;
}

int sim_sweep_mpi(const char *path, const char *results, unsigned flags,
		  double timeout_s)
{
	(void)path;
	(void)results;
	(void)flags;
	(void)timeout_s;
	return sim_sweep_mpi_check();
}

#else

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mpi.h>

enum { TAG_RESULT = 1, TAG_CASE = 2, TAG_STOP = 3 };

/* A worker's message to rank 0: a header, then the case's lines (rc 0) or
 * its error message. The first message of a worker carries no case. */
#define HEADER_BYTES 16
#define NO_CASE	     UINT64_MAX
#define NO_HELLO     (UINT64_MAX - 1) /* master's: a rank not heard from yet */
#define PAUSE_MIN_NS 50000L   /* master's wait between probes: 50 us ... */
#define PAUSE_MAX_NS 1000000L /* ... doubling up to 1 ms */

int sim_sweep_mpi_check(void)
{
	return 0;
}

static void put_header(char *h, uint64_t index, int32_t rc)
{
	memset(h, 0, HEADER_BYTES);
	memcpy(h, &index, sizeof index);
	memcpy(h + 8, &rc, sizeof rc);
}

/* Fault injection for the tests: HETSIM_SWEEP_TEST_STOP=I stops (SIGSTOP)
 * the worker that is handed case I, as a rank that hangs would; =start
 * stops the last rank before it says hello (i is NO_CASE then). */
static void test_stop(uint64_t i)
{
	const char *s = getenv("HETSIM_SWEEP_TEST_STOP");
	if (!s || !*s)
		return;
	int start = strcmp(s, "start") == 0, rank = 0, size = 0;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (i == NO_CASE ? start && rank == size - 1
			 : !start && strtoull(s, NULL, 10) == i)
		raise(SIGSTOP);
}

static int worker(const sim_sweep *sw)
{
	test_stop(NO_CASE);
	char hello[HEADER_BYTES];
	put_header(hello, NO_CASE, 0);
	MPI_Send(hello, HEADER_BYTES, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
	for (;;) {
		uint64_t i;
		MPI_Status st;
		MPI_Recv(&i, 1, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD,
			 &st);
		if (st.MPI_TAG != TAG_CASE)
			return 0;
		char *text = NULL;
		size_t len = 0;
		io_err err = {0};
		test_stop(i);
		int rc = sim_sweep_case_text(sw, (size_t)i, &text, &len, &err);
		const char *body = rc ? err.msg : text;
		size_t body_len = rc ? strlen(err.msg) : len;
		if (!rc && body_len > INT_MAX - HEADER_BYTES) {
			rc = 1;
			body = "the case's lines are too long for one message";
			body_len = strlen(body);
		}
		char *msg = malloc(HEADER_BYTES + body_len),
		     small[HEADER_BYTES];
		if (!msg) { /* rank 0 reports a failure without a message */
			rc = 1;
			body_len = 0;
		}
		char *out = msg ? msg : small;
		put_header(out, i, rc);
		if (body_len)
			memcpy(out + HEADER_BYTES, body, body_len);
		MPI_Send(out, (int)(HEADER_BYTES + body_len), MPI_BYTE, 0,
			 TAG_RESULT, MPI_COMM_WORLD);
		free(msg);
		free(text);
	}
}

typedef struct master_state {
	const sim_sweep *sw;
	const unsigned char *done;
	size_t next; /* cases below it are handed out or done */
	int fd;
	sim_sweep_progress progress;
	sim_sweep_limit limit;
	uint64_t *running; /* per rank: its case, or NO_CASE */
	double *since;     /* per rank: when it was handed its case */
	unsigned char *lost; /* per rank: it sent nothing in time */
	long *local_pid;     /* per rank: its pid if on rank 0's host, or 0 */
	int n_lost;
} master_state;

/* The next case to run, or n_cases. */
static size_t next_case(master_state *m)
{
	size_t n = sim_sweep_n_cases(m->sw);
	while (m->next < n && m->done[m->next])
		m->next++;
	return m->next < n ? m->next++ : n;
}

/* Case i ended with rc: append its lines, or report its error. */
static void finish_case(master_state *m, size_t i, int rc, const char *body,
			size_t len)
{
	io_err err = {0};
	if (!rc &&
	    sim_sweep_append(sim_sweep_results(m->sw), m->fd, body, len, &err))
		rc = 1;
	else if (rc && len)
		snprintf(err.msg, sizeof err.msg, "%.*s", (int)len, body);
	else if (rc)
		snprintf(err.msg, sizeof err.msg,
			 "failed on a worker (out of memory)");
	sim_sweep_progress_case(&m->progress, i, rc, rc ? err.msg : NULL);
}

/* One rank: rank 0 runs the cases itself. */
static void run_alone(master_state *m)
{
	size_t n = sim_sweep_n_cases(m->sw), i;
	while ((i = next_case(m)) < n) {
		char *text;
		size_t len;
		io_err err = {0};
		int rc = sim_sweep_case_text(m->sw, i, &text, &len, &err);
		finish_case(m, i, rc, rc ? err.msg : text,
			    rc ? strlen(err.msg) : len);
		free(text);
	}
}

/* Give up on the ranks whose case has run past the limit (stopped, dead
 * or hung: rank 0 cannot tell); returns how many. */
static int give_up_late(master_state *m, int size)
{
	double limit = sim_sweep_limit_now(&m->limit), t = sim_sweep_now();
	int n = 0;
	for (int r = 1; r < size; r++) {
		if (m->running[r] == NO_CASE || t - m->since[r] <= limit)
			continue;
		char why[300], msg[500];
		sim_sweep_limit_text(&m->limit, why, sizeof why);
		snprintf(msg, sizeof msg,
			 "rank %d sent no result within %s: it is stopped, dead "
			 "or hung; the run will end (run it again to resume)",
			 r, why);
		if (m->running[r] == NO_HELLO)
			fprintf(stderr, "hetsim: sweep: %s\n", msg);
		else
			sim_sweep_progress_case(&m->progress,
						(size_t)m->running[r], 1, msg);
		m->running[r] = NO_CASE;
		m->lost[r] = 1;
		m->n_lost++;
		n++;
	}
	return n;
}

/* Serve the workers until each has been stopped or given up on; stopping:
 * hand out no case (a worker's first request is answered with a stop). */
static void serve(master_state *m, int size, int stopping)
{
	size_t n = sim_sweep_n_cases(m->sw);
	int n_workers = size - 1;
	long pause_ns = PAUSE_MIN_NS;
	double t0 = sim_sweep_now();
	for (int r = 1; r < size; r++) {
		m->running[r] = NO_HELLO;
		m->since[r] = t0;
	}
	while (n_workers > 0) {
		int flag = 0;
		MPI_Status st;
		/* checked before each message too: a stream of them from the
		 * others must not hide a silent rank */
		if ((n_workers -= give_up_late(m, size)) <= 0)
			break;
		MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag,
			   &st);
		if (!flag) {
			struct timespec ts = {0, pause_ns};
			nanosleep(&ts, NULL);
			pause_ns = pause_ns * 2 > PAUSE_MAX_NS ? PAUSE_MAX_NS
							       : pause_ns * 2;
			continue;
		}
		pause_ns = PAUSE_MIN_NS;
		int count = 0;
		MPI_Get_count(&st, MPI_BYTE, &count);
		char *msg = malloc(count > 0 ? (size_t)count : 1);
		if (!msg) {
			fprintf(stderr, "hetsim: sweep: out of memory\n");
			MPI_Abort(MPI_COMM_WORLD, 1);
		}
		MPI_Recv(msg, count, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT,
			 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		uint64_t i = NO_CASE;
		int32_t rc = 0;
		if (count >= HEADER_BYTES) {
			memcpy(&i, msg, sizeof i);
			memcpy(&rc, msg + 8, sizeof rc);
		}
		int src = st.MPI_SOURCE;
		if (m->lost[src]) { /* too late: its case is reported failed */
			free(msg);
			continue;
		}
		if (i != NO_CASE && i < n) {
			sim_sweep_limit_case(&m->limit,
					     sim_sweep_now() - m->since[src]);
			finish_case(m, (size_t)i, rc, msg + HEADER_BYTES,
				    (size_t)count - HEADER_BYTES);
		}
		free(msg);
		m->running[src] = NO_CASE;
		uint64_t next = stopping ? n : next_case(m);
		if (next < n) {
			m->running[src] = next;
			m->since[src] = sim_sweep_now();
			MPI_Send(&next, 1, MPI_UINT64_T, st.MPI_SOURCE,
				 TAG_CASE, MPI_COMM_WORLD);
		} else {
			MPI_Send(&next, 1, MPI_UINT64_T, st.MPI_SOURCE,
				 TAG_STOP, MPI_COMM_WORLD);
			n_workers--;
		}
	}
}

/* Who a rank is: rank 0 can kill a lost rank on its own node. */
typedef struct rank_id {
	long pid;
	char host[120];
} rank_id;

/* Rank 0; ids[r] is rank r's; *lost is set if a rank was given up on (the
 * job must then be aborted: MPI_Finalize would wait for that rank). */
static int master(const sim_sweep *sw, int size, double timeout_s,
		  const rank_id *ids, int *lost)
{
	size_t n = sim_sweep_n_cases(sw), n_done = 0;
	unsigned char *done = calloc(n ? n : 1, 1);
	master_state m = {.sw = sw, .done = done, .fd = -1};
	io_err err = {0};
	int rc = 0;
	sim_sweep_limit_init(&m.limit, timeout_s);
	m.running = malloc((size_t)size * sizeof *m.running);
	m.since = calloc((size_t)size, sizeof *m.since);
	m.lost = calloc((size_t)size, 1);
	m.local_pid = calloc((size_t)size, sizeof *m.local_pid);
	for (int r = 0; m.running && r < size; r++)
		m.running[r] = NO_CASE;
	for (int r = 1; m.local_pid && r < size; r++)
		if (strcmp(ids[r].host, ids[0].host) == 0)
			m.local_pid[r] = ids[r].pid;
	if (!done || !m.running || !m.since || !m.lost || !m.local_pid)
		rc = io_errf(&err, IO_ENOMEM, NULL, 0, "out of memory");
	int lock = -1;
	if (!rc)
		rc = sim_sweep_resume(sw, done, &n_done, &lock, &err);
	if (rc)
		rc = sim_sweep_fail(&err);
	if (!rc && n_done < n) {
		m.fd = open(sim_sweep_results(sw),
			    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (m.fd < 0) {
			fprintf(stderr, "hetsim: %s: %s\n",
				sim_sweep_results(sw), strerror(errno));
			rc = 1;
		}
	}
	int run = !rc && n_done < n;
	if (run) {
		sim_sweep_announce(sw, n - n_done);
		sim_sweep_progress_start(&m.progress, n - n_done);
	}
	if (size == 1 && run)
		run_alone(&m);
	else if (size > 1 && m.running)
		serve(&m, size, !run);
	if (run)
		rc = sim_sweep_progress_end(&m.progress);
	if (m.fd >= 0)
		close(m.fd);
	sim_sweep_unlock(sim_sweep_results(sw), lock);
	/* Only now, the results written and the lock released: a lost rank on
	 * this node can be stopped for good (mpirun would wait for a stopped
	 * rank forever), so it is killed; its death makes mpirun end the
	 * job. Killing it earlier would have mpirun end the job while the
	 * other ranks still work. */
	for (int r = 1; m.lost && m.local_pid && r < size; r++)
		if (m.lost[r] && m.local_pid[r] > 0 &&
		    kill((pid_t)m.local_pid[r], SIGKILL) == 0)
			fprintf(stderr, "hetsim: sweep: rank %d (pid %ld) "
				"killed\n", r, m.local_pid[r]);
	*lost = m.n_lost > 0;
	free(m.running);
	free(m.since);
	free(m.lost);
	free(m.local_pid);
	free(done);
	return rc;
}

int sim_sweep_mpi(const char *path, const char *results, unsigned flags,
		  double timeout_s)
{
	if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
		fprintf(stderr, "hetsim: sweep: MPI_Init failed\n");
		return 1;
	}
	int rank = 0, size = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	sim_sweep *sw = NULL;
	io_err err = {0};
	int status = sim_sweep_open(&sw, path, results,
				    flags | SIM_SWEEP_NEED_RESULTS, &err)
			     ? sim_sweep_status(&err)
			     : 0;
	/* agree: [0] rank 0's status, [1] the worst; rank 0 reports its own
	 * error, another rank's only if rank 0 had none */
	int mine[2] = {rank == 0 ? status : 0, status}, all[2];
	MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	if (status && rank == 0)
		sim_sweep_fail(&err);
	else if (status && all[0] == 0)
		fprintf(stderr, "hetsim: sweep: rank %d: %s\n", rank, err.msg);
	int rc = all[0] ? all[0] : all[1];
	/* rank 0 learns who the others are (pid, host) */
	rank_id me = {(long)getpid(), ""}, *ids = NULL;
	gethostname(me.host, sizeof me.host - 1);
	if (!rc && rank == 0 && !(ids = calloc((size_t)size, sizeof *ids))) {
		fprintf(stderr, "hetsim: sweep: out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	if (!rc)
		MPI_Gather(&me, (int)sizeof me, MPI_BYTE, ids, (int)sizeof me,
			   MPI_BYTE, 0, MPI_COMM_WORLD);
	int lost = 0;
	if (!rc)
		rc = rank == 0 ? master(sw, size, timeout_s, ids, &lost)
			       : worker(sw);
	free(ids);
	sim_sweep_close(sw);
	if (lost) { /* the results are written and the lock is released */
		fflush(NULL);
		/* mpirun ends the job when it sees the killed rank die: leave
		 * that to it (an MPI_Abort racing with it can leave Open MPI's
		 * mpirun hanging); abort only if it has not within 10 s (a lost
		 * rank on another node, which rank 0 cannot kill) */
		for (int i = 0; i < 100; i++) {
			struct timespec ts = {0, 100000000L};
			nanosleep(&ts, NULL);
		}
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	MPI_Finalize();
	return rc;
}

#endif
