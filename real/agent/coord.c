/*
 * real/agent/coord.c — `hetsim coordinator` (real/agent/coord.h): the
 * real-time run against agents, the simulated run of the same workload and
 * their comparison.
 *
 * The experiment model (sim/exp_model.h) is read for what the engine
 * reads too: the profile, machines, queue, deadline rule, workload and
 * policies; the view given to policies is filled the way sim/engine.c
 * fills it (setup(), ready_refresh()).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "real/agent/coord.h"
#include "real/agent/client.h"
#include "profiles/gof.h"
#include "sim/base/out.h"
#include "sim/base/rng.h"
#include "sim/exp_model.h"
#include "sim/io/csv.h"
#include "workloads/workload.h"
#include "sim/base/clock.h"

enum { ON_FAILURE_RETRY, ON_FAILURE_FAIL };
enum { OUT_COMPLETED, OUT_MISSED, OUT_DROPPED, OUT_FAILED };
static const char *const outcome_names[] = {"completed", "missed", "dropped",
					    "failed"};

typedef struct coord coord;
typedef struct cagent cagent;

typedef struct ctask {
	uint64_t id;
	uint32_t type;
	double arrival_s, deadline_s, size, start_s;
	double exec_s;  /* the simulator's draw for the current attempt */
	double *replay; /* [machine types] or NULL */
	int machine, slot, attempts, last_machine;
	struct ctask *next;
} ctask;

/* One request in flight. */
typedef struct call {
	coord *co;
	int agent;
	ctask *task;   /* NULL: a health poll */
	double start_s;
	struct evhttp_connection *conn;
	struct call *prev, *next; /* the requests in flight */
} call;

struct cagent {
	real_agent_endpoint ep;
	char mtype[128];
	int slots, up, polling;
	ctask **running; /* [slots] */
	ctask *qhead, *qtail;
	uint32_t queued;
	double queued_expected_s, busy_s;
	double backoff_s, next_probe_s; /* down: when /health is asked next */
	uint64_t downs, rejoins;
};

struct coord {
	const real_coord_opts *o;
	sim_experiment *x;
	const prof_profile *prof;
	const exp_policy *pol;
	size_t pol_index; /* in the experiment's list; SIZE_MAX: named by
			     --policy only */
	uint64_t seed;
	double rho;
	struct event_base *base;
	SSL_CTX *tls;
	io_err *err;
	int failed; /* a fatal error: stop */
	int closing; /* freeing: replies are ignored */
	call *calls; /* requests in flight */
	call *done;  /* answered: their connections are freed by the next
			event (not inside their own callback) */
	/* agents.json */
	real_agents_file af;
	cagent *ag;
	uint32_t n;
	json_t **body; /* [task types] request templates (in af.doc) */
	double request_timeout_s, health_poll_s, connect_timeout_s, give_up_s;
	int on_failure;
	/* the policy's view */
	sim_view view;
	sim_machine_view *mv;
	double *run_end, *run_start, *etc;
	uint32_t *run_type;
	uint64_t *type_arrived, *type_on_time, *type_failed;
	void *pstate;
	int pinit;
	int mask; /* machine hidden from the policy (a retry), -1 none */
	/* tasks */
	wl_source *src;
	wl_task pending;
	int have_pending, source_done;
	struct event *arrival_ev, *poll_ev, *batch_ev;
	ctask *whead, *wtail; /* the mapper's wait queue / batch */
	uint32_t waiting;
	uint64_t in_system, arrived, completed, missed, dropped, failed_tasks,
		retried, attempts_total;
	double t0, last_done_s, stalled_since, busy_total_s, energy_j;
	double *resp;
	size_t n_resp, cap_resp;
	double wait_sum;
	/* outputs */
	FILE *journal, *attempts;
	char *journal_path;
};

static double now_s(const coord *co)
{
	return sim_clock_s() - co->t0;
}

static void fatal(coord *co)
{
	co->failed = 1;
	event_base_loopbreak(co->base);
}

/* ---- agents.json ---------------------------------------------------- */

static int load_agents(coord *co)
{
	real_agents_file *f = &co->af;
	int rc = real_agents_file_load(f, co->o->agents, co->err);
	if (rc)
		return rc;
	co->n = (uint32_t)f->n;
	co->ag = calloc(co->n, sizeof *co->ag);
	if (!co->ag)
		return io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t i = 0; i < co->n; i++)
		co->ag[i].ep = f->ep[i];
	co->request_timeout_s = f->request_timeout_s;
	co->health_poll_s = f->health_poll_s;
	co->connect_timeout_s = f->connect_timeout_s;
	co->give_up_s = f->give_up_s;
	co->on_failure = f->on_failure_fail ? ON_FAILURE_FAIL : ON_FAILURE_RETRY;
	if (!json_is_object(f->tasks))
		return io_errf(co->err, IO_EINPUT, co->o->agents, 1,
			       "\"tasks\" must map each task type to a request body");
	return 0;
}

/* Task templates, checked against the profile's task types. */
static int load_templates(coord *co)
{
	const json_t *tasks = json_object_get(co->af.doc.root, "tasks");
	co->body = calloc(co->prof->n_tasks ? co->prof->n_tasks : 1, sizeof *co->body);
	if (!co->body)
		return io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)tasks, key, v) {
		uint32_t t = 0;
		while (t < co->prof->n_tasks && strcmp(co->prof->tasks[t].name, key) != 0)
			t++;
		if (t == co->prof->n_tasks)
			return io_jerr(co->err, &co->af.doc, v,
				       "\"%s\" is not a task type of the experiment's profile", key);
		if (!json_is_object(v) || !json_is_string(json_object_get(v, "kind")))
			return io_jerr(co->err, &co->af.doc, v,
				       "the body for \"%s\" must be an object with a \"kind\"", key);
		co->body[t] = v;
	}
	for (uint32_t t = 0; t < co->prof->n_tasks; t++)
		if (!co->body[t])
			return io_errf(co->err, IO_EINPUT, co->o->agents, 0,
				       "\"tasks\" has no request body for task type \"%s\"",
				       co->prof->tasks[t].name);
	return 0;
}

/* ---- HTTP ----------------------------------------------------------- */

static void on_reply(struct evhttp_request *req, void *arg);

/* A request to agent i: a fresh connection, freed when it completes. */
static int send_request(coord *co, call *c, enum evhttp_cmd_type cmd,
			const char *path, const char *body, double timeout_s)
{
	c->start_s = now_s(co);
	c->conn = real_agent_request(co->base, co->tls, &co->ag[c->agent].ep, cmd, path,
				     body, timeout_s, on_reply, c);
	if (!c->conn)
		return -1;
	c->prev = NULL;
	c->next = co->calls;
	if (co->calls)
		co->calls->prev = c;
	co->calls = c;
	return 0;
}

/* ---- the policy's view ---------------------------------------------- */

/* Bring machine m's view up to date (down or masked: it accepts nothing). */
static void view_refresh(coord *co, uint32_t m)
{
	cagent *a = &co->ag[m];
	sim_machine_view *v = &co->mv[m];
	uint32_t busy = 0;
	for (int s = 0; s < a->slots; s++)
		busy += a->running[s] != NULL;
	v->busy = busy;
	v->queued = a->queued;
	v->queue_cap = co->x->machine_qcap[m];
	v->queued_expected_s = a->queued_expected_s;
	if (!a->up || (int)m == co->mask) {
		v->busy = v->slots;
		v->queued = v->queue_cap = 0;
		v->queued_expected_s = INFINITY;
	}
	v->version++;
}

static uint32_t queue_types(const void *engine, uint32_t m, uint32_t *out,
			    uint32_t cap)
{
	const coord *co = engine;
	uint32_t n = 0;
	for (const ctask *t = co->ag[m].qhead; t; t = t->next, n++)
		if (n < cap)
			out[n] = t->type;
	return n;
}

static int setup_view(coord *co)
{
	const prof_profile *p = co->prof;
	uint32_t n = co->n, nmt = p->n_machines, ntt = p->n_tasks;
	size_t slots = 0;
	for (uint32_t m = 0; m < n; m++)
		slots += (size_t)co->ag[m].slots;
	co->mv = calloc(n, sizeof *co->mv);
	co->run_end = malloc(slots * sizeof *co->run_end);
	co->run_start = calloc(slots, sizeof *co->run_start);
	co->run_type = calloc(slots, sizeof *co->run_type);
	co->etc = malloc((size_t)ntt * nmt * sizeof *co->etc);
	co->type_arrived = calloc(ntt, sizeof *co->type_arrived);
	co->type_on_time = calloc(ntt, sizeof *co->type_on_time);
	co->type_failed = calloc(ntt, sizeof *co->type_failed);
	co->pstate = calloc(1, co->pol->policy->state_size ? co->pol->policy->state_size : 1);
	co->view.rng = sim_rng_new(co->seed, SIM_STREAM_POLICY);
	if (!co->mv || !co->run_end || !co->run_start || !co->run_type || !co->etc ||
	    !co->type_arrived || !co->type_on_time || !co->type_failed || !co->pstate ||
	    !co->view.rng)
		return io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t tt = 0; tt < ntt; tt++)
		for (uint32_t mt = 0; mt < nmt; mt++)
			co->etc[(size_t)tt * nmt + mt] = prof_mean(p, tt, mt);
	size_t slot = 0;
	for (uint32_t m = 0; m < n; m++) {
		cagent *a = &co->ag[m];
		sim_machine_view *v = &co->mv[m];
		v->type = co->x->machine_type[m];
		v->slots = (uint32_t)a->slots;
		v->run_end_s = co->run_end + slot;
		v->run_start_s = co->run_start + slot;
		v->run_type = co->run_type + slot;
		for (int s = 0; s < a->slots; s++)
			co->run_end[slot + (size_t)s] = -INFINITY;
		slot += (size_t)a->slots;
		a->running = calloc((size_t)a->slots, sizeof *a->running);
		if (!a->running)
			return io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
		a->up = 1;
		view_refresh(co, m);
	}
	co->mask = -1;
	co->view.n_machines = n;
	co->view.machines = co->mv;
	co->view.ready = NULL; /* built by hand: policies use sim_ready_s */
	co->view.n_machine_types = nmt;
	co->view.n_task_types = ntt;
	co->view.etc = co->etc;
	co->view.profile = p;
	co->view.type_arrived = co->type_arrived;
	co->view.type_on_time = co->type_on_time;
	co->view.type_failed = co->type_failed;
	co->view.queue_types = queue_types;
	co->view.engine = co;
	co->pinit = 1;
	if (co->pol->policy->init)
		return co->pol->policy->init(co->pstate, &co->view, &co->x->doc,
					     co->pol->params, co->err);
	return 0;
}

/* ---- records -------------------------------------------------------- */

static void fmt_time(char *buf, size_t cap, double x, int have)
{
	if (have && isfinite(x))
		snprintf(buf, cap, "%.6f", x);
	else
		buf[0] = 0;
}

static void csv_name(FILE *f, const char *name)
{
	if (strpbrk(name, ",\"\r\n")) {
		fputc('"', f);
		for (const char *p = name; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else {
		fputs(name, f);
	}
}

/* Task t is finished: one row, flushed. */
static void finish(coord *co, ctask *t, int outcome, double end_s)
{
	int started = outcome == OUT_COMPLETED || outcome == OUT_MISSED;
	char arr[40], st[40], en[40], dl[40];
	fmt_time(arr, sizeof arr, t->arrival_s, 1);
	fmt_time(st, sizeof st, t->start_s, started);
	fmt_time(en, sizeof en, end_s, started);
	fmt_time(dl, sizeof dl, t->deadline_s, 1);
	FILE *f = co->journal;
	fprintf(f, "%llu,", (unsigned long long)t->id);
	csv_name(f, co->prof->tasks[t->type].name);
	fprintf(f, ",%s,%s,%s,%s,", arr, st, en, dl);
	if (started) {
		const prof_machine_type *mt = &co->prof->machines[co->mv[t->machine].type];
		double energy = (mt->busy_w - mt->idle_w) / co->ag[t->machine].slots *
				(end_s - t->start_s);
		co->energy_j += energy;
		fprintf(f, "%d,", t->machine);
		csv_name(f, mt->name);
		fprintf(f, ",%s,%.6f\n", outcome_names[outcome], energy);
	} else {
		fprintf(f, ",,%s,\n", outcome_names[outcome]);
	}
	if (fflush(f) != 0 && !co->failed) {
		io_errf(co->err, IO_EIO, co->journal_path, 0, "write failed: %s",
			strerror(errno));
		fatal(co);
	}
	if (started) {
		if (co->n_resp == co->cap_resp) {
			size_t cap = co->cap_resp ? 2 * co->cap_resp : 1024;
			double *r = realloc(co->resp, cap * sizeof *r);
			if (!r) {
				io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
				fatal(co);
			} else {
				co->resp = r;
				co->cap_resp = cap;
			}
		}
		if (co->n_resp < co->cap_resp)
			co->resp[co->n_resp++] = end_s - t->arrival_s;
		co->wait_sum += t->start_s - t->arrival_s;
		co->completed++;
		if (outcome == OUT_MISSED) {
			co->missed++;
			co->type_failed[t->type]++;
		} else {
			co->type_on_time[t->type]++;
		}
		if (end_s > co->last_done_s)
			co->last_done_s = end_s;
	} else if (outcome == OUT_DROPPED) {
		co->dropped++;
		co->type_failed[t->type]++;
	} else {
		co->failed_tasks++;
		co->type_failed[t->type]++;
	}
	co->in_system--;
	free(t->replay);
	free(t);
}

static void log_attempt(coord *co, const call *c, int http, const char *status,
			double wall, double cpu, const char *error)
{
	const ctask *t = c->task;
	fprintf(co->attempts, "%llu,%d,%d,%s,%.6f,%.6f,%d,%s,", (unsigned long long)t->id,
		t->attempts, c->agent, co->ag[c->agent].ep.url, c->start_s, now_s(co), http,
		status);
	if (isfinite(wall))
		fprintf(co->attempts, "%.6f,%.6f,", wall, cpu);
	else
		fputs(",,", co->attempts);
	csv_name(co->attempts, error ? error : "");
	fprintf(co->attempts, ",%.6f\n", t->exec_s);
	fflush(co->attempts);
}

/* ---- mapping and running -------------------------------------------- */

static void try_start(coord *co, uint32_t m);
static void drain(coord *co);

static void wait_push(coord *co, ctask *t, int front)
{
	t->next = NULL;
	if (!co->whead) {
		co->whead = co->wtail = t;
	} else if (front) {
		t->next = co->whead;
		co->whead = t;
	} else {
		co->wtail->next = t;
		co->wtail = t;
	}
	co->waiting++;
}

static ctask *wait_pop(coord *co)
{
	ctask *t = co->whead;
	if (t) {
		co->whead = t->next;
		if (!co->whead)
			co->wtail = NULL;
		co->waiting--;
		t->next = NULL;
	}
	return t;
}

static double task_expected(const coord *co, const ctask *t, uint32_t m)
{
	return t->size * co->etc[(size_t)t->type * co->prof->n_machines + co->mv[m].type];
}

/* The time t takes on machine m's type: what the simulator draws. */
static double task_exec(const coord *co, const ctask *t, uint32_t m)
{
	uint32_t mtype = co->mv[m].type;
	if (t->replay && !isnan(t->replay[mtype]))
		return t->replay[mtype];
	double u = sim_task_uniform_on(co->seed, t->id, mtype, co->rho);
	return t->size * prof_sample(co->prof, t->type, mtype, u);
}

/* The request body: the type's template, "exec" replaced. */
static json_t *fill(const json_t *tpl, double exec)
{
	if (json_is_string(tpl) && strcmp(json_string_value(tpl), "exec") == 0)
		return json_real(exec);
	if (json_is_object(tpl)) {
		json_t *o = json_object();
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)tpl, k, v) {
			json_object_set_new(o, k, fill(v, exec));
		}
		return o;
	}
	if (json_is_array(tpl)) {
		json_t *a = json_array();
		size_t i;
		json_t *v;
		json_array_foreach(tpl, i, v) {
			json_array_append_new(a, fill(v, exec));
		}
		return a;
	}
	return json_deep_copy(tpl);
}

static void attempt_failed(coord *co, ctask *t, uint32_t m);

/* Send t to machine m's free slot s. */
static void dispatch(coord *co, ctask *t, uint32_t m, int s)
{
	cagent *a = &co->ag[m];
	t->machine = (int)m;
	t->slot = s;
	t->attempts++;
	co->attempts_total++;
	t->start_s = now_s(co);
	a->running[s] = t;
	size_t k = (size_t)(co->mv[m].run_end_s - co->run_end) + (size_t)s;
	co->run_start[k] = t->start_s;
	co->run_end[k] = t->start_s + task_expected(co, t, m);
	co->run_type[k] = t->type;
	view_refresh(co, m);
	t->exec_s = task_exec(co, t, m);
	json_t *body = fill(co->body[t->type], t->exec_s);
	char id[64];
	snprintf(id, sizeof id, "t%llu-a%d", (unsigned long long)t->id, t->attempts);
	json_object_set_new(body, "id", json_string(id));
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	call *c = calloc(1, sizeof *c);
	if (c) {
		c->co = co;
		c->agent = (int)m;
		c->task = t;
	}
	if (!text || !c || send_request(co, c, EVHTTP_REQ_POST, "/task", text,
					 co->request_timeout_s) != 0) {
		if (c) {
			c->start_s = t->start_s;
			log_attempt(co, c, 0, "error", NAN, NAN, "request could not be sent");
		}
		free(c);
		free(text);
		attempt_failed(co, t, m);
		return;
	}
	free(text);
}

/* Start queued tasks on m's free slots. */
static void try_start(coord *co, uint32_t m)
{
	cagent *a = &co->ag[m];
	for (int s = 0; s < a->slots && a->up && a->qhead; s++) {
		if (a->running[s])
			continue;
		ctask *t = a->qhead;
		a->qhead = t->next;
		if (!a->qhead)
			a->qtail = NULL;
		a->queued--;
		a->queued_expected_s -= task_expected(co, t, m);
		if (a->queued == 0)
			a->queued_expected_s = 0;
		t->next = NULL;
		dispatch(co, t, m, s);
	}
	view_refresh(co, m);
}

/* Put t on machine m (which accepts it): start it or queue it there. */
static void place(coord *co, ctask *t, uint32_t m)
{
	cagent *a = &co->ag[m];
	t->next = NULL;
	if (a->qtail)
		a->qtail->next = t;
	else
		a->qhead = t;
	a->qtail = t;
	a->queued++;
	a->queued_expected_s += task_expected(co, t, m);
	try_start(co, m);
}

static sim_task_view task_view(const coord *co, const ctask *t)
{
	return (sim_task_view){.id = t->id, .type = t->type, .arrival_s = t->arrival_s,
			       .deadline_s = t->deadline_s, .size = t->size, .etc = NULL};
}

/* Immediate mode: the policy's machine for t, SIM_DEFER if none; a retry
 * never goes back to the machine that failed it. */
static int32_t decide(coord *co, ctask *t)
{
	co->view.now = now_s(co);
	int masked = t->attempts > 0 ? t->last_machine : -1;
	if (masked >= 0) {
		co->mask = masked;
		view_refresh(co, (uint32_t)masked);
	}
	sim_task_view tv = task_view(co, t);
	int32_t m = co->pol->policy->on_arrival(co->pstate, &co->view, &tv);
	if (m >= 0 && ((uint32_t)m >= co->n || !sim_accepts(&co->view, t->type, (uint32_t)m)))
		m = SIM_DEFER;
	if (masked >= 0) {
		co->mask = -1;
		view_refresh(co, (uint32_t)masked);
	}
	return m;
}

/* Batch mode: one mapping event over the waiting tasks. */
static void batch_event(coord *co)
{
	uint32_t n = co->waiting;
	if (n == 0)
		return;
	ctask **tasks = malloc(n * sizeof *tasks);
	sim_task_view *views = malloc(n * sizeof *views);
	sim_decision *dec = malloc(n * sizeof *dec);
	if (!tasks || !views || !dec) {
		free(tasks);
		free(views);
		free(dec);
		io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
		fatal(co);
		return;
	}
	uint32_t i = 0;
	for (ctask *t = co->whead; t; t = t->next, i++) {
		tasks[i] = t;
		views[i] = task_view(co, t);
	}
	co->view.now = now_s(co);
	uint32_t nd = co->pol->policy->on_batch(co->pstate, &co->view, views, n, dec);
	uint8_t *taken = calloc(n, 1);
	for (uint32_t k = 0; taken && k < nd && k < n; k++) {
		uint32_t j = dec[k].task;
		int32_t m = dec[k].machine;
		if (j >= n || taken[j])
			continue;
		ctask *t = tasks[j];
		if (m == SIM_DROP) {
			taken[j] = 1;
		} else if (m >= 0 && (uint32_t)m < co->n &&
			   !(t->attempts > 0 && m == t->last_machine) &&
			   sim_accepts(&co->view, t->type, (uint32_t)m)) {
			taken[j] = 2;
			t->machine = m;
		}
		if (taken[j]) { /* the view must see this placement before the next */
			ctask **pp = &co->whead, *prev = NULL;
			while (*pp != t) {
				prev = *pp;
				pp = &(*pp)->next;
			}
			*pp = t->next;
			if (co->wtail == t)
				co->wtail = prev;
			co->waiting--;
			if (taken[j] == 1)
				finish(co, t, OUT_DROPPED, co->view.now);
			else
				place(co, t, (uint32_t)m);
		}
	}
	free(taken);
	free(tasks);
	free(views);
	free(dec);
}

/* Offer the waiting tasks to the policy (immediate: in order, until one is
 * deferred; batch: one mapping event). */
static void drain(coord *co)
{
	if (co->pol->policy->on_batch) {
		batch_event(co);
		return;
	}
	while (co->whead) {
		int32_t m = decide(co, co->whead);
		if (m < 0)
			break;
		place(co, wait_pop(co), (uint32_t)m);
	}
}

static void maybe_end(coord *co)
{
	if (co->source_done && co->in_system == 0)
		event_base_loopexit(co->base, NULL);
}

/* New task t: map it, queue it, or drop it. */
static void admit(coord *co, ctask *t)
{
	if (co->pol->policy->on_batch) {
		wait_push(co, t, 0);
		batch_event(co);
		return;
	}
	if (!co->whead) {
		int32_t m = decide(co, t);
		if (m >= 0) {
			place(co, t, (uint32_t)m);
			return;
		}
	}
	if (co->x->reject_when_full) {
		finish(co, t, OUT_DROPPED, now_s(co));
		return;
	}
	wait_push(co, t, 0);
}

static void set_down(coord *co, uint32_t m)
{
	cagent *a = &co->ag[m];
	if (!a->up)
		return;
	a->up = 0;
	a->downs++;
	a->backoff_s = co->health_poll_s;
	a->next_probe_s = now_s(co) + a->backoff_s;
	/* its queued tasks go back to the mapper, in order, ahead of others */
	ctask *list = a->qhead, *rev = NULL;
	a->qhead = a->qtail = NULL;
	a->queued = 0;
	a->queued_expected_s = 0;
	while (list) {
		ctask *nx = list->next;
		list->next = rev;
		rev = list;
		list = nx;
	}
	while (rev) {
		ctask *nx = rev->next;
		wait_push(co, rev, 1);
		rev = nx;
	}
	view_refresh(co, m);
	if (!co->o->quiet)
		fprintf(stderr, "hetsim: coordinator: agent %u (%s) is down\n", m, a->ep.url);
}

static void free_slot(coord *co, ctask *t)
{
	uint32_t m = (uint32_t)t->machine;
	cagent *a = &co->ag[m];
	a->running[t->slot] = NULL;
	size_t k = (size_t)(co->mv[m].run_end_s - co->run_end) + (size_t)t->slot;
	co->run_end[k] = -INFINITY;
	co->busy_total_s += now_s(co) - t->start_s;
	view_refresh(co, m);
}

static void attempt_failed(coord *co, ctask *t, uint32_t m)
{
	free_slot(co, t);
	t->last_machine = (int)m;
	if (co->on_failure == ON_FAILURE_RETRY && t->attempts < 2) {
		co->retried++;
		wait_push(co, t, 1);
	} else {
		finish(co, t, OUT_FAILED, now_s(co));
	}
	try_start(co, m);
	drain(co);
	maybe_end(co);
}

static void health_reply(coord *co, call *c, struct evhttp_request *req)
{
	cagent *a = &co->ag[c->agent];
	a->polling = 0;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	if (!a->up) { /* no answer: ask again later, twice as late each time */
		a->backoff_s = fmin(2 * a->backoff_s, 8 * co->health_poll_s);
		a->next_probe_s = now_s(co) + a->backoff_s;
	}
	if (code != 200)
		return;
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	json_t *o = json_loadb((const char *)evbuffer_pullup(b, -1), len, 0, NULL);
	const json_t *mt = json_object_get(o, "machine_type"), *sl = json_object_get(o, "slots");
	if (json_is_string(mt) && json_is_integer(sl)) {
		if (!a->mtype[0]) { /* the first contact */
			snprintf(a->mtype, sizeof a->mtype, "%s", json_string_value(mt));
			json_int_t s = json_integer_value(sl);
			a->slots = s >= 1 && s <= 256 ? (int)s : 1;
			a->up = 1;
		} else if (!a->up && strcmp(a->mtype, json_string_value(mt)) == 0 &&
			   json_integer_value(sl) >= a->slots) {
			a->up = 1;
			a->rejoins++;
			a->backoff_s = co->health_poll_s;
			view_refresh(co, (uint32_t)c->agent);
			if (!co->o->quiet)
				fprintf(stderr, "hetsim: coordinator: agent %d (%s) is back\n",
					c->agent, a->ep.url);
			drain(co);
		}
	}
	json_decref(o);
}

static void task_reply(coord *co, call *c, struct evhttp_request *req)
{
	ctask *t = c->task;
	uint32_t m = (uint32_t)c->agent;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	json_t *o = NULL;
	if (req && code) {
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(b);
		o = json_loadb((const char *)evbuffer_pullup(b, -1), len, 0, NULL);
	}
	const json_t *st = json_object_get(o, "status");
	const char *status = json_is_string(st) ? json_string_value(st) : "error";
	double wall = json_number_value(json_object_get(o, "wall_s"));
	double cpu = json_number_value(json_object_get(o, "cpu_s"));
	const json_t *e = json_object_get(o, "error");
	char why[300];
	if (code == 0)
		snprintf(why, sizeof why, "no answer (connection failed or timed out after %g s)",
			 co->request_timeout_s);
	else
		snprintf(why, sizeof why, "%s", json_is_string(e) ? json_string_value(e) : "");
	log_attempt(co, c, code, status, code == 200 ? wall : NAN, cpu, why);
	int ok = code == 200 && strcmp(status, "ok") == 0;
	json_decref(o);
	if (code == 0 || code >= 500)
		set_down(co, m);
	if (!ok) {
		attempt_failed(co, t, m);
		return;
	}
	double end = now_s(co);
	free_slot(co, t);
	finish(co, t, end > t->deadline_s ? OUT_MISSED : OUT_COMPLETED, end);
	try_start(co, m);
	drain(co);
	maybe_end(co);
}

/* Free the connections of answered requests (called at the start of every
 * event, and at the end). */
static void bury(coord *co)
{
	while (co->done) {
		call *c = co->done;
		co->done = c->next;
		if (c->conn)
			evhttp_connection_free(c->conn);
		free(c);
	}
}

static void on_reply(struct evhttp_request *req, void *arg)
{
	call *c = arg;
	coord *co = c->co;
	if (co->closing)
		return;
	bury(co);
	if (c->prev)
		c->prev->next = c->next;
	else
		co->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->task)
		task_reply(co, c, req);
	else
		health_reply(co, c, req);
	c->task = NULL;
	c->next = co->done;
	co->done = c;
}

static void poll_health(coord *co, uint32_t i, double timeout_s)
{
	cagent *a = &co->ag[i];
	if (a->polling)
		return;
	call *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->co = co;
	c->agent = (int)i;
	a->polling = 1;
	if (send_request(co, c, EVHTTP_REQ_GET, "/health", NULL, timeout_s) != 0) {
		a->polling = 0;
		free(c);
	}
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	coord *co = arg;
	bury(co);
	for (uint32_t i = 0; i < co->n; i++)
		if (!co->ag[i].up && now_s(co) >= co->ag[i].next_probe_s)
			poll_health(co, i, co->health_poll_s > 1 ? co->health_poll_s : 1);
	/* Tasks wait, but nothing runs or is queued on any agent: only an
	 * agent coming back can change that. After give_up_s of it the
	 * waiting tasks are failed (the run must end). */
	int idle = co->whead != NULL;
	for (uint32_t i = 0; i < co->n && idle; i++) {
		idle = co->ag[i].queued == 0;
		for (int s = 0; s < co->ag[i].slots && idle; s++)
			idle = co->ag[i].running[s] == NULL;
	}
	if (!idle) {
		co->stalled_since = -1;
	} else if (co->stalled_since < 0) {
		co->stalled_since = now_s(co);
	} else if (now_s(co) - co->stalled_since > co->give_up_s) {
		ctask *t;
		while ((t = wait_pop(co)))
			finish(co, t, OUT_FAILED, now_s(co));
		co->stalled_since = -1;
		maybe_end(co);
	}
}

/* ---- arrivals ------------------------------------------------------- */

static void schedule_arrival(coord *co);

static int next_task(coord *co)
{
	int r = wl_next(co->src, &co->pending, co->err);
	if (r < 0) {
		fatal(co);
		return r;
	}
	co->have_pending = r == 1;
	if (!r) {
		co->source_done = 1;
		maybe_end(co);
	}
	return 0;
}

static void on_arrival(evutil_socket_t fd, short what, void *arg)
{
	coord *co = arg;
	bury(co);
	const wl_task *w = &co->pending;
	ctask *t = calloc(1, sizeof *t);
	size_t nmt = co->prof->n_machines;
	if (t && w->exec_s) {
		t->replay = malloc(nmt * sizeof *t->replay);
		if (t->replay)
			memcpy(t->replay, w->exec_s, nmt * sizeof *t->replay);
	}
	if (!t || (w->exec_s && !t->replay)) {
		free(t);
		io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
		fatal(co);
		return;
	}
	t->id = w->id;
	t->type = w->type;
	t->arrival_s = w->arrival_s;
	t->size = w->size;
	t->machine = -1;
	t->last_machine = -1;
	double offset = co->x->deadline_offset_s[w->type];
	if (co->x->deadline_rule == DEADLINE_SLACK)
		offset *= w->size;
	t->deadline_s = !isnan(w->deadline_s) ? w->deadline_s
			: co->x->deadline_rule == DEADLINE_NONE ? INFINITY
								: w->arrival_s + offset;
	co->arrived++;
	co->in_system++;
	co->type_arrived[t->type]++;
	admit(co, t);
	if (next_task(co) == 0 && co->have_pending)
		schedule_arrival(co);
}

static void schedule_arrival(coord *co)
{
	double d = co->pending.arrival_s - now_s(co);
	if (d < 0)
		d = 0;
	struct timeval tv = {(time_t)d, (suseconds_t)((d - floor(d)) * 1e6)};
	evtimer_add(co->arrival_ev, &tv);
}

/* ---- before and after ----------------------------------------------- */

/* Ask every agent's /health until all answered or connect_timeout_s. */
static int discover(coord *co)
{
	double until = sim_clock_s() + co->connect_timeout_s;
	for (;;) {
		int missing = 0;
		for (uint32_t i = 0; i < co->n; i++)
			if (!co->ag[i].mtype[0]) {
				missing++;
				poll_health(co, i, 2);
			}
		if (!missing)
			return 0;
		if (sim_clock_s() > until)
			break;
		struct timeval tv = {0, 200000};
		event_base_loopexit(co->base, &tv);
		event_base_dispatch(co->base);
	}
	for (uint32_t i = 0; i < co->n; i++)
		if (!co->ag[i].mtype[0])
			return io_errf(co->err, IO_EINPUT, co->o->agents, 0,
				       "agent %u (%s) did not answer GET /health with its "
				       "machine type within %g s (running? right token?)",
				       i, co->ag[i].ep.url, co->connect_timeout_s);
	return 0;
}

static int load_experiment(coord *co)
{
	/* the agents are the machines */
	json_t *machines = json_array();
	for (uint32_t i = 0; i < co->n; i++) {
		json_t *m = json_object();
		json_object_set_new(m, "type", json_string(co->ag[i].mtype));
		json_object_set_new(m, "count", json_integer(1));
		json_object_set_new(m, "slots", json_integer(co->ag[i].slots));
		json_array_append_new(machines, m);
	}
	char *text = json_dumps(machines, JSON_COMPACT);
	json_decref(machines);
	char *set = text ? sim_pathf("machines=%s", text) : NULL;
	free(text);
	if (!set)
		return io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
	const char *sets[] = {set};
	int rc = sim_experiment_load_set(&co->x, co->o->experiment, sets, 1, co->err);
	free(set);
	if (rc)
		return rc;
	sim_experiment *x = co->x;
	co->prof = x->profile;
	co->seed = co->o->has_seed ? co->o->seed : x->seed;
	co->rho = x->exec_rank_correlation;
	if (x->drop_at_mapping || x->drop_in_queue || x->drop_while_running ||
	    x->prune_threshold > 0 || x->merge_strategy != POL_MERGE_NEVER || x->clairvoyant)
		return io_errf(co->err, IO_EINPUT, co->o->experiment, 0,
			       "the coordinator does not emulate \"drop\", \"pruning\", "
			       "\"merging\" or \"clairvoyant\"; remove them to run it on agents");
	co->pol = &x->policies[0];
	co->pol_index = 0;
	if (co->o->policy) {
		co->pol = NULL;
		for (size_t i = 0; i < x->n_policies && !co->pol; i++)
			if (strcmp(x->policies[i].policy->name, co->o->policy) == 0) {
				co->pol = &x->policies[i];
				co->pol_index = i;
			}
		if (!co->pol) {
			co->pol_index = SIZE_MAX;
			static exp_policy named;
			named.policy = pol_find(co->o->policy);
			named.params = NULL;
			if (!named.policy)
				return io_errf(co->err, IO_EINPUT, NULL, 0,
					       "unknown policy \"%s\" (see: hetsim policies)",
					       co->o->policy);
			co->pol = &named;
		}
	}
	return 0;
}

static int open_source(coord *co)
{
	const json_t *w = co->x->workload;
	json_t *copy = NULL;
	if (co->o->tasks > 0) { /* as sim/engine.c does for --tasks */
		copy = json_deep_copy(w);
		if (!copy)
			return io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
		json_object_set_new(copy, "tasks", json_integer((json_int_t)co->o->tasks));
		json_object_del(copy, "duration_s");
		w = copy;
	}
	int rc = wl_source_from_json(&co->src, &co->x->doc, w, co->prof, co->seed, co->err);
	json_decref(copy);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Percentile q of sorted x (linear interpolation between order statistics,
 * R's type 7). */
static double quantile(const double *x, size_t n, double q)
{
	if (n == 0)
		return NAN;
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)floor(h);
	size_t hi = lo + 1 < n ? lo + 1 : lo;
	return x[lo] + (h - (double)lo) * (x[hi] - x[lo]);
}

/* Response times of the completed (or missed) rows of a tasks.csv.gz. */
static int read_responses(const char *path, double **out, size_t *n, io_err *err)
{
	io_csv *r;
	int rc = io_csv_open(&r, path, err);
	if (rc)
		return rc;
	int ca = 0, ce = 0, co_ = 0;
	rc = io_csv_read_header(r, err);
	if (!rc)
		rc = io_csv_need_col(r, "arrival_s", &ca, err);
	if (!rc)
		rc = io_csv_need_col(r, "end_s", &ce, err);
	if (!rc)
		rc = io_csv_need_col(r, "outcome", &co_, err);
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	while (!rc && (rc = io_csv_next(r, err)) == 1) {
		char *const *f = io_csv_fields(r);
		int nf = io_csv_nfields(r);
		rc = 0;
		if (nf <= ca || nf <= ce || nf <= co_ ||
		    (strcmp(f[co_], "completed") != 0 && strcmp(f[co_], "missed") != 0))
			continue;
		double a, e;
		if (io_parse_double(f[ca], &a) || io_parse_double(f[ce], &e)) {
			rc = io_csv_errf(r, err, "bad time");
			break;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			double *p = realloc(*out, cap * sizeof *p);
			if (!p) {
				rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
				break;
			}
			*out = p;
		}
		(*out)[(*n)++] = e - a;
	}
	io_csv_close(r);
	return rc < 0 ? rc : 0;
}

typedef struct side {
	uint64_t arrived, completed, missed, dropped, failed;
	double p50, p95, p99, mean, makespan;
} side;

static void side_stats(side *s, double *resp, size_t n)
{
	qsort(resp, n, sizeof *resp, cmp_double);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += resp[i];
	s->mean = n ? sum / (double)n : NAN;
	s->p50 = quantile(resp, n, 0.50);
	s->p95 = quantile(resp, n, 0.95);
	s->p99 = quantile(resp, n, 0.99);
}

static json_t *side_json(const side *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "arrived", json_integer((json_int_t)s->arrived));
	json_object_set_new(o, "completed", json_integer((json_int_t)s->completed));
	json_object_set_new(o, "deadline_missed", json_integer((json_int_t)s->missed));
	json_object_set_new(o, "dropped", json_integer((json_int_t)s->dropped));
	json_object_set_new(o, "failed", json_integer((json_int_t)s->failed));
	json_object_set_new(o, "response_mean_s", sim_json_num(s->mean));
	json_object_set_new(o, "response_p50_s", sim_json_num(s->p50));
	json_object_set_new(o, "response_p95_s", sim_json_num(s->p95));
	json_object_set_new(o, "response_p99_s", sim_json_num(s->p99));
	json_object_set_new(o, "makespan_s", sim_json_num(s->makespan));
	return o;
}

/* The real run's summary.json and tasks.csv.gz (from the journal). */
static int write_real(coord *co, const side *real, io_err *err)
{
	char *gz = sim_pathf("%s/tasks.csv.gz", co->o->out_dir);
	char *sum = sim_pathf("%s/summary.json", co->o->out_dir);
	if (!gz || !sum) {
		free(gz);
		free(sum);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	sim_gzout *o = NULL;
	int rc = sim_gzout_open(&o, gz, err);
	FILE *f = rc ? NULL : fopen(co->journal_path, "r");
	if (!rc && !f)
		rc = io_errf(err, IO_EIO, co->journal_path, 0, "%s", strerror(errno));
	char buf[65536];
	size_t got;
	while (f && (got = fread(buf, 1, sizeof buf, f)) > 0)
		sim_gzout_write(o, buf, got);
	if (f)
		fclose(f);
	if (o) {
		int crc = sim_gzout_close(o, rc == 0, err);
		if (!rc)
			rc = crc;
	}
	if (!rc) {
		json_t *s = json_object();
		const sim_policy *p = co->pol->policy;
		char label[64];
		if (p->label)
			p->label(co->pstate, label, sizeof label);
		else
			snprintf(label, sizeof label, "%s", p->name);
		json_object_set_new(s, "run", json_string("real"));
		json_object_set_new(s, "policy", json_string(label));
		json_object_set_new(s, "seed", json_integer((json_int_t)co->seed));
		json_t *m = side_json(real);
		double mk = real->makespan;
		json_object_set_new(m, "wait_mean_s",
				    sim_json_num(co->completed ? co->wait_sum / (double)co->completed : NAN));
		json_object_set_new(m, "throughput_per_s",
				    sim_json_num(mk > 0 ? (double)co->completed / mk : NAN));
		json_object_set_new(m, "utilization_mean",
				    sim_json_num(mk > 0 ? co->busy_total_s / mk / co->n : NAN));
		json_object_set_new(m, "busy_energy_j", sim_json_num(co->energy_j));
		json_object_set_new(m, "retried", json_integer((json_int_t)co->retried));
		json_object_set_new(m, "attempts", json_integer((json_int_t)co->attempts_total));
		json_object_set_new(s, "metrics", m);
		json_t *ags = json_array();
		for (uint32_t i = 0; i < co->n; i++) {
			json_t *a = json_object();
			json_object_set_new(a, "url", json_string(co->ag[i].ep.url));
			json_object_set_new(a, "machine_type", json_string(co->ag[i].mtype));
			json_object_set_new(a, "slots", json_integer(co->ag[i].slots));
			json_object_set_new(a, "downs", json_integer((json_int_t)co->ag[i].downs));
			json_object_set_new(a, "rejoins",
					    json_integer((json_int_t)co->ag[i].rejoins));
			json_array_append_new(ags, a);
		}
		json_object_set_new(s, "agents", ags);
		rc = sim_write_json(sum, s, err);
		json_decref(s);
	}
	if (!rc)
		unlink(co->journal_path);
	free(gz);
	free(sum);
	return rc;
}

static void print_row(FILE *f, const char *name, double a, double b, int integer)
{
	if (integer)
		fprintf(f, "%-22s %12.0f %12.0f\n", name, a, b);
	else
		fprintf(f, "%-22s %12.4f %12.4f %+11.4f\n", name, a, b, a - b);
}

static int compare(coord *co, FILE *console)
{
	io_err *err = co->err;
	side real = {co->arrived, co->completed, co->missed, co->dropped, co->failed_tasks,
		     0, 0, 0, 0, co->last_done_s};
	side_stats(&real, co->resp, co->n_resp);
	int rc = write_real(co, &real, err);
	if (rc)
		return rc;
	/* the simulator on the same experiment, seed and arrivals */
	char *simdir = sim_pathf("%s/sim", co->o->out_dir);
	char *simcsv = sim_pathf("%s/sim/tasks.csv.gz", co->o->out_dir);
	if (!simdir || !simcsv) {
		free(simdir);
		free(simcsv);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	size_t pi = co->pol_index;
	sim_run_opts so = SIM_RUN_OPTS_DEFAULT;
	so.policy = co->pol->policy->name;
	so.run_dir = simdir;
	so.out_dir = simdir;
	so.has_seed = 1;
	so.seed = co->seed;
	so.tasks = co->o->tasks;
	so.tasks_csv = 1;
	so.quiet = 1;
	sim_result sr;
	memset(&sr, 0, sizeof sr);
	if (pi == SIZE_MAX) { /* a policy the experiment does not list */
		rc = sim_mkdirs(simdir, err);
		if (!rc) {
			exp_policy *saved = co->x->policies;
			co->x->policies = (exp_policy *)co->pol;
			size_t np = co->x->n_policies;
			co->x->n_policies = 1;
			rc = sim_run_policy(co->x, 0, &so, &sr, err);
			co->x->policies = saved;
			co->x->n_policies = np;
		}
	} else {
		rc = sim_mkdirs(simdir, err);
		if (!rc)
			rc = sim_run_policy(co->x, pi, &so, &sr, err);
	}
	double *sresp = NULL;
	size_t sn = 0;
	if (!rc)
		rc = read_responses(simcsv, &sresp, &sn, err);
	free(simdir);
	free(simcsv);
	if (rc) {
		free(sresp);
		return rc;
	}
	side sim = {sr.arrived, sr.completed, sr.deadline_missed, sr.dropped, 0,
		    0, 0, 0, 0, sr.makespan_s};
	side_stats(&sim, sresp, sn);
	double d = co->n_resp && sn ? prof_ks2_stat(co->resp, co->n_resp, sresp, sn) : NAN;
	double p = co->n_resp && sn ? prof_ks2_pvalue(d, co->n_resp, sn) : NAN;
	free(sresp);
	if (console && !co->o->quiet) {
		fprintf(console, "real vs simulated: %u agents, policy %s, seed %llu, %llu tasks\n",
			co->n, co->pol->policy->name, (unsigned long long)co->seed,
			(unsigned long long)co->arrived);
		fprintf(console, "%-22s %12s %12s %11s\n", "metric", "real", "simulated",
			"real-sim");
		print_row(console, "completed", (double)real.completed, (double)sim.completed, 1);
		print_row(console, "deadline missed", (double)real.missed, (double)sim.missed, 1);
		print_row(console, "dropped", (double)real.dropped, (double)sim.dropped, 1);
		print_row(console, "failed", (double)real.failed, 0, 1);
		print_row(console, "response mean (s)", real.mean, sim.mean, 0);
		print_row(console, "response p50 (s)", real.p50, sim.p50, 0);
		print_row(console, "response p95 (s)", real.p95, sim.p95, 0);
		print_row(console, "response p99 (s)", real.p99, sim.p99, 0);
		print_row(console, "makespan (s)", real.makespan, sim.makespan, 0);
		fprintf(console, "two-sample KS on response times: D = %.4f, p = %.4g (n = %zu, %zu)\n",
			d, p, co->n_resp, sn);
	}
	json_t *v = json_object();
	json_object_set_new(v, "policy", json_string(co->pol->policy->name));
	json_object_set_new(v, "seed", json_integer((json_int_t)co->seed));
	json_object_set_new(v, "real", side_json(&real));
	json_object_set_new(v, "simulated", side_json(&sim));
	json_t *ks = json_object();
	json_object_set_new(ks, "d", sim_json_num(d));
	json_object_set_new(ks, "p_value", sim_json_num(p));
	json_object_set_new(ks, "n_real", json_integer((json_int_t)co->n_resp));
	json_object_set_new(ks, "n_simulated", json_integer((json_int_t)sn));
	json_object_set_new(v, "ks_response", ks);
	char *path = sim_pathf("%s/validation.json", co->o->out_dir);
	rc = path ? sim_write_json(path, v, err) : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	free(path);
	json_decref(v);
	return rc;
}

static int open_outputs(coord *co)
{
	int rc = sim_mkdirs(co->o->out_dir, co->err);
	if (rc)
		return rc;
	co->journal_path = sim_pathf("%s/tasks.csv.part", co->o->out_dir);
	char *ap = sim_pathf("%s/attempts.csv", co->o->out_dir);
	if (!co->journal_path || !ap) {
		free(ap);
		return io_errf(co->err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	co->journal = fopen(co->journal_path, "w");
	co->attempts = fopen(ap, "w");
	if (!co->journal || !co->attempts)
		rc = io_errf(co->err, IO_EIO, co->journal ? ap : co->journal_path, 0,
			     "cannot write: %s", strerror(errno));
	free(ap);
	if (rc)
		return rc;
	fputs("id,task_type,arrival_s,start_s,end_s,deadline_s,machine,machine_type,"
	      "outcome,energy_j\n", co->journal);
	fputs("id,attempt,agent,url,start_s,end_s,http_status,status,wall_s,cpu_s,error,exec_s\n",
	      co->attempts);
	fflush(co->journal);
	fflush(co->attempts);
	return 0;
}

static int tls_client(coord *co)
{
	return real_agent_tls_client(co->af.ep, co->af.n, &co->tls, co->err);
}

static void coord_free(coord *co)
{
	co->closing = 1;
	bury(co);
	while (co->calls) { /* health polls (or requests, after an error) */
		call *c = co->calls;
		co->calls = c->next;
		evhttp_connection_free(c->conn);
		if (c->task) {
			free(c->task->replay);
			free(c->task);
		}
		free(c);
	}
	if (co->pinit && co->pol && co->pol->policy->fini)
		co->pol->policy->fini(co->pstate);
	ctask *t;
	while ((t = wait_pop(co))) {
		free(t->replay);
		free(t);
	}
	for (uint32_t i = 0; co->ag && i < co->n; i++) {
		cagent *a = &co->ag[i];
		while ((t = a->qhead)) {
			a->qhead = t->next;
			free(t->replay);
			free(t);
		}
		free(a->running);
	}
	if (co->arrival_ev)
		event_free(co->arrival_ev);
	if (co->poll_ev)
		event_free(co->poll_ev);
	if (co->base)
		event_base_free(co->base);
	if (co->tls)
		SSL_CTX_free(co->tls);
	if (co->journal)
		fclose(co->journal);
	if (co->attempts)
		fclose(co->attempts);
	free(co->journal_path);
	wl_free(co->src);
	if (co->view.rng)
		gsl_rng_free(co->view.rng);
	free(co->mv);
	free(co->run_end);
	free(co->run_start);
	free(co->run_type);
	free(co->etc);
	free(co->type_arrived);
	free(co->type_on_time);
	free(co->type_failed);
	free(co->pstate);
	free(co->resp);
	free(co->body);
	free(co->ag);
	real_agents_file_free(&co->af);
	sim_experiment_free(co->x);
}

int real_coord_run(const real_coord_opts *o, FILE *console, io_err *err)
{
	coord co_ = {.o = o, .err = err, .stalled_since = -1, .mask = -1};
	coord *co = &co_;
	signal(SIGPIPE, SIG_IGN);
	int rc = load_agents(co);
	struct event_config *cfg = event_config_new();
	if (cfg) /* timerfd: arrivals released to the sub-millisecond */
		event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	co->base = cfg ? event_base_new_with_config(cfg) : NULL;
	if (cfg)
		event_config_free(cfg);
	if (!rc && !co->base)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = tls_client(co);
	if (!rc)
		rc = discover(co);
	if (!rc)
		rc = load_experiment(co);
	if (!rc)
		rc = load_templates(co);
	if (!rc)
		rc = setup_view(co);
	if (!rc)
		rc = open_source(co);
	if (!rc)
		rc = open_outputs(co);
	if (!rc) {
		co->arrival_ev = evtimer_new(co->base, on_arrival, co);
		co->poll_ev = event_new(co->base, -1, EV_PERSIST, on_poll, co);
		double ps = co->health_poll_s;
		struct timeval tv = {(time_t)ps, (suseconds_t)((ps - floor(ps)) * 1e6)};
		if (!co->arrival_ev || !co->poll_ev || event_add(co->poll_ev, &tv))
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	if (!rc) {
		co->t0 = sim_clock_s();
		rc = next_task(co);
		if (!rc && co->have_pending)
			schedule_arrival(co);
	}
	if (!rc && !co->source_done) {
		event_base_dispatch(co->base);
		if (co->failed)
			rc = err->code ? err->code : IO_EIO;
	}
	if (!rc)
		rc = compare(co, console);
	coord_free(co);
	return rc;
}
