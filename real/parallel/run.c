/*
 * real/parallel/run.c — the driver and worker processes of
 * real/parallel/parallel.h: sockets, paced and counted messages, the
 * batch loops, failure handling and the one-process check.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "real/nn/zoo.h"
#include "real/parallel/parallel.h"
#include "sim/base/rng.h"
#include "sim/base/clock.h"

#define MAGIC 0x52505348u /* "HSPR" little-endian */
enum { MSG_HELLO = 1, MSG_DATA = 2, MSG_STATS = 3, MSG_GO = 4 };
#define MAX_NODES (PAR_MAX_WORKERS + 1)

typedef struct hdr {
	uint32_t magic, type;
	int32_t layer;
	uint32_t rows;
	uint64_t batch, bytes;
} hdr;
_Static_assert(sizeof(hdr) == PAR_HDR_BYTES, "header layout");

/* One sending or receiving side of a process: its statistics, its pacing
 * and its time limit. */
typedef struct side {
	par_node_stats *st;
	double t0, bin_s, bw, link_free, timeout_s;
	int bins_cap;
} side;

static double loadavg_1m(void)
{
	double l[1];
	return getloadavg(l, 1) == 1 ? l[0] : -1;
}

static void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void par_input_fill(uint64_t seed, int input, int64_t sample, float *dst,
		    int64_t n)
{
	uint64_t x = sim_splitmix64(sim_splitmix64(seed ^ 0x1A2B3C4Dull) +
				    (uint64_t)input * 0x9E3779B97F4A7C15ull);
	x = sim_splitmix64(x + (uint64_t)sample * 0xC2B2AE3D27D4EB4Full) | 1;
	for (int64_t i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		uint64_t v = x * 0x2545F4914F6CDD1Dull;
		dst[i] = (float)((double)(v >> 11) * 0x1.0p-52 - 1.0);
	}
}

/* Bins of a node's traffic series at most (8 MB per direction): 17
 * minutes of the smallest bin_s, 0.001 s; 29 hours of the default 0.1 s. */
#define PAR_MAX_BINS (1 << 20)

/* Count bytes at time t into a bin (grows the arrays; a failed growth,
 * or a bin past PAR_MAX_BINS, drops the count, never the run). */
static void bin_add(side *s, int out, uint64_t bytes)
{
	if (!s->st || s->t0 <= 0)
		return;
	double rel = sim_clock_s() - s->t0, q = rel / s->bin_s;
	if (!(q < PAR_MAX_BINS)) /* checked before the cast */
		return;
	int b = rel < 0 ? 0 : (int)q;
	if (b >= s->bins_cap) {
		int cap = s->bins_cap ? s->bins_cap : 64;
		while (cap <= b)
			cap *= 2;
		uint64_t *in = realloc(s->st->bin_in, (size_t)cap * 8);
		if (in)
			s->st->bin_in = in;
		uint64_t *o = in ? realloc(s->st->bin_out, (size_t)cap * 8) : NULL;
		if (!o)
			return;
		s->st->bin_out = o;
		memset(in + s->bins_cap, 0, (size_t)(cap - s->bins_cap) * 8);
		memset(o + s->bins_cap, 0, (size_t)(cap - s->bins_cap) * 8);
		s->bins_cap = cap;
	}
	if (b >= s->st->n_bins)
		s->st->n_bins = b + 1;
	(out ? s->st->bin_out : s->st->bin_in)[b] += bytes;
}

/* Write n bytes, paced to the side's bandwidth when counted. */
static int write_all(side *s, int fd, const void *buf, size_t n, int counted,
		     const char *peer, io_err *err)
{
	const char *p = buf;
	double t = sim_clock_s();
	while (n > 0) {
		size_t c = n < PAR_CHUNK ? n : PAR_CHUNK;
		if (counted && s->bw > 0) {
			double start = s->link_free > sim_clock_s() ? s->link_free
							      : sim_clock_s();
			sleep_s(start - sim_clock_s());
			s->link_free = start + (double)c / s->bw;
		}
		ssize_t w = send(fd, p, c, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_errf(err, IO_EIO, NULL, 0, "sending to %s: %s",
				       peer,
				       errno == EAGAIN ? "timed out"
						       : strerror(errno));
		if (counted)
			bin_add(s, 1, (uint64_t)w);
		p += w;
		n -= (size_t)w;
	}
	if (s->st)
		s->st->send_s += sim_clock_s() - t;
	return 0;
}

static int read_all(side *s, int fd, void *buf, size_t n, int counted,
		    const char *peer, io_err *err)
{
	char *p = buf;
	double t = sim_clock_s();
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return io_errf(err, IO_EIO, NULL, 0,
				       "%s closed the connection", peer);
		if (r < 0)
			return io_errf(err, IO_EIO, NULL, 0,
				       "receiving from %s: %s", peer,
				       errno == EAGAIN ? "timed out"
						       : strerror(errno));
		if (counted)
			bin_add(s, 0, (uint64_t)r);
		p += r;
		n -= (size_t)r;
	}
	if (s->st)
		s->st->idle_s += sim_clock_s() - t;
	return 0;
}

static int send_msg(side *s, int fd, uint32_t type, int layer, uint32_t rows,
		    uint64_t batch, const void *payload, uint64_t bytes,
		    const char *peer, io_err *err)
{
	int counted = type == MSG_DATA;
	hdr h = {MAGIC, type, layer, rows, batch, bytes};
	int rc = write_all(s, fd, &h, sizeof h, counted, peer, err);
	if (!rc && bytes)
		rc = write_all(s, fd, payload, bytes, counted, peer, err);
	if (!rc && counted && s->st) {
		s->st->sent_payload += bytes;
		s->st->sent_wire += bytes + PAR_HDR_BYTES;
		s->st->msgs_sent++;
	}
	return rc;
}

/* Read a header and check it is the expected one (layer < -1: any). */
static int recv_hdr(side *s, int fd, uint32_t type, int layer, uint64_t batch,
		    hdr *h, const char *peer, io_err *err)
{
	int rc = read_all(s, fd, h, sizeof *h, type == MSG_DATA, peer, err);
	if (rc)
		return rc;
	if (h->magic != MAGIC || h->type != type ||
	    (layer >= -1 && h->layer != layer) ||
	    (type == MSG_DATA && h->batch != batch))
		return io_errf(err, IO_EIO, NULL, 0,
			       "%s sent an unexpected message (type %u, layer "
			       "%d, batch %llu; expected type %u, layer %d, "
			       "batch %llu)",
			       peer, h->type, h->layer,
			       (unsigned long long)h->batch, type, layer,
			       (unsigned long long)batch);
	return 0;
}

/* A data message's payload into dst (cap bytes at most). */
static int recv_data(side *s, int fd, int layer, uint64_t batch, void *dst,
		     uint64_t cap, uint32_t *rows, const char *peer,
		     io_err *err)
{
	hdr h;
	int rc = recv_hdr(s, fd, MSG_DATA, layer, batch, &h, peer, err);
	if (rc)
		return rc;
	if (h.bytes > cap)
		return io_errf(err, IO_EIO, NULL, 0,
			       "%s sent %llu bytes for layer %d, more than %llu",
			       peer, (unsigned long long)h.bytes, layer,
			       (unsigned long long)cap);
	if ((rc = read_all(s, fd, dst, h.bytes, 1, peer, err)))
		return rc;
	if (s->st) {
		s->st->recv_payload += h.bytes;
		s->st->recv_wire += h.bytes + PAR_HDR_BYTES;
		s->st->msgs_recv++;
	}
	*rows = h.rows;
	return 0;
}

/* ------------------------------------------------------------ sockets */

static int listen_loopback(int *fd_out, uint16_t *port, io_err *err)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) ||
	    listen(fd, 64) || getsockname(fd, (struct sockaddr *)&a, &len)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return io_errf(err, IO_EIO, NULL, 0,
			       "listening on 127.0.0.1: %s", strerror(e));
	}
	*fd_out = fd;
	*port = ntohs(a.sin_port);
	return 0;
}

static void set_timeouts(int fd, double timeout_s)
{
	struct timeval tv = {(time_t)timeout_s,
			     (long)((timeout_s - floor(timeout_s)) * 1e6)};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int connect_loopback(uint16_t port, double timeout_s, int *fd_out,
			    const char *peer, io_err *err)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return io_errf(err, IO_EIO, NULL, 0, "connecting to %s: %s",
			       peer, strerror(e));
	}
	set_timeouts(fd, timeout_s);
	*fd_out = fd;
	return 0;
}

/* Accept one connection within timeout_s and read its hello: the
 * sender's node index in *node. */
static int accept_hello(int lfd, double timeout_s, int *fd_out, int *node,
			const char *me, io_err *err)
{
	struct pollfd p = {lfd, POLLIN, 0};
	int r = poll(&p, 1, (int)(timeout_s * 1000));
	if (r <= 0)
		return io_errf(err, IO_EIO, NULL, 0,
			       "%s: no connection within %g s", me, timeout_s);
	int fd = accept(lfd, NULL, NULL);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (fd < 0)
		return io_errf(err, IO_EIO, NULL, 0, "%s: accept: %s", me,
			       strerror(errno));
	set_timeouts(fd, timeout_s);
	side s = {0};
	hdr h;
	int rc = recv_hdr(&s, fd, MSG_HELLO, -2, 0, &h, "a new connection",
			  err);
	if (rc) {
		close(fd);
		return rc;
	}
	*fd_out = fd;
	*node = (int)h.rows;
	return 0;
}

/* -------------------------------------------------------------- layout */

/* Nodes: 0 the driver, 1.. the plan's other workers in order. */
typedef struct layout {
	const par_plan *p;
	int n_nodes;
	int worker_of[MAX_NODES]; /* plan index; -1 for a driver not listed */
	int node_of[PAR_MAX_WORKERS];
	int *owner;               /* per layer: node (model strategies) */
	int n_layers, out_layer;
	int64_t *elems;           /* per layer, per sample */
	int *is_input;
	int64_t batch, samples, batches;
} layout;

static const char *node_name(const layout *L, int n)
{
	return L->worker_of[n] < 0 ? "driver" : L->p->name[L->worker_of[n]];
}

/* Layer i (owned by another node) is read by a layer of node d. */
static int read_by(const layout *L, const nn_model *m, int i, int d)
{
	for (int j = i + 1; j < L->n_layers; j++) {
		if (L->owner[j] != d)
			continue;
		nn_layer_info li;
		nn_model_info(m, j, &li);
		for (int k = 0; k < li.n_in; k++)
			if (li.in[k] == i)
				return 1;
	}
	return 0;
}

static int layout_make(layout *L, const par_plan *p, const par_opts *o,
		       const nn_model *m, io_err *err)
{
	memset(L, 0, sizeof *L);
	L->p = p;
	L->worker_of[0] = p->driver;
	L->n_nodes = 1;
	for (int w = 0; w < p->n_workers; w++) {
		if (w == p->driver) {
			L->node_of[w] = 0;
			continue;
		}
		L->node_of[w] = L->n_nodes;
		L->worker_of[L->n_nodes++] = w;
	}
	L->n_layers = nn_model_layers(m);
	L->out_layer = nn_model_output_index(m);
	L->owner = calloc((size_t)L->n_layers, sizeof *L->owner);
	L->elems = calloc((size_t)L->n_layers, sizeof *L->elems);
	L->is_input = calloc((size_t)L->n_layers, sizeof *L->is_input);
	if (!L->owner || !L->elems || !L->is_input)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (int i = 0; i < L->n_layers; i++) {
		nn_layer_info li;
		nn_model_info(m, i, &li);
		L->elems[i] = nn_model_act_elems(m, i);
		L->is_input[i] = li.kind == NN_INPUT;
		L->owner[i] = p->strategy == PAR_DATA ? -1
						      : L->node_of[p->owner[i]];
	}
	L->batch = o->batch > 0 ? o->batch : p->batch;
	L->samples = o->samples > 0 ? o->samples : p->samples;
	L->batches = (L->samples + L->batch - 1) / L->batch;
	return 0;
}

static void layout_free(layout *L)
{
	free(L->owner);
	free(L->elems);
	free(L->is_input);
}

static int64_t rows_of(const layout *L, int64_t k)
{
	int64_t left = L->samples - k * L->batch;
	return left < L->batch ? left : L->batch;
}

/* The node that computes batch k's predictions. */
static int out_node(const layout *L, int64_t k)
{
	if (L->p->strategy == PAR_DATA)
		return L->node_of[L->p->replica[k % L->p->n_replicas]];
	return L->owner[L->out_layer];
}

/* Whether node n works on batch k, and the input layers the driver sends
 * it for k, in layer order. */
static int gets_input(const layout *L, int n, int64_t k, int layer)
{
	if (!L->is_input[layer])
		return 0;
	if (L->p->strategy == PAR_DATA)
		return out_node(L, k) == n;
	return L->owner[layer] == n;
}

/* ------------------------------------------------------------ a worker */

typedef struct worker {
	const layout *L;
	const par_opts *o;
	int me;
	int lfd[MAX_NODES];
	uint16_t port[MAX_NODES];
	int dfd;               /* to the driver */
	int fd[MAX_NODES];     /* to / from other workers */
	nn_model *m;
	nn_backend *be;
	par_node_stats st;
	side s;
} worker;

static int worker_crash_at(const worker *w)
{
	const char *c = getenv("HETSIM_PARALLEL_REAL_CRASH");
	const char *name = node_name(w->L, w->me);
	size_t n = strlen(name);
	if (!c || strncmp(c, name, n) != 0 || c[n] != ':')
		return -1;
	return atoi(c + n + 1);
}

static int worker_setup(worker *w, io_err *err)
{
	const layout *L = w->L;
	const par_plan *p = L->p;
	int rc = nn_zoo_build(&w->m, p->model, p->size, err);
	if (!rc)
		rc = nn_model_init(w->m, w->o->seed, err);
	if (!rc)
		rc = nn_backend_new(&w->be, w->o->backend, w->o->threads, err);
	int holds = 0;
	if (!rc && p->strategy == PAR_DATA) {
		for (int r = 0; r < p->n_replicas; r++)
			holds |= L->node_of[p->replica[r]] == w->me;
		if (holds)
			rc = nn_model_prepare(w->m, w->be, L->batch, 0, err);
		w->st.layers = holds ? L->n_layers : 0;
	} else if (!rc) {
		unsigned char *part = malloc((size_t)L->n_layers);
		if (!part)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		for (int i = 0; i < L->n_layers; i++) {
			part[i] = L->owner[i] == w->me;
			w->st.layers += part[i];
		}
		if (w->st.layers)
			rc = nn_model_prepare_part(w->m, w->be, L->batch, part,
						   err);
		free(part);
	}
	if (rc)
		return rc;
	/* connect: to the driver, then to every worker this one sends to;
	 * then accept every worker that sends to this one */
	side s0 = {0};
	if ((rc = connect_loopback(w->port[0], w->o->timeout_s, &w->dfd,
				   "the driver", err)) ||
	    (rc = send_msg(&s0, w->dfd, MSG_HELLO, -1, (uint32_t)w->me, 0, NULL,
			   0, "the driver", err)))
		return rc;
	int expect = 0;
	for (int d = 1; d < L->n_nodes && p->strategy != PAR_DATA; d++) {
		int to = 0, from = 0;
		for (int i = 0; i < L->n_layers; i++) {
			to |= L->owner[i] == w->me && d != w->me &&
			      read_by(L, w->m, i, d);
			from |= L->owner[i] == d && d != w->me &&
				read_by(L, w->m, i, w->me);
		}
		expect += from;
		if (to && ((rc = connect_loopback(w->port[d], w->o->timeout_s,
						  &w->fd[d], node_name(L, d),
						  err)) ||
			   (rc = send_msg(&s0, w->fd[d], MSG_HELLO, -1,
					  (uint32_t)w->me, 0, NULL, 0,
					  node_name(L, d), err))))
			return rc;
	}
	for (int k = 0; k < expect; k++) {
		int fd, from;
		if ((rc = accept_hello(w->lfd[w->me], w->o->timeout_s, &fd, &from,
				       node_name(L, w->me), err)))
			return rc;
		if (from < 1 || from >= L->n_nodes || w->fd[from] >= 0) {
			close(fd);
			return io_errf(err, IO_EIO, NULL, 0,
				       "unexpected connection from node %d",
				       from);
		}
		w->fd[from] = fd;
	}
	return 0;
}

static int worker_batch(worker *w, int64_t k, io_err *err)
{
	const layout *L = w->L;
	int rc = 0;
	uint32_t rows = (uint32_t)rows_of(L, k);
	/* inputs: from the driver (or made here: local_inputs), then from
	 * each upstream worker */
	for (int i = 0, in_k = 0; i < L->n_layers && !rc; i++) {
		if (gets_input(L, w->me, k, i) && w->o->local_inputs) {
			double t = sim_clock_s();
			float *x = nn_model_act(w->m, i);
			for (int64_t r = 0; r < (int64_t)rows; r++)
				par_input_fill(w->o->seed, in_k, k * L->batch + r,
					       x + r * L->elems[i], L->elems[i]);
			w->st.input_s += sim_clock_s() - t;
		} else if (gets_input(L, w->me, k, i)) {
			rc = recv_data(&w->s, w->dfd, i, (uint64_t)k,
				       nn_model_act(w->m, i),
				       (uint64_t)(L->batch * L->elems[i]) * 4,
				       &rows, "the driver", err);
		}
		in_k += L->is_input[i];
	}
	for (int u = 1; u < L->n_nodes && !rc; u++)
		for (int i = 0; i < L->n_layers && !rc && u != w->me; i++)
			if (L->p->strategy != PAR_DATA && L->owner[i] == u &&
			    read_by(L, w->m, i, w->me))
				rc = recv_data(&w->s, w->fd[u], i, (uint64_t)k,
					       nn_model_act(w->m, i),
					       (uint64_t)(L->batch *
							  L->elems[i]) * 4,
					       &rows, node_name(L, u), err);
	if (rc)
		return rc;
	double t = sim_clock_s(), c = sim_cpu_clock_s();
	rc = L->p->strategy == PAR_DATA ? nn_model_forward(w->m, 0, err)
					: nn_model_forward_part(w->m, err);
	w->st.compute_s += sim_clock_s() - t;
	w->st.compute_cpu_s += sim_cpu_clock_s() - c;
	for (int d = 1; d < L->n_nodes && !rc; d++)
		for (int i = 0; i < L->n_layers && !rc && d != w->me; i++)
			if (L->p->strategy != PAR_DATA && L->owner[i] == w->me &&
			    read_by(L, w->m, i, d))
				rc = send_msg(&w->s, w->fd[d], MSG_DATA, i, rows,
					      (uint64_t)k, nn_model_act(w->m, i),
					      (uint64_t)(rows * L->elems[i]) * 4,
					      node_name(L, d), err);
	if (!rc && out_node(L, k) == w->me)
		rc = send_msg(&w->s, w->dfd, MSG_DATA, L->out_layer, rows,
			      (uint64_t)k, nn_model_act(w->m, L->out_layer),
			      (uint64_t)(rows * L->elems[L->out_layer]) * 4,
			      "the driver", err);
	return rc;
}

/* Whether node n computes anything for batch k. */
static int works_on(const worker *w, int64_t k)
{
	if (w->L->p->strategy == PAR_DATA)
		return out_node(w->L, k) == w->me;
	return w->st.layers > 0;
}

static void stats_send(worker *w, io_err *err)
{
	int nb = w->st.n_bins;
	size_t bytes = sizeof w->st + 2 * (size_t)nb * 8;
	char *buf = malloc(bytes);
	if (!buf) {
		io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		return;
	}
	par_node_stats copy = w->st;
	copy.bin_in = copy.bin_out = NULL;
	memcpy(buf, &copy, sizeof copy);
	if (nb) {
		memcpy(buf + sizeof copy, w->st.bin_in, (size_t)nb * 8);
		memcpy(buf + sizeof copy + (size_t)nb * 8, w->st.bin_out,
		       (size_t)nb * 8);
	}
	side s0 = {0};
	send_msg(&s0, w->dfd, MSG_STATS, -1, 0, 0, buf, bytes, "the driver",
		 err);
	free(buf);
}

/* The body of a forked worker; never returns. */
static void worker_main(worker *w)
{
	io_err err = {0};
	const layout *L = w->L;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	for (int n = 0; n < L->n_nodes; n++)
		if (n != w->me)
			close(w->lfd[n]);
	int rc = worker_setup(w, &err);
	hdr go;
	side s0 = {0};
	if (!rc)
		rc = recv_hdr(&s0, w->dfd, MSG_GO, -2, 0, &go, "the driver", &err);
	if (!rc) {
		double start;
		memcpy(&start, &go.batch, sizeof start);
		w->s = (side){&w->st, start, w->o->bin_s, w->o->bandwidth_Bps, 0,
			      w->o->timeout_s, 0};
	}
	int crash = worker_crash_at(w), mine = 0;
	for (int64_t k = 0; k < L->batches && !rc; k++) {
		if (!works_on(w, k))
			continue;
		if (mine++ == crash)
			raise(SIGKILL);
		rc = worker_batch(w, k, &err);
	}
	if (!rc)
		stats_send(w, &err);
	if (err.code) {
		fprintf(stderr, "hetsim: parallel-real: %s: %s\n",
			node_name(L, w->me), err.msg);
		_exit(1);
	}
	/* wait for the driver to close (it has read everything) */
	char c;
	while (recv(w->dfd, &c, 1, 0) > 0)
		;
	_exit(0);
}

/* ---------------------------------------------------------- the driver */

typedef struct driver {
	const layout *L;
	const par_opts *o;
	int fd[MAX_NODES];
	pid_t pid[MAX_NODES];
	par_node_stats out_st, in_st;
	side out, in;
	float *pred;           /* samples x output elems */
	int status[MAX_NODES], done[MAX_NODES]; /* reaped children */
	int first_failed;      /* the worker seen exiting first, 0: none */
	io_err send_err;
	int send_rc;
} driver;

static void *driver_send(void *arg)
{
	driver *d = arg;
	const layout *L = d->L;
	float *buf = NULL;
	int64_t cap = 0;
	for (int64_t k = 0; k < L->batches && !d->send_rc && !d->o->local_inputs;
	     k++) {
		int64_t rows = rows_of(L, k);
		for (int i = 0; i < L->n_layers && !d->send_rc; i++) {
			if (!L->is_input[i])
				continue;
			int n = 0;
			while (n < L->n_nodes && !gets_input(L, n, k, i))
				n++;
			int64_t e = L->elems[i], in_k = 0;
			for (int j = 0; j < i; j++)
				in_k += L->is_input[j];
			if (rows * e > cap) {
				free(buf);
				cap = rows * e;
				if (!(buf = malloc((size_t)cap * sizeof *buf))) {
					d->send_rc = io_errf(&d->send_err,
							     IO_ENOMEM, NULL, 0,
							     "out of memory");
					break;
				}
			}
			double t = sim_clock_s();
			for (int64_t r = 0; r < rows; r++)
				par_input_fill(d->o->seed, (int)in_k,
					       k * L->batch + r, buf + r * e, e);
			d->out_st.input_s += sim_clock_s() - t;
			d->send_rc = send_msg(&d->out, d->fd[n], MSG_DATA, i,
					      (uint32_t)rows, (uint64_t)k, buf,
					      (uint64_t)(rows * e) * 4,
					      node_name(L, n), &d->send_err);
		}
	}
	free(buf);
	if (d->send_rc) /* wake the receiving side */
		for (int n = 1; n < L->n_nodes; n++)
			shutdown(d->fd[n], SHUT_RDWR);
	return NULL;
}

static int driver_recv(driver *d, par_result *r, io_err *err)
{
	const layout *L = d->L;
	int64_t oe = L->elems[L->out_layer];
	for (int64_t k = 0; k < L->batches; k++) {
		int n = out_node(L, k);
		uint32_t rows;
		int rc = recv_data(&d->in, d->fd[n], L->out_layer, (uint64_t)k,
				   d->pred + k * L->batch * oe,
				   (uint64_t)(rows_of(L, k) * oe) * 4, &rows,
				   node_name(L, n), err);
		if (rc)
			return rc;
		if ((int64_t)rows != rows_of(L, k))
			return io_errf(err, IO_EIO, NULL, 0,
				       "%s sent %u predictions for batch %lld, "
				       "not %lld",
				       node_name(L, n), rows, (long long)k,
				       (long long)rows_of(L, k));
	}
	r->wall_s = sim_clock_s() - d->in.t0;
	for (int n = 1; n < L->n_nodes; n++) {
		hdr h;
		int rc = recv_hdr(&d->in, d->fd[n], MSG_STATS, -1, 0, &h,
				  node_name(L, n), err);
		par_node_stats *st = &r->node[n];
		if (!rc && h.bytes < sizeof *st)
			rc = io_errf(err, IO_EIO, NULL, 0, "%s: short statistics",
				     node_name(L, n));
		if (!rc)
			rc = read_all(&(side){0}, d->fd[n], st, sizeof *st, 0,
				      node_name(L, n), err);
		if (rc)
			return rc;
		int nb = st->n_bins;
		if (h.bytes != sizeof *st + 2 * (uint64_t)nb * 8)
			return io_errf(err, IO_EIO, NULL, 0,
				       "%s: bad statistics", node_name(L, n));
		st->bin_in = calloc((size_t)nb + 1, 8);
		st->bin_out = calloc((size_t)nb + 1, 8);
		if (!st->bin_in || !st->bin_out)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		if ((rc = read_all(&(side){0}, d->fd[n], st->bin_in,
				   (size_t)nb * 8, 0, node_name(L, n), err)) ||
		    (rc = read_all(&(side){0}, d->fd[n], st->bin_out,
				   (size_t)nb * 8, 0, node_name(L, n), err)))
			return rc;
	}
	return 0;
}

/* Wait until a connection is pending on the driver's listener, checking
 * every 0.1 s that no worker has exited (one that fails while building
 * its model is reported at once, not after the time limit). */
static int wait_connection(driver *d, int lfd, double timeout_s, io_err *err)
{
	double end = sim_clock_s() + timeout_s;
	for (;;) {
		struct pollfd p = {lfd, POLLIN, 0};
		if (poll(&p, 1, 100) > 0)
			return 0;
		for (int n = 1; n < d->L->n_nodes; n++)
			if (!d->done[n] && d->pid[n] > 0 &&
			    waitpid(d->pid[n], &d->status[n], WNOHANG) ==
				    d->pid[n]) {
				d->done[n] = 1;
				d->first_failed = n;
				return io_errf(err, IO_EIO, NULL, 0,
					       "worker %s exited while setting up",
					       node_name(d->L, n));
			}
		if (sim_clock_s() > end)
			return io_errf(err, IO_EIO, NULL, 0,
				       "driver: no connection within %g s",
				       timeout_s);
	}
}

/* After a failure: which worker failed, and how (a worker killed by a
 * signal first: the others then fail because it is gone). Every child is
 * reaped (killed if still running after grace_s). */
static void reap_all(driver *d, double grace_s, char *why, size_t cap)
{
	const layout *L = d->L;
	int *status = d->status, *done = d->done;
	double end = sim_clock_s() + grace_s;
	for (;;) {
		int left = 0;
		for (int n = 1; n < L->n_nodes; n++)
			if (!done[n] && d->pid[n] > 0) {
				if (waitpid(d->pid[n], &status[n], WNOHANG) ==
				    d->pid[n])
					done[n] = 1;
				else
					left++;
			}
		if (!left || sim_clock_s() > end)
			break;
		sleep_s(0.01);
	}
	for (int n = 1; n < L->n_nodes; n++)
		if (!done[n] && d->pid[n] > 0) {
			kill(d->pid[n], SIGKILL);
			waitpid(d->pid[n], &status[n], 0);
		}
	if (!why)
		return;
	why[0] = 0;
	int first = d->first_failed;
	for (int pass = 0; pass < 2 && !why[0]; pass++)
		for (int i = 0; i < L->n_nodes && !why[0]; i++) {
			/* pass 1: the worker seen exiting first, then in order */
			int n = i == 0 ? first : (pass == 1 && i == first ? 0 : i);
			if (n < 1 || !done[n])
				continue;
			int s = status[n];
			if (pass == 0 && WIFSIGNALED(s))
				snprintf(why, cap, "worker %s (pid %d) was killed "
						   "by signal %d",
					 node_name(L, n), (int)d->pid[n],
					 WTERMSIG(s));
			else if (pass == 1 && WIFEXITED(s) && WEXITSTATUS(s))
				snprintf(why, cap, "worker %s (pid %d) failed "
						   "(exit status %d)",
					 node_name(L, n), (int)d->pid[n],
					 WEXITSTATUS(s));
		}
}

static int check_one_process(const layout *L, const par_opts *o,
			     const float *pred, par_result *r, io_err *err)
{
	nn_model *m = NULL;
	nn_backend *be = NULL;
	int rc = nn_zoo_build(&m, L->p->model, L->p->size, err);
	if (!rc)
		rc = nn_model_init(m, o->seed, err);
	if (!rc)
		rc = nn_backend_new(&be, o->backend, o->threads, err);
	if (!rc)
		rc = nn_model_prepare(m, be, L->batch, 0, err);
	int64_t oe = L->elems[L->out_layer];
	double worst = 0;
	for (int64_t k = 0; k < L->batches && !rc; k++) {
		for (int i = 0, in_k = 0; i < L->n_layers; i++) {
			if (!L->is_input[i])
				continue;
			float *x = nn_model_act(m, i);
			int64_t e = L->elems[i];
			for (int64_t s = 0; s < rows_of(L, k); s++)
				par_input_fill(o->seed, in_k, k * L->batch + s,
					       x + s * e, e);
			in_k++;
		}
		if ((rc = nn_model_forward(m, 0, err)))
			break;
		const float *y = nn_model_act(m, L->out_layer);
		const float *p = pred + k * L->batch * oe;
		for (int64_t j = 0; j < rows_of(L, k) * oe; j++) {
			double dv = fabs((double)y[j] - (double)p[j]);
			if (!(dv <= worst)) /* NaN too */
				worst = isnan(dv) ? INFINITY : dv;
		}
	}
	nn_model_free(m);
	nn_backend_free(be);
	r->checked = !rc;
	r->check_max_abs = worst;
	return rc;
}

static int run(const par_plan *p, const par_opts *o, const layout *L,
	       par_result *r, io_err *err)
{
	driver d = {.L = L, .o = o};
	worker w = {.L = L, .o = o, .dfd = -1};
	for (int n = 0; n < MAX_NODES; n++)
		d.fd[n] = w.fd[n] = w.lfd[n] = -1;
	int rc = 0;
	for (int n = 0; n < L->n_nodes && !rc; n++)
		rc = listen_loopback(&w.lfd[n], &w.port[n], err);
	int64_t oe = L->elems[L->out_layer];
	if (!rc && !(d.pred = calloc((size_t)(L->batches * L->batch * oe),
				     sizeof *d.pred)))
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	fflush(NULL);
	for (int n = 1; n < L->n_nodes && !rc; n++) {
		pid_t pid = fork();
		if (pid < 0) {
			rc = io_errf(err, IO_EIO, NULL, 0, "fork: %s",
				     strerror(errno));
		} else if (pid == 0) {
			w.me = n;
			worker_main(&w);
		}
		d.pid[n] = pid;
	}
	for (int n = 1; n < L->n_nodes; n++)
		if (w.lfd[n] >= 0)
			close(w.lfd[n]);
	/* every worker says hello once its model is ready */
	for (int k = 1; k < L->n_nodes && !rc; k++) {
		int fd, from;
		rc = wait_connection(&d, w.lfd[0], o->timeout_s, err);
		if (!rc)
			rc = accept_hello(w.lfd[0], o->timeout_s, &fd, &from,
					  "driver", err);
		if (!rc && (from < 1 || from >= L->n_nodes || d.fd[from] >= 0)) {
			close(fd);
			rc = io_errf(err, IO_EIO, NULL, 0,
				     "unexpected connection from node %d", from);
		}
		if (!rc)
			d.fd[from] = fd;
	}
	r->loadavg_start = loadavg_1m();
	double start = sim_clock_s();
	d.out = (side){&d.out_st, start, o->bin_s, o->bandwidth_Bps, 0,
		       o->timeout_s, 0};
	d.in = (side){&d.in_st, start, o->bin_s, 0, 0, o->timeout_s, 0};
	for (int n = 1; n < L->n_nodes && !rc; n++) {
		uint64_t b;
		memcpy(&b, &start, sizeof b);
		rc = send_msg(&(side){0}, d.fd[n], MSG_GO, -1, 0, b, NULL, 0,
			      node_name(L, n), err);
	}
	pthread_t th;
	int started = 0;
	if (!rc) {
		if (pthread_create(&th, NULL, driver_send, &d))
			rc = io_errf(err, IO_EIO, NULL, 0, "pthread_create");
		else
			started = 1;
	}
	if (!rc)
		rc = driver_recv(&d, r, err);
	r->loadavg_end = loadavg_1m();
	if (rc) /* unblock the sending side */
		for (int n = 1; n < L->n_nodes; n++)
			if (d.fd[n] >= 0)
				shutdown(d.fd[n], SHUT_RDWR);
	if (started)
		pthread_join(th, NULL);
	if (!rc && d.send_rc)
		rc = io_errf(err, d.send_rc, NULL, 0, "%s", d.send_err.msg);
	for (int n = 0; n < L->n_nodes; n++) {
		if (d.fd[n] >= 0)
			close(d.fd[n]);
		if (w.lfd[n] >= 0 && n == 0)
			close(w.lfd[n]);
	}
	char why[200];
	reap_all(&d, rc ? 2.0 : o->timeout_s, why, sizeof why);
	if (rc && why[0]) {
		io_err first = *err;
		*err = (io_err){0};
		io_errf(err, rc, NULL, 0, "%s (the driver saw: %s)", why,
			first.msg);
	} else if (!rc && why[0]) {
		rc = io_errf(err, IO_EIO, NULL, 0, "%s", why);
	}
	/* the driver's own statistics */
	par_node_stats *ds = &r->node[0];
	snprintf(ds->name, sizeof ds->name, "%s", node_name(L, 0));
	snprintf(ds->role, sizeof ds->role, "driver");
	ds->sent_payload = d.out_st.sent_payload;
	ds->sent_wire = d.out_st.sent_wire;
	ds->msgs_sent = d.out_st.msgs_sent;
	ds->recv_payload = d.in_st.recv_payload;
	ds->recv_wire = d.in_st.recv_wire;
	ds->msgs_recv = d.in_st.msgs_recv;
	ds->input_s = d.out_st.input_s;
	ds->idle_s = d.in_st.idle_s;
	ds->send_s = d.out_st.send_s;
	int nb = d.out_st.n_bins > d.in_st.n_bins ? d.out_st.n_bins
						  : d.in_st.n_bins;
	ds->n_bins = nb;
	ds->bin_in = calloc((size_t)nb + 1, 8);
	ds->bin_out = calloc((size_t)nb + 1, 8);
	for (int b = 0; ds->bin_in && ds->bin_out && b < nb; b++) {
		ds->bin_in[b] = b < d.in_st.n_bins ? d.in_st.bin_in[b] : 0;
		ds->bin_out[b] = b < d.out_st.n_bins ? d.out_st.bin_out[b] : 0;
	}
	free(d.in_st.bin_in);
	free(d.in_st.bin_out);
	free(d.out_st.bin_in);
	free(d.out_st.bin_out);
	for (int n = 1; n < L->n_nodes; n++) {
		int pw = L->worker_of[n];
		snprintf(r->node[n].name, PAR_NAME_MAX, "%s", p->name[pw]);
		static const char *const roles[] = {"ps", "worker", "merge",
						    "driver"};
		snprintf(r->node[n].role, sizeof r->node[n].role, "%s",
			 roles[p->role[pw]]);
	}
	r->n_nodes = L->n_nodes;
	if (!rc && o->check)
		rc = check_one_process(L, o, d.pred, r, err);
	if (o->keep_predictions)
		r->pred = d.pred;
	else
		free(d.pred);
	return rc;
}

int par_run(const par_plan *p, const par_opts *o_in, par_result *r,
	    io_err *err)
{
	memset(r, 0, sizeof *r);
	par_opts o = *o_in;
	/* the CLI's ranges (sim/cli/parallel_real.c): a caller's values are
	 * checked before the casts they go through (time_t, int ms) */
	if (o.samples < 0 || o.batch < 0 || o.threads > 1024 ||
	    !(o.bandwidth_Bps >= 0 && o.bandwidth_Bps <= 1e12) ||
	    !(o.bin_s <= 3600) || (o.bin_s > 0 && o.bin_s < 0.001) ||
	    !(o.timeout_s <= 86400) || (o.timeout_s > 0 && o.timeout_s < 0.1))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "parallel-real options: samples and batch >= 0, "
			       "threads <= 1024, bandwidth 0 to 1e12 B/s, bin "
			       "0.001 to 3600 s, timeout 0.1 to 86400 s (0: "
			       "the defaults)");
	if (o.threads <= 0)
		o.threads = 1;
	if (!o.backend)
		o.backend = "dnnl";
	if (o.bin_s <= 0)
		o.bin_s = 0.1;
	if (o.timeout_s <= 0)
		o.timeout_s = 60;
	if (!o.seed)
		o.seed = 1;
	nn_model *m = NULL;
	layout L;
	int rc = nn_zoo_build(&m, p->model, p->size, err);
	memset(&L, 0, sizeof L);
	if (!rc)
		rc = layout_make(&L, p, &o, m, err);
	nn_model_free(m);
	if (!rc) {
		snprintf(r->model, sizeof r->model, "%s", p->model);
		r->strategy = p->strategy;
		r->samples = L.samples;
		r->batch = L.batch;
		r->batches = L.batches;
		r->threads = o.threads;
		r->bandwidth_Bps = o.bandwidth_Bps;
		r->bin_s = o.bin_s;
		r->local_inputs = o.local_inputs;
		r->output_elems = L.elems[L.out_layer];
		rc = run(p, &o, &L, r, err);
	}
	layout_free(&L);
	return rc;
}

void par_result_free(par_result *r)
{
	free(r->pred);
	r->pred = NULL;
	for (int n = 0; n < MAX_NODES; n++) {
		free(r->node[n].bin_in);
		free(r->node[n].bin_out);
		r->node[n].bin_in = r->node[n].bin_out = NULL;
	}
}
