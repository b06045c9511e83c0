/* workloads/dag.c — DAG of jobs and files: builder, validation, CSR arrays,
 * synthetic generators (see dag.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/base/rng.h"
#include "workloads/dag.h"

static int nomem(io_err *err)
{
	return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
}

/* Grow *p (elements of elem bytes, capacity *cap) to hold need. */
static int grow_array(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

wl_dag *wl_dag_new(const char *label)
{
	wl_dag *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->label = strdup(label && *label ? label : "dag");
	if (!d->label) {
		free(d);
		return NULL;
	}
	return d;
}

static void free_builder(wl_dag *d)
{
	free(d->in_j);
	free(d->in_f);
	free(d->out_j);
	free(d->out_f);
	free(d->xp_c);
	free(d->xp_p);
	d->in_j = d->in_f = d->out_j = d->out_f = d->xp_c = d->xp_p = NULL;
	d->n_in = d->n_out = d->n_xp = 0;
	d->cap_in = d->cap_out = d->cap_xp = 0;
}

void wl_dag_free(wl_dag *d)
{
	if (!d)
		return;
	free_builder(d);
	free(d->label);
	free(d->job_type);
	free(d->job_runtime_s);
	free(d->job_work);
	free(d->job_name);
	free(d->job_line);
	free(d->file_size);
	free(d->file_producer);
	free(d->file_name);
	free(d->in_off);
	free(d->in_file);
	free(d->out_off);
	free(d->out_file);
	free(d->par_off);
	free(d->par);
	free(d->child_off);
	free(d->child);
	free(d->cons_off);
	free(d->cons);
	free(d->topo);
	free(d->names);
	free(d->job_index.slot);
	free(d->file_index.slot);
	free(d);
}

/* ---- names ------------------------------------------------------------ */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static int name_index_grow(wl_name_index *ix, const char *names,
			   const uint32_t *offs)
{
	uint32_t cap = ix->mask ? 2 * (ix->mask + 1) : 64;
	if (cap == 0)
		return -1;
	uint32_t *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -1;
	for (uint32_t i = 0; ix->mask && i <= ix->mask; i++) {
		uint32_t v = ix->slot[i];
		if (!v)
			continue;
		uint32_t k = (uint32_t)name_hash(names + offs[v - 1]) & (cap - 1);
		while (slot[k])
			k = (k + 1) & (cap - 1);
		slot[k] = v;
	}
	free(ix->slot);
	ix->slot = slot;
	ix->mask = cap - 1;
	return 0;
}

static int64_t name_find(const wl_name_index *ix, const char *names,
			 const uint32_t *offs, const char *name)
{
	if (!ix->mask || !name)
		return -1;
	uint32_t k = (uint32_t)name_hash(name) & ix->mask;
	for (uint32_t v; (v = ix->slot[k]) != 0; k = (k + 1) & ix->mask)
		if (strcmp(names + offs[v - 1], name) == 0)
			return (int64_t)v - 1;
	return -1;
}

/* Store name for item idx of an index (offs is the item's name array). */
static int name_add(wl_dag *d, wl_name_index *ix, uint32_t *offs, uint32_t idx,
		    const char *name)
{
	size_t len = strlen(name) + 1;
	if (d->names_len + len > UINT32_MAX)
		return -1;
	if (grow_array((void **)&d->names, &d->names_cap, d->names_len + len, 1))
		return -1;
	memcpy(d->names + d->names_len, name, len);
	offs[idx] = (uint32_t)d->names_len;
	d->names_len += len;
	if ((ix->used + 1) * 2 > ix->mask + 1 &&
	    name_index_grow(ix, d->names, offs))
		return -1;
	uint32_t k = (uint32_t)name_hash(name) & ix->mask;
	while (ix->slot[k])
		k = (k + 1) & ix->mask;
	ix->slot[k] = idx + 1;
	ix->used++;
	return 0;
}

int64_t wl_dag_find_job(const wl_dag *d, const char *name)
{
	return d->job_name ? name_find(&d->job_index, d->names, d->job_name, name)
			   : -1;
}

int64_t wl_dag_find_file(const wl_dag *d, const char *name)
{
	return d->file_name
		       ? name_find(&d->file_index, d->names, d->file_name, name)
		       : -1;
}

const char *wl_dag_job_name(const wl_dag *d, uint32_t job)
{
	if (!d->job_name || job >= d->n_jobs || d->job_name[job] == WL_NONE)
		return NULL;
	return d->names + d->job_name[job];
}

const char *wl_dag_file_name(const wl_dag *d, uint32_t file)
{
	if (!d->file_name || file >= d->n_files ||
	    d->file_name[file] == WL_NONE)
		return NULL;
	return d->names + d->file_name[file];
}

const char *wl_dag_job_label(const wl_dag *d, uint32_t job, char *buf,
			     size_t cap)
{
	const char *n = wl_dag_job_name(d, job);
	if (n)
		snprintf(buf, cap, "'%s'", n);
	else
		snprintf(buf, cap, "#%u", job);
	return buf;
}

static const char *file_label(const wl_dag *d, uint32_t file, char *buf,
			      size_t cap)
{
	const char *n = wl_dag_file_name(d, file);
	if (n)
		snprintf(buf, cap, "'%s'", n);
	else
		snprintf(buf, cap, "#%u", file);
	return buf;
}

/* ---- building --------------------------------------------------------- */

static int built(wl_dag *d, io_err *err)
{
	if (!d->finalized)
		return 0;
	return io_errf(err, IO_EINPUT, d->label, 0,
			 d->finalized > 0 ? "DAG already finalized"
					  : "DAG failed validation");
}

static int grow_jobs(wl_dag *d)
{
	if (d->n_jobs < d->cap_jobs)
		return 0;
	if (d->n_jobs == UINT32_MAX - 1)
		return -1;
	uint32_t cap = d->cap_jobs ? d->cap_jobs * 2 : 64;
	if (cap < d->cap_jobs || cap == UINT32_MAX)
		cap = UINT32_MAX - 1;
	uint32_t *t = realloc(d->job_type, (size_t)cap * sizeof *t);
	if (!t)
		return -1;
	d->job_type = t;
	if (d->job_runtime_s) {
		double *r = realloc(d->job_runtime_s, (size_t)cap * sizeof *r);
		if (!r)
			return -1;
		d->job_runtime_s = r;
	}
	if (d->job_work) {
		double *w = realloc(d->job_work, (size_t)cap * sizeof *w);
		if (!w)
			return -1;
		d->job_work = w;
	}
	if (d->job_name) {
		uint32_t *n = realloc(d->job_name, (size_t)cap * sizeof *n);
		if (!n)
			return -1;
		d->job_name = n;
	}
	if (d->job_line) {
		uint32_t *l = realloc(d->job_line, (size_t)cap * sizeof *l);
		if (!l)
			return -1;
		d->job_line = l;
	}
	d->cap_jobs = cap;
	return 0;
}

static int grow_files(wl_dag *d)
{
	if (d->n_files < d->cap_files)
		return 0;
	if (d->n_files == UINT32_MAX - 1)
		return -1;
	uint32_t cap = d->cap_files ? d->cap_files * 2 : 64;
	if (cap < d->cap_files || cap == UINT32_MAX)
		cap = UINT32_MAX - 1;
	double *s = realloc(d->file_size, (size_t)cap * sizeof *s);
	if (!s)
		return -1;
	d->file_size = s;
	if (d->file_name) {
		uint32_t *n = realloc(d->file_name, (size_t)cap * sizeof *n);
		if (!n)
			return -1;
		d->file_name = n;
	}
	d->cap_files = cap;
	return 0;
}

/* The first name of a kind allocates the name array, earlier items
 * unnamed. */
static int names_on(uint32_t **offs, uint32_t cap, uint32_t n)
{
	if (*offs)
		return 0;
	*offs = malloc((size_t)(cap ? cap : 1) * sizeof **offs);
	if (!*offs)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		(*offs)[i] = WL_NONE;
	return 0;
}

int wl_dag_add_job(wl_dag *d, const char *name, uint32_t type, uint32_t *id,
		   io_err *err)
{
	if (built(d, err))
		return err->code;
	if (name && wl_dag_find_job(d, name) >= 0)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "job '%s' is defined twice", name);
	if (grow_jobs(d))
		return nomem(err);
	uint32_t j = d->n_jobs;
	if (name && names_on(&d->job_name, d->cap_jobs, j))
		return nomem(err);
	d->job_type[j] = type;
	if (d->job_runtime_s)
		d->job_runtime_s[j] = NAN;
	if (d->job_work)
		d->job_work[j] = 1.0;
	if (d->job_line)
		d->job_line[j] = 0;
	if (d->job_name) {
		d->job_name[j] = WL_NONE;
		if (name && name_add(d, &d->job_index, d->job_name, j, name))
			return nomem(err);
	}
	d->n_jobs++;
	if (id)
		*id = j;
	return 0;
}

/* A per-job array allocated when first needed, the n jobs so far set to
 * their default. */
static int per_job_array(double **a, uint32_t cap, uint32_t n, double dflt)
{
	*a = malloc((size_t)(cap ? cap : 1) * sizeof **a);
	if (!*a)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		(*a)[i] = dflt;
	return 0;
}

static int check_job(wl_dag *d, uint32_t job, io_err *err)
{
	if (built(d, err))
		return err->code;
	if (job >= d->n_jobs)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "job index %u out of range (%u jobs)", job,
				 d->n_jobs);
	return 0;
}

int wl_dag_set_runtime(wl_dag *d, uint32_t job, double runtime_s,
		       io_err *err)
{
	char b[96];
	if (check_job(d, job, err))
		return err->code;
	if (!isfinite(runtime_s) || runtime_s < 0)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "job %s: runtime must be finite and >= 0",
				 wl_dag_job_label(d, job, b, sizeof b));
	if (!d->job_runtime_s && per_job_array(&d->job_runtime_s, d->cap_jobs,
					       d->n_jobs, NAN))
		return nomem(err);
	d->job_runtime_s[job] = runtime_s;
	return 0;
}

int wl_dag_set_work(wl_dag *d, uint32_t job, double work, io_err *err)
{
	char b[96];
	if (check_job(d, job, err))
		return err->code;
	if (!isfinite(work) || work < 0)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "job %s: work must be finite and >= 0",
				 wl_dag_job_label(d, job, b, sizeof b));
	if (!d->job_work &&
	    per_job_array(&d->job_work, d->cap_jobs, d->n_jobs, 1.0))
		return nomem(err);
	d->job_work[job] = work;
	return 0;
}

int wl_dag_set_line(wl_dag *d, uint32_t job, uint32_t line, io_err *err)
{
	if (check_job(d, job, err))
		return err->code;
	if (!d->job_line) {
		d->job_line = calloc(d->cap_jobs ? d->cap_jobs : 1,
				     sizeof *d->job_line);
		if (!d->job_line)
			return nomem(err);
	}
	d->job_line[job] = line;
	return 0;
}

static long job_line(const wl_dag *d, uint32_t job)
{
	return d->job_line && job < d->n_jobs ? (long)d->job_line[job] : 0;
}

int wl_dag_set_file_size(wl_dag *d, uint32_t file, double size_bytes,
			 io_err *err)
{
	char b[96];
	if (built(d, err))
		return err->code;
	if (file >= d->n_files)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "file index %u out of range (%u files)", file,
				 d->n_files);
	if (!isfinite(size_bytes) || size_bytes < 0)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "file %s: size must be finite and >= 0",
				 file_label(d, file, b, sizeof b));
	d->file_size[file] = size_bytes;
	return 0;
}

int wl_dag_add_file(wl_dag *d, const char *name, double size_bytes,
		    uint32_t *id, io_err *err)
{
	if (built(d, err))
		return err->code;
	if (name && wl_dag_find_file(d, name) >= 0)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "file '%s' is defined twice", name);
	if (!isfinite(size_bytes) || size_bytes < 0)
		return io_errf(err, IO_EINPUT, d->label, 0,
				 "file %s%s%s: size must be finite and >= 0",
				 name ? "'" : "#", name ? name : "",
				 name ? "'" : "");
	if (grow_files(d))
		return nomem(err);
	uint32_t f = d->n_files;
	if (name && names_on(&d->file_name, d->cap_files, f))
		return nomem(err);
	d->file_size[f] = size_bytes;
	if (d->file_name) {
		d->file_name[f] = WL_NONE;
		if (name && name_add(d, &d->file_index, d->file_name, f, name))
			return nomem(err);
	}
	d->n_files++;
	if (id)
		*id = f;
	return 0;
}

static int add_pair(uint32_t **a, uint32_t **b, size_t *n, size_t *cap,
		    uint32_t x, uint32_t y)
{
	if (*n == *cap) {
		size_t c1 = *cap, c2 = *cap;
		if (grow_array((void **)a, &c1, *n + 1, sizeof **a) ||
		    grow_array((void **)b, &c2, *n + 1, sizeof **b))
			return -1;
		*cap = c1 < c2 ? c1 : c2;
	}
	(*a)[*n] = x;
	(*b)[*n] = y;
	(*n)++;
	return 0;
}

int wl_dag_add_input(wl_dag *d, uint32_t job, uint32_t file, io_err *err)
{
	if (built(d, err))
		return err->code;
	return add_pair(&d->in_j, &d->in_f, &d->n_in, &d->cap_in, job, file)
		       ? nomem(err)
		       : 0;
}

int wl_dag_add_output(wl_dag *d, uint32_t job, uint32_t file, io_err *err)
{
	if (built(d, err))
		return err->code;
	return add_pair(&d->out_j, &d->out_f, &d->n_out, &d->cap_out, job, file)
		       ? nomem(err)
		       : 0;
}

int wl_dag_add_parent(wl_dag *d, uint32_t child, uint32_t parent,
		      io_err *err)
{
	if (built(d, err))
		return err->code;
	return add_pair(&d->xp_c, &d->xp_p, &d->n_xp, &d->cap_xp, child, parent)
		       ? nomem(err)
		       : 0;
}

/* ---- finalize --------------------------------------------------------- */

/* CSR of m (key, val) pairs over n keys, stable in the given order. Takes
 * ownership of val (reused when the keys are already sorted). */
static int csr(uint32_t n, const uint32_t *key, uint32_t *val, size_t m,
	       uint32_t **off_out, uint32_t **vals_out)
{
	uint32_t *off = calloc((size_t)n + 1, sizeof *off);
	if (!off)
		return -1;
	int sorted = 1;
	for (size_t i = 0; i < m; i++) {
		off[key[i] + 1]++;
		if (i && key[i] < key[i - 1])
			sorted = 0;
	}
	for (uint32_t k = 0; k < n; k++)
		off[k + 1] += off[k];
	if (sorted) {
		*off_out = off;
		*vals_out = val;
		return 0;
	}
	uint32_t *out = malloc((m ? m : 1) * sizeof *out);
	if (!out) {
		free(off);
		return -1;
	}
	for (size_t i = 0; i < m; i++)
		out[off[key[i]]++] = val[i];
	for (uint32_t k = n; k > 0; k--)
		off[k] = off[k - 1];
	off[0] = 0;
	free(val);
	*off_out = off;
	*vals_out = out;
	return 0;
}

/* Drop repeated values within each row of a CSR (stamp: n_vals entries,
 * zeroed; row r marks with r + 1). */
static void csr_unique(uint32_t n, uint32_t *off, uint32_t *val,
		       uint32_t *stamp)
{
	uint32_t w = 0;
	for (uint32_t r = 0; r < n; r++) {
		uint32_t start = w;
		for (uint32_t i = off[r]; i < off[r + 1]; i++) {
			uint32_t v = val[i];
			if (stamp[v] == r + 1)
				continue;
			stamp[v] = r + 1;
			val[w++] = v;
		}
		off[r] = start;
	}
	off[n] = w;
}

/* Transpose a CSR (rows n, columns m): row c of the result lists the rows
 * r that contain c, ascending. */
static int transpose(uint32_t n, const uint32_t *off, const uint32_t *val,
		     uint32_t m, uint32_t **off_out, uint32_t **val_out)
{
	uint32_t *toff = calloc((size_t)m + 1, sizeof *toff);
	size_t nnz = off[n];
	uint32_t *tval = malloc((nnz ? nnz : 1) * sizeof *tval);
	if (!toff || !tval) {
		free(toff);
		free(tval);
		return -1;
	}
	for (size_t i = 0; i < nnz; i++)
		toff[val[i] + 1]++;
	for (uint32_t c = 0; c < m; c++)
		toff[c + 1] += toff[c];
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t i = off[r]; i < off[r + 1]; i++)
			tval[toff[val[i]]++] = r;
	for (uint32_t c = m; c > 0; c--)
		toff[c] = toff[c - 1];
	toff[0] = 0;
	*off_out = toff;
	*val_out = tval;
	return 0;
}

static int check_ranges(wl_dag *d, io_err *err)
{
	char b[96];
	for (size_t i = 0; i < d->n_in; i++) {
		if (d->in_j[i] >= d->n_jobs)
			return io_errf(err, IO_EINPUT, d->label, 0,
					 "input of unknown job #%u", d->in_j[i]);
		if (d->in_f[i] >= d->n_files)
			return io_errf(err, IO_EINPUT, d->label, 0,
					 "job %s reads unknown file #%u",
					 wl_dag_job_label(d, d->in_j[i], b, sizeof b),
					 d->in_f[i]);
	}
	for (size_t i = 0; i < d->n_out; i++) {
		if (d->out_j[i] >= d->n_jobs)
			return io_errf(err, IO_EINPUT, d->label, 0,
					 "output of unknown job #%u", d->out_j[i]);
		if (d->out_f[i] >= d->n_files)
			return io_errf(err, IO_EINPUT, d->label, 0,
					 "job %s writes unknown file #%u",
					 wl_dag_job_label(d, d->out_j[i], b, sizeof b),
					 d->out_f[i]);
	}
	for (size_t i = 0; i < d->n_xp; i++) {
		if (d->xp_c[i] >= d->n_jobs)
			return io_errf(err, IO_EINPUT, d->label, 0,
					 "dependency of unknown job #%u",
					 d->xp_c[i]);
		if (d->xp_p[i] >= d->n_jobs)
			return io_errf(err, IO_EINPUT, d->label, 0,
					 "job %s has unknown parent #%u",
					 wl_dag_job_label(d, d->xp_c[i], b, sizeof b),
					 d->xp_p[i]);
	}
	return 0;
}

/* Name the jobs of one cycle among the jobs left with in-degree > 0 by
 * Kahn's algorithm: each of them has a parent that is left too, so walking
 * up from one of them must come back to a job already seen. */
static int report_cycle(wl_dag *d, const uint32_t *indeg, uint32_t *stamp,
			io_err *err)
{
	uint32_t j = 0;
	while (indeg[j] == 0)
		j++;
	memset(stamp, 0, (size_t)d->n_jobs * sizeof *stamp);
	while (!stamp[j]) {
		stamp[j] = 1;
		uint32_t i = d->par_off[j];
		while (indeg[d->par[i]] == 0)
			i++;
		j = d->par[i];
	}
	/* j is on a cycle: collect it walking up, print it top-down */
	enum { SHOW = 8 };
	uint32_t up[SHOW];
	uint32_t len = 0, cur = j;
	do {
		if (len < SHOW)
			up[len] = cur;
		len++;
		uint32_t i = d->par_off[cur];
		while (indeg[d->par[i]] == 0)
			i++;
		cur = d->par[i];
	} while (cur != j && len <= d->n_jobs);
	char msg[480], b[96];
	size_t n = 0;
	uint32_t shown = len < SHOW ? len : SHOW; /* >= 1: the loop ran */
	uint32_t top = shown ? shown - 1 : 0;
	for (uint32_t k = shown; k-- > 0 && n < sizeof msg - 128;)
		n += (size_t)snprintf(msg + n, sizeof msg - n, "%s -> ",
				      wl_dag_job_label(d, up[k], b, sizeof b));
	if (len > shown && n < sizeof msg - 128)
		n += (size_t)snprintf(msg + n, sizeof msg - n, "... -> ");
	snprintf(msg + n, sizeof msg - n, "%s",
		 wl_dag_job_label(d, up[top], b, sizeof b));
	return io_errf(err, IO_EINPUT, d->label, job_line(d, j),
			 "dependency cycle through job %s: %s",
			 wl_dag_job_label(d, j, b, sizeof b), msg);
}

static int topo_sort(wl_dag *d, io_err *err)
{
	uint32_t n = d->n_jobs;
	uint32_t *indeg = malloc((n ? n : 1) * sizeof *indeg);
	d->topo = malloc((n ? n : 1) * sizeof *d->topo);
	if (!indeg || !d->topo) {
		free(indeg);
		return nomem(err);
	}
	uint32_t tail = 0;
	for (uint32_t j = 0; j < n; j++) {
		indeg[j] = d->par_off[j + 1] - d->par_off[j];
		if (!indeg[j])
			d->topo[tail++] = j;
	}
	for (uint32_t head = 0; head < tail; head++) {
		uint32_t j = d->topo[head];
		for (uint32_t i = d->child_off[j]; i < d->child_off[j + 1]; i++)
			if (--indeg[d->child[i]] == 0)
				d->topo[tail++] = d->child[i];
	}
	int rc = 0;
	if (tail < n) {
		uint32_t *stamp = malloc((size_t)n * sizeof *stamp);
		rc = stamp ? report_cycle(d, indeg, stamp, err) : nomem(err);
		free(stamp);
	}
	free(indeg);
	return rc;
}

static int finalize(wl_dag *d, io_err *err)
{
	char b[96], fb[96];
	if (check_ranges(d, err))
		return err->code;
	uint32_t n = d->n_jobs, nf = d->n_files;
	/* per-job inputs and outputs */
	if (csr(n, d->in_j, d->in_f, d->n_in, &d->in_off, &d->in_file))
		return nomem(err);
	d->in_f = NULL;
	if (csr(n, d->out_j, d->out_f, d->n_out, &d->out_off, &d->out_file))
		return nomem(err);
	d->out_f = NULL;
	uint32_t *xoff = NULL, *xpar = NULL;
	if (csr(n, d->xp_c, d->xp_p, d->n_xp, &xoff, &xpar))
		return nomem(err);
	d->xp_p = NULL;
	free_builder(d);
	size_t stamp_n = (size_t)(n > nf ? n : nf);
	uint32_t *stamp = calloc(stamp_n ? stamp_n : 1, sizeof *stamp);
	d->file_producer = malloc((nf ? nf : 1) * sizeof *d->file_producer);
	if (!stamp || !d->file_producer)
		goto oom;
	csr_unique(n, d->in_off, d->in_file, stamp);
	memset(stamp, 0, stamp_n * sizeof *stamp);
	csr_unique(n, d->out_off, d->out_file, stamp);
	/* producers: one per file */
	for (uint32_t f = 0; f < nf; f++)
		d->file_producer[f] = WL_NONE;
	for (uint32_t j = 0; j < n; j++)
		for (uint32_t i = d->out_off[j]; i < d->out_off[j + 1]; i++) {
			uint32_t f = d->out_file[i];
			if (d->file_producer[f] != WL_NONE) {
				char b2[96];
				io_errf(err, IO_EINPUT, d->label, job_line(d, j),
					  "file %s is written by job %s and job %s",
					  file_label(d, f, fb, sizeof fb),
					  wl_dag_job_label(d, d->file_producer[f], b, sizeof b),
					  wl_dag_job_label(d, j, b2, sizeof b2));
				goto fail;
			}
			d->file_producer[f] = j;
		}
	/* unique parents: producers of the inputs, then explicit parents */
	memset(stamp, 0, stamp_n * sizeof *stamp);
	size_t cap = (size_t)d->in_off[n] + xoff[n];
	d->par_off = malloc(((size_t)n + 1) * sizeof *d->par_off);
	d->par = malloc((cap ? cap : 1) * sizeof *d->par);
	if (!d->par_off || !d->par)
		goto oom;
	uint32_t w = 0;
	for (uint32_t j = 0; j < n; j++) {
		d->par_off[j] = w;
		stamp[j] = j + 1; /* a job is not its own parent */
		for (uint32_t i = d->in_off[j]; i < d->in_off[j + 1]; i++) {
			uint32_t p = d->file_producer[d->in_file[i]];
			if (p == j) {
				io_errf(err, IO_EINPUT, d->label, job_line(d, j),
					  "dependency cycle through job %s: it "
					  "reads its own output file %s",
					  wl_dag_job_label(d, j, b, sizeof b),
					  file_label(d, d->in_file[i], fb, sizeof fb));
				goto fail;
			}
			if (p != WL_NONE && stamp[p] != j + 1) {
				stamp[p] = j + 1;
				d->par[w++] = p;
			}
		}
		for (uint32_t i = xoff[j]; i < xoff[j + 1]; i++) {
			uint32_t p = xpar[i];
			if (p == j) {
				io_errf(err, IO_EINPUT, d->label, job_line(d, j),
					  "dependency cycle through job %s: it "
					  "is its own parent",
					  wl_dag_job_label(d, j, b, sizeof b));
				goto fail;
			}
			if (stamp[p] != j + 1) {
				stamp[p] = j + 1;
				d->par[w++] = p;
			}
		}
	}
	d->par_off[n] = w;
	d->n_edges = w;
	free(xoff);
	free(xpar);
	xoff = xpar = NULL;
	free(stamp);
	stamp = NULL;
	if (w && w < cap) {
		uint32_t *p = realloc(d->par, (size_t)w * sizeof *p);
		if (p)
			d->par = p;
	}
	if (transpose(n, d->par_off, d->par, n, &d->child_off, &d->child) ||
	    transpose(n, d->in_off, d->in_file, nf, &d->cons_off, &d->cons))
		goto oom;
	return topo_sort(d, err);
oom:
	nomem(err);
fail:
	free(xoff);
	free(xpar);
	free(stamp);
	return err->code;
}

int wl_dag_finalize(wl_dag *d, io_err *err)
{
	if (built(d, err))
		return err->code;
	int rc = finalize(d, err);
	d->finalized = rc ? -1 : 1;
	return rc;
}

double wl_dag_total_bytes(const wl_dag *d)
{
	double s = 0;
	for (uint32_t f = 0; f < d->n_files; f++)
		s += d->file_size[f];
	return s;
}

/* ---- generators ------------------------------------------------------- */

typedef struct gen_rng {
	uint64_t s;
	double spare;
	int has_spare;
} gen_rng;

static inline uint64_t gen_next(gen_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline double gen_unif(gen_rng *r)
{
	return ((double)(gen_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* Uniform in [0, n) (multiply-shift; the bias is below 2^-32 n). */
static inline uint32_t gen_below(gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_next(r) >> 32) * (uint64_t)n) >> 32);
}

static double gen_normal(gen_rng *r)
{
	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	double u = gen_unif(r), v = gen_unif(r);
	double m = sqrt(-2.0 * log(u));
	r->spare = m * sin(2 * M_PI * v);
	r->has_spare = 1;
	return m * cos(2 * M_PI * v);
}

typedef struct gen {
	wl_dag *d;
	const wl_dag_gen *g;
	gen_rng rng;
	double sigma; /* of log(size) */
	io_err *err;
} gen;

static double gen_size(gen *G, double mean)
{
	if (G->sigma <= 0 || mean <= 0)
		return mean;
	return mean * exp(G->sigma * gen_normal(&G->rng) -
			  0.5 * G->sigma * G->sigma);
}

/* A new job; entry jobs get their initial input file. */
static int gen_job(gen *G, uint32_t type, int entry, uint32_t *id)
{
	if (wl_dag_add_job(G->d, NULL, type, id, G->err))
		return -1;
	if (entry && G->g->input_bytes > 0) {
		uint32_t f;
		if (wl_dag_add_file(G->d, NULL, gen_size(G, G->g->input_bytes),
				    &f, G->err) ||
		    wl_dag_add_input(G->d, *id, f, G->err))
			return -1;
	}
	return 0;
}

/* A new file of mean size written by job p. */
static int gen_out(gen *G, uint32_t p, double mean, uint32_t *f)
{
	return wl_dag_add_file(G->d, NULL, gen_size(G, mean), f, G->err) ||
			       wl_dag_add_output(G->d, p, *f, G->err)
		       ? -1
		       : 0;
}

/* Edge p -> c: c reads p's file (out_of[p]) or a file of its own. */
static int gen_edge(gen *G, const uint32_t *out_of, uint32_t p, uint32_t c)
{
	uint32_t f;
	if (G->g->file_per_edge) {
		if (gen_out(G, p, G->g->size_mean_bytes, &f))
			return -1;
	} else {
		f = out_of[p];
	}
	return wl_dag_add_input(G->d, c, f, G->err) ? -1 : 0;
}

/* Every job writes one file (unless file_per_edge). */
static int gen_job_out(gen *G, uint32_t type, int entry, uint32_t *out_of)
{
	uint32_t j;
	if (gen_job(G, type, entry, &j))
		return -1;
	if (!G->g->file_per_edge &&
	    gen_out(G, j, G->g->size_mean_bytes, &out_of[j]))
		return -1;
	return 0;
}

static int gen_layered(gen *G, uint32_t *out_of)
{
	const wl_dag_gen *g = G->g;
	uint32_t n = g->jobs, w = g->width ? g->width : 1;
	uint32_t span = g->span ? g->span : 1;
	uint32_t *fanout = NULL;
	if (g->fan_out_max && !(fanout = calloc(n ? n : 1, sizeof *fanout)))
		return nomem(G->err);
	int rc = 0;
	enum { MAXK = 64 };
	uint32_t chosen[MAXK];
	uint32_t kmin = g->fan_in_min, kmax = g->fan_in_max;
	if (kmax > MAXK)
		kmax = MAXK;
	if (kmin > kmax)
		kmin = kmax;
	for (uint32_t j = 0; j < n && !rc; j++) {
		uint32_t level = j / w;
		uint32_t type = g->n_types > 1 ? gen_below(&G->rng, g->n_types) : 0;
		if (gen_job_out(G, type, level == 0, out_of)) {
			rc = -1;
			break;
		}
		if (level == 0)
			continue;
		uint32_t lo = level > span ? (level - span) * w : 0;
		uint32_t range = level * w - lo;
		uint32_t k = kmin + gen_below(&G->rng, kmax - kmin + 1);
		if (k > range)
			k = range;
		uint32_t got = 0;
		for (uint32_t t = 0; t < k; t++) {
			for (int tries = 0; tries < 16; tries++) {
				uint32_t p = lo + gen_below(&G->rng, range);
				int dup = 0;
				for (uint32_t q = 0; q < got && !dup; q++)
					dup = chosen[q] == p;
				if (dup || (fanout && fanout[p] >= g->fan_out_max))
					continue;
				chosen[got++] = p;
				if (fanout)
					fanout[p]++;
				break;
			}
		}
		for (uint32_t q = 0; q < got && !rc; q++)
			rc = gen_edge(G, out_of, chosen[q], j);
	}
	free(fanout);
	return rc;
}

static int gen_chain(gen *G, uint32_t *out_of)
{
	uint32_t nt = G->g->n_types ? G->g->n_types : 1;
	for (uint32_t j = 0; j < G->g->jobs; j++)
		if (gen_job_out(G, j % nt, j == 0, out_of) ||
		    (j > 0 && gen_edge(G, out_of, j - 1, j)))
			return -1;
	return 0;
}

static int gen_fork_join(gen *G, uint32_t *out_of)
{
	uint32_t nt = G->g->n_types ? G->g->n_types : 1;
	uint32_t w = G->g->width, fork = 0;
	if (gen_job_out(G, 0, 1, out_of))
		return -1;
	for (uint32_t s = 0; s < G->g->stages; s++) {
		uint32_t first = G->d->n_jobs;
		for (uint32_t b = 0; b < w; b++)
			if (gen_job_out(G, 1 % nt, 0, out_of) ||
			    gen_edge(G, out_of, fork, first + b))
				return -1;
		uint32_t join = first + w;
		if (gen_job_out(G, 0, 0, out_of))
			return -1;
		for (uint32_t b = 0; b < w; b++)
			if (gen_edge(G, out_of, first + b, join))
				return -1;
		fork = join;
	}
	return 0;
}

/* Montage-like: every job writes one file here (file_per_edge ignored: the
 * real workflow broadcasts its tables). */
static int gen_montage(gen *G)
{
	wl_dag *d = G->d;
	uint32_t n = G->g->width ? G->g->width : 1;
	uint32_t nt = G->g->n_types ? G->g->n_types : 1;
	double img = G->g->size_mean_bytes, small = img / 100;
	uint32_t grid = (uint32_t)ceil(sqrt((double)n));
	uint32_t *proj = malloc((size_t)n * 2 * sizeof *proj);
	if (!proj)
		return nomem(G->err);
	uint32_t *corr = proj + n;
	uint32_t j, f, fits_first, nfits = 0, table, model, tbl, mosaic, shr;
	int rc = -1;
	/* 0 mProjectPP */
	for (uint32_t i = 0; i < n; i++)
		if (gen_job(G, 0 % nt, 1, &j) || gen_out(G, j, img, &proj[i]))
			goto out;
	/* 1 mDiffFit: right and lower neighbours in the grid */
	fits_first = d->n_files;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t nb[2] = {i + 1, i + grid};
		int ok[2] = {(i + 1) % grid != 0 && i + 1 < n, i + grid < n};
		for (int k = 0; k < 2; k++) {
			if (!ok[k])
				continue;
			if (gen_job(G, 1 % nt, 0, &j) ||
			    wl_dag_add_input(d, j, proj[i], G->err) ||
			    wl_dag_add_input(d, j, proj[nb[k]], G->err) ||
			    gen_out(G, j, small, &f))
				goto out;
			nfits++;
		}
	}
	/* 2 mConcatFit, 3 mBgModel */
	if (gen_job(G, 2 % nt, 0, &j))
		goto out;
	for (uint32_t k = 0; k < nfits; k++)
		if (wl_dag_add_input(d, j, fits_first + k, G->err))
			goto out;
	if (gen_out(G, j, small, &table) || gen_job(G, 3 % nt, 0, &j) ||
	    wl_dag_add_input(d, j, table, G->err) || gen_out(G, j, small, &model))
		goto out;
	/* 4 mBackground */
	for (uint32_t i = 0; i < n; i++)
		if (gen_job(G, 4 % nt, 0, &j) ||
		    wl_dag_add_input(d, j, proj[i], G->err) ||
		    wl_dag_add_input(d, j, model, G->err) ||
		    gen_out(G, j, img, &corr[i]))
			goto out;
	/* 5 mImgtbl, 6 mAdd, 7 mShrink, 8 mJPEG */
	if (gen_job(G, 5 % nt, 0, &j))
		goto out;
	for (uint32_t i = 0; i < n; i++)
		if (wl_dag_add_input(d, j, corr[i], G->err))
			goto out;
	if (gen_out(G, j, small, &tbl) || gen_job(G, 6 % nt, 0, &j) ||
	    wl_dag_add_input(d, j, tbl, G->err))
		goto out;
	for (uint32_t i = 0; i < n; i++)
		if (wl_dag_add_input(d, j, corr[i], G->err))
			goto out;
	if (gen_out(G, j, 4 * img, &mosaic) || gen_job(G, 7 % nt, 0, &j) ||
	    wl_dag_add_input(d, j, mosaic, G->err) || gen_out(G, j, img, &shr) ||
	    gen_job(G, 8 % nt, 0, &j) || wl_dag_add_input(d, j, shr, G->err) ||
	    gen_out(G, j, small, &f))
		goto out;
	rc = 0;
out:
	free(proj);
	return rc;
}

static uint64_t gen_jobs_estimate(const wl_dag_gen *g)
{
	switch (g->shape) {
	case WL_DAG_LAYERED:
	case WL_DAG_CHAIN:
		return g->jobs;
	case WL_DAG_FORK_JOIN:
		return 1 + (uint64_t)g->stages * ((uint64_t)g->width + 1);
	case WL_DAG_MONTAGE:
		return 4 * (uint64_t)g->width + 6;
	}
	return 0;
}

int wl_dag_generate(wl_dag **out, const wl_dag_gen *g, io_err *err)
{
	*out = NULL;
	if (!isfinite(g->size_mean_bytes) || g->size_mean_bytes < 0 ||
	    !isfinite(g->size_cv) || g->size_cv < 0 ||
	    !isfinite(g->input_bytes) || g->input_bytes < 0)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "DAG generator: file sizes and cv must be "
				 "finite and >= 0");
	if ((g->shape == WL_DAG_LAYERED && (g->width == 0 || g->fan_in_max > 64 ||
					    g->fan_in_min > g->fan_in_max)) ||
	    (g->shape == WL_DAG_FORK_JOIN && g->width == 0) ||
	    (g->shape == WL_DAG_MONTAGE && g->width == 0) ||
	    (unsigned)g->shape > WL_DAG_MONTAGE)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "DAG generator: bad parameters (width >= 1, "
				 "fan_in_min <= fan_in_max <= 64)");
	if (gen_jobs_estimate(g) >= UINT32_MAX / 4)
		return io_errf(err, IO_EINPUT, NULL, 0,
				 "DAG generator: too many jobs");
	gen G = {.g = g, .err = err};
	G.rng.s = sim_splitmix64(g->seed ^ 0x6DA6DA6DA6DA6DA6ull);
	if (g->size_cv > 0)
		G.sigma = sqrt(log1p(g->size_cv * g->size_cv));
	char label[64];
	snprintf(label, sizeof label, "%s DAG", wl_dag_shape_name(g->shape));
	G.d = wl_dag_new(label);
	if (!G.d)
		return nomem(err);
	uint64_t est = gen_jobs_estimate(g);
	uint32_t *out_of = malloc((size_t)(est ? est : 1) * sizeof *out_of);
	int rc = out_of ? 0 : nomem(err);
	if (!rc) {
		switch (g->shape) {
		case WL_DAG_LAYERED: rc = gen_layered(&G, out_of); break;
		case WL_DAG_CHAIN: rc = gen_chain(&G, out_of); break;
		case WL_DAG_FORK_JOIN: rc = gen_fork_join(&G, out_of); break;
		case WL_DAG_MONTAGE: rc = gen_montage(&G); break;
		}
	}
	free(out_of);
	if (!rc)
		rc = wl_dag_finalize(G.d, err);
	if (rc) {
		wl_dag_free(G.d);
		return err->code ? err->code : nomem(err);
	}
	*out = G.d;
	return 0;
}

static const char *const shape_names[] = {"layered", "chain", "fork_join",
					  "montage"};

const char *wl_dag_shape_name(wl_dag_shape s)
{
	return (unsigned)s <= WL_DAG_MONTAGE ? shape_names[s] : "?";
}

int wl_dag_shape_from_name(const char *name)
{
	for (int i = 0; i <= WL_DAG_MONTAGE; i++)
		if (strcmp(shape_names[i], name) == 0)
			return i;
	return -1;
}
