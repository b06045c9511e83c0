/*
 * real/agent/task.c — the agent's tasks (real/agent/agent.h): the config
 * file, request bodies turned into validated tasks, work-directory
 * confinement, running a task (in the forked child), the token check and
 * the machine's facts.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include "real/agent/agent.h"
#include "real/nn/zoo.h"
#include "real/proc.h"
#include "real/transcode.h"
#include "sim/base/rng.h"
#include "sim/base/clock.h"

static const char *const kind_names[REAL_AGENT_KINDS] = {"sleep", "burn",
							 "transcode", "infer"};

const char *real_agent_kind_name(real_agent_kind k)
{
	return k < REAL_AGENT_KINDS ? kind_names[k] : "?";
}

static int kind_find(const char *name)
{
	for (int k = 0; k < REAL_AGENT_KINDS; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

/* The longest sleep or burn a request may ask for (a day). */
#define MAX_SECONDS 86400.0

void real_agent_config_defaults(real_agent_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "127.0.0.1");
	c->port = 8470;
	c->slots = 1;
	c->max_body_bytes = 65536;
	c->task_timeout_s = 300;
	c->kinds = (1u << REAL_AGENT_KINDS) - 1;
}

int real_agent_is_loopback(const char *text)
{
	unsigned char a4[4], a6[16];
	if (inet_pton(AF_INET, text, a4) == 1)
		return a4[0] == 127;
	if (inet_pton(AF_INET6, text, a6) == 1) {
		static const unsigned char one[16] = {[15] = 1};
		return memcmp(a6, one, 16) == 0;
	}
	return 0;
}

/* A path member of the config, resolved relative to the file. */
static int config_path(const io_jdoc *doc, const json_t *obj, const char *key,
		       int required, char *out, size_t cap, io_err *err)
{
	const char *s = NULL;
	int rc = io_jget_str(doc, obj, key, required, &s, err);
	if (rc || !s)
		return rc;
	char *p = io_jdoc_resolve(doc, s);
	if (!p)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	int n = snprintf(out, cap, "%s", p);
	free(p);
	if (n < 0 || (size_t)n >= cap)
		return io_jerr(err, doc, json_object_get(obj, key), "\"%s\": path too long", key);
	return 0;
}

static int read_token_file(const io_jdoc *doc, const json_t *obj, char *tok,
			   size_t cap, io_err *err)
{
	char path[REAL_AGENT_MAX_PATH];
	int rc = config_path(doc, obj, "token_file", 1, path, sizeof path, err);
	if (rc)
		return rc;
	FILE *f = fopen(path, "r");
	if (!f)
		return io_jerr(err, doc, json_object_get(obj, "token_file"),
			       "token_file %s: %s", path, strerror(errno));
	char line[256];
	if (!fgets(line, sizeof line, f))
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\r\n")] = 0;
	snprintf(tok, cap, "%s", line);
	return 0;
}

static int config_int(const io_jdoc *doc, const json_t *root, const char *key,
		      uint64_t lo, uint64_t hi, int *out, io_err *err)
{
	uint64_t v = (uint64_t)*out;
	int rc = io_jget_u64(doc, root, key, 0, &v, err);
	if (rc)
		return rc;
	if (v < lo || v > hi)
		return io_jerr(err, doc, json_object_get(root, key),
			       "\"%s\" must be %llu..%llu", key, (unsigned long long)lo,
			       (unsigned long long)hi);
	*out = (int)v;
	return 0;
}

static int config_kinds(const io_jdoc *doc, const json_t *root,
			real_agent_config *c, io_err *err)
{
	const json_t *k = json_object_get(root, "kinds");
	if (!k)
		return 0;
	if (!json_is_array(k) || json_array_size(k) == 0)
		return io_jerr_at(err, doc, root, "kinds", 0,
				  "\"kinds\" must be a non-empty array of task kinds");
	c->kinds = 0;
	size_t i;
	const json_t *v;
	json_array_foreach(k, i, v) {
		int kind = json_is_string(v) ? kind_find(json_string_value(v)) : -1;
		if (kind < 0)
			return io_jerr_at(err, doc, k, NULL, i,
					  "unknown task kind (sleep, burn, transcode, infer)");
		c->kinds |= 1u << kind;
	}
	return 0;
}

static int config_tls(const io_jdoc *doc, const json_t *root,
		      real_agent_config *c, io_err *err)
{
	const json_t *tls = json_object_get(root, "tls");
	if (!tls)
		return 0;
	static const char *const keys[] = {"cert", "key", NULL};
	if (!json_is_object(tls))
		return io_jerr_at(err, doc, root, "tls", 0,
				  "\"tls\" must be {\"cert\": PATH, \"key\": PATH}");
	int rc = io_jcheck_keys(doc, tls, keys, err);
	if (!rc)
		rc = config_path(doc, tls, "cert", 1, c->tls_cert, sizeof c->tls_cert, err);
	if (!rc)
		rc = config_path(doc, tls, "key", 1, c->tls_key, sizeof c->tls_key, err);
	if (!rc)
		c->tls = 1;
	return rc;
}

int real_agent_config_load(real_agent_config *c, const char *path,
			   io_err *err)
{
	static const char *const keys[] = {
		"machine_type", "token", "token_file", "workdir", "listen", "port",
		"slots", "max_body_bytes", "task_timeout_s", "kinds", "ffmpeg",
		"tls", NULL};
	real_agent_config_defaults(c);
	io_jdoc doc = {0};
	int rc = io_jdoc_load(&doc, path, err);
	if (rc)
		return rc;
	const json_t *root = doc.root;
	const char *s = NULL;
	if (!json_is_object(root)) {
		rc = io_errf(err, IO_EINPUT, path, 1, "an agent config is a JSON object");
		goto out;
	}
	if ((rc = io_jcheck_keys(&doc, root, keys, err)))
		goto out;
	if ((rc = io_jget_str(&doc, root, "machine_type", 1, &s, err)))
		goto out;
	if (!*s || strlen(s) >= sizeof c->machine_type) {
		rc = io_jerr(err, &doc, json_object_get(root, "machine_type"),
			     "\"machine_type\" must be 1-%zu characters",
			     sizeof c->machine_type - 1);
		goto out;
	}
	snprintf(c->machine_type, sizeof c->machine_type, "%s", s);
	s = NULL;
	if (json_object_get(root, "token") && json_object_get(root, "token_file")) {
		rc = io_jerr(err, &doc, json_object_get(root, "token"),
			     "give \"token\" or \"token_file\", not both");
		goto out;
	}
	if (json_object_get(root, "token_file")) {
		rc = read_token_file(&doc, root, c->token, sizeof c->token, err);
	} else {
		rc = io_jget_str(&doc, root, "token", 1, &s, err);
		if (!rc)
			snprintf(c->token, sizeof c->token, "%s", s);
	}
	if (rc)
		goto out;
	const char *why = real_agent_token_bad(c->token);
	if (why) {
		rc = io_errf(err, IO_EINPUT, path, 0, "%s", why);
		goto out;
	}
	char wd[REAL_AGENT_MAX_PATH];
	if ((rc = config_path(&doc, root, "workdir", 1, wd, sizeof wd, err)))
		goto out;
	struct stat st;
	if (!realpath(wd, c->workdir) || stat(c->workdir, &st) || !S_ISDIR(st.st_mode)) {
		rc = io_jerr(err, &doc, json_object_get(root, "workdir"),
			     "workdir %s: not a directory", wd);
		goto out;
	}
	s = NULL;
	if ((rc = io_jget_str(&doc, root, "listen", 0, &s, err)))
		goto out;
	if (s) {
		unsigned char a[16];
		if ((inet_pton(AF_INET, s, a) != 1 && inet_pton(AF_INET6, s, a) != 1) ||
		    strlen(s) >= sizeof c->listen) {
			rc = io_jerr(err, &doc, json_object_get(root, "listen"),
				     "\"listen\": %s is not a numeric IPv4 or IPv6 address", s);
			goto out;
		}
		snprintf(c->listen, sizeof c->listen, "%s", s);
	}
	if ((rc = config_int(&doc, root, "port", 0, 65535, &c->port, err)) ||
	    (rc = config_int(&doc, root, "slots", 1, REAL_AGENT_MAX_SLOTS, &c->slots, err)))
		goto out;
	int body = (int)c->max_body_bytes;
	if ((rc = config_int(&doc, root, "max_body_bytes", 64, 1 << 24, &body, err)))
		goto out;
	c->max_body_bytes = (size_t)body;
	if ((rc = io_jget_posnum(&doc, root, "task_timeout_s", 0, &c->task_timeout_s, err)))
		goto out;
	if (c->task_timeout_s > MAX_SECONDS) {
		rc = io_jerr(err, &doc, json_object_get(root, "task_timeout_s"),
			     "\"task_timeout_s\" is at most %g", MAX_SECONDS);
		goto out;
	}
	if ((rc = config_kinds(&doc, root, c, err)) ||
	    (rc = config_path(&doc, root, "ffmpeg", 0, c->ffmpeg, sizeof c->ffmpeg, err)) ||
	    (rc = config_tls(&doc, root, c, err)))
		goto out;
	if (!c->tls && !real_agent_is_loopback(c->listen))
		rc = io_jerr(err, &doc, json_object_get(root, "listen"),
			     "listening on %s (not loopback) needs \"tls\": "
			     "{\"cert\": ..., \"key\": ...}; refusing to start",
			     c->listen);
out:
	io_jdoc_free(&doc);
	return rc;
}

int real_agent_token_ok(const char *expected, const char *given)
{
	size_t ne = strlen(expected), ng = given ? strlen(given) : 0;
	volatile unsigned char diff = (unsigned char)(ne != ng);
	for (size_t i = 0; i < ne; i++) {
		unsigned char g = i < ng ? (unsigned char)given[i] : 0;
		diff |= (unsigned char)(g ^ (unsigned char)expected[i]);
	}
	return diff == 0;
}

const char *real_agent_token_bad(const char *t)
{
	size_t n = strlen(t);
	if (n < 16 || n > REAL_AGENT_MAX_TOKEN)
		return "the token must be 16-254 characters";
	for (size_t i = 0; i < n; i++)
		if (t[i] <= ' ' || t[i] > '~')
			return "the token must be visible ASCII characters: no "
			       "space, no control character";
	return NULL;
}

int real_agent_confine(const char *dir, const char *rel, char *out,
		       size_t cap, io_err *err)
{
	size_t n = strlen(rel);
	if (n == 0 || n >= REAL_AGENT_MAX_PATH)
		return io_errf(err, IO_EINPUT, NULL, 0, "path must be 1-%d bytes",
			       REAL_AGENT_MAX_PATH - 1);
	if (rel[0] == '/')
		return io_errf(err, IO_EINPUT, NULL, 0, "path \"%s\" is absolute", rel);
	for (const char *p = rel; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "path \"%s\": empty, \".\" or \"..\" component", rel);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return io_errf(err, IO_EINPUT, NULL, 0,
					       "path has a control character");
		p += len;
		if (*p == '/')
			p++;
	}
	char joined[2 * REAL_AGENT_MAX_PATH + 2], real[PATH_MAX];
	snprintf(joined, sizeof joined, "%s/%s", dir, rel);
	if (!realpath(joined, real))
		return io_errf(err, IO_EINPUT, NULL, 0, "path \"%s\": %s", rel,
			       strerror(errno));
	size_t nd = strlen(dir);
	if (strncmp(real, dir, nd) != 0 || real[nd] != '/')
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "path \"%s\" leads outside the work directory", rel);
	struct stat st;
	if (stat(real, &st) || !S_ISREG(st.st_mode))
		return io_errf(err, IO_EINPUT, NULL, 0, "path \"%s\" is not a regular file", rel);
	if (strlen(real) >= cap)
		return io_errf(err, IO_EINPUT, NULL, 0, "path \"%s\" too long", rel);
	snprintf(out, cap, "%s", real);
	return 0;
}

/* ---- request bodies ------------------------------------------------- */

/* A number member in [lo, hi]; missing: *out unchanged unless required. */
static int body_num(const json_t *o, const char *key, int required, double lo,
		    double hi, double *out, io_err *err)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return required ? io_errf(err, IO_EINPUT, NULL, 0,
					  "\"%s\" is required", key)
				: 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
	    json_number_value(v) < lo || json_number_value(v) > hi)
		return io_errf(err, IO_EINPUT, NULL, 0, "\"%s\" must be a number in [%g, %g]",
			       key, lo, hi);
	*out = json_number_value(v);
	return 0;
}

static int body_int(const json_t *o, const char *key, int64_t lo, int64_t hi,
		    int64_t *out, io_err *err)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "\"%s\" must be an integer in [%lld, %lld]", key,
			       (long long)lo, (long long)hi);
	*out = json_integer_value(v);
	return 0;
}

static int check_keys(const json_t *o, const char *const *allowed, io_err *err)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		int ok = 0;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok)
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "unknown member \"%.64s\" for this kind", key);
	}
	return 0;
}

static int parse_id(const json_t *o, real_agent_task *t, io_err *err)
{
	const json_t *v = json_object_get(o, "id");
	if (!v)
		return 0;
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t n = s ? strlen(s) : 0;
	int ok = n >= 1 && n <= REAL_AGENT_MAX_ID && n == json_string_length(v);
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		     (s[i] >= '0' && s[i] <= '9') || strchr("._:-", s[i]);
	if (!ok)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "\"id\" must be 1-%d characters of [A-Za-z0-9._:-]",
			       REAL_AGENT_MAX_ID);
	memcpy(t->id, s, n + 1);
	return 0;
}

static int parse_transcode(const real_agent_config *c, const json_t *o,
			   real_agent_task *t, io_err *err)
{
	const json_t *in = json_object_get(o, "input"), *outs = json_object_get(o, "outputs");
	if (!json_is_string(in) || json_string_length(in) != strlen(json_string_value(in)))
		return io_errf(err, IO_EINPUT, NULL, 0, "\"input\" must be a path string");
	int rc = real_agent_confine(c->workdir, json_string_value(in), t->input,
				    sizeof t->input, err);
	if (rc)
		return rc;
	if (!json_is_array(outs) || json_array_size(outs) == 0 ||
	    json_array_size(outs) > REAL_AGENT_MAX_OUTPUTS)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "\"outputs\" must be an array of 1-%d operation lists",
			       REAL_AGENT_MAX_OUTPUTS);
	size_t i;
	const json_t *v;
	json_array_foreach(outs, i, v) {
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		if (!s || strlen(s) >= REAL_AGENT_MAX_OPS_TEXT || strlen(s) != json_string_length(v))
			return io_errf(err, IO_EINPUT, NULL, 0,
				       "\"outputs\"[%zu] must be a string of operations", i);
		real_op ops[REAL_OP_KINDS];
		int n = real_ops_parse(s, ops, REAL_OP_KINDS, err);
		if (n < 0)
			return n;
		if (n == 0)
			return io_errf(err, IO_EINPUT, NULL, 0, "\"outputs\"[%zu] is empty", i);
		for (int a = 0; a < n; a++)
			for (int b = 0; b < a; b++)
				if (ops[a].kind == ops[b].kind)
					return io_errf(err, IO_EINPUT, NULL, 0,
						       "\"outputs\"[%zu]: two operations of one kind", i);
		snprintf(t->outputs[t->n_outputs++], REAL_AGENT_MAX_OPS_TEXT, "%s", s);
	}
	return 0;
}

static int parse_infer(const json_t *o, real_agent_task *t, io_err *err)
{
	const json_t *m = json_object_get(o, "model");
	const char *s = json_is_string(m) ? json_string_value(m) : NULL;
	if (!s || strlen(s) > REAL_AGENT_MAX_MODEL || !nn_zoo_find(s))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "\"model\" must name a zoo model (hetsim nn list)");
	snprintf(t->model, sizeof t->model, "%s", s);
	int64_t threads = 1, runs = 1, seed = 1;
	t->batch = 1;
	int rc = body_int(o, "batch", 1, 256, &t->batch, err);
	if (!rc)
		rc = body_int(o, "threads", 1, 256, &threads, err);
	if (!rc)
		rc = body_int(o, "runs", 1, 1000, &runs, err);
	if (!rc)
		rc = body_int(o, "seed", 0, INT64_MAX, &seed, err);
	t->threads = (int)threads;
	t->runs = (int)runs;
	t->seed = (uint64_t)seed;
	return rc;
}

int real_agent_task_parse(const real_agent_config *c, const char *body,
			  size_t len, real_agent_task *t, io_err *err)
{
	memset(t, 0, sizeof *t);
	t->timeout_s = c->task_timeout_s;
	json_error_t je;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return io_errf(err, IO_EINPUT, NULL, 0, "malformed JSON at %d:%d: %s",
			       je.line, je.column, je.text);
	int rc = 0;
	const json_t *k = json_object_get(o, "kind");
	int kind = json_is_string(k) ? kind_find(json_string_value(k)) : -1;
	if (!json_is_object(o)) {
		rc = io_errf(err, IO_EINPUT, NULL, 0, "a task is a JSON object");
	} else if (kind < 0) {
		rc = io_errf(err, IO_EINPUT, NULL, 0,
			     "\"kind\" must be one of sleep, burn, transcode, infer");
	} else if (!(c->kinds & (1u << kind))) {
		rc = io_errf(err, IO_EINPUT, NULL, 0, "task kind %s is not allowed here",
			     kind_names[kind]);
	} else {
		static const char *const keys[REAL_AGENT_KINDS][10] = {
			{"kind", "id", "timeout_s", "seconds", NULL},
			{"kind", "id", "timeout_s", "seconds", NULL},
			{"kind", "id", "timeout_s", "input", "outputs", NULL},
			{"kind", "id", "timeout_s", "model", "batch", "threads", "runs",
			 "seed", NULL}};
		t->kind = (real_agent_kind)kind;
		rc = check_keys(o, keys[kind], err);
		if (!rc)
			rc = parse_id(o, t, err);
		if (!rc)
			rc = body_num(o, "timeout_s", 0, 1e-3, c->task_timeout_s,
				      &t->timeout_s, err);
		if (!rc && kind <= REAL_AGENT_BURN)
			rc = body_num(o, "seconds", 1, 0, MAX_SECONDS, &t->seconds, err);
		else if (!rc && kind == REAL_AGENT_TRANSCODE)
			rc = parse_transcode(c, o, t, err);
		else if (!rc)
			rc = parse_infer(o, t, err);
	}
	json_decref(o);
	return rc;
}

/* ---- running a task (in the child) ---------------------------------- */

static int exec_sleep(const real_agent_task *t, char *detail, size_t cap)
{
	double end = sim_clock_s() + t->seconds, left;
	while ((left = end - sim_clock_s()) > 0) {
		struct timespec ts = {(time_t)left, (long)((left - floor(left)) * 1e9)};
		nanosleep(&ts, NULL);
	}
	snprintf(detail, cap, "{\"seconds\": %.9g}", t->seconds);
	return 0;
}

static int exec_burn(const real_agent_task *t, char *detail, size_t cap)
{
	double end = sim_cpu_clock_s() + t->seconds;
	volatile double x = 1.0;
	unsigned long spins = 0;
	while (sim_cpu_clock_s() < end) {
		for (int i = 0; i < 10000; i++)
			x = x * 1.0000001 + 1e-9;
		spins++;
	}
	snprintf(detail, cap, "{\"seconds\": %.9g, \"spins\": %lu}", t->seconds, spins);
	return 0;
}

static void json_escape_into(char *out, size_t cap, const char *msg)
{
	json_t *s = json_string(msg);
	char *text = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
	snprintf(out, cap, "{\"error\": %s}", text ? text : "\"?\"");
	free(text);
	json_decref(s);
}

static int exec_transcode(const real_agent_config *c, const real_agent_task *t,
			  char *detail, size_t cap)
{
	io_err err = {0};
	real_tc *tc = NULL;
	real_tc_config tcc = {.ffmpeg = c->ffmpeg[0] ? c->ffmpeg : NULL, .threads = 1};
	real_op ops[REAL_AGENT_MAX_OUTPUTS][REAL_OP_KINDS];
	real_output outs[REAL_AGENT_MAX_OUTPUTS];
	char paths[REAL_AGENT_MAX_OUTPUTS][REAL_AGENT_MAX_PATH + 64];
	char dir[REAL_AGENT_MAX_PATH + 16];
	snprintf(dir, sizeof dir, "%s/.agent-out", c->workdir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		io_errf(&err, IO_EIO, NULL, 0, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	for (int i = 0; i < t->n_outputs; i++) {
		int n = real_ops_parse(t->outputs[i], ops[i], REAL_OP_KINDS, &err);
		if (n < 0)
			goto fail;
		outs[i] = (real_output){ops[i], n, paths[i]};
		snprintf(paths[i], sizeof paths[i], "%s/%ld-%d.%s", dir, (long)getpid(), i,
			 real_output_format(&outs[i]));
	}
	if (real_tc_open(&tc, &tcc, &err))
		goto fail;
	real_tc_result res;
	int rc = real_tc_run(tc, t->input, outs, t->n_outputs, &res, &err);
	real_tc_free(tc);
	for (int i = 0; i < t->n_outputs; i++)
		unlink(paths[i]);
	if (rc)
		goto fail;
	if (res.status != REAL_RUN_OK) {
		json_escape_into(detail, cap, res.why);
		return -1;
	}
	snprintf(detail, cap,
		 "{\"outputs\": %d, \"bytes\": %llu, \"ffmpeg_wall_s\": %.6f, "
		 "\"ffmpeg_cpu_s\": %.6f}",
		 t->n_outputs, (unsigned long long)res.total_bytes, res.wall_s, res.cpu_s);
	return 0;
fail:
	json_escape_into(detail, cap, err.msg);
	return -1;
}

static int exec_infer(const real_agent_task *t, char *detail, size_t cap)
{
	io_err err = {0};
	nn_model *m = NULL;
	nn_backend *be = NULL;
	int rc = nn_zoo_build(&m, t->model, 0, &err);
	if (!rc)
		rc = nn_model_init(m, t->seed, &err);
	if (!rc)
		rc = nn_backend_new(&be, "dnnl", t->threads, &err);
	if (!rc)
		rc = nn_model_prepare(m, be, t->batch, 0, &err);
	for (int i = 0; !rc && i < nn_model_n_inputs(m); i++) {
		float *x = nn_model_input(m, i);
		int64_t n = nn_model_input_elems(m, i) * t->batch;
		for (int64_t j = 0; j < n; j++)
			x[j] = (float)(2 * sim_task_uniform(t->seed + (uint64_t)i, (uint64_t)j) - 1);
	}
	double total = 0;
	for (int r = 0; !rc && r < t->runs; r++) {
		double s = sim_clock_s();
		rc = nn_model_forward(m, 0, &err);
		total += sim_clock_s() - s;
	}
	nn_model_free(m);
	nn_backend_free(be);
	if (rc) {
		json_escape_into(detail, cap, err.msg);
		return -1;
	}
	snprintf(detail, cap,
		 "{\"model\": \"%s\", \"batch\": %lld, \"threads\": %d, \"runs\": %d, "
		 "\"forward_mean_s\": %.9f}",
		 t->model, (long long)t->batch, t->threads, t->runs, total / t->runs);
	return 0;
}

int real_agent_task_exec(const real_agent_config *c, const real_agent_task *t,
			 char *detail, size_t cap)
{
	switch (t->kind) {
	case REAL_AGENT_SLEEP:
		return exec_sleep(t, detail, cap);
	case REAL_AGENT_BURN:
		return exec_burn(t, detail, cap);
	case REAL_AGENT_TRANSCODE:
		return exec_transcode(c, t, detail, cap);
	case REAL_AGENT_INFER:
		return exec_infer(t, detail, cap);
	default:
		snprintf(detail, cap, "{\"error\": \"unknown kind\"}");
		return -1;
	}
}

/* ---- machine facts -------------------------------------------------- */

static json_t *gpu_names(void)
{
	json_t *names = json_array();
	DIR *d = opendir("/proc/driver/nvidia/gpus");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[512], line[256];
		snprintf(path, sizeof path, "/proc/driver/nvidia/gpus/%s/information",
			 de->d_name);
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof line, f))
			if (!strncmp(line, "Model:", 6)) {
				char *v = line + 6 + strspn(line + 6, " \t");
				v[strcspn(v, "\n")] = 0;
				json_array_append_new(names, json_string(v));
			}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	char path[REAL_AGENT_MAX_PATH];
	if (json_array_size(names) == 0 && real_proc_find("nvidia-smi", path, sizeof path) == 0) {
		char *argv[] = {path, "--query-gpu=name", "--format=csv,noheader", NULL};
		real_proc_result r;
		io_err err = {0};
		if (real_proc_run(argv, 10, &r, &err) == 0 && real_proc_ok(&r)) {
			for (char *line = strtok(r.output, "\n"); line; line = strtok(NULL, "\n"))
				if (*line)
					json_array_append_new(names, json_string(line));
		}
		real_proc_result_free(&r);
	}
	if (json_array_size(names) == 0) {
		json_decref(names);
		return json_null();
	}
	return names;
}

json_t *real_agent_machine_facts(void)
{
	char cpu[256] = "unknown", line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "model name", 10)) {
			const char *v = strchr(line, ':');
			if (v) {
				v += 1 + strspn(v + 1, " \t");
				snprintf(cpu, sizeof cpu, "%.*s", (int)strcspn(v, "\n"), v);
			}
			break;
		}
	if (f)
		fclose(f);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	json_t *o = json_object();
	json_object_set_new(o, "cpu_model", json_string(cpu));
	json_object_set_new(o, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(o, "mem_bytes",
			    json_integer(pages > 0 && page > 0 ? (json_int_t)pages * page : 0));
	json_object_set_new(o, "gpu", gpu_names());
	return o;
}
