/*
 * real/agent/campaign.c — `hetsim calibrate agents` (real/agent/campaign.h):
 * the matrix run on agents, one blocking request at a time on a libevent
 * base, samples appended as they come, then the fits.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include "real/agent/agent.h"
#include "real/agent/campaign.h"
#include "real/agent/client.h"
#include "profiles/fit_table.h"
#include "sim/base/out.h"

enum { MAX_AGENTS = 4096, MAX_CELLS = 1 << 20 };

typedef struct agent {
	real_agent_endpoint ep;
	char mtype[128];
	int up;
	json_t *facts; /* /health's "machine", or NULL */
} agent;

typedef struct cell {
	double *wall; /* ok samples */
	size_t n_ok, n_failed, n_missing;
	double sum;
} cell;

typedef struct campaign {
	const real_campaign_opts *o;
	io_err *err;
	FILE *console;
	io_jdoc adoc, mdoc;
	agent *ag;
	size_t n_ag;
	double request_timeout_s, connect_timeout_s;
	SSL_CTX *tls;
	struct event_base *base;
	const char **task;   /* [n_task] names (in mdoc) */
	json_t **body;       /* [n_task] */
	size_t n_task;
	const char **mach;   /* [n_mach] */
	size_t n_mach;
	size_t *turn;        /* [n_mach] next agent to try */
	cell *cells;         /* [n_task * n_mach] */
	uint64_t repeats;
	FILE *samples;
} campaign;

/* ---- one blocking request ------------------------------------------- */

typedef struct reply {
	int done, code;
	char *body;
} reply;

static void on_reply(struct evhttp_request *req, void *arg)
{
	reply *r = arg;
	r->done = 1;
	if (!req)
		return;
	r->code = evhttp_request_get_response_code(req);
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = b ? evbuffer_get_length(b) : 0;
	r->body = malloc(len + 1);
	if (r->body) {
		if (len)
			evbuffer_copyout(b, r->body, len);
		r->body[len] = 0;
	}
}

/* The reply's JSON (new reference) when the agent answered with code,
 * else NULL with why in msg. */
static json_t *call(campaign *c, const agent *a, enum evhttp_cmd_type cmd,
		    const char *path, const char *body, double timeout_s, int *code,
		    char *msg, size_t cap)
{
	reply r = {0};
	*code = 0;
	struct evhttp_connection *conn = real_agent_request(c->base, c->tls, &a->ep, cmd, path,
							     body, timeout_s, on_reply, &r);
	if (!conn) {
		snprintf(msg, cap, "cannot send the request");
		return NULL;
	}
	while (!r.done && event_base_loop(c->base, EVLOOP_ONCE) == 0)
		;
	evhttp_connection_free(conn);
	*code = r.code;
	json_t *j = NULL;
	if (!r.done || !r.code)
		snprintf(msg, cap, "no answer (refused, reset or timed out)");
	else if (!r.body)
		snprintf(msg, cap, "out of memory");
	else if (!(j = json_loads(r.body, 0, NULL)) || !json_is_object(j)) {
		snprintf(msg, cap, "HTTP %d, not a JSON object", r.code);
		json_decref(j);
		j = NULL;
	}
	free(r.body);
	return j;
}

/* ---- inputs --------------------------------------------------------- */

static int load_agents(campaign *c)
{
	static const char *const keys[] = {"agents", "tasks", "request_timeout_s",
					   "on_failure", "health_poll_s",
					   "connect_timeout_s", "give_up_s", NULL};
	io_jdoc *d = &c->adoc;
	int rc = io_jdoc_load(d, c->o->agents, c->err);
	if (rc)
		return rc;
	if (!json_is_object(d->root))
		return io_errf(c->err, IO_EINPUT, c->o->agents, 1,
			       "an agents file is a JSON object");
	if ((rc = io_jcheck_keys(d, d->root, keys, c->err)))
		return rc;
	const json_t *list = json_object_get(d->root, "agents");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > MAX_AGENTS)
		return io_errf(c->err, IO_EINPUT, c->o->agents,
			       list ? io_jdoc_line(d, list) : 1,
			       "\"agents\" must be an array of 1-%d agents", MAX_AGENTS);
	c->n_ag = json_array_size(list);
	c->ag = calloc(c->n_ag, sizeof *c->ag);
	if (!c->ag)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < c->n_ag && !rc; i++)
		rc = real_agent_endpoint_load(d, json_array_get(list, i), &c->ag[i].ep, c->err);
	c->request_timeout_s = 60;
	c->connect_timeout_s = 10;
	if (!rc)
		rc = io_jget_posnum(d, d->root, "request_timeout_s", 0, &c->request_timeout_s,
				    c->err);
	if (!rc)
		rc = io_jget_posnum(d, d->root, "connect_timeout_s", 0, &c->connect_timeout_s,
				    c->err);
	return rc;
}

static int load_matrix(campaign *c)
{
	static const char *const keys[] = {"tasks", "machines", "repeats", NULL};
	io_jdoc *d = &c->mdoc;
	int rc = io_jdoc_load(d, c->o->matrix, c->err);
	if (rc)
		return rc;
	if (!json_is_object(d->root))
		return io_errf(c->err, IO_EINPUT, c->o->matrix, 1, "a matrix is a JSON object");
	if ((rc = io_jcheck_keys(d, d->root, keys, c->err)))
		return rc;
	const json_t *tasks = json_object_get(d->root, "tasks");
	if (!json_is_object(tasks) || json_object_size(tasks) == 0)
		return io_errf(c->err, IO_EINPUT, c->o->matrix,
			       tasks ? io_jdoc_line(d, tasks) : 1,
			       "\"tasks\" must map each task type to a request body");
	c->n_task = json_object_size(tasks);
	c->task = calloc(c->n_task, sizeof *c->task);
	c->body = calloc(c->n_task, sizeof *c->body);
	if (!c->task || !c->body)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)tasks, key, v) {
		if (!json_is_object(v) || !json_is_string(json_object_get(v, "kind")))
			return io_jerr_at(c->err, d, tasks, key, 0,
					  "the body for \"%s\" must be an object with a \"kind\"",
					  key);
		if (!*key || strlen(key) > 48 || strpbrk(key, ",\"\n\r"))
			return io_jerr_at(c->err, d, tasks, key, 0,
					  "task type \"%s\": 1-48 characters, no comma, quote "
					  "or newline", key);
		c->task[k] = key;
		c->body[k++] = v;
	}
	uint64_t rep = 5;
	if ((rc = io_jget_u64(d, d->root, "repeats", 0, &rep, c->err)))
		return rc;
	if (rep < 1 || rep > 100000)
		return io_jerr_at(c->err, d, d->root, "repeats", 0,
				  "\"repeats\" must be 1-100000");
	c->repeats = c->o->repeats ? c->o->repeats : rep;
	const json_t *ms = json_object_get(d->root, "machines");
	if (ms) {
		if (!json_is_array(ms) || json_array_size(ms) == 0 ||
		    json_array_size(ms) > MAX_AGENTS)
			return io_jerr_at(c->err, d, d->root, "machines", 0,
					  "\"machines\" must be an array of machine type names");
		c->n_mach = json_array_size(ms);
		c->mach = calloc(c->n_mach, sizeof *c->mach);
		if (!c->mach)
			return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
		for (size_t i = 0; i < c->n_mach; i++) {
			const json_t *e = json_array_get(ms, i);
			if (!json_is_string(e) || !*json_string_value(e))
				return io_jerr_at(c->err, d, ms, NULL, i,
						  "a machine type is a non-empty string");
			c->mach[i] = json_string_value(e);
			for (size_t j = 0; j < i; j++)
				if (!strcmp(c->mach[j], c->mach[i]))
					return io_jerr_at(c->err, d, ms, NULL, i,
							  "machine type \"%s\" twice",
							  c->mach[i]);
		}
	}
	return 0;
}

/* GET /health of every agent: its type and facts; unreachable ones are
 * down (said on stderr). */
static void discover(campaign *c)
{
	for (size_t i = 0; i < c->n_ag; i++) {
		agent *a = &c->ag[i];
		char msg[256];
		int code;
		json_t *h = call(c, a, EVHTTP_REQ_GET, "/health", NULL, c->connect_timeout_s,
				 &code, msg, sizeof msg);
		const char *mt = h ? json_string_value(json_object_get(h, "machine_type")) : NULL;
		if (h && code == 200 && mt && strlen(mt) < sizeof a->mtype) {
			snprintf(a->mtype, sizeof a->mtype, "%s", mt);
			a->up = 1;
			a->facts = json_incref(json_object_get(h, "machine"));
		} else
			fprintf(stderr, "hetsim: calibrate agents: agent %zu (%s) is down: %s\n",
				i, a->ep.url, h ? "its /health has no machine_type" : msg);
		json_decref(h);
	}
}

/* Without "machines": every type reported, in the agents' order. */
static int default_machines(campaign *c)
{
	if (c->mach)
		return 0;
	c->mach = calloc(c->n_ag, sizeof *c->mach);
	if (!c->mach)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < c->n_ag; i++) {
		if (!c->ag[i].up)
			continue;
		size_t j = 0;
		while (j < c->n_mach && strcmp(c->mach[j], c->ag[i].mtype))
			j++;
		if (j == c->n_mach)
			c->mach[c->n_mach++] = c->ag[i].mtype;
	}
	if (!c->n_mach)
		return io_errf(c->err, IO_EINPUT, c->o->agents, 0,
			       "no agent answered /health, and the matrix names no \"machines\"");
	return 0;
}

/* ---- the run -------------------------------------------------------- */

static void csv_row(campaign *c, size_t t, size_t m, uint64_t r, long ai,
		    const char *status, double wall, double cpu, const char *error)
{
	fprintf(c->samples, "%s,%s,%llu,", c->task[t], c->mach[m], (unsigned long long)r + 1);
	if (ai >= 0)
		fprintf(c->samples, "%ld,%s,", ai, c->ag[ai].ep.url);
	else
		fputs(",,", c->samples);
	fprintf(c->samples, "%s,", status);
	if (isfinite(wall))
		fprintf(c->samples, "%.9f,%.9f,", wall, cpu);
	else
		fputs(",,", c->samples);
	/* the error text, quoted, without quotes or newlines of its own */
	fputc('"', c->samples);
	for (const char *p = error; p && *p; p++)
		fputc(*p == '"' || *p == '\n' || *p == '\r' ? '\'' : *p, c->samples);
	fputs("\"\n", c->samples);
	fflush(c->samples);
}

/* One sample of cell (t, m), repeat r: on the agents of type m in turn,
 * until one answers. */
static int sample(campaign *c, size_t t, size_t m, uint64_t r)
{
	cell *ce = &c->cells[t * c->n_mach + m];
	json_t *b = json_deep_copy(c->body[t]);
	char id[REAL_AGENT_MAX_ID + 1];
	snprintf(id, sizeof id, "%s@%s#%llu", c->task[t], c->mach[m],
		 (unsigned long long)r + 1);
	for (char *p = id; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-",
			    *p))
			*p = '.';
	if (b)
		json_object_set_new(b, "id", json_string(id));
	char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	if (!text)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	int rc = 0, taken = 0;
	for (size_t k = 0; k < c->n_ag && !taken; k++) {
		size_t ai = (c->turn[m] + k) % c->n_ag;
		agent *a = &c->ag[ai];
		if (!a->up || strcmp(a->mtype, c->mach[m]))
			continue;
		char msg[256];
		int code;
		json_t *res = call(c, a, EVHTTP_REQ_POST, "/task", text, c->request_timeout_s,
				   &code, msg, sizeof msg);
		const char *st = res ? json_string_value(json_object_get(res, "status")) : NULL;
		double wall = res ? json_number_value(json_object_get(res, "wall_s")) : NAN;
		double cpu = res ? json_number_value(json_object_get(res, "cpu_s")) : NAN;
		if (code != 200 || !st || !isfinite(wall)) {
			if (code && code != 200) {
				const char *e = res ? json_string_value(json_object_get(res, "error"))
						    : NULL;
				snprintf(msg, sizeof msg, "HTTP %d%s%s", code, e ? ": " : "",
					 e ? e : "");
			}
			if (code == 400 || code == 413) {
				/* the body is wrong, not the agent: every agent says so */
				rc = io_jerr(c->err, &c->mdoc, c->body[t],
					     "task \"%s\": agent %s refused it: %s", c->task[t],
					     a->ep.url, msg);
				json_decref(res);
				break;
			}
			a->up = 0;
			fprintf(stderr, "hetsim: calibrate agents: agent %zu (%s) is down: %s; "
				"its cells go to other agents of type %s\n",
				ai, a->ep.url, msg, a->mtype);
			json_decref(res);
			continue;
		}
		taken = 1;
		c->turn[m] = (ai + 1) % c->n_ag;
		if (!strcmp(st, "ok")) {
			ce->wall[ce->n_ok++] = wall;
			ce->sum += wall;
		} else
			ce->n_failed++;
		const char *detail = json_string_value(json_object_get(res, "detail"));
		csv_row(c, t, m, r, (long)ai, strcmp(st, "ok") ? st : "ok", wall, cpu,
			strcmp(st, "ok") && detail ? detail : "");
		json_decref(res);
	}
	if (!rc && !taken) {
		ce->n_missing++;
		csv_row(c, t, m, r, -1, "missing", NAN, NAN, "no agent of this type is up");
	}
	free(text);
	return rc;
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
		for (size_t t = 0; t < c->n_task; t++)
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
	for (size_t t = 0; !rc && t < c->n_task; t++) {
		json_array_append_new(tts, json_pack("{s:s,s:s}", "name", c->task[t], "kind",
						     json_string_value(json_object_get(
							     c->body[t], "kind"))));
		for (size_t m = 0; !rc && m < c->n_mach; m++) {
			cell *ce = &c->cells[t * c->n_mach + m];
			if (!ce->n_ok)
				continue;
			qsort(ce->wall, ce->n_ok, sizeof *ce->wall, cmp_double);
			char w[200];
			snprintf(w, sizeof w, "hetsim calibrate agents: n=%zu wall times", ce->n_ok);
			json_t *e = prof_fit_exec_entry(c->task[t], c->mach[m], ce->wall, ce->n_ok,
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
	for (size_t i = 0; i < c->n_task; i++)
		for (size_t m = 0; m < c->n_mach; m++) {
			const cell *ce = &c->cells[i * c->n_mach + m];
			sim_text_add(&t, "%s,%s,%zu,%zu,%zu,", c->task[i], c->mach[m], ce->n_ok,
				     ce->n_failed, ce->n_missing);
			if (ce->n_ok)
				sim_text_add(&t, "%.9f", ce->sum / (double)ce->n_ok);
			sim_text_add(&t, "\n");
			if (ce->n_failed || ce->n_missing) {
				(*bad)++;
				fprintf(stderr, "hetsim: calibrate agents: cell %s x %s: %zu of "
					"%llu samples missing, %zu failed\n", c->task[i],
					c->mach[m], ce->n_missing, (unsigned long long)c->repeats,
					ce->n_failed);
			}
			if (c->console && !c->o->quiet)
				fprintf(c->console, "%-24s %-16s ok %6zu  failed %4zu  missing %4zu"
					"  mean %.6f s\n", c->task[i], c->mach[m], ce->n_ok,
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

static int run(campaign *c)
{
	int rc = load_agents(c);
	if (!rc)
		rc = load_matrix(c);
	if (rc)
		return rc;
	{
		/* the endpoints, contiguous, for the TLS context */
		real_agent_endpoint *ep = malloc(c->n_ag * sizeof *ep);
		if (!ep)
			return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
		for (size_t i = 0; i < c->n_ag; i++)
			ep[i] = c->ag[i].ep;
		rc = real_agent_tls_client(ep, c->n_ag, &c->tls, c->err);
		free(ep);
	}
	if (!rc && !(c->base = event_base_new()))
		rc = io_errf(c->err, IO_EIO, NULL, 0, "cannot create an event base");
	if (rc)
		return rc;
	discover(c);
	if ((rc = default_machines(c)))
		return rc;
	if (c->n_task * c->n_mach > MAX_CELLS ||
	    c->repeats > (uint64_t)(SIZE_MAX / sizeof(double)) / 4)
		return io_errf(c->err, IO_EINPUT, c->o->matrix, 0, "the matrix is too large");
	c->cells = calloc(c->n_task * c->n_mach, sizeof *c->cells);
	c->turn = calloc(c->n_mach, sizeof *c->turn);
	if (!c->cells || !c->turn)
		return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < c->n_task * c->n_mach; i++)
		if (!(c->cells[i].wall = malloc((size_t)c->repeats * sizeof(double))))
			return io_errf(c->err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t m = 0; m < c->n_mach; m++) {
		size_t k = 0;
		while (k < c->n_ag && strcmp(c->ag[k].mtype, c->mach[m]))
			k++;
		if (k == c->n_ag)
			fprintf(stderr, "hetsim: calibrate agents: no agent of machine type %s "
				"answered: its cells will be missing\n", c->mach[m]);
	}
	if ((rc = sim_mkdirs(c->o->out_dir, c->err)))
		return rc;
	char path[4096];
	snprintf(path, sizeof path, "%s/samples.csv", c->o->out_dir);
	if (!(c->samples = fopen(path, "w")))
		return io_errf(c->err, IO_EIO, path, 0, "cannot write");
	fputs("task_type,machine_type,repeat,agent,url,status,wall_s,cpu_s,error\n", c->samples);
	fflush(c->samples);
	uint64_t taken = 0;
	for (uint64_t r = 0; !rc && r < c->repeats; r++) {
		for (size_t t = 0; !rc && t < c->n_task; t++)
			for (size_t m = 0; !rc && m < c->n_mach; m++)
				rc = sample(c, t, m, r);
		if (c->console && !c->o->quiet)
			fprintf(c->console, "repeat %llu of %llu done\n",
				(unsigned long long)r + 1, (unsigned long long)c->repeats);
	}
	for (size_t i = 0; i < c->n_task * c->n_mach; i++)
		taken += c->cells[i].n_ok;
	if (fclose(c->samples) != 0 && !rc)
		rc = io_errf(c->err, IO_EIO, path, 0, "cannot write");
	c->samples = NULL;
	size_t bad = 0;
	if (!rc)
		rc = write_cells(c, &bad);
	if (!rc)
		rc = write_profile(c, taken);
	if (!rc && c->console && !c->o->quiet)
		fprintf(c->console, "wrote %s/samples.csv, cells.csv, profile.json\n",
			c->o->out_dir);
	return rc ? rc : bad ? 1 : 0;
}

int real_campaign_run(const real_campaign_opts *o, FILE *console, io_err *err)
{
	campaign c = {.o = o, .err = err, .console = console};
	signal(SIGPIPE, SIG_IGN); /* an agent that dies mid-request */
	int rc = run(&c);
	if (c.samples)
		fclose(c.samples);
	for (size_t i = 0; c.cells && i < c.n_task * c.n_mach; i++)
		free(c.cells[i].wall);
	free(c.cells);
	free(c.turn);
	for (size_t i = 0; c.ag && i < c.n_ag; i++)
		json_decref(c.ag[i].facts);
	free(c.ag);
	free(c.task);
	free(c.body);
	free(c.mach);
	if (c.base)
		event_base_free(c.base);
	if (c.tls)
		SSL_CTX_free(c.tls);
	io_jdoc_free(&c.adoc);
	io_jdoc_free(&c.mdoc);
	return rc;
}
