/* workloads/workflow.c — a workflow read from a file: the structure both
 * loaders fill, format detection, total runtime and critical path (see
 * workflow.h); wl_workflow_load is in workflow_load.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "workloads/workflow.h"

/* ---- string table ----------------------------------------------------- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

int64_t wl_strtab_find(const wl_strtab *t, const char *s)
{
	if (!t->mask)
		return -1;
	uint32_t k = (uint32_t)str_hash(s) & t->mask;
	for (uint32_t v; (v = t->slot[k]) != 0; k = (k + 1) & t->mask)
		if (strcmp(t->str[v - 1], s) == 0)
			return (int64_t)v - 1;
	return -1;
}

static int strtab_rehash(wl_strtab *t)
{
	uint32_t cap = t->mask ? 2 * (t->mask + 1) : 16;
	if (cap == 0)
		return -1;
	uint32_t *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -1;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t k = (uint32_t)str_hash(t->str[i]) & (cap - 1);
		while (slot[k])
			k = (k + 1) & (cap - 1);
		slot[k] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->mask = cap - 1;
	return 0;
}

int64_t wl_strtab_intern(wl_strtab *t, const char *s)
{
	int64_t i = wl_strtab_find(t, s);
	if (i >= 0)
		return i;
	if (t->n == UINT32_MAX - 1)
		return -1;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? 2 * t->cap : 16;
		char **p = realloc(t->str, (size_t)cap * sizeof *p);
		if (!p)
			return -1;
		t->str = p;
		t->cap = cap;
	}
	if ((t->n + 1) * 2 > t->mask + 1 && strtab_rehash(t))
		return -1;
	char *copy = strdup(s);
	if (!copy)
		return -1;
	uint32_t k = (uint32_t)str_hash(s) & t->mask;
	while (t->slot[k])
		k = (k + 1) & t->mask;
	t->str[t->n] = copy;
	t->slot[k] = t->n + 1;
	return t->n++;
}

void wl_strtab_free(wl_strtab *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* ---- workflow --------------------------------------------------------- */

wl_workflow *wl_workflow_new(const char *label, wl_wf_format format)
{
	wl_workflow *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->dag = wl_dag_new(label);
	if (!w->dag) {
		free(w);
		return NULL;
	}
	w->format = format;
	w->makespan_s = NAN;
	return w;
}

void wl_workflow_free(wl_workflow *w)
{
	if (!w)
		return;
	wl_dag_free(w->dag);
	free(w->version);
	free(w->name);
	wl_strtab_free(&w->types);
	for (uint32_t i = 0; i < w->n_machines; i++)
		free(w->machines[i].name);
	free(w->machines);
	free(w->job_machine);
	free(w->job_avg_cpu);
	free(w->wms_name);
	free(w->wms_version);
	free(w);
}

const char *wl_workflow_format_name(wl_wf_format f)
{
	return f == WL_WF_DAX ? "dax" : "wfformat";
}

int64_t wl_workflow_type(wl_workflow *w, const char *category)
{
	return wl_strtab_intern(&w->types, category);
}

double wl_workflow_total_runtime(const wl_workflow *w)
{
	double s = 0;
	for (uint32_t j = 0; j < w->dag->n_jobs; j++) {
		double r = wl_dag_runtime(w->dag, j);
		if (!isnan(r))
			s += r;
	}
	return s;
}

double wl_workflow_critical_path(const wl_workflow *w)
{
	const wl_dag *d = w->dag;
	if (!d->n_jobs)
		return 0;
	double *finish = malloc((size_t)d->n_jobs * sizeof *finish);
	if (!finish)
		return NAN;
	double longest = 0;
	for (uint32_t k = 0; k < d->n_jobs; k++) {
		uint32_t j = d->topo[k];
		double start = 0;
		for (uint32_t i = d->par_off[j]; i < d->par_off[j + 1]; i++)
			if (finish[d->par[i]] > start)
				start = finish[d->par[i]];
		double r = wl_dag_runtime(d, j);
		finish[j] = start + (isnan(r) ? 0 : r);
		if (finish[j] > longest)
			longest = finish[j];
	}
	free(finish);
	return longest;
}
