/*
 * real/agent/server.c — the agent's HTTP side (real/agent/agent.h): one
 * libevent loop, one thread; each task runs in a forked child whose result
 * comes back over a pipe, so the loop never blocks on a task.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "real/agent/agent.h"
#include "sim/base/clock.h"

enum { DETAIL_MAX = 4096 };

/* HTTP status codes the agent answers with (for /metrics). */
static const int codes[] = {200, 400, 401, 404, 405, 429, 500};
#define N_CODES (sizeof codes / sizeof codes[0])
enum { ST_OK, ST_FAILED, ST_TIMEOUT, N_STATUS };
static const char *const status_names[N_STATUS] = {"ok", "failed", "timeout"};

typedef struct agent agent;

typedef struct slot {
	agent *a;
	int used;
	pid_t pid;
	int fd;
	struct event *rd, *timer, *watch;
	struct evhttp_request *req;
	struct evhttp_connection *conn; /* NULL once the client went away */
	real_agent_task task;
	double t0;
	char out[DETAIL_MAX + 1];
	size_t out_len;
	int timed_out;
} slot;

typedef struct late late;

struct agent {
	const real_agent_config *c;
	late *late;      /* answers held back by an emulated delay */
	uint64_t rng;    /* the emulated loss's draws */
	uint64_t dropped;
	struct event_base *base;
	struct evhttp *http;
	SSL_CTX *ssl;
	slot *slots;
	int busy;
	double start;
	json_t *facts;
	uint64_t replies[N_CODES];
	uint64_t tasks[REAL_AGENT_KINDS][N_STATUS];
	double wall[REAL_AGENT_KINDS], cpu[REAL_AGENT_KINDS];
};

/* An answer held back by --emulate-delay. */
struct late {
	agent *a;
	struct evhttp_request *req;
	int code;
	struct evbuffer *b;
	struct event *ev;
	late *prev, *next;
};

static void late_send(late *l)
{
	agent *a = l->a;
	if (l->prev)
		l->prev->next = l->next;
	else
		a->late = l->next;
	if (l->next)
		l->next->prev = l->prev;
	evhttp_send_reply(l->req, l->code, NULL, l->b);
	evbuffer_free(l->b);
	event_free(l->ev);
	free(l);
}

static void on_late(evutil_socket_t fd, short what, void *arg)
{
	late_send(arg);
}

/* Send the answer (b is taken), now or after the emulated delay. */
static void send_reply(agent *a, struct evhttp_request *req, int code, struct evbuffer *b)
{
	double d = a->c->emulate_delay_s;
	late *l = d > 0 && b ? calloc(1, sizeof *l) : NULL;
	if (l && (l->ev = evtimer_new(a->base, on_late, l))) {
		l->a = a;
		l->req = req;
		l->code = code;
		l->b = b;
		l->next = a->late;
		if (a->late)
			a->late->prev = l;
		a->late = l;
		struct timeval tv = {(time_t)d, (suseconds_t)((d - floor(d)) * 1e6)};
		evtimer_add(l->ev, &tv);
		return;
	}
	free(l);
	evhttp_send_reply(req, code, NULL, b);
	if (b)
		evbuffer_free(b);
}

static void reply(agent *a, struct evhttp_request *req, int code,
		  const char *ctype, const char *body, size_t len)
{
	for (size_t i = 0; i < N_CODES; i++)
		if (codes[i] == code)
			a->replies[i]++;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", ctype);
	struct evbuffer *b = evbuffer_new();
	if (b)
		evbuffer_add(b, body, len);
	send_reply(a, req, code, b);
}

/* --emulate-loss: 1 when this request is to be dropped (splitmix64). */
static int emulated_drop(agent *a)
{
	if (!(a->c->emulate_loss > 0))
		return 0;
	uint64_t z = (a->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53 < a->c->emulate_loss;
}

static void reply_json(agent *a, struct evhttp_request *req, int code,
		       json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text)
		reply(a, req, code, "application/json", text, strlen(text));
	else
		reply(a, req, 500, "application/json", "{\"error\":\"out of memory\"}", 25);
	free(text);
	json_decref(o);
}

static void reply_error(agent *a, struct evhttp_request *req, int code,
			const char *msg)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string(msg));
	reply_json(a, req, code, o);
}

/* ---- tasks ---------------------------------------------------------- */

/* Close every descriptor above keep (which is moved to 3 first). */
static void child_close_fds(int keep)
{
	if (keep != 3) {
		dup2(keep, 3);
		close(keep);
	}
	fcntl(3, F_SETFD, FD_CLOEXEC); /* ffmpeg must not hold the pipe */
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4u, ~0u, 0u) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	for (int fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close(fd);
}

static void child_run(const real_agent_config *c, const real_agent_task *t,
		      int wfd, pid_t parent)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	child_close_fds(wfd);
	char detail[DETAIL_MAX];
	int rc = real_agent_task_exec(c, t, detail, sizeof detail);
	size_t n = strlen(detail), off = 0;
	while (off < n) {
		ssize_t w = write(3, detail + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	_exit(rc == 0 ? 0 : 1);
}

static void slot_release(slot *s)
{
	if (s->rd)
		event_free(s->rd);
	if (s->timer)
		event_free(s->timer);
	if (s->watch)
		event_free(s->watch);
	s->watch = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->rd = s->timer = NULL;
	s->fd = -1;
	s->used = 0;
	s->req = NULL;
	s->conn = NULL;
	s->a->busy--;
}

static void kill_task(slot *s)
{
	if (s->pid > 0) {
		kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL);
	}
}

/* What a killed transcode left in .agent-out ("<pid>-<i>.<ext>" and its
 * ".tmp.<ffmpeg pid>"). */
static void remove_outputs(const agent *a, pid_t pid)
{
	char dir[REAL_AGENT_MAX_PATH + 16], prefix[32], path[2 * REAL_AGENT_MAX_PATH];
	snprintf(dir, sizeof dir, "%s/.agent-out", a->c->workdir);
	int n = snprintf(prefix, sizeof prefix, "%ld-", (long)pid);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, prefix, (size_t)n) == 0) {
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
}

/* The child closed its pipe: reap it and answer. */
static void task_done(slot *s)
{
	agent *a = s->a;
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	while (wait4(s->pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	double wall = sim_clock_s() - s->t0;
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	int exited = WIFEXITED(status), code = exited ? WEXITSTATUS(status) : -1;
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int st = s->timed_out ? ST_TIMEOUT : exited && code == 0 ? ST_OK : ST_FAILED;
	if (st != ST_OK && s->task.kind == REAL_AGENT_TRANSCODE)
		remove_outputs(a, s->pid);
	a->tasks[s->task.kind][st]++;
	a->wall[s->task.kind] += wall;
	a->cpu[s->task.kind] += cpu;
	s->out[s->out_len] = 0;
	json_t *detail = s->out_len ? json_loads(s->out, 0, NULL) : NULL;
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(status_names[st]));
	json_object_set_new(o, "kind", json_string(real_agent_kind_name(s->task.kind)));
	if (s->task.id[0])
		json_object_set_new(o, "id", json_string(s->task.id));
	json_object_set_new(o, "wall_s", json_real(wall));
	json_object_set_new(o, "cpu_s", json_real(cpu));
	json_object_set_new(o, "exit_code", json_integer(code));
	json_object_set_new(o, "signal", json_integer(sig));
	json_object_set_new(o, "machine_type", json_string(a->c->machine_type));
	json_object_set_new(o, "detail", detail ? detail : json_null());
	if (s->conn)
		evhttp_connection_set_closecb(s->conn, NULL, NULL);
	struct evhttp_request *req = s->req;
	s->pid = 0;
	slot_release(s);
	/* a request whose client went away is only freed by this */
	reply_json(a, req, 200, o);
}

static void on_pipe(evutil_socket_t fd, short what, void *arg)
{
	slot *s = arg;
	char buf[1024];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			size_t room = DETAIL_MAX - s->out_len;
			size_t take = (size_t)n < room ? (size_t)n : room;
			memcpy(s->out + s->out_len, buf, take);
			s->out_len += take;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break; /* EOF or error: the child is gone */
	}
	task_done(s);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	slot *s = arg;
	s->timed_out = 1;
	kill_task(s);
}

static void on_client_gone(struct evhttp_connection *conn, void *arg)
{
	slot *s = arg;
	s->conn = NULL;
	kill_task(s);
}

/* The client's socket became readable while its task runs: end of file
 * (it hung up) kills the task; data (a pipelined request) ends the watch. */
static void on_client_readable(evutil_socket_t fd, short what, void *arg)
{
	slot *s = arg;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0)
		kill_task(s);
	event_del(s->watch);
}

static void start_task(agent *a, struct evhttp_request *req,
		       const real_agent_task *t)
{
	slot *s = NULL;
	for (int i = 0; i < a->c->slots && !s; i++)
		if (!a->slots[i].used)
			s = &a->slots[i];
	if (!s) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		char msg[96];
		snprintf(msg, sizeof msg, "all %d slots busy", a->c->slots);
		reply_error(a, req, 429, msg);
		return;
	}
	int p[2];
	if (pipe(p) != 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) || fcntl(p[0], F_SETFL, O_NONBLOCK)) {
		reply_error(a, req, 500, strerror(errno));
		return;
	}
	memset(s, 0, sizeof *s);
	s->a = a;
	s->fd = p[0];
	s->task = *t;
	s->t0 = sim_clock_s();
	fflush(NULL);
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		close(p[0]);
		child_run(a->c, t, p[1], parent);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		reply_error(a, req, 500, strerror(errno));
		return;
	}
	s->pid = pid;
	s->used = 1;
	a->busy++;
	s->req = req;
	s->rd = event_new(a->base, p[0], EV_READ | EV_PERSIST, on_pipe, s);
	s->timer = evtimer_new(a->base, on_timeout, s);
	double to = t->timeout_s;
	struct timeval tv = {(time_t)to, (suseconds_t)((to - floor(to)) * 1e6)};
	if (!s->rd || !s->timer || event_add(s->rd, NULL) || evtimer_add(s->timer, &tv)) {
		kill_task(s); /* the pipe's EOF cannot be watched: reap here */
		task_done(s);
		return;
	}
	s->conn = evhttp_request_get_connection(req);
	if (s->conn) {
		evhttp_connection_set_closecb(s->conn, on_client_gone, s);
		/* libevent reads nothing more from the connection until the
		 * answer is sent, so it would not see a hang-up: watch it */
		struct bufferevent *bev = evhttp_connection_get_bufferevent(s->conn);
		evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
		if (fd >= 0)
			s->watch = event_new(a->base, fd, EV_READ | EV_PERSIST,
					     on_client_readable, s);
		if (s->watch)
			event_add(s->watch, NULL);
	}
}

/* ---- endpoints ------------------------------------------------------ */

static void do_task(agent *a, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	if (len > a->c->max_body_bytes) { /* libevent checks it first */
		reply_error(a, req, 413, "body too large");
		return;
	}
	const char *body = (const char *)evbuffer_pullup(in, -1);
	real_agent_task t;
	io_err err = {0};
	if (real_agent_task_parse(a->c, body ? body : "", len, &t, &err)) {
		reply_error(a, req, 400, err.msg);
		return;
	}
	start_task(a, req, &t);
}

static void do_health(agent *a, struct evhttp_request *req)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string("ok"));
	json_object_set_new(o, "machine_type", json_string(a->c->machine_type));
	json_object_set_new(o, "slots", json_integer(a->c->slots));
	json_object_set_new(o, "busy", json_integer(a->busy));
	json_object_set_new(o, "uptime_s", json_real(sim_clock_s() - a->start));
	json_object_set(o, "machine", a->facts);
	reply_json(a, req, 200, o);
}

static void do_metrics(agent *a, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		reply_error(a, req, 500, "out of memory");
		return;
	}
	evbuffer_add_printf(b,
		"# HELP hetsim_agent_requests_total Requests answered, by HTTP status code.\n"
		"# TYPE hetsim_agent_requests_total counter\n");
	for (size_t i = 0; i < N_CODES; i++)
		evbuffer_add_printf(b, "hetsim_agent_requests_total{code=\"%d\"} %llu\n",
				    codes[i], (unsigned long long)a->replies[i]);
	evbuffer_add_printf(b,
		"# HELP hetsim_agent_tasks_total Tasks run, by kind and outcome.\n"
		"# TYPE hetsim_agent_tasks_total counter\n");
	for (int k = 0; k < REAL_AGENT_KINDS; k++)
		for (int st = 0; st < N_STATUS; st++)
			evbuffer_add_printf(b,
				"hetsim_agent_tasks_total{kind=\"%s\",status=\"%s\"} %llu\n",
				real_agent_kind_name((real_agent_kind)k), status_names[st],
				(unsigned long long)a->tasks[k][st]);
	evbuffer_add_printf(b,
		"# HELP hetsim_agent_task_wall_seconds_total Wall time of tasks, by kind.\n"
		"# TYPE hetsim_agent_task_wall_seconds_total counter\n");
	for (int k = 0; k < REAL_AGENT_KINDS; k++)
		evbuffer_add_printf(b, "hetsim_agent_task_wall_seconds_total{kind=\"%s\"} %.6f\n",
				    real_agent_kind_name((real_agent_kind)k), a->wall[k]);
	evbuffer_add_printf(b,
		"# HELP hetsim_agent_task_cpu_seconds_total CPU time of tasks, by kind.\n"
		"# TYPE hetsim_agent_task_cpu_seconds_total counter\n");
	for (int k = 0; k < REAL_AGENT_KINDS; k++)
		evbuffer_add_printf(b, "hetsim_agent_task_cpu_seconds_total{kind=\"%s\"} %.6f\n",
				    real_agent_kind_name((real_agent_kind)k), a->cpu[k]);
	evbuffer_add_printf(b,
		"# HELP hetsim_agent_busy_slots Tasks running now.\n"
		"# TYPE hetsim_agent_busy_slots gauge\n"
		"hetsim_agent_busy_slots %d\n"
		"# HELP hetsim_agent_slots Tasks the agent runs at once.\n"
		"# TYPE hetsim_agent_slots gauge\n"
		"hetsim_agent_slots %d\n"
		"# HELP hetsim_agent_uptime_seconds Seconds since the agent started.\n"
		"# TYPE hetsim_agent_uptime_seconds gauge\n"
		"hetsim_agent_uptime_seconds %.3f\n",
		a->busy, a->c->slots, sim_clock_s() - a->start);
	a->replies[0]++;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4");
	send_reply(a, req, 200, b);
}

/* The token after "Bearer " in the Authorization header, or NULL. */
static const char *bearer(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
					   "Authorization");
	if (!h || strncmp(h, "Bearer ", 7) != 0)
		return NULL;
	return h + 7;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	agent *a = arg;
	if (emulated_drop(a)) { /* the connection shut, the answer lost */
		struct evhttp_connection *conn = evhttp_request_get_connection(req);
		struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
		if (bev && bufferevent_getfd(bev) >= 0)
			shutdown(bufferevent_getfd(bev), SHUT_RDWR);
		a->dropped++;
		evhttp_send_reply(req, 500, NULL, NULL);
		return;
	}
	if (!real_agent_token_ok(a->c->token, bearer(req))) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "WWW-Authenticate", "Bearer");
		reply_error(a, req, 401, "missing or wrong token");
		return;
	}
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	if (!path) {
		reply_error(a, req, 404, "no such endpoint");
	} else if (strcmp(path, "/task") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			reply_error(a, req, 405, "POST /task");
		else
			do_task(a, req);
	} else if (strcmp(path, "/health") == 0 || strcmp(path, "/metrics") == 0) {
		if (cmd != EVHTTP_REQ_GET)
			reply_error(a, req, 405, "GET only");
		else if (path[1] == 'h')
			do_health(a, req);
		else
			do_metrics(a, req);
	} else {
		reply_error(a, req, 404, "no such endpoint (/task, /health, /metrics)");
	}
}

/* ---- TLS ------------------------------------------------------------ */

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);
	if (!ssl)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

static int tls_setup(agent *a, io_err *err)
{
	a->ssl = SSL_CTX_new(TLS_server_method());
	if (!a->ssl)
		return io_errf(err, IO_EIO, NULL, 0, "TLS: cannot create a context");
	SSL_CTX_set_min_proto_version(a->ssl, TLS1_2_VERSION);
	char why[256];
	if (SSL_CTX_use_certificate_chain_file(a->ssl, a->c->tls_cert) != 1) {
		ERR_error_string_n(ERR_get_error(), why, sizeof why);
		return io_errf(err, IO_EINPUT, a->c->tls_cert, 0, "TLS certificate: %s", why);
	}
	if (SSL_CTX_use_PrivateKey_file(a->ssl, a->c->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(a->ssl) != 1) {
		ERR_error_string_n(ERR_get_error(), why, sizeof why);
		return io_errf(err, IO_EINPUT, a->c->tls_key, 0, "TLS key: %s", why);
	}
	evhttp_set_bevcb(a->http, tls_bev, a->ssl);
	return 0;
}

/* ---- the loop ------------------------------------------------------- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static int bound_port(struct evhttp_bound_socket *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&ss, &len))
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

int real_agent_serve(const real_agent_config *c, io_err *err)
{
	if (!c->tls && !real_agent_is_loopback(c->listen))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "listening on %s (not loopback) needs TLS; refusing to start",
			       c->listen);
	agent a = {.c = c, .start = sim_clock_s(), .rng = c->emulate_seed};
	struct event *sigs[2] = {NULL, NULL};
	int rc = 0;
	signal(SIGPIPE, SIG_IGN);
	a.slots = calloc((size_t)c->slots, sizeof *a.slots);
	a.facts = real_agent_machine_facts();
	struct event_config *cfg = event_config_new();
	if (cfg) /* timerfd: sub-millisecond timeouts */
		event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	a.base = cfg ? event_base_new_with_config(cfg) : NULL;
	if (cfg)
		event_config_free(cfg);
	a.http = a.base ? evhttp_new(a.base) : NULL;
	if (!a.slots || !a.facts || !a.http) {
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	for (int i = 0; i < c->slots; i++) {
		a.slots[i].fd = -1;
		a.slots[i].a = &a;
	}
	evhttp_set_max_body_size(a.http, (ev_ssize_t)c->max_body_bytes);
	evhttp_set_max_headers_size(a.http, 16384);
	evhttp_set_timeout(a.http, 30); /* idle or slow clients */
	evhttp_set_allowed_methods(a.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
						   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						   EVHTTP_REQ_HEAD);
	evhttp_set_gencb(a.http, on_request, &a);
	if (c->tls && (rc = tls_setup(&a, err)))
		goto out;
	struct evhttp_bound_socket *h =
		evhttp_bind_socket_with_handle(a.http, c->listen, (ev_uint16_t)c->port);
	if (!h) {
		rc = io_errf(err, IO_EINPUT, NULL, 0, "cannot listen on %s port %d: %s",
			     c->listen, c->port, strerror(errno));
		goto out;
	}
	sigs[0] = evsignal_new(a.base, SIGINT, on_signal, a.base);
	sigs[1] = evsignal_new(a.base, SIGTERM, on_signal, a.base);
	if (!sigs[0] || !sigs[1] || event_add(sigs[0], NULL) || event_add(sigs[1], NULL)) {
		rc = io_errf(err, IO_EIO, NULL, 0, "cannot watch signals");
		goto out;
	}
	printf("hetsim agent: listening on %s:%d (%s, %d slots, machine type %s)\n",
	       c->listen, bound_port(h), c->tls ? "https" : "http", c->slots,
	       c->machine_type);
	fflush(stdout);
	if (event_base_dispatch(a.base) < 0)
		rc = io_errf(err, IO_EIO, NULL, 0, "event loop failed");
	for (int i = 0; i < c->slots; i++)
		if (a.slots[i].used) {
			kill_task(&a.slots[i]);
			task_done(&a.slots[i]);
		}
	while (a.late)
		late_send(a.late);
out:
	for (int i = 0; i < 2; i++)
		if (sigs[i])
			event_free(sigs[i]);
	if (a.http)
		evhttp_free(a.http);
	if (a.base)
		event_base_free(a.base);
	if (a.ssl)
		SSL_CTX_free(a.ssl);
	json_decref(a.facts);
	free(a.slots);
	return rc;
}
