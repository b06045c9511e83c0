/*
 * real/agent/campaign.c — `hetsim calibrate agents` (real/agent/campaign.h):
 * the matrix run on agents, requests in flight on every agent at once (up
 * to its slots) on one libevent base, samples journaled as they come,
 * agents that fail probed again with back-off, then the records in matrix
 * order and the fits.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include "real/agent/agent.h"
#include "real/agent/campaign.h"
#include "real/agent/client.h"
#include "profiles/fit_table.h"
#include "sim/base/out.h"
#include "sim/base/clock.h"

enum { MAX_CELLS = 1 << 20 };
enum { ST_NONE, ST_OK, ST_FAILED, ST_TIMEOUT, ST_MISSING };
static const char *const status_names[] = {"", "ok", "failed", "timeout", "missing"};

typedef struct campaign campaign;

typedef struct agent {
	campaign *c;
	size_t id;
	real_agent_endpoint ep;
	char mtype[128];
	long col;          /* its machine type's column of the matrix, -1 none */
	int up, slots, busy, probing, seen;
	json_t *facts;     /* /health's "machine", or NULL */
	double backoff_s;
	struct event *probe_ev;
	uint64_t ok, failed, errors, rejoins;
} agent;

/* One sample's record: what samples.csv says of it. */
typedef struct rec {
	double wall, cpu, start_s, end_s;
	char *error;       /* NULL: none */
	int32_t agent;     /* -1: none */
	uint8_t status;    /* ST_* */
} rec;

/* A machine type of the matrix: its samples, sent in order
 * (s = repeat * n_task + task), those to send again first. */
typedef struct column {
	uint64_t next, left;
	uint64_t *retry;   /* a FIFO of samples whose request failed */
	size_t r_head, r_len, r_cap;
	double stalled_since; /* < 0: an agent of the type is up */
} column;

typedef struct cell {
	double *wall; /* ok samples */
	size_t n_ok, n_failed, n_missing;
	double sum;
} cell;

/* One request in flight. */
typedef struct call {
	campaign *c;
	agent *a;
	int health;
	size_t col;
	uint64_t s;
	double start_s;
	struct evhttp_connection *conn;
	struct call *prev, *next;
} call;

struct campaign {
	const real_campaign_opts *o;
	io_err *err;
	FILE *console;
	real_agents_file af;
	real_campaign_matrix mx;
	agent *ag;
	size_t n_ag, rot;
	SSL_CTX *tls;
	struct event_base *base;
	struct event *tick_ev;
	const char **mach;   /* [n_mach] */
	size_t n_mach;
	column *cols;        /* [n_mach] */
	rec *recs;           /* [(task * n_mach + mach) * repeats + repeat] */
	cell *cells;         /* [n_task * n_mach] */
	uint64_t repeats, total, done, in_flight, shown;
	call *calls, *buried;
	int failed, closing, discovering;
	double t0;
	FILE *journal;
	char *journal_path;
};

static double now_s(const campaign *c)
{
	return sim_clock_s() - c->t0;
}

static void fatal(campaign *c)
{
	c->failed = 1;
	event_base_loopbreak(c->base);
}

/* ---- the matrix file ------------------------------------------------ */

void real_campaign_matrix_free(real_campaign_matrix *mx)
{
	free(mx->task);
	free(mx->body);
	free(mx->mach);
	io_jdoc_free(&mx->doc);
	memset(mx, 0, sizeof *mx);
}

int real_campaign_matrix_load(real_campaign_matrix *mx, const char *path,
			      uint64_t repeats, io_err *err)
{
	static const char *const keys[] = {"tasks", "machines", "repeats", NULL};
	memset(mx, 0, sizeof *mx);
	io_jdoc *d = &mx->doc;
	int rc = io_jdoc_load(d, path, err);
	if (rc)
		return rc;
	if (!json_is_object(d->root))
		return io_errf(err, IO_EINPUT, path, 1, "a matrix is a JSON object");
	if ((rc = io_jcheck_keys(d, d->root, keys, err)))
		return rc;
	const json_t *tasks = json_object_get(d->root, "tasks");
	if (!json_is_object(tasks) || json_object_size(tasks) == 0 ||
	    json_object_size(tasks) > REAL_CAMPAIGN_MAX_TASKS)
		return io_errf(err, IO_EINPUT, path, tasks ? io_jdoc_line(d, tasks) : 1,
			       "\"tasks\" must map 1-%d task types to a request body each",
			       REAL_CAMPAIGN_MAX_TASKS);
	mx->n_task = json_object_size(tasks);
	mx->task = calloc(mx->n_task, sizeof *mx->task);
	mx->body = calloc(mx->n_task, sizeof *mx->body);
	if (!mx->task || !mx->body)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)tasks, key, v) {
		if (!json_is_object(v) || !json_is_string(json_object_get(v, "kind")))
			return io_jerr_at(err, d, tasks, key, 0,
					  "the body for \"%s\" must be an object with a \"kind\"",
					  key);
		if (!*key || strlen(key) > 48 || strpbrk(key, ",\"\n\r"))
			return io_jerr_at(err, d, tasks, key, 0,
					  "task type \"%s\": 1-48 characters, no comma, quote "
					  "or newline", key);
		mx->task[k] = key;
		mx->body[k++] = v;
	}
	uint64_t rep = 5;
	if ((rc = io_jget_u64(d, d->root, "repeats", 0, &rep, err)))
		return rc;
	if (rep < 1 || rep > 100000)
		return io_jerr_at(err, d, d->root, "repeats", 0, "\"repeats\" must be 1-100000");
	mx->repeats = repeats ? repeats : rep;
	const json_t *ms = json_object_get(d->root, "machines");
	if (ms) {
		if (!json_is_array(ms) || json_array_size(ms) == 0 ||
		    json_array_size(ms) > REAL_AGENTS_MAX)
			return io_jerr_at(err, d, d->root, "machines", 0,
					  "\"machines\" must be an array of 1-%d machine type "
					  "names", REAL_AGENTS_MAX);
		mx->n_mach = json_array_size(ms);
		mx->mach = calloc(mx->n_mach, sizeof *mx->mach);
		if (!mx->mach)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		for (size_t i = 0; i < mx->n_mach; i++) {
			const json_t *e = json_array_get(ms, i);
			const char *name = json_string_value(e);
			if (!name || !*name || strlen(name) > 127 || strpbrk(name, ",\"\n\r"))
				return io_jerr_at(err, d, ms, NULL, i,
						  "a machine type is a string of 1-127 characters, "
						  "no comma, quote or newline");
			mx->mach[i] = name;
			for (size_t j = 0; j < i; j++)
				if (!strcmp(mx->mach[j], name))
					return io_jerr_at(err, d, ms, NULL, i,
							  "machine type \"%s\" twice", name);
		}
	}
	if (mx->n_task * (mx->n_mach ? mx->n_mach : 1) * mx->repeats > REAL_CAMPAIGN_MAX_SAMPLES)
		return io_errf(err, IO_EINPUT, path, 1,
			       "the matrix is too large (more than %d samples)",
			       REAL_CAMPAIGN_MAX_SAMPLES);
	return 0;
}

/* ---- requests ------------------------------------------------------- */

static void on_reply(struct evhttp_request *req, void *arg);

/* Free the connections of answered requests (never inside their own
 * callback: at the start of the next one, and at the end). */
static void bury(campaign *c)
{
	while (c->buried) {
		call *k = c->buried;
		c->buried = k->next;
		if (k->conn)
			evhttp_connection_free(k->conn);
		free(k);
	}
}

static call *send_call(campaign *c, agent *a, int health, size_t col, uint64_t s,
		       const char *body)
{
	call *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->c = c;
	k->a = a;
	k->health = health;
	k->col = col;
	k->s = s;
	k->start_s = now_s(c);
	k->conn = real_agent_request(c->base, c->tls, &a->ep,
				     health ? EVHTTP_REQ_GET : EVHTTP_REQ_POST,
				     health ? "/health" : "/task", body,
				     health ? c->af.connect_timeout_s : c->af.request_timeout_s,
				     on_reply, k);
	if (!k->conn) {
		free(k);
		return NULL;
	}
	k->next = c->calls;
	if (c->calls)
		c->calls->prev = k;
	c->calls = k;
	return k;
}

/* The reply's JSON object (new reference), or NULL. */
static json_t *reply_json(struct evhttp_request *req, int *code)
{
	*code = req ? evhttp_request_get_response_code(req) : 0;
	if (!*code)
		return NULL;
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = b ? evbuffer_get_length(b) : 0;
	json_t *j = len ? json_loadb((const char *)evbuffer_pullup(b, -1), len, 0, NULL) : NULL;
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* ---- agents up and down --------------------------------------------- */

static void probe(campaign *c, agent *a);

static void on_probe_timer(evutil_socket_t fd, short what, void *arg)
{
	agent *a = arg;
	bury(a->c);
	probe(a->c, a);
}

static void probe(campaign *c, agent *a)
{
	if (a->probing || c->failed)
		return;
	if (send_call(c, a, 1, 0, 0, NULL))
		a->probing = 1;
	else if (!c->discovering) { /* try again later */
		double b = a->backoff_s;
		struct timeval tv = {(time_t)b, (suseconds_t)((b - floor(b)) * 1e6)};
		evtimer_add(a->probe_ev, &tv);
	}
}

/* Ask /health again after the back-off, which doubles each time (from
 * health_poll_s, at most 8 x health_poll_s). */
static void probe_later(campaign *c, agent *a, int again)
{
	a->backoff_s = again ? fmin(2 * a->backoff_s, 8 * c->af.health_poll_s)
			     : c->af.health_poll_s;
	double b = a->backoff_s;
	struct timeval tv = {(time_t)b, (suseconds_t)((b - floor(b)) * 1e6)};
	evtimer_add(a->probe_ev, &tv);
}

static void set_down(campaign *c, agent *a, const char *why)
{
	a->errors++;
	if (!a->up)
		return;
	a->up = 0;
	fprintf(stderr, "hetsim: calibrate agents: agent %zu (%s) is down: %s; its "
		"samples go to other agents of type %s, /health is asked again with "
		"back-off\n", a->id, a->ep.url, why, a->mtype);
	probe_later(c, a, 0);
}

static long column_of(const campaign *c, const char *mtype)
{
	for (size_t m = 0; m < c->n_mach; m++)
		if (!strcmp(c->mach[m], mtype))
			return (long)m;
	return -1;
}

static void pump(campaign *c);
static void check_stalls(campaign *c);

static void health_reply(campaign *c, call *k, struct evhttp_request *req)
{
	agent *a = k->a;
	a->probing = 0;
	int code;
	json_t *h = reply_json(req, &code);
	const char *mt = json_string_value(json_object_get(h, "machine_type"));
	const json_t *sl = json_object_get(h, "slots");
	json_int_t slots = json_is_integer(sl) ? json_integer_value(sl) : 0;
	const char *why = NULL;
	char msg[200];
	if (code != 200 || !mt) {
		snprintf(msg, sizeof msg, code ? "GET /health: HTTP %d%s" :
			 "GET /health: no answer (refused, reset or timed out)", code,
			 code == 200 ? ", no machine_type" : "");
		why = msg;
	} else if (!*mt || strlen(mt) >= sizeof a->mtype || strpbrk(mt, ",\"\n\r")) {
		why = "its machine_type is not a name of 1-127 characters without comma, "
		      "quote or newline";
	} else if (slots < 1 || slots > REAL_AGENT_MAX_SLOTS) {
		why = "its /health gives no slots (1-256)";
	} else if (a->seen && strcmp(a->mtype, mt)) {
		snprintf(msg, sizeof msg, "it now says machine type %.60s, not %.60s", mt, a->mtype);
		why = msg;
	}
	if (why) {
		if (c->discovering)
			fprintf(stderr, "hetsim: calibrate agents: agent %zu (%s) is down: %s\n",
				a->id, a->ep.url, why);
		if (!c->discovering)
			probe_later(c, a, a->backoff_s > 0);
		json_decref(h);
		return;
	}
	if (!a->seen) {
		snprintf(a->mtype, sizeof a->mtype, "%s", mt);
		a->facts = json_incref(json_object_get(h, "machine"));
		a->col = c->discovering ? -1 : column_of(c, a->mtype);
		a->seen = 1;
	} else {
		a->rejoins++;
		fprintf(stderr, "hetsim: calibrate agents: agent %zu (%s) is back\n", a->id,
			a->ep.url);
	}
	a->slots = (int)slots;
	a->up = 1;
	a->backoff_s = 0;
	json_decref(h);
	if (!c->discovering) {
		pump(c);
		check_stalls(c);
	}
}

/* ---- samples -------------------------------------------------------- */

static void journal_row(campaign *c, FILE *f, sim_text *t, size_t task, size_t m,
			uint64_t r, const rec *x)
{
	char head[512], nums[160];
	const char *url = x->agent >= 0 ? c->ag[x->agent].ep.url : "";
	snprintf(head, sizeof head, "%s,%s,%llu,", c->mx.task[task], c->mach[m],
		 (unsigned long long)r + 1);
	if (isfinite(x->wall))
		snprintf(nums, sizeof nums, "%.9f,%.9f,", x->wall, x->cpu);
	else
		snprintf(nums, sizeof nums, ",,");
	/* the error text, quoted, without quotes or newlines of its own */
	char err[300];
	size_t n = 0;
	for (const char *p = x->error; p && *p && n < sizeof err - 1; p++)
		err[n++] = *p == '"' || *p == '\n' || *p == '\r' ? '\'' : *p;
	err[n] = 0;
	char agent_col[24] = "";
	if (x->agent >= 0)
		snprintf(agent_col, sizeof agent_col, "%ld", (long)x->agent);
	if (f)
		fprintf(f, "%s%s,%s,%s,%s\"%s\",%.6f,%.6f\n", head, agent_col, url,
			status_names[x->status], nums, err, x->start_s, x->end_s);
	else if (t)
		sim_text_add(t, "%s%s,%s,%s,%s\"%s\",%.6f,%.6f\n", head, agent_col, url,
			     status_names[x->status], nums, err, x->start_s, x->end_s);
}

/* Sample s of column m is over: its record, journaled (flushed). */
static void record(campaign *c, size_t m, uint64_t s, int32_t ai, int status, double wall,
		   double cpu, const char *error, double start_s)
{
	size_t task = (size_t)(s % c->mx.n_task);
	uint64_t r = s / c->mx.n_task;
	rec *x = &c->recs[((uint64_t)task * c->n_mach + m) * c->repeats + r];
	x->agent = ai;
	x->status = (uint8_t)status;
	x->wall = wall;
	x->cpu = cpu;
	x->start_s = start_s;
	x->end_s = now_s(c);
	x->error = error && *error ? strdup(error) : NULL;
	journal_row(c, c->journal, NULL, task, m, r, x);
	if (fflush(c->journal) != 0 && !c->failed) {
		io_errf(c->err, IO_EIO, c->journal_path, 0, "cannot write");
		fatal(c);
	}
	c->cols[m].left--;
	c->done++;
	if (c->console && !c->o->quiet && c->done * 10 / c->total > c->shown) {
		c->shown = c->done * 10 / c->total;
		fprintf(c->console, "%llu of %llu samples\n", (unsigned long long)c->done,
			(unsigned long long)c->total);
	}
	if (c->done == c->total)
		event_base_loopexit(c->base, NULL);
}

static void retry_push(campaign *c, column *col, uint64_t s)
{
	if (col->r_len == col->r_cap) {
		size_t cap = col->r_cap ? 2 * col->r_cap : 16;
		uint64_t *n = malloc(cap * sizeof *n);
		if (!n) {
			io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
			fatal(c);
			return;
		}
		for (size_t i = 0; i < col->r_len; i++)
			n[i] = col->retry[(col->r_head + i) % col->r_cap];
		free(col->retry);
		col->retry = n;
		col->r_cap = cap;
		col->r_head = 0;
	}
	col->retry[(col->r_head + col->r_len++) % col->r_cap] = s;
}

/* The next sample of column m to send: 0 when none is waiting. */
static int take(campaign *c, size_t m, uint64_t *s)
{
	column *col = &c->cols[m];
	if (col->r_len) {
		*s = col->retry[col->r_head];
		col->r_head = (col->r_head + 1) % col->r_cap;
		col->r_len--;
		return 1;
	}
	if (col->next < c->repeats * c->mx.n_task) {
		*s = col->next++;
		return 1;
	}
	return 0;
}

static int send_sample(campaign *c, agent *a, uint64_t s)
{
	size_t m = (size_t)a->col, task = (size_t)(s % c->mx.n_task);
	json_t *b = json_deep_copy(c->mx.body[task]);
	char id[REAL_AGENT_MAX_ID + 1];
	snprintf(id, sizeof id, "%s@%s#%llu", c->mx.task[task], c->mach[m],
		 (unsigned long long)(s / c->mx.n_task) + 1);
	for (char *p = id; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-",
			    *p))
			*p = '.';
	if (b)
		json_object_set_new(b, "id", json_string(id));
	char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	if (!text) {
		io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
		fatal(c);
		return -1;
	}
	call *k = send_call(c, a, 0, m, s, text);
	free(text);
	if (!k) {
		retry_push(c, &c->cols[m], s);
		set_down(c, a, "the request could not be sent");
		return -1;
	}
	a->busy++;
	c->in_flight++;
	return 0;
}

/* Fill the free slots of the agents that are up: one sample per agent in
 * turn (the agents of a type share its samples), at most one in flight
 * with --serial. */
static void pump(campaign *c)
{
	for (int progress = 1; progress && !c->failed;) {
		progress = 0;
		for (size_t k = 0; k < c->n_ag && !c->failed; k++) {
			if (c->o->serial && c->in_flight)
				return;
			size_t i = (c->rot + k) % c->n_ag;
			agent *a = &c->ag[i];
			uint64_t s;
			if (!a->up || a->col < 0 || a->busy >= a->slots ||
			    !take(c, (size_t)a->col, &s))
				continue;
			if (send_sample(c, a, s) == 0) {
				c->rot = (i + 1) % c->n_ag;
				progress = 1;
			}
		}
	}
}

/* A type with samples left and no agent up: after give_up_s of it its
 * samples left are recorded missing. */
static void check_stalls(campaign *c)
{
	double now = now_s(c);
	for (size_t m = 0; m < c->n_mach && !c->failed; m++) {
		column *col = &c->cols[m];
		int up = 0;
		for (size_t i = 0; i < c->n_ag && !up; i++)
			up = c->ag[i].up && c->ag[i].col == (long)m;
		uint64_t waiting = col->r_len + (c->repeats * c->mx.n_task - col->next);
		if (up || !waiting) {
			col->stalled_since = -1;
			continue;
		}
		if (col->stalled_since < 0)
			col->stalled_since = now;
		if (now - col->stalled_since < c->af.give_up_s)
			continue;
		char why[200];
		snprintf(why, sizeof why, "no agent of this type up for give_up_s (%g s)",
			 c->af.give_up_s);
		uint64_t s;
		while (take(c, m, &s))
			record(c, m, s, -1, ST_MISSING, NAN, NAN, why, now);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	campaign *c = arg;
	bury(c);
	check_stalls(c);
}

static void sample_reply(campaign *c, call *k, struct evhttp_request *req)
{
	agent *a = k->a;
	a->busy--;
	c->in_flight--;
	int code;
	json_t *res = reply_json(req, &code);
	const char *st = json_string_value(json_object_get(res, "status"));
	double wall = res ? json_number_value(json_object_get(res, "wall_s")) : NAN;
	double cpu = res ? json_number_value(json_object_get(res, "cpu_s")) : NAN;
	size_t task = (size_t)(k->s % c->mx.n_task);
	int status = !st ? ST_NONE : !strcmp(st, "ok") ? ST_OK : !strcmp(st, "failed")
			? ST_FAILED : !strcmp(st, "timeout") ? ST_TIMEOUT : ST_NONE;
	if (code != 200 || status == ST_NONE || !isfinite(wall)) {
		char msg[300];
		const char *e = json_string_value(json_object_get(res, "error"));
		if (!code)
			snprintf(msg, sizeof msg, "no answer (refused, reset or timed out)");
		else if (code != 200)
			snprintf(msg, sizeof msg, "HTTP %d%s%.200s", code, e ? ": " : "",
				 e ? e : "");
		else
			snprintf(msg, sizeof msg, "HTTP 200 without a status and wall time");
		if (code == 400 || code == 413) { /* the body is wrong, not the agent */
			io_jerr(c->err, &c->mx.doc, c->mx.body[task],
				"task \"%s\": agent %s refused it: %s", c->mx.task[task],
				a->ep.url, msg);
			json_decref(res);
			fatal(c);
			return;
		}
		json_decref(res);
		retry_push(c, &c->cols[k->col], k->s);
		set_down(c, a, msg);
		pump(c);
		check_stalls(c);
		return;
	}
	const char *detail = json_string_value(json_object_get(res, "detail"));
	if (status == ST_OK)
		a->ok++;
	else
		a->failed++;
	record(c, k->col, k->s, (int32_t)a->id, status, wall, cpu,
	       status != ST_OK ? detail : NULL, k->start_s);
	json_decref(res);
	pump(c);
}

static void on_reply(struct evhttp_request *req, void *arg)
{
	call *k = arg;
	campaign *c = k->c;
	if (c->closing)
		return;
	bury(c);
	if (k->prev)
		k->prev->next = k->next;
	else
		c->calls = k->next;
	if (k->next)
		k->next->prev = k->prev;
	if (k->health)
		health_reply(c, k, req);
	else
		sample_reply(c, k, req);
	k->next = c->buried;
	c->buried = k;
}

/* GET /health of every agent at once, until each answered or failed:
 * its type, slots and facts. */
static void discover(campaign *c)
{
	c->discovering = 1;
	for (size_t i = 0; i < c->n_ag; i++)
		probe(c, &c->ag[i]);
	for (;;) {
		int waiting = 0;
		for (size_t i = 0; i < c->n_ag; i++)
			waiting |= c->ag[i].probing;
		if (!waiting || event_base_loop(c->base, EVLOOP_ONCE) != 0)
			break;
	}
	c->discovering = 0;
}

/* Without "machines": every type reported, in the agents' order. */
static int set_machines(campaign *c)
{
	c->mach = calloc(c->mx.n_mach ? c->mx.n_mach : c->n_ag, sizeof *c->mach);
	if (!c->mach)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	if (c->mx.n_mach) {
		memcpy(c->mach, c->mx.mach, c->mx.n_mach * sizeof *c->mach);
		c->n_mach = c->mx.n_mach;
	} else {
		for (size_t i = 0; i < c->n_ag; i++)
			if (c->ag[i].up && column_of(c, c->ag[i].mtype) < 0)
				c->mach[c->n_mach++] = c->ag[i].mtype;
		if (!c->n_mach)
			return io_errf(c->err, IO_EINPUT, c->o->agents, 0,
				       "no agent answered /health, and the matrix names no "
				       "\"machines\"");
	}
	for (size_t i = 0; i < c->n_ag; i++)
		c->ag[i].col = c->ag[i].seen ? column_of(c, c->ag[i].mtype) : -1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* "URL: CPU, N cores, M GiB, GPU" of every agent of type m. */
static void facts_text(const campaign *c, const char *m, sim_text *t)
{
	int first = 1;
	for (size_t i = 0; i < c->n_ag; i++) {
		const agent *a = &c->ag[i];
		if (!a->mtype[0] || strcmp(a->mtype, m))
			continue;
		const json_t *f = a->facts;
		const char *cpu = json_string_value(json_object_get(f, "cpu_model"));
		json_int_t cores = json_integer_value(json_object_get(f, "cores"));
		double mem = json_number_value(json_object_get(f, "mem_bytes"));
		const json_t *g = json_object_get(f, "gpu");
		char *gpu = g && !json_is_null(g) ? json_dumps(g, JSON_COMPACT | JSON_ENCODE_ANY)
						  : NULL;
		sim_text_add(t, "%sagent %s: %s, %lld cores, %.1f GiB memory, GPU %s",
			     first ? "" : "; ", a->ep.url, cpu ? cpu : "unknown CPU",
			     (long long)cores, mem / 1073741824.0, gpu ? gpu : "none");
		free(gpu);
		first = 0;
	}
}

static int write_profile(campaign *c, uint64_t taken)
{
	json_t *root = json_object(), *mts = json_array(), *tts = json_array(),
	       *exec = json_array();
	char what[512];
	snprintf(what, sizeof what,
		 "hetsim calibrate agents: %llu repeats per cell, interleaved, wall time "
		 "reported by each agent (fork to reap), %llu samples",
		 (unsigned long long)c->repeats, (unsigned long long)taken);
	int rc = root && mts && tts && exec ? 0
					    : io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	if (root)
		json_object_set_new(root, "source", json_string(what));
	for (size_t m = 0; !rc && m < c->n_mach; m++) {
		size_t n = 0;
		for (size_t t = 0; t < c->mx.n_task; t++)
			n += c->cells[t * c->n_mach + m].n_ok;
		if (!n)
			continue;
		json_t *mt = json_object();
		json_object_set_new(mt, "name", json_string(c->mach[m]));
		const agent *first = NULL;
		for (size_t i = 0; i < c->n_ag && !first; i++)
			if (!strcmp(c->ag[i].mtype, c->mach[m]))
				first = &c->ag[i];
		json_int_t cores = first ? json_integer_value(json_object_get(first->facts,
									     "cores")) : 0;
		double mem = first ? json_number_value(json_object_get(first->facts, "mem_bytes"))
				   : 0;
		if (cores > 0)
			json_object_set_new(mt, "vcpu", json_integer(cores));
		if (mem > 0)
			json_object_set_new(mt, "mem_gib",
					    sim_json_num(round(mem / 1073741824.0 * 10) / 10));
		sim_text s = {0};
		facts_text(c, c->mach[m], &s);
		json_object_set_new(mt, "source", json_string(s.buf ? s.buf : ""));
		free(s.buf);
		json_array_append_new(mts, mt);
	}
	for (size_t t = 0; !rc && t < c->mx.n_task; t++) {
		json_array_append_new(tts, json_pack("{s:s,s:s}", "name", c->mx.task[t], "kind",
						     json_string_value(json_object_get(
							     c->mx.body[t], "kind"))));
		for (size_t m = 0; !rc && m < c->n_mach; m++) {
			cell *ce = &c->cells[t * c->n_mach + m];
			if (!ce->n_ok)
				continue;
			qsort(ce->wall, ce->n_ok, sizeof *ce->wall, cmp_double);
			char w[200];
			snprintf(w, sizeof w, "hetsim calibrate agents: n=%zu wall times", ce->n_ok);
			json_t *e = prof_fit_exec_entry(c->mx.task[t], c->mach[m], ce->wall, ce->n_ok,
							w, "");
			if (!e)
				rc = io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
			else
				json_array_append_new(exec, e);
		}
	}
	if (!rc) {
		json_object_set_new(root, "machine_types", mts);
		json_object_set_new(root, "task_types", tts);
		json_object_set_new(root, "exec", exec);
		mts = tts = exec = NULL;
		char path[4096];
		snprintf(path, sizeof path, "%s/profile.json", c->o->out_dir);
		rc = sim_write_json(path, root, c->err);
	}
	json_decref(root);
	json_decref(mts);
	json_decref(tts);
	json_decref(exec);
	return rc;
}

static int write_cells(campaign *c, size_t *bad)
{
	sim_text t = {0};
	sim_text_add(&t, "task_type,machine_type,ok,failed,missing,mean_wall_s\n");
	*bad = 0;
	for (size_t i = 0; i < c->mx.n_task; i++)
		for (size_t m = 0; m < c->n_mach; m++) {
			const cell *ce = &c->cells[i * c->n_mach + m];
			sim_text_add(&t, "%s,%s,%zu,%zu,%zu,", c->mx.task[i], c->mach[m], ce->n_ok,
				     ce->n_failed, ce->n_missing);
			if (ce->n_ok)
				sim_text_add(&t, "%.9f", ce->sum / (double)ce->n_ok);
			sim_text_add(&t, "\n");
			if (ce->n_failed || ce->n_missing) {
				(*bad)++;
				fprintf(stderr, "hetsim: calibrate agents: cell %s x %s: %zu of "
					"%llu samples missing, %zu failed\n", c->mx.task[i],
					c->mach[m], ce->n_missing, (unsigned long long)c->repeats,
					ce->n_failed);
			}
			if (c->console && !c->o->quiet)
				fprintf(c->console, "%-24s %-16s ok %6zu  failed %4zu  missing %4zu"
					"  mean %.6f s\n", c->mx.task[i], c->mach[m], ce->n_ok,
					ce->n_failed, ce->n_missing,
					ce->n_ok ? ce->sum / (double)ce->n_ok : NAN);
		}
	char path[4096];
	snprintf(path, sizeof path, "%s/cells.csv", c->o->out_dir);
	int rc = t.failed ? io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory")
			  : sim_write_text(path, t.buf, t.len, c->err);
	free(t.buf);
	return rc;
}

/* The cells' counts and ok wall times, from the records. */
static int tally(campaign *c)
{
	size_t n_cells = c->mx.n_task * c->n_mach;
	c->cells = calloc(n_cells, sizeof *c->cells);
	if (!c->cells)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < n_cells; i++) {
		cell *ce = &c->cells[i];
		const rec *x = &c->recs[(uint64_t)i * c->repeats];
		if (!(ce->wall = malloc((size_t)c->repeats * sizeof *ce->wall)))
			return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
		for (uint64_t r = 0; r < c->repeats; r++)
			if (x[r].status == ST_OK) {
				ce->wall[ce->n_ok++] = x[r].wall;
				ce->sum += x[r].wall;
			} else if (x[r].status == ST_MISSING) {
				ce->n_missing++;
			} else {
				ce->n_failed++;
			}
	}
	return 0;
}

/* samples.csv in matrix order (task type, machine type, repeat) and
 * agents.csv, each written atomically; then the journal goes. */
static int write_records(campaign *c)
{
	sim_text t = {0};
	sim_text_add(&t, "%s", REAL_CAMPAIGN_SAMPLES_HEADER);
	for (size_t task = 0; task < c->mx.n_task; task++)
		for (size_t m = 0; m < c->n_mach; m++)
			for (uint64_t r = 0; r < c->repeats; r++)
				journal_row(c, NULL, &t, task, m, r,
					    &c->recs[((uint64_t)task * c->n_mach + m) * c->repeats + r]);
	char *path = sim_pathf("%s/samples.csv", c->o->out_dir);
	int rc = t.failed || !path ? io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory")
				   : sim_write_text(path, t.buf, t.len, c->err);
	free(path);
	free(t.buf);
	memset(&t, 0, sizeof t);
	sim_text_add(&t, "agent,url,machine_type,slots,ok,failed,request_errors,rejoins\n");
	for (size_t i = 0; i < c->n_ag; i++) {
		const agent *a = &c->ag[i];
		sim_text_add(&t, "%zu,%s,%s,%d,%llu,%llu,%llu,%llu\n", i, a->ep.url, a->mtype,
			     a->slots, (unsigned long long)a->ok, (unsigned long long)a->failed,
			     (unsigned long long)a->errors, (unsigned long long)a->rejoins);
	}
	path = sim_pathf("%s/agents.csv", c->o->out_dir);
	if (!rc)
		rc = t.failed || !path ? io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory")
				       : sim_write_text(path, t.buf, t.len, c->err);
	free(path);
	free(t.buf);
	if (!rc)
		unlink(c->journal_path);
	return rc;
}

static int run(campaign *c)
{
	int rc = real_agents_file_load(&c->af, c->o->agents, c->err);
	if (!rc)
		rc = real_campaign_matrix_load(&c->mx, c->o->matrix, c->o->repeats, c->err);
	if (!rc)
		rc = real_agent_tls_client(c->af.ep, c->af.n, &c->tls, c->err);
	if (rc)
		return rc;
	c->repeats = c->mx.repeats;
	c->n_ag = c->af.n;
	c->ag = calloc(c->n_ag, sizeof *c->ag);
	struct event_config *cfg = event_config_new();
	if (cfg) /* timerfd: back-off and give-up timers to the millisecond */
		event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	c->base = cfg ? event_base_new_with_config(cfg) : NULL;
	if (cfg)
		event_config_free(cfg);
	if (!c->ag || !c->base)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < c->n_ag; i++) {
		agent *a = &c->ag[i];
		a->c = c;
		a->id = i;
		a->ep = c->af.ep[i];
		a->col = -1;
		if (!(a->probe_ev = evtimer_new(c->base, on_probe_timer, a)))
			return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	c->t0 = sim_clock_s();
	discover(c);
	if ((rc = set_machines(c)))
		return rc;
	if (c->mx.n_task * c->n_mach > MAX_CELLS ||
	    c->mx.n_task * c->n_mach * c->repeats > REAL_CAMPAIGN_MAX_SAMPLES)
		return io_errf(c->err, IO_EINPUT, c->o->matrix, 0,
			       "the matrix is too large (more than %d samples)",
			       REAL_CAMPAIGN_MAX_SAMPLES);
	c->total = c->mx.n_task * c->n_mach * c->repeats;
	c->cols = calloc(c->n_mach, sizeof *c->cols);
	c->recs = calloc((size_t)c->total, sizeof *c->recs);
	if (!c->cols || !c->recs)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t m = 0; m < c->n_mach; m++) {
		c->cols[m].left = c->mx.n_task * c->repeats;
		c->cols[m].stalled_since = -1;
		size_t k = 0;
		while (k < c->n_ag && c->ag[k].col != (long)m)
			k++;
		if (k == c->n_ag)
			fprintf(stderr, "hetsim: calibrate agents: no agent of machine type %s "
				"answered: its samples wait give_up_s (%g s) for one\n", c->mach[m],
				c->af.give_up_s);
	}
	for (size_t i = 0; i < c->n_ag; i++)
		if (!c->ag[i].up)
			probe_later(c, &c->ag[i], 0);
	if ((rc = sim_mkdirs(c->o->out_dir, c->err)))
		return rc;
	if (!(c->journal_path = sim_pathf("%s/samples.csv.part", c->o->out_dir)))
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!(c->journal = fopen(c->journal_path, "w")))
		return io_errf(c->err, IO_EIO, c->journal_path, 0, "cannot write");
	fputs(REAL_CAMPAIGN_SAMPLES_HEADER, c->journal);
	fflush(c->journal);
	double tk = fmin(fmin(c->af.health_poll_s, c->af.give_up_s / 4), 1);
	struct timeval tv = {(time_t)tk, (suseconds_t)((tk - floor(tk)) * 1e6)};
	if (!(c->tick_ev = event_new(c->base, -1, EV_PERSIST, on_tick, c)) ||
	    event_add(c->tick_ev, &tv))
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	pump(c);
	check_stalls(c);
	if (c->done < c->total && !c->failed)
		event_base_dispatch(c->base);
	if (c->failed)
		return c->err->code ? c->err->code : IO_EIO;
	if (fclose(c->journal) != 0)
		rc = io_errf(c->err, IO_EIO, c->journal_path, 0, "cannot write");
	c->journal = NULL;
	if (!rc)
		rc = write_records(c);
	if (!rc)
		rc = tally(c);
	uint64_t taken = 0;
	for (size_t i = 0; c->cells && i < c->mx.n_task * c->n_mach; i++)
		taken += c->cells[i].n_ok;
	size_t bad = 0;
	if (!rc)
		rc = write_cells(c, &bad);
	if (!rc)
		rc = write_profile(c, taken);
	if (!rc && c->console && !c->o->quiet)
		fprintf(c->console, "wrote %s/samples.csv, cells.csv, agents.csv, profile.json "
			"(%.3f s)\n", c->o->out_dir, now_s(c));
	return rc ? rc : bad ? 1 : 0;
}

int real_campaign_run(const real_campaign_opts *o, FILE *console, io_err *err)
{
	campaign c = {.o = o, .err = err, .console = console};
	signal(SIGPIPE, SIG_IGN); /* an agent that dies mid-request */
	int rc = run(&c);
	c.closing = 1;
	bury(&c);
	while (c.calls) { /* left in flight after an error, or health probes */
		call *k = c.calls;
		c.calls = k->next;
		evhttp_connection_free(k->conn);
		free(k);
	}
	if (c.journal)
		fclose(c.journal);
	free(c.journal_path);
	for (size_t i = 0; c.cells && i < c.mx.n_task * c.n_mach; i++)
		free(c.cells[i].wall);
	free(c.cells);
	for (uint64_t i = 0; c.recs && i < c.total; i++)
		free(c.recs[i].error);
	free(c.recs);
	for (size_t m = 0; c.cols && m < c.n_mach; m++)
		free(c.cols[m].retry);
	free(c.cols);
	for (size_t i = 0; c.ag && i < c.n_ag; i++) {
		json_decref(c.ag[i].facts);
		if (c.ag[i].probe_ev)
			event_free(c.ag[i].probe_ev);
	}
	free(c.ag);
	free(c.mach);
	if (c.tick_ev)
		event_free(c.tick_ev);
	if (c.base)
		event_base_free(c.base);
	if (c.tls)
		SSL_CTX_free(c.tls);
	real_agents_file_free(&c.af);
	real_campaign_matrix_free(&c.mx);
	return rc;
}
