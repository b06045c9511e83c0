/* sim/experiment.c — experiment files (format in sim.h) and the
 * comparison of several policies on the same seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sim/ci.h"
#include "sim/engine.h"
#include "sim/exp_model.h"
#include "sim/base/out.h"
#include "profiles/e2c.h"
#include "workloads/workflow_load.h"
#include "workloads/workload.h"

static void exp_workflow_free(exp_workflow *w);

void sim_experiment_free(sim_experiment *x)
{
	if (!x)
		return;
	if (!x->profile_shared)
		prof_free(x->profile);
	io_jdoc_free(&x->doc);
	free(x->name);
	free(x->machine_type);
	free(x->machine_slots);
	free(x->machine_qcap);
	free(x->deadline_offset_s);
	free(x->policies);
	free(x->out_dir);
	free(x->type_speed_mhz);
	sim_serving_free(x->serving);
	exp_workflow_free(x->wf);
	for (size_t i = 0; i < x->n_anomalies; i++)
		free(x->anomalies[i].machines);
	free(x->anomalies);
	free(x->cpu_bound);
	free(x);
}

int sim_experiment_is_workflow(const sim_experiment *x)
{
	return x->wf != NULL;
}

uint32_t sim_experiment_machines(const sim_experiment *x)
{
	return x->n_machines;
}

size_t sim_experiment_policies(const sim_experiment *x)
{
	return x->n_policies;
}

/*
 * Profiles read from files are kept for the life of the process, keyed by
 * the file's path, device, inode, size and modification time: a profile is
 * never changed once loaded, and a process that loads many experiments over
 * the same profile (the cases of a sweep) parses it, and the measured CSV
 * behind it, once. The first few files are cached; later ones are loaded
 * and freed with their experiment as before.
 */
#define PROFILE_CACHE 8
static struct {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	prof_profile *profile;
} profile_cache[PROFILE_CACHE];
static unsigned profile_cache_used;

/* *shared = 1 when *out belongs to the cache (never to be freed). */
static int profile_cached(prof_profile **out, int *shared, const char *path,
			  io_err *err)
{
	struct stat st;
	int known = stat(path, &st) == 0;
	*shared = 0;
	for (unsigned i = 0; known && i < profile_cache_used; i++) {
		if (strcmp(profile_cache[i].path, path) ||
		    profile_cache[i].dev != st.st_dev || profile_cache[i].ino != st.st_ino ||
		    profile_cache[i].size != st.st_size ||
		    profile_cache[i].mtime.tv_sec != st.st_mtim.tv_sec ||
		    profile_cache[i].mtime.tv_nsec != st.st_mtim.tv_nsec)
			continue;
		*out = profile_cache[i].profile;
		*shared = 1;
		return 0;
	}
	int rc = prof_load(out, path, err);
	if (rc || !known || profile_cache_used == PROFILE_CACHE)
		return rc;
	char *copy = strdup(path);
	if (!copy)
		return 0; /* not cached: the experiment owns it */
	unsigned i = profile_cache_used++;
	profile_cache[i].path = copy;
	profile_cache[i].dev = st.st_dev;
	profile_cache[i].ino = st.st_ino;
	profile_cache[i].size = st.st_size;
	profile_cache[i].mtime = st.st_mtim;
	profile_cache[i].profile = *out;
	*shared = 1;
	return 0;
}

static int load_profile(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *node = json_object_get(doc->root, "profile");
	if (!node)
		return io_jerr(err, doc, doc->root, "missing \"profile\"");
	if (json_is_object(node))
		return prof_load_json(&x->profile, doc, node, err);
	if (!json_is_string(node))
		return io_jerr(err, doc, node,
				 "\"profile\" must be a file name or an object");
	char *path = io_jdoc_resolve(doc, json_string_value(node));
	if (!path)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	int rc = profile_cached(&x->profile, &x->profile_shared, path, err);
	free(path);
	return rc;
}

/* Which machine types have a machine: n_machines flags (malloc'd), so that
 * checks per task type cost machine types, not machines. */
static char *types_present(const sim_experiment *x)
{
	char *present = calloc(x->profile->n_machines, 1);
	for (uint32_t m = 0; present && m < x->n_machines; m++)
		present[x->machine_type[m]] = 1;
	return present;
}

/* A capacity: integer >= 0 or "unbounded". */
static int get_capacity(const io_jdoc *doc, const json_t *obj,
			const char *key, uint32_t *out, io_err *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (json_is_string(v) && strcmp(json_string_value(v), "unbounded") == 0) {
		*out = SIM_UNBOUNDED;
		return 0;
	}
	uint64_t c = 0;
	int rc = io_jget_u64(doc, obj, key, 1, &c, err);
	if (rc)
		return rc;
	if (c >= SIM_UNBOUNDED)
		return io_jerr(err, doc, v, "\"%s\" is too large", key);
	*out = (uint32_t)c;
	return 0;
}

static int load_machines(sim_experiment *x, uint32_t default_qcap,
			 io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *list = json_object_get(doc->root, "machines");
	if (!json_is_array(list) || json_array_size(list) == 0)
		return io_jerr(err, doc, list ? list : doc->root,
				 "\"machines\" must be a non-empty array");
	static const char *const keys[] = {"type", "count", "slots",
					   "queue_capacity", "speed_mhz", NULL};
	uint64_t total = 0;
	size_t i;
	const json_t *entry;
	json_array_foreach(list, i, entry) {
		uint64_t count = 1;
		if (!json_is_object(entry))
			return io_jerr(err, doc, entry,
					 "a machine entry must be an object");
		if (io_jcheck_keys(doc, entry, keys, err) ||
		    io_jget_u64(doc, entry, "count", 0, &count, err))
			return IO_EINPUT;
		total += count;
		if (total > 10000000)
			return io_jerr(err, doc, entry, "too many machines");
	}
	if (total == 0)
		return io_jerr(err, doc, list, "no machines (every count is 0)");
	x->n_machines = (uint32_t)total;
	x->machine_type = malloc(total * sizeof *x->machine_type);
	x->machine_slots = malloc(total * sizeof *x->machine_slots);
	x->machine_qcap = malloc(total * sizeof *x->machine_qcap);
	if (!x->machine_type || !x->machine_slots || !x->machine_qcap)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	uint32_t m = 0;
	json_array_foreach(list, i, entry) {
		const char *type = NULL;
		uint64_t count = 1, slots = 0;
		uint32_t qcap = default_qcap;
		if (io_jget_str(doc, entry, "type", 1, &type, err) ||
		    io_jget_u64(doc, entry, "count", 0, &count, err) ||
		    io_jget_u64(doc, entry, "slots", 0, &slots, err) ||
		    get_capacity(doc, entry, "queue_capacity", &qcap, err))
			return IO_EINPUT;
		int mt = prof_machine_index(x->profile, type);
		if (mt < 0)
			return io_jerr(err, doc, json_object_get(entry, "type"),
					 "unknown machine type \"%s\"", type);
		if (json_object_get(entry, "slots") && (slots < 1 || slots > 4096))
			return io_jerr(err, doc, json_object_get(entry, "slots"),
					 "\"slots\" must be in 1..4096");
		if (!slots)
			slots = x->profile->machines[mt].slots;
		const json_t *sp = json_object_get(entry, "speed_mhz");
		if (sp) {
			double v = 0;
			if (io_jget_posnum(doc, entry, "speed_mhz", 1, &v, err))
				return IO_EINPUT;
			if (!x->type_speed_mhz) {
				uint32_t nmt = x->profile->n_machines;
				x->type_speed_mhz = malloc(nmt * sizeof *x->type_speed_mhz);
				if (!x->type_speed_mhz)
					return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
				for (uint32_t k = 0; k < nmt; k++)
					x->type_speed_mhz[k] = NAN;
			}
			if (!isnan(x->type_speed_mhz[mt]) && x->type_speed_mhz[mt] != v)
				return io_jerr(err, doc, sp,
					       "machine type \"%s\" has two speeds",
					       type);
			x->type_speed_mhz[mt] = v;
		}
		for (uint64_t k = 0; k < count; k++, m++) {
			x->machine_type[m] = (uint32_t)mt;
			x->machine_slots[m] = (uint32_t)slots;
			x->machine_qcap[m] = qcap;
		}
	}
	/* every task type must be able to run on some machine present */
	char *present = types_present(x);
	if (!present)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t tt = 0; tt < x->profile->n_tasks; tt++) {
		int ok = 0;
		for (uint32_t mt = 0; mt < x->profile->n_machines && !ok; mt++)
			ok = present[mt] && prof_can_run(x->profile, tt, mt);
		if (!ok) {
			free(present);
			return io_jerr(err, doc, list,
					 "no machine can run task type \"%s\"",
					 x->profile->tasks[tt].name);
		}
	}
	free(present);
	return 0;
}

/* The "exec" entry of an inline profile for (task, machine), else the
 * "profile" value itself: where a message about the pair points. */
static const json_t *exec_node(const sim_experiment *x, const char *task,
			       const char *machine)
{
	const json_t *prof = json_object_get(x->doc.root, "profile");
	const json_t *list = json_object_get(prof, "exec"), *entry;
	size_t i;
	json_array_foreach(list, i, entry) {
		const char *t = json_string_value(json_object_get(entry, "task"));
		const char *m = json_string_value(json_object_get(entry, "machine"));
		if (t && m && strcmp(t, task) == 0 && strcmp(m, machine) == 0)
			return entry;
	}
	return prof;
}

/* Every (task, machine) pair present must have a mean execution time the
 * run can represent (sim.h, SIM_MAX_TIME_S): a rate of 1e-300 is a typo,
 * not a workload. */
static int check_profile_times(const sim_experiment *x, io_err *err)
{
	const prof_profile *p = x->profile;
	for (uint32_t tt = 0; tt < p->n_tasks; tt++)
		for (uint32_t m = 0; m < x->n_machines; m++) {
			uint32_t mt = x->machine_type[m];
			if (!prof_can_run(p, tt, mt))
				continue;
			double mean = prof_mean(p, tt, mt);
			if (mean >= 0 && mean <= SIM_MAX_TIME_S)
				continue;
			const char *tn = p->tasks[tt].name, *mn = p->machines[mt].name;
			return io_jerr(err, &x->doc, exec_node(x, tn, mn),
					 "profile: task type \"%s\" on machine "
					 "type \"%s\" has a mean execution time "
					 "of %g s, beyond the limit of %g s",
					 tn, mn, mean, SIM_MAX_TIME_S);
		}
	return 0;
}

static int load_queue(sim_experiment *x, uint32_t *qcap, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *q = json_object_get(doc->root, "queue");
	*qcap = SIM_UNBOUNDED;
	if (!q)
		return 0;
	static const char *const keys[] = {"capacity", "when_full", NULL};
	const char *when = "wait";
	if (!json_is_object(q))
		return io_jerr(err, doc, q, "\"queue\" must be an object");
	if (io_jcheck_keys(doc, q, keys, err) ||
	    get_capacity(doc, q, "capacity", qcap, err) ||
	    io_jget_str(doc, q, "when_full", 0, &when, err))
		return IO_EINPUT;
	if (strcmp(when, "wait") == 0)
		x->reject_when_full = 0;
	else if (strcmp(when, "reject") == 0)
		x->reject_when_full = 1;
	else
		return io_jerr(err, doc, json_object_get(q, "when_full"),
				 "\"when_full\" must be \"wait\" or \"reject\"");
	return 0;
}

static int load_deadline(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const prof_profile *p = x->profile;
	x->deadline_offset_s = calloc(p->n_tasks, sizeof *x->deadline_offset_s);
	if (!x->deadline_offset_s)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	const json_t *d = json_object_get(doc->root, "deadline");
	if (!d)
		return 0;
	static const char *const keys[] = {"slack", "reference", "relative_s",
					   NULL};
	if (!json_is_object(d))
		return io_jerr(err, doc, d, "\"deadline\" must be an object");
	if (io_jcheck_keys(doc, d, keys, err))
		return IO_EINPUT;
	int has_slack = json_object_get(d, "slack") != NULL;
	int has_rel = json_object_get(d, "relative_s") != NULL;
	if (has_slack == has_rel)
		return io_jerr(err, doc, d,
				 "\"deadline\" needs exactly one of \"slack\" "
				 "and \"relative_s\"");
	if (has_rel) {
		x->deadline_rule = DEADLINE_RELATIVE;
		if (io_jget_nonneg(doc, d, "relative_s", 1,
				     &x->deadline_relative_s, err))
			return IO_EINPUT;
		for (uint32_t tt = 0; tt < p->n_tasks; tt++)
			x->deadline_offset_s[tt] = x->deadline_relative_s;
		return 0;
	}
	x->deadline_rule = DEADLINE_SLACK;
	const char *ref = "fastest";
	if (io_jget_posnum(doc, d, "slack", 1, &x->deadline_slack, err) ||
	    io_jget_str(doc, d, "reference", 0, &ref, err))
		return IO_EINPUT;
	if (strcmp(ref, "fastest") == 0)
		x->deadline_ref = REF_FASTEST;
	else if (strcmp(ref, "mean") == 0)
		x->deadline_ref = REF_MEAN;
	else if (strcmp(ref, "slowest") == 0)
		x->deadline_ref = REF_SLOWEST;
	else
		return io_jerr(err, doc, json_object_get(d, "reference"),
				 "\"reference\" must be \"fastest\", \"mean\" "
				 "or \"slowest\"");
	/* over the machine types present that can run the task */
	char *present = types_present(x);
	if (!present)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t tt = 0; tt < p->n_tasks; tt++) {
		double best = x->deadline_ref == REF_FASTEST ? INFINITY : 0;
		double sum = 0;
		uint32_t n = 0;
		for (uint32_t mt = 0; mt < p->n_machines; mt++) {
			if (!present[mt] || !prof_can_run(p, tt, mt))
				continue;
			double mean = prof_mean(p, tt, mt);
			sum += mean;
			n++;
			if (x->deadline_ref == REF_FASTEST ? mean < best
							   : mean > best)
				best = mean;
		}
		double ref_s = x->deadline_ref == REF_MEAN ? sum / n : best;
		x->deadline_offset_s[tt] = x->deadline_slack * ref_s;
	}
	free(present);
	return 0;
}

static int get_bool(const io_jdoc *doc, const json_t *obj, const char *key,
		    int *out, io_err *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return io_jerr(err, doc, v, "\"%s\" must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

/* A string option with two values: *out = 0 for first (the default, also
 * when the key is absent), 1 for second. */
static int get_choice(const io_jdoc *doc, const char *key, const char *first,
		      const char *second, int *out, io_err *err)
{
	const char *val = first;
	if (io_jget_str(doc, doc->root, key, 0, &val, err))
		return IO_EINPUT;
	if (strcmp(val, first) && strcmp(val, second))
		return io_jerr(err, doc, json_object_get(doc->root, key),
			       "\"%s\" must be \"%s\" or \"%s\"", key, first,
			       second);
	*out = strcmp(val, second) == 0;
	return 0;
}

static int load_drop_and_pruning(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *d = json_object_get(doc->root, "drop");
	if (d) {
		static const char *const keys[] = {"at_mapping", "in_queue",
						   "while_running", NULL};
		if (!json_is_object(d))
			return io_jerr(err, doc, d, "\"drop\" must be an object");
		if (io_jcheck_keys(doc, d, keys, err) ||
		    get_bool(doc, d, "at_mapping", &x->drop_at_mapping, err) ||
		    get_bool(doc, d, "in_queue", &x->drop_in_queue, err) ||
		    get_bool(doc, d, "while_running", &x->drop_while_running, err))
			return IO_EINPUT;
	}
	const json_t *p = json_object_get(doc->root, "pruning");
	if (!p)
		return 0;
	static const char *const keys[] = {"threshold", "action", "step_s", NULL};
	const char *action = "drop";
	if (!json_is_object(p))
		return io_jerr(err, doc, p, "\"pruning\" must be an object");
	if (io_jcheck_keys(doc, p, keys, err) ||
	    io_jget_posnum(doc, p, "threshold", 1, &x->prune_threshold, err) ||
	    io_jget_posnum(doc, p, "step_s", 0, &x->prune_step_s, err) ||
	    io_jget_str(doc, p, "action", 0, &action, err))
		return IO_EINPUT;
	if (x->prune_threshold >= 1)
		return io_jerr(err, doc, json_object_get(p, "threshold"),
				 "\"threshold\" must be in (0, 1)");
	if (strcmp(action, "drop") == 0)
		x->prune_defer = 0;
	else if (strcmp(action, "defer") == 0)
		x->prune_defer = 1;
	else
		return io_jerr(err, doc, json_object_get(p, "action"),
				 "\"action\" must be \"drop\" or \"defer\"");
	return 0;
}

/* "merging": {"strategy": "adaptive", "max_degree": 5} */
static int load_merging(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *m = json_object_get(doc->root, "merging");
	x->merge_strategy = POL_MERGE_NEVER;
	x->merge_max_degree = POL_MERGE_DEFAULT_DEGREE;
	if (!m)
		return 0;
	static const char *const keys[] = {"strategy", "max_degree", NULL};
	const char *strategy = NULL;
	uint64_t degree = POL_MERGE_DEFAULT_DEGREE;
	if (!json_is_object(m))
		return io_jerr(err, doc, m, "\"merging\" must be an object");
	if (io_jcheck_keys(doc, m, keys, err) ||
	    io_jget_str(doc, m, "strategy", 1, &strategy, err) ||
	    io_jget_u64(doc, m, "max_degree", 0, &degree, err))
		return IO_EINPUT;
	int k = pol_merge_from_name(strategy);
	if (k < 0)
		return io_jerr(err, doc, json_object_get(m, "strategy"),
				 "unknown merging strategy \"%s\" (expected "
				 "never, always or adaptive)",
				 strategy);
	if (degree < 1 || degree > POL_MERGE_MAX_DEGREE)
		return io_jerr(err, doc, json_object_get(m, "max_degree"),
				 "\"max_degree\" must be in 1..%d",
				 POL_MERGE_MAX_DEGREE);
	x->merge_strategy = k;
	x->merge_max_degree = (uint32_t)degree;
	return 0;
}

static int policy_entry(sim_experiment *x, const json_t *v, exp_policy *out,
			io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const char *name = NULL;
	out->params = NULL;
	if (json_is_string(v)) {
		name = json_string_value(v);
	} else if (json_is_object(v)) {
		if (io_jget_str(doc, v, "name", 1, &name, err))
			return IO_EINPUT;
		out->params = v;
	} else {
		return io_jerr(err, doc, v,
				 "a policy is a name or an object with \"name\"");
	}
	out->policy = pol_find(name);
	if (!out->policy && strcmp(name, sim_wf_heft.name) == 0)
		out->policy = &sim_wf_heft;
	if (!out->policy && strcmp(name, sim_wf_eft.name) == 0)
		out->policy = &sim_wf_eft;
	if (!out->policy) {
		char known[512] = "";
		for (const sim_policy *const *p = pol_all(); *p; p++) {
			strncat(known, (*p)->name, sizeof known - strlen(known) - 3);
			if (p[1])
				strcat(known, ", ");
		}
		return io_jerr(err, doc, v, "unknown policy \"%s\" (known: %s; "
				 "for workflows also heft, eft)",
				 name, known);
	}
	if (out->params && !out->policy->init && json_object_size(out->params) > 1)
		return io_jerr(err, doc, v, "policy \"%s\" takes no parameters",
				 name);
	return 0;
}

static int load_policies(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *one = json_object_get(doc->root, "policy");
	const json_t *many = json_object_get(doc->root, "policies");
	if (!!one == !!many)
		return io_jerr(err, doc, doc->root,
				 "give exactly one of \"policy\" and \"policies\"");
	if (many && (!json_is_array(many) || json_array_size(many) == 0))
		return io_jerr(err, doc, many,
				 "\"policies\" must be a non-empty array");
	x->n_policies = one ? 1 : json_array_size(many);
	x->policies = calloc(x->n_policies, sizeof *x->policies);
	if (!x->policies)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	if (one)
		return policy_entry(x, one, &x->policies[0], err);
	for (size_t i = 0; i < x->n_policies; i++)
		if (policy_entry(x, json_array_get(many, i), &x->policies[i], err))
			return IO_EINPUT;
	return 0;
}

/* "serving" (sim/serving.h): independent tasks only. */
static int load_serving(sim_experiment *x, io_err *err)
{
	const json_t *o = json_object_get(x->doc.root, "serving");
	if (!o)
		return 0;
	if (x->wf)
		return io_jerr(err, &x->doc, o,
			       "\"serving\" applies to independent tasks, "
			       "not to workflow workloads");
	return sim_serving_load(&x->serving, &x->doc, o, x->profile, err);
}

static int load_output(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *o = json_object_get(doc->root, "output");
	const char *dir = NULL;
	x->tasks_csv = 1;
	if (o) {
		static const char *const keys[] = {"dir", "tasks_csv", NULL};
		if (!json_is_object(o))
			return io_jerr(err, doc, o, "\"output\" must be an object");
		if (io_jcheck_keys(doc, o, keys, err) ||
		    io_jget_str(doc, o, "dir", 0, &dir, err))
			return IO_EINPUT;
		const json_t *csv = json_object_get(o, "tasks_csv");
		if (csv && !json_is_boolean(csv))
			return io_jerr(err, doc, csv,
					 "\"tasks_csv\" must be true or false");
		if (csv)
			x->tasks_csv = json_is_true(csv);
	}
	x->out_dir = dir ? strdup(dir) : sim_pathf("out/%s", x->name);
	return x->out_dir ? 0 : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

static char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	s = s ? s + 1 : path;
	char *name = strdup(s);
	if (name) {
		char *dot = strrchr(name, '.');
		if (dot && dot != name)
			*dot = 0;
	}
	return name;
}

/* A path component that is an array index: digits only, below SIZE_MAX. */
static int set_index(const char *key, size_t *idx)
{
	if (!*key || strspn(key, "0123456789") != strlen(key) || strlen(key) > 9)
		return 0;
	*idx = (size_t)strtoul(key, NULL, 10);
	return 1;
}

/* The child of node at key for --set set: an object member (made when
 * missing, unless it is the last component) or, when node is an array, the
 * element at index key. NULL with *err set if key cannot be followed. */
static json_t *set_step(json_t *node, const char *key, const char *parent,
			const char *set, const char *file, io_err *err)
{
	size_t idx;
	if (json_is_array(node)) {
		size_t n = json_array_size(node);
		if (!set_index(key, &idx)) {
			io_errf(err, IO_EINPUT, file, 0,
				  "--set %s: \"%s\" is an array: index it with a "
				  "number (0..%zu), not \"%s\"",
				  set, parent, n ? n - 1 : 0, key);
			return NULL;
		}
		if (idx >= n) {
			io_errf(err, IO_EINPUT, file, 0,
				  "--set %s: index %zu is out of range (\"%s\" has "
				  "%zu entries)", set, idx, parent, n);
			return NULL;
		}
		return json_array_get(node, idx);
	}
	if (!json_is_object(node)) {
		io_errf(err, IO_EINPUT, file, 0,
			  "--set %s: \"%s\" is not an object or an array", set,
			  parent);
		return NULL;
	}
	json_t *child = json_object_get(node, key);
	if (!child && set_index(key, &idx)) {
		io_errf(err, IO_EINPUT, file, 0,
			  "--set %s: cannot index \"%s\" with %s: it is not an "
			  "array", set, parent, key);
		return NULL;
	}
	if (!child) {
		child = json_object();
		json_object_set_new(node, key, child);
	}
	return child;
}

/* Apply one "a.b.c=VALUE" override to root; a numeric component indexes
 * an array ("machines.0.count=4"). */
static int apply_set(json_t *root, const char *set, const char *file,
		     io_err *err)
{
	const char *eq = strchr(set, '=');
	if (!eq || eq == set)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "--set takes PATH=VALUE, not \"%s\"", set);
	char path[256];
	size_t plen = (size_t)(eq - set);
	if (plen >= sizeof path)
		return io_errf(err, IO_EINPUT, NULL, 0, "--set path too long");
	memcpy(path, set, plen);
	path[plen] = 0;
	if (path[0] == '.' || path[plen - 1] == '.' || strstr(path, ".."))
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "--set: empty path component in \"%s\"", set);
	json_t *value = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
	if (!value)
		value = json_string(eq + 1);
	json_t *node = root;
	const char *parent = "(top level)";
	char *save = NULL, *key = strtok_r(path, ".", &save);
	while (key) {
		char *next = strtok_r(NULL, ".", &save);
		size_t idx;
		if (!next && json_is_array(node)) {
			/* the last component of an array: replace an element */
			if (!set_step(node, key, parent, set, file, err))
				break;
			set_index(key, &idx);
			json_array_set_new(node, idx, value);
			return 0;
		}
		if (!next && set_index(key, &idx) && !json_object_get(node, key)) {
			set_step(node, key, parent, set, file, err);
			break;
		}
		if (!next) { /* node is an object: the loop keeps it so */
			json_object_set_new(node, key, value);
			return 0;
		}
		json_t *child = set_step(node, key, parent, set, file, err);
		if (!child)
			break;
		if (!json_is_object(child) && !json_is_array(child)) {
			io_errf(err, IO_EINPUT, file, 0,
				  "--set %s: \"%s\" is not an object or an array",
				  set, key);
			break;
		}
		node = child;
		parent = key;
		key = next;
	}
	json_decref(value);
	return io_errf(err, IO_EINPUT, NULL, 0, "--set: empty path in \"%s\"", set);
}

/* ------------------------------------------------------------ workflows */

static void exp_workflow_free(exp_workflow *w)
{
	if (!w)
		return;
	wl_workflow_free(w->file);
	wl_dag_free(w->generated);
	free(w->job_type);
	free(w->job_speed);
	wms_free(&w->wms);
	free(w);
}

static int copy_model(prof_model *dst, const prof_model *src)
{
	*dst = *src;
	dst->sorted = dst->cum = NULL;
	dst->source = NULL;
	size_t n = src->n + 1;
	if (src->kind == PROF_GAMMA)
		n = 3 * (size_t)src->n;
	if (src->sorted && !(dst->sorted = malloc(n * sizeof *dst->sorted)))
		return -1;
	if (src->sorted)
		memcpy(dst->sorted, src->sorted, n * sizeof *dst->sorted);
	if (src->cum && !(dst->cum = malloc(src->n * sizeof *dst->cum)))
		return -1;
	if (src->cum)
		memcpy(dst->cum, src->cum, src->n * sizeof *dst->cum);
	return 0;
}

/* The profile a workflow runs with: the loaded one's machine types; task
 * types: names[0..n) (a type the loaded profile has keeps its models,
 * any other runs anywhere in 1 s x its work: recorded runtimes replace
 * it), then one per aux job kind of the WMS model. */
static int derive_profile(sim_experiment *x, char **names, uint32_t n,
			  io_err *err)
{
	const prof_profile *b = x->profile;
	const wms_model *wms = &x->wf->wms;
	prof_profile *p = calloc(1, sizeof *p);
	uint32_t nt = n + wms->n_aux, nm = b->n_machines;
	if (!p)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	p->machines = calloc(nm, sizeof *p->machines);
	p->tasks = calloc(nt ? nt : 1, sizeof *p->tasks);
	p->models = calloc((size_t)nt * nm + 1, sizeof *p->models);
	p->path = strdup(b->path ? b->path : "profile");
	p->n_machines = nm;
	p->n_tasks = nt;
	int bad = !p->machines || !p->tasks || !p->models || !p->path;
	for (uint32_t m = 0; !bad && m < nm; m++) {
		p->machines[m] = b->machines[m];
		p->machines[m].name = strdup(b->machines[m].name);
		p->machines[m].accelerator = b->machines[m].accelerator
						     ? strdup(b->machines[m].accelerator)
						     : NULL;
		bad = !p->machines[m].name ||
		      (b->machines[m].accelerator && !p->machines[m].accelerator);
	}
	if (!bad && b->merge_shared_s) {
		p->merge_shared_s = malloc(nm * sizeof *p->merge_shared_s);
		bad = !p->merge_shared_s;
		if (!bad)
			memcpy(p->merge_shared_s, b->merge_shared_s,
			       nm * sizeof *p->merge_shared_s);
	}
	for (uint32_t t = 0; !bad && t < nt; t++) {
		p->tasks[t].name = strdup(t < n ? names[t] : wms->aux[t - n].kind);
		bad = !p->tasks[t].name;
		int bt = t < n && !bad ? prof_task_index(b, names[t]) : -1;
		for (uint32_t m = 0; !bad && m < nm; m++) {
			prof_model *pm = &p->models[(size_t)t * nm + m];
			if (bt >= 0) {
				bad = copy_model(pm, prof_model_at(b, (uint32_t)bt, m));
			} else {
				pm->kind = PROF_CONSTANT;
				pm->p[0] = 1.0;
				pm->mean = 1.0;
			}
		}
	}
	if (bad) {
		prof_free(p);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	if (!x->profile_shared)
		prof_free(x->profile);
	x->profile = p;
	x->profile_shared = 0;
	return 0;
}

static int get_u32(const io_jdoc *doc, const json_t *o, const char *key,
		   uint32_t *out, io_err *err)
{
	uint64_t v = *out;
	if (io_jget_u64(doc, o, key, 0, &v, err))
		return IO_EINPUT;
	if (v > UINT32_MAX)
		return io_jerr(err, doc, json_object_get(o, key),
			       "\"%s\" is too large", key);
	*out = (uint32_t)v;
	return 0;
}

/* "workflow": {"generator": "layered", ...} (workloads/dag.h). */
static int generate_dag(sim_experiment *x, const json_t *g, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	static const char *const keys[] = {
		"generator", "seed", "jobs", "width", "fan_in_min", "fan_in_max",
		"fan_out_max", "span", "stages", "n_types", "size_mean_bytes",
		"size_cv", "file_per_edge", "input_bytes", NULL};
	wl_dag_gen gen = WL_DAG_GEN_DEFAULT;
	gen.n_types = x->profile->n_tasks;
	const char *shape = NULL;
	uint64_t fpe = 0;
	if (io_jcheck_keys(doc, g, keys, err) ||
	    io_jget_str(doc, g, "generator", 1, &shape, err) ||
	    io_jget_u64(doc, g, "seed", 0, &gen.seed, err) ||
	    get_u32(doc, g, "jobs", &gen.jobs, err) ||
	    get_u32(doc, g, "width", &gen.width, err) ||
	    get_u32(doc, g, "fan_in_min", &gen.fan_in_min, err) ||
	    get_u32(doc, g, "fan_in_max", &gen.fan_in_max, err) ||
	    get_u32(doc, g, "fan_out_max", &gen.fan_out_max, err) ||
	    get_u32(doc, g, "span", &gen.span, err) ||
	    get_u32(doc, g, "stages", &gen.stages, err) ||
	    get_u32(doc, g, "n_types", &gen.n_types, err) ||
	    io_jget_nonneg(doc, g, "size_mean_bytes", 0, &gen.size_mean_bytes, err) ||
	    io_jget_nonneg(doc, g, "size_cv", 0, &gen.size_cv, err) ||
	    io_jget_u64(doc, g, "file_per_edge", 0, &fpe, err) ||
	    io_jget_nonneg(doc, g, "input_bytes", 0, &gen.input_bytes, err))
		return IO_EINPUT;
	gen.file_per_edge = fpe != 0;
	int s = wl_dag_shape_from_name(shape);
	if (s < 0)
		return io_jerr(err, doc, json_object_get(g, "generator"),
			       "unknown generator \"%s\" (layered, chain, "
			       "fork_join, montage)", shape);
	gen.shape = (wl_dag_shape)s;
	if (gen.n_types < 1 || gen.n_types > x->profile->n_tasks)
		return io_jerr(err, doc, g,
			       "\"n_types\" must be in 1..%u (the profile's task "
			       "types)", x->profile->n_tasks);
	io_err inner = {0};
	if (wl_dag_generate(&x->wf->generated, &gen, &inner))
		return io_jerr(err, doc, g, "%s", inner.msg);
	x->wf->dag = x->wf->generated;
	return 0;
}

static int load_wms(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	exp_workflow *w = x->wf;
	const json_t *node = json_object_get(doc->root, "wms");
	if (node && json_is_object(node))
		return wms_load_json(&w->wms, doc, node, err);
	if (node && !json_is_string(node))
		return io_jerr(err, doc, node,
			       "\"wms\" must be a system name, a file or an object");
	const char *name = node ? json_string_value(node) : NULL;
	if (!name && w->file && w->file->wms_name) {
		io_err inner = {0};
		if (wms_builtin(&w->wms, w->file->wms_name, &inner) == 0)
			return 0; /* the trace's own system */
		if (inner.code == IO_ENOMEM)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	if (!name || strcmp(name, "none") == 0) {
		memset(&w->wms, 0, sizeof w->wms);
		w->wms.name = strdup("none");
		return w->wms.name ? 0 : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	if (strchr(name, '/') || strstr(name, ".json")) {
		char *path = io_jdoc_resolve(doc, name);
		if (!path)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		int rc = wms_load(&w->wms, path, err);
		free(path);
		return rc;
	}
	io_err inner = {0};
	int rc = wms_builtin(&w->wms, name, &inner);
	if (rc)
		return io_jerr(err, doc, node, "%s", inner.msg);
	return 0;
}

/* "workload": {"workflow": FILE | {"generator": ...}, ...}: the DAG, the
 * WMS model and the derived profile (see sim/sim.h). */
static int load_workflow(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *wl = json_object_get(doc->root, "workload");
	const json_t *wfn = json_is_object(wl) ? json_object_get(wl, "workflow") : NULL;
	if (!wfn)
		return 0;
	static const char *const keys[] = {"workflow", "runtimes", "task_types",
					   "latency_s",
					   "storage_gbps", "nic_gbps",
					   "contention_free", NULL};
	if (io_jcheck_keys(doc, wl, keys, err))
		return IO_EINPUT;
	x->wf = calloc(1, sizeof *x->wf);
	if (!x->wf)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	exp_workflow *w = x->wf;
	const char *runtimes = NULL, *types = NULL;
	double storage_gbps = 0, nic_gbps = 10;
	int cf = 0;
	if (io_jget_str(doc, wl, "runtimes", 0, &runtimes, err) ||
	    io_jget_str(doc, wl, "task_types", 0, &types, err) ||
	    io_jget_nonneg(doc, wl, "latency_s", 0, &w->latency_s, err) ||
	    io_jget_nonneg(doc, wl, "storage_gbps", 0, &storage_gbps, err) ||
	    io_jget_posnum(doc, wl, "nic_gbps", 0, &nic_gbps, err) ||
	    get_bool(doc, wl, "contention_free", &cf, err))
		return IO_EINPUT;
	if (runtimes && strcmp(runtimes, "recorded") != 0 &&
	    strcmp(runtimes, "profile") != 0)
		return io_jerr(err, doc, json_object_get(wl, "runtimes"),
			       "\"runtimes\" must be \"recorded\" or \"profile\"");
	w->use_runtime = !runtimes || strcmp(runtimes, "recorded") == 0;
	if (types && strcmp(types, "category") != 0 && strcmp(types, "job") != 0)
		return io_jerr(err, doc, json_object_get(wl, "task_types"),
			       "\"task_types\" must be \"category\" or \"job\"");
	int by_job = types && strcmp(types, "job") == 0;
	w->storage_bps = storage_gbps * 1e9 / 8;
	w->default_nic_bps = nic_gbps * 1e9 / 8;
	w->contention_free = cf;
	if (json_is_string(wfn)) {
		char *path = io_jdoc_resolve(doc, json_string_value(wfn));
		if (!path)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		int rc = wl_workflow_load(&w->file, path, err);
		free(path);
		if (rc)
			return rc;
		w->dag = w->file->dag;
	} else if (json_is_object(wfn)) {
		if (generate_dag(x, wfn, err))
			return IO_EINPUT;
	} else {
		return io_jerr(err, doc, wfn,
			       "\"workflow\" must be a file name or "
			       "{\"generator\": ...}");
	}
	if (load_wms(x, err))
		return IO_EINPUT;
	const wl_dag *d = w->dag;
	uint32_t n = d->n_jobs ? d->n_jobs : 1;
	w->job_type = malloc(n * sizeof *w->job_type);
	if (!w->job_type)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	memcpy(w->job_type, d->job_type, (size_t)d->n_jobs * sizeof *w->job_type);
	int rc = 0;
	if (w->file && by_job) {
		/* every job a task type of its own, named by its id */
		char **names = malloc(n * sizeof *names);
		if (!names)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		for (uint32_t j = 0; j < d->n_jobs; j++) {
			names[j] = (char *)wl_dag_job_name(d, j);
			w->job_type[j] = j;
			if (!names[j]) {
				free(names);
				return io_jerr(err, doc, json_object_get(wl, "task_types"),
					       "\"task_types\": \"job\" needs named jobs");
			}
		}
		rc = derive_profile(x, names, d->n_jobs, err);
		free(names);
		w->aux_type0 = d->n_jobs;
	} else if (w->file) {
		rc = derive_profile(x, w->file->types.str, w->file->types.n, err);
		w->aux_type0 = w->file->types.n;
	}
	if (w->file) {
		if (!rc && w->file->job_machine) {
			w->job_speed = malloc(n * sizeof *w->job_speed);
			if (!w->job_speed)
				return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			for (uint32_t j = 0; j < d->n_jobs; j++) {
				uint32_t m = w->file->job_machine[j];
				w->job_speed[j] = m == WL_NONE ? NAN
						  : w->file->machines[m].speed_mhz;
			}
		}
	} else {
		uint32_t nt = x->profile->n_tasks;
		char **names = malloc((nt ? nt : 1) * sizeof *names);
		if (!names)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		for (uint32_t t = 0; t < nt; t++)
			names[t] = x->profile->tasks[t].name;
		rc = derive_profile(x, names, nt, err);
		free(names);
		w->aux_type0 = nt;
	}
	return rc;
}

/* One machine index of an anomaly at node v (an element of "machines" or
 * the value of "node"). */
static int anomaly_machine(const sim_experiment *x, const json_t *v,
			   uint32_t *m, io_err *err)
{
	json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
	if (i < 0 || (uint64_t)i >= x->n_machines)
		return io_jerr(err, &x->doc, v,
			       "an anomaly's machine must be an index in 0..%u",
			       x->n_machines - 1);
	*m = (uint32_t)i;
	return 0;
}

/* A loss anomaly's TCP model: "tcp": "pftk" (default) | "mathis",
 * "streams" (> 0, default EXP_LOSS_STREAMS), "rto_s" (> 0, default
 * EXP_LOSS_RTO_S); the last two for pftk only, all three for loss only. */
static int load_loss_tcp(const io_jdoc *doc, const json_t *a, int kind,
			 exp_anomaly *an, io_err *err)
{
	static const char *const keys[] = {"tcp", "streams", "rto_s"};
	for (int i = 0; i < 3; i++)
		if (kind != EXP_ANOM_LOSS && json_object_get(a, keys[i]))
			return io_jerr(err, doc, json_object_get(a, keys[i]),
				       "\"%s\" is for \"loss\" anomalies",
				       keys[i]);
	const char *tcp = NULL;
	if (io_jget_str(doc, a, "tcp", 0, &tcp, err) ||
	    io_jget_posnum(doc, a, "streams", 0, &an->streams, err) ||
	    io_jget_posnum(doc, a, "rto_s", 0, &an->rto_s, err))
		return IO_EINPUT;
	if (tcp && strcmp(tcp, "pftk") && strcmp(tcp, "mathis"))
		return io_jerr(err, doc, json_object_get(a, "tcp"),
			       "\"tcp\" must be \"pftk\" or \"mathis\", not "
			       "\"%s\"", tcp);
	an->tcp_pftk = !tcp || !strcmp(tcp, "pftk");
	for (int i = 1; i < 3; i++)
		if (!an->tcp_pftk && json_object_get(a, keys[i]))
			return io_jerr(err, doc, json_object_get(a, keys[i]),
				       "\"%s\" is for \"tcp\": \"pftk\"",
				       keys[i]);
	if (an->streams > 1e6 || an->rto_s > 3600)
		return io_jerr(err, doc, a, "\"streams\" must be at most 1e6 "
			       "and \"rto_s\" at most 3600 s");
	return 0;
}

/* "cpu_bound": {"TASK_TYPE": share, ...}: the share in [0, 1] of a job's
 * computation that is CPU work (its kickstart CPU time over its
 * computation time in a normal run), the part cpu anomalies slow; types
 * not named: 1. Workflow runs only. */
static int load_cpu_bound(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *o = json_object_get(doc->root, "cpu_bound");
	if (!o)
		return 0;
	if (!x->wf)
		return io_jerr(err, doc, o,
			       "\"cpu_bound\" applies to workflow workloads only");
	if (!json_is_object(o))
		return io_jerr(err, doc, o, "\"cpu_bound\" must be an object of "
			       "task type: share");
	uint32_t n = x->profile->n_tasks;
	x->cpu_bound = malloc((n ? n : 1) * sizeof *x->cpu_bound);
	if (!x->cpu_bound)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (uint32_t i = 0; i < n; i++)
		x->cpu_bound[i] = 1;
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		int t = prof_task_index(x->profile, k);
		if (t < 0)
			return io_jerr(err, doc, v, "\"cpu_bound\": no task type "
				       "\"%s\" in the workflow", k);
		if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
		    json_number_value(v) > 1)
			return io_jerr(err, doc, v, "\"cpu_bound\" of \"%s\" must "
				       "be a number in [0, 1]", k);
		x->cpu_bound[t] = json_number_value(v);
	}
	return 0;
}

/* "anomalies": [{"kind": "cpu"|"hdd"|"loss", "cores" | "mb_per_s" |
 * "percent", "machines": [i, ...] | "node": i, "start_s", "end_s",
 * hdd: "disk_mb_per_s", "submit_mb", "submit_disk_mb_per_s",
 * "transfer_mb_per_s"}] (sim/sim.h). Workflow runs only. */
static int load_anomalies(sim_experiment *x, io_err *err)
{
	const io_jdoc *doc = &x->doc;
	const json_t *list = json_object_get(doc->root, "anomalies");
	if (!list)
		return 0;
	if (!x->wf)
		return io_jerr(err, doc, list,
			       "\"anomalies\" apply to workflow workloads only");
	if (!json_is_array(list))
		return io_jerr(err, doc, list, "\"anomalies\" must be an array");
	size_t n = json_array_size(list);
	x->anomalies = calloc(n ? n : 1, sizeof *x->anomalies);
	if (!x->anomalies)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	static const char *const keys[] = {"kind", "cores", "mb_per_s",
					   "disk_mb_per_s", "submit_mb",
					   "submit_disk_mb_per_s",
					   "transfer_mb_per_s", "percent", "tcp",
					   "streams", "rto_s", "machines",
					   "node", "start_s", "end_s", NULL};
	static const char *const kinds[] = {"cpu", "hdd", "loss"};
	static const char *const value_key[] = {"cores", "mb_per_s", "percent"};
	for (size_t i = 0; i < n; i++) {
		const json_t *a = json_array_get(list, i);
		exp_anomaly *an = &x->anomalies[i];
		x->n_anomalies = i + 1;
		if (!json_is_object(a))
			return io_jerr_at(err, doc, list, NULL, i,
					  "an anomaly must be an object");
		const char *kind = NULL;
		if (io_jcheck_keys(doc, a, keys, err) ||
		    io_jget_str(doc, a, "kind", 1, &kind, err))
			return IO_EINPUT;
		int k = -1;
		for (int c = 0; c < 3; c++)
			if (!strcmp(kind, kinds[c]))
				k = c;
		if (k < 0)
			return io_jerr(err, doc, json_object_get(a, "kind"),
				       "an anomaly's \"kind\" must be \"cpu\", "
				       "\"hdd\" or \"loss\", not \"%s\"", kind);
		an->kind = (exp_anomaly_kind)k;
		for (int c = 0; c < 3; c++)
			if (c != k && json_object_get(a, value_key[c]))
				return io_jerr(err, doc, json_object_get(a, value_key[c]),
					       "\"%s\" is not for a \"%s\" anomaly "
					       "(it takes \"%s\")", value_key[c],
					       kind, value_key[k]);
		an->disk_mb_per_s = EXP_DISK_MB_PER_S;
		an->submit_mb = EXP_SUBMIT_MB;
		an->submit_disk_mb_per_s = EXP_SUBMIT_DISK_MB_PER_S;
		an->transfer_mb_per_s = EXP_TRANSFER_MB_PER_S;
		an->tcp_pftk = 1;
		an->streams = EXP_LOSS_STREAMS;
		an->rto_s = EXP_LOSS_RTO_S;
		an->t0 = 0;
		an->t1 = SIM_MAX_TIME_S;
		if (io_jget_posnum(doc, a, value_key[k], 1, &an->value, err) ||
		    io_jget_nonneg(doc, a, "start_s", 0, &an->t0, err) ||
		    io_jget_nonneg(doc, a, "end_s", 0, &an->t1, err) ||
		    io_jget_posnum(doc, a, "disk_mb_per_s", 0, &an->disk_mb_per_s,
				   err) ||
		    io_jget_nonneg(doc, a, "submit_mb", 0, &an->submit_mb, err) ||
		    io_jget_posnum(doc, a, "submit_disk_mb_per_s", 0,
				   &an->submit_disk_mb_per_s, err) ||
		    io_jget_posnum(doc, a, "transfer_mb_per_s", 0,
				   &an->transfer_mb_per_s, err))
			return IO_EINPUT;
		static const char *const hdd_keys[] = {"disk_mb_per_s",
						       "submit_mb",
						       "submit_disk_mb_per_s",
						       "transfer_mb_per_s"};
		for (int c = 0; c < 4; c++)
			if (k != EXP_ANOM_HDD && json_object_get(a, hdd_keys[c]))
				return io_jerr(err, doc,
					       json_object_get(a, hdd_keys[c]),
					       "\"%s\" is for \"hdd\" anomalies",
					       hdd_keys[c]);
		if (an->submit_mb > 1e9)
			return io_jerr(err, doc, json_object_get(a, "submit_mb"),
				       "\"submit_mb\" %g is not a plausible "
				       "size (MB)", an->submit_mb);
		if (an->submit_disk_mb_per_s > 1e9 || an->transfer_mb_per_s > 1e9)
			return io_jerr(err, doc, a,
				       "\"submit_disk_mb_per_s\" and "
				       "\"transfer_mb_per_s\" must be at most "
				       "1e9 MB/s");
		if (load_loss_tcp(doc, a, k, an, err))
			return IO_EINPUT;
		const json_t *vn = json_object_get(a, value_key[k]);
		if (k == EXP_ANOM_CPU && (an->value != floor(an->value) ||
					  an->value > 1e6))
			return io_jerr(err, doc, vn,
				       "\"cores\" must be a whole number of cores");
		if (k == EXP_ANOM_HDD && !(an->value < an->disk_mb_per_s))
			return io_jerr(err, doc, vn,
				       "\"mb_per_s\" %g must be below the disk's "
				       "bandwidth \"disk_mb_per_s\" %g",
				       an->value, an->disk_mb_per_s);
		if (k == EXP_ANOM_LOSS && !(an->value < 100))
			return io_jerr(err, doc, vn,
				       "\"percent\" must be in (0, 100)");
		if (k == EXP_ANOM_LOSS && !(x->wf->latency_s > 0))
			return io_jerr(err, doc, vn,
				       "packet loss needs a round-trip time: the "
				       "workload's \"latency_s\" must be > 0 (the "
				       "Mathis cap, sim/net.h)");
		if (!(an->t1 > an->t0) || an->t1 > SIM_MAX_TIME_S)
			return io_jerr_at(err, doc, a,
					  json_object_get(a, "end_s") ? "end_s"
								      : "start_s",
					  0,
					  "an anomaly's window needs start_s < "
					  "end_s <= %g", SIM_MAX_TIME_S);
		const json_t *ms = json_object_get(a, "machines"),
			     *node = json_object_get(a, "node");
		if (!ms == !node)
			return io_jerr(err, doc, a,
				       "an anomaly needs \"machines\": [i, ...] "
				       "or \"node\": i (one of them)");
		if (ms && (!json_is_array(ms) || json_array_size(ms) == 0))
			return io_jerr(err, doc, ms,
				       "\"machines\" must be a non-empty array "
				       "of machine indices");
		size_t nm = ms ? json_array_size(ms) : 1;
		an->machines = malloc(nm * sizeof *an->machines);
		if (!an->machines)
			return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		an->n_machines = (uint32_t)nm;
		for (size_t j = 0; j < nm; j++)
			if (anomaly_machine(x, ms ? json_array_get(ms, j) : node,
					    &an->machines[j], err))
				return IO_EINPUT;
	}
	return 0;
}

int sim_experiment_load(sim_experiment **out, const char *path, io_err *err)
{
	return sim_experiment_load_set(out, path, NULL, 0, err);
}

int sim_experiment_load_set(sim_experiment **out, const char *path,
			    const char *const *sets, size_t n_sets,
			    io_err *err)
{
	*out = NULL;
	sim_experiment *x = calloc(1, sizeof *x);
	if (!x)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	int rc = io_jdoc_load(&x->doc, path, err);
	const io_jdoc *doc = &x->doc;
	if (!rc && !json_is_object(doc->root))
		rc = io_jerr(err, doc, doc->root,
			       "an experiment must be a JSON object");
	for (size_t i = 0; !rc && i < n_sets; i++)
		rc = apply_set(doc->root, sets[i], path, err);
	static const char *const keys[] = {
		"name",     "description", "profile",  "machines",
		"queue",    "workload",    "deadline", "policy",
		"policies", "seed",        "replications",
		"exec_rank_correlation",   "output",   "drop",
		"pruning",  "billing_granularity_s",   "merging",
		"clairvoyant", "wms", "anomalies", "cpu_bound", "tie_break",
		"readiness",
		"e2c_config", "serving", NULL};
	if (!rc)
		rc = io_jcheck_keys(doc, doc->root, keys, err);
	const char *name = NULL;
	if (!rc)
		rc = io_jget_str(doc, doc->root, "name", 0, &name, err);
	if (!rc) {
		x->name = name ? strdup(name) : base_name(path);
		if (!x->name)
			rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	uint32_t qcap = SIM_UNBOUNDED;
	uint64_t reps = 1;
	x->seed = 1;
	x->exec_rank_correlation = 1.0;
	if (!rc)
		rc = prof_e2c_config(doc, doc->root, err);
	if (!rc)
		rc = load_profile(x, err);
	if (!rc)
		rc = load_workflow(x, err);
	if (!rc && !x->wf && json_object_get(doc->root, "wms"))
		rc = io_jerr(err, doc, json_object_get(doc->root, "wms"),
			     "\"wms\" applies to workflow workloads only");
	if (!rc)
		rc = load_queue(x, &qcap, err);
	if (!rc)
		rc = load_machines(x, qcap, err);
	if (!rc)
		rc = load_anomalies(x, err);
	if (!rc)
		rc = load_cpu_bound(x, err);
	if (!rc)
		rc = check_profile_times(x, err);
	if (!rc)
		rc = load_deadline(x, err);
	if (!rc)
		rc = load_policies(x, err);
	if (!rc)
		rc = io_jget_u64(doc, doc->root, "seed", 0, &x->seed, err);
	if (!rc)
		rc = io_jget_u64(doc, doc->root, "replications", 0, &reps, err);
	if (!rc && (reps < 1 || reps > 100000))
		rc = io_jerr(err, doc, json_object_get(doc->root, "replications"),
			       "\"replications\" must be in 1..100000");
	x->replications = reps;
	if (!rc)
		rc = load_drop_and_pruning(x, err);
	if (!rc)
		rc = load_merging(x, err);
	if (!rc)
		rc = get_bool(doc, doc->root, "clairvoyant", &x->clairvoyant,
			      err);
	if (!rc)
		rc = get_choice(doc, "tie_break", "lowest", "random",
				&x->tie_random, err);
	if (!rc)
		rc = get_choice(doc, "readiness", "hetsim", "e2c",
				&x->readiness_e2c, err);
	if (!rc)
		rc = io_jget_nonneg(doc, doc->root, "billing_granularity_s", 0,
				      &x->billing_granularity_s, err);
	if (!rc)
		rc = io_jget_nonneg(doc, doc->root, "exec_rank_correlation", 0,
				      &x->exec_rank_correlation, err);
	if (!rc && x->exec_rank_correlation > 1)
		rc = io_jerr(err, doc,
			       json_object_get(doc->root, "exec_rank_correlation"),
			       "\"exec_rank_correlation\" must be in [0, 1]");
	if (!rc) {
		x->workload = json_object_get(doc->root, "workload");
		if (!json_is_object(x->workload))
			rc = io_jerr(err, doc, x->workload ? x->workload : doc->root,
				       "\"workload\" must be an object");
	}
	if (!rc)
		rc = load_serving(x, err);
	if (!rc)
		rc = load_output(x, err);
	/* set every run up once now, so that a bad policy parameter or
	 * workload is reported before any run writes anything */
	sim_run_opts vo = SIM_RUN_OPTS_DEFAULT;
	for (size_t i = 0; !rc && i < x->n_policies; i++)
		rc = sim_engine_run(x, &x->policies[i], &vo, 1, NULL, err);
	if (rc) {
		sim_experiment_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

int sim_run_policy(const sim_experiment *x, size_t i, const sim_run_opts *o,
		   sim_result *res, io_err *err)
{
	return sim_engine_run(x, &x->policies[i], o, 0, res, err);
}

static void print_header(FILE *f, const sim_experiment *x, uint64_t seed)
{
	fprintf(f, "experiment %s: %u machines, seed %llu\n", x->name,
		x->n_machines, (unsigned long long)seed);
	fprintf(f, "%-12s %9s %8s %8s %7s %9s %9s %9s %9s %6s %10s %9s %8s\n",
		"policy", "completed", "dropped", "missed", "met%", "resp_mean",
		"resp_p95", "resp_p99", "makespan", "util%", "energy_kJ",
		"cost_usd", "wall_s");
}

static void print_row(FILE *f, const sim_result *r)
{
	double met = r->arrived ? 100.0 * (double)(r->completed - r->deadline_missed) /
					  (double)r->arrived
				: 0;
	fprintf(f,
		"%-12s %9llu %8llu %8llu %7.2f %9.4f %9.4f %9.4f %9.2f %6.1f "
		"%10.2f %9.4f %8.3f\n",
		r->label, (unsigned long long)r->completed,
		(unsigned long long)r->dropped,
		(unsigned long long)r->deadline_missed, met, r->response_mean_s,
		r->response_p95_s, r->response_p99_s, r->makespan_s,
		100 * r->utilization_mean, r->energy_j / 1000, r->cost_usd,
		r->wall_s);
	fflush(f);
}

/* comparison.csv: one row per policy, the table's columns (without wall
 * time, so that the file is a deterministic function of the seed). */
static int write_comparison(const char *dir, const sim_result *rs, size_t n,
			    io_err *err)
{
	size_t cap = 256 + n * 400, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	len += (size_t)snprintf(buf, cap,
		"policy,arrived,completed,dropped,deadline_missed,"
		"response_mean_s,response_p50_s,response_p95_s,response_p99_s,"
		"makespan_s,utilization_mean,energy_j,cost_usd\n");
	for (size_t i = 0; i < n; i++) {
		const sim_result *r = &rs[i];
		len += (size_t)snprintf(buf + len, cap - len,
			"%s,%llu,%llu,%llu,%llu,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n",
			r->label, (unsigned long long)r->arrived,
			(unsigned long long)r->completed,
			(unsigned long long)r->dropped,
			(unsigned long long)r->deadline_missed, r->response_mean_s,
			r->response_p50_s, r->response_p95_s, r->response_p99_s,
			r->makespan_s, r->utilization_mean, r->energy_j, r->cost_usd);
	}
	char *path = sim_pathf("%s/comparison.csv", dir);
	int rc = path ? sim_write_text(path, buf, len, err)
		      : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	free(path);
	free(buf);
	return rc;
}

static const char *const metric_names[SIM_N_METRICS] = {
	"completed",         "dropped",          "deadline_missed",
	"deadline_met_fraction", "response_mean_s", "response_p50_s",
	"response_p95_s",    "response_p99_s",   "makespan_s",
	"utilization_mean",  "energy_j",         "cost_usd",
	"mean_in_system",    "throughput_per_s", "merged_requests",
	"machine_time_saved_s"};

const char *sim_metric_name(int i) { return metric_names[i]; }

double sim_metric_value(const sim_result *r, int i)
{
	switch (i) {
	case 0: return (double)r->completed;
	case 1: return (double)r->dropped;
	case 2: return (double)r->deadline_missed;
	case 3:
		return r->arrived ? (double)(r->completed - r->deadline_missed) /
					    (double)r->arrived
				  : 0;
	case 4: return r->response_mean_s;
	case 5: return r->response_p50_s;
	case 6: return r->response_p95_s;
	case 7: return r->response_p99_s;
	case 8: return r->makespan_s;
	case 9: return r->utilization_mean;
	case 10: return r->energy_j;
	case 11: return r->cost_usd;
	case 12: return r->mean_in_system;
	case 13: return r->throughput_per_s;
	case 14: return (double)r->merged;
	default: return r->saved_s;
	}
}

/* values[r] of metric k over the replications of one policy */
static void metric_values(const sim_result *rs, size_t reps, int k, double *out)
{
	for (size_t r = 0; r < reps; r++)
		out[r] = sim_metric_value(&rs[r], k);
}

static int write_aggregate(const char *path, const sim_experiment *x,
			   const sim_result *rs, size_t reps, uint64_t seed0,
			   io_err *err)
{
	double *v = malloc(reps * sizeof *v);
	json_t *o = json_object(), *seeds = json_array(), *metrics = json_object();
	if (!v || !o || !seeds || !metrics) {
		free(v);
		json_decref(o);
		json_decref(seeds);
		json_decref(metrics);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	json_object_set_new(o, "hetsim_version", json_string(HETSIM_VERSION));
	json_object_set_new(o, "experiment", json_string(x->name));
	json_object_set_new(o, "policy", json_string(rs[0].label));
	json_object_set_new(o, "replications", json_integer((json_int_t)reps));
	for (size_t r = 0; r < reps; r++)
		json_array_append_new(seeds, json_integer((json_int_t)(seed0 + r)));
	json_object_set_new(o, "seeds", seeds);
	for (int k = 0; k < SIM_N_METRICS; k++) {
		metric_values(rs, reps, k, v);
		sim_ci ci = sim_ci_mean(v, reps);
		json_t *m = json_object(), *vals = json_array();
		json_object_set_new(m, "mean", sim_json_num(ci.mean));
		if (reps > 1) {
			json_object_set_new(m, "ci95_low", sim_json_num(ci.mean - ci.half));
			json_object_set_new(m, "ci95_high", sim_json_num(ci.mean + ci.half));
		}
		for (size_t r = 0; r < reps; r++)
			json_array_append_new(vals, sim_json_num(v[r]));
		json_object_set_new(m, "values", vals);
		json_object_set_new(metrics, metric_names[k], m);
	}
	json_object_set_new(o, "metrics", metrics);
	int rc = sim_write_json(path, o, err);
	json_decref(o);
	free(v);
	return rc;
}

/* Long format: policy, metric, mean and CI, and the paired difference
 * against the first policy with its CI (common random numbers). */
static int write_replicated_comparison(const char *dir, const sim_result *rs,
				       size_t n_pol, size_t reps, io_err *err)
{
	size_t cap = 256 + n_pol * SIM_N_METRICS * 240, len = 0;
	char *buf = malloc(cap);
	double *a = malloc(reps * sizeof *a), *b = malloc(reps * sizeof *b);
	if (!buf || !a || !b) {
		free(buf);
		free(a);
		free(b);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	len += (size_t)snprintf(buf, cap,
				"policy,metric,mean,ci95_low,ci95_high,diff_vs_%s,"
				"diff_ci95_low,diff_ci95_high\n", rs[0].label);
	for (size_t p = 0; p < n_pol; p++)
		for (int k = 0; k < SIM_N_METRICS; k++) {
			metric_values(rs, reps, k, a);
			metric_values(rs + p * reps, reps, k, b);
			sim_ci c = sim_ci_mean(b, reps), d = sim_ci_paired(a, b, reps);
			len += (size_t)snprintf(buf + len, cap - len,
						"%s,%s,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n",
						rs[p * reps].label, metric_names[k], c.mean,
						c.mean - c.half, c.mean + c.half, d.mean,
						d.mean - d.half, d.mean + d.half);
		}
	char *path = sim_pathf("%s/comparison.csv", dir);
	int rc = path ? sim_write_text(path, buf, len, err)
		      : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	free(path);
	free(buf);
	free(a);
	free(b);
	return rc;
}

static void print_replicated(FILE *f, const sim_result *rs, size_t reps,
			     const sim_result *first)
{
	double v[4][2];
	int ks[4] = {3, 4, 6, 10}; /* met fraction, mean, p95, energy */
	double *a = malloc(reps * sizeof *a), *b = malloc(reps * sizeof *b);
	if (!a || !b) {
		free(a);
		free(b);
		return;
	}
	for (int i = 0; i < 4; i++) {
		metric_values(rs, reps, ks[i], b);
		sim_ci c = sim_ci_mean(b, reps);
		v[i][0] = c.mean;
		v[i][1] = c.half;
	}
	metric_values(first, reps, 3, a);
	metric_values(rs, reps, 3, b);
	sim_ci d = sim_ci_paired(a, b, reps);
	fprintf(f, "%-12s %7.2f ± %-5.2f %9.4f ± %-7.4f %9.4f ± %-7.4f %9.2f ± %-6.2f %+7.2f ± %-5.2f%s\n",
		rs[0].label, 100 * v[0][0], 100 * v[0][1], v[1][0], v[1][1], v[2][0],
		v[2][1], v[3][0] / 1000, v[3][1] / 1000, 100 * d.mean, 100 * d.half,
		rs == first ? "" : (d.mean - d.half > 0 || d.mean + d.half < 0) ? " *" : "");
	fflush(f);
	free(a);
	free(b);
}

/* Tasks of one run: --tasks, else what the workload expects (0: unknown,
 * a trace). */
static int expected_tasks(const sim_experiment *x, const sim_run_opts *o,
			  uint64_t *n, io_err *err)
{
	*n = o->tasks;
	if (x->wf) /* a workflow's jobs; --tasks does not apply */
		*n = x->wf->dag->n_jobs;
	if (o->tasks || x->wf)
		return 0;
	wl_source *src = NULL;
	int rc = wl_source_from_json(&src, &x->doc, x->workload, x->profile,
				     x->seed, err);
	if (!rc)
		*n = wl_expected_tasks(src);
	wl_free(src);
	return rc;
}

/* Refuse more than SIM_MAX_TASKS tasks in all without --force; announce
 * anything above SIM_ANNOUNCE_TASKS on stderr (when there is a console). */
static int check_size(const sim_experiment *x, const sim_run_opts *o,
		      size_t n_pol, size_t reps, int announce, io_err *err)
{
	uint64_t per_run = 0;
	int rc = expected_tasks(x, o, &per_run, err);
	if (rc || per_run == 0)
		return rc;
	double total = (double)per_run * (double)n_pol * (double)reps;
	double hours = total / SIM_TASKS_PER_S / 3600;
	if (total > SIM_MAX_TASKS && !o->force) {
		const char *what = "tasks";
		if (o->tasks)
			return io_errf(err, IO_EINPUT, NULL, 0,
					 "--tasks %llu: %.3g tasks in all (%zu "
					 "policies x %zu replications), more than "
					 "%.0e: about %.3g h at ~2 M tasks/s; add "
					 "--force to run it anyway",
					 (unsigned long long)o->tasks, total, n_pol,
					 reps, SIM_MAX_TASKS, hours);
		const json_t *node = json_object_get(x->workload, what);
		return io_jerr(err, &x->doc, node ? node : x->workload,
				 "workload: %.3g tasks in all (%llu per run x %zu "
				 "policies x %zu replications), more than %.0e: "
				 "about %.3g h at ~2 M tasks/s; add --force to "
				 "run it anyway",
				 total, (unsigned long long)per_run, n_pol, reps,
				 SIM_MAX_TASKS, hours);
	}
	if (total > SIM_ANNOUNCE_TASKS && announce)
		fprintf(stderr,
			"hetsim: %llu tasks x %zu policies x %zu replications = "
			"%.3g tasks: about %.3g h at ~2 M tasks/s\n",
			(unsigned long long)per_run, n_pol, reps, total, hours);
	return 0;
}

/* The manifest's description of the run (out.h). */
static json_t *run_info(const sim_experiment *x, uint64_t seed0, size_t reps,
			const sim_result *rs, size_t n_pol)
{
	json_t *o = json_object(), *pols = json_array();
	if (!o || !pols) {
		json_decref(o);
		json_decref(pols);
		return NULL;
	}
	json_object_set_new(o, "hetsim_version", json_string(HETSIM_VERSION));
	json_object_set_new(o, "experiment", json_string(x->name));
	json_object_set_new(o, "seed", json_integer((json_int_t)seed0));
	json_object_set_new(o, "replications", json_integer((json_int_t)reps));
	for (size_t i = 0; i < n_pol; i++)
		json_array_append_new(pols, json_string(rs[i * reps].label));
	json_object_set_new(o, "policies", pols);
	return o;
}

int sim_run_experiment(const sim_experiment *x, const sim_run_opts *o,
		       FILE *console, sim_result *results, io_err *err)
{
	size_t first = 0, last = x->n_policies;
	exp_policy only = {0};
	const exp_policy *list = x->policies;
	if (o->policy) {
		size_t i;
		for (i = 0; i < x->n_policies; i++)
			if (strcmp(x->policies[i].policy->name, o->policy) == 0)
				break;
		if (i < x->n_policies) {
			first = i;
			last = i + 1;
		} else {
			only.policy = pol_find(o->policy);
			if (!only.policy)
				return io_errf(err, IO_EINPUT, NULL, 0,
						 "unknown policy \"%s\" (see: hetsim policies)",
						 o->policy);
			list = &only;
			first = 0;
			last = 1;
			int rc = sim_engine_run(x, &only, o, 1, NULL, err);
			if (rc)
				return rc;
		}
	}
	size_t n_pol = last - first, reps = x->replications;
	uint64_t seed0 = o->has_seed ? o->seed : x->seed;
	int rc = check_size(x, o, n_pol, reps, console != NULL, err);
	if (rc)
		return rc;
	sim_result *rs = calloc(n_pol * reps, sizeof *rs);
	if (!rs)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	const char *out = o->out_dir ? o->out_dir : x->out_dir;
	/* every file goes to the staging dir first (out.h) */
	sim_outset *set = NULL;
	if (out && *out)
		rc = sim_outset_begin(&set, out, err);
	const char *dir = set ? sim_outset_dir(set) : "";
	int show = console && !o->quiet;
	if (show && reps == 1 && !rc)
		print_header(console, x, seed0);
	if (show && reps > 1 && !rc) {
		fprintf(console, "experiment %s: %u machines, %zu replications (seeds %llu..%llu), "
				 "mean ± 95%% CI half-width\n",
			x->name, x->n_machines, reps, (unsigned long long)seed0,
			(unsigned long long)(seed0 + reps - 1));
		fprintf(console, "%-12s %15s %19s %19s %18s %15s\n", "policy", "met%",
			"resp_mean_s", "resp_p95_s", "energy_kJ", "met% vs first");
	}
	for (size_t i = first; i < last && !rc; i++) {
		sim_result *pr = rs + (i - first) * reps;
		char sub[64] = "";
		if (reps > 1) { /* the label (e.g. kpb(30%)) comes from the policy */
			sim_result probe;
			rc = sim_engine_run(x, &list[i], o, 1, &probe, err);
			sim_label_to_dir(probe.label, sub, sizeof sub);
		}
		for (size_t r = 0; r < reps && !rc; r++) {
			sim_run_opts ro = *o;
			ro.has_seed = 1;
			ro.seed = seed0 + r;
			ro.out_dir = dir;
			char *run_dir = NULL;
			if (reps > 1 && *dir) {
				run_dir = sim_pathf("%s/%s/rep-%03zu", dir, sub, r);
				if (!run_dir) {
					rc = io_errf(err, IO_ENOMEM, NULL, 0,
						       "out of memory");
					break;
				}
				ro.run_dir = run_dir;
			}
			rc = sim_engine_run(x, &list[i], &ro, 0, &pr[r], err);
			free(run_dir);
		}
		if (rc)
			break;
		if (reps == 1) {
			if (show)
				print_row(console, &pr[0]);
			continue;
		}
		if (*dir) {
			char *path = sim_pathf("%s/%s/summary.json", dir, sub);
			rc = path ? write_aggregate(path, x, pr, reps, seed0, err)
				  : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
			free(path);
		}
		if (show)
			print_replicated(console, pr, reps, rs);
	}
	if (!rc && *dir && n_pol > 1)
		rc = reps == 1 ? write_comparison(dir, rs, n_pol, err)
			       : write_replicated_comparison(dir, rs, n_pol, reps, err);
	if (!rc && set) {
		json_t *info = run_info(x, seed0, reps, rs, n_pol);
		rc = info ? sim_outset_commit(set, info, err)
			  : io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
		json_decref(info);
	}
	int wrote = set != NULL;
	if (rc)
		sim_outset_name_final(set, err);
	sim_outset_free(set);
	if (!rc && show && wrote)
		fprintf(console, "outputs in %s/\n", out);
	if (results)
		for (size_t i = 0; i < n_pol; i++)
			results[i] = rs[i * reps]; /* replication 0 of each */
	free(rs);
	return rc;
}
