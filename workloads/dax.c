/* workloads/dax.c — Pegasus DAX loader on libxml2's streaming reader (see
 * dax.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlreader.h>
#include <zlib.h>
#include "workloads/dax.h"

/* A <child>/<parent> whose job is not defined yet: resolved at the end. */
typedef struct dax_pending {
	char *child, *parent;
	long line;
} dax_pending;

typedef struct dax_state {
	xmlTextReaderPtr rd;
	const char *path;
	wl_workflow *w;
	io_err *err;
	char xml_msg[400]; /* the first libxml2 error */
	long xml_line;
	/* the open <job>: index, line, runtime (NAN: none yet) */
	uint32_t job;
	long job_line;
	double job_runtime;
	int in_job;
	/* the open <uses> with a body, WL_NONE if none */
	uint32_t use_file;
	/* the open <child> */
	char *child;
	long child_line;
	/* per file: its writer, WL_NONE if none yet */
	uint32_t *writer;
	size_t cap_writer;
	uint32_t dropped; /* <uses> outputs of an already written file */
	char dropped_first[200];
	dax_pending *pend;
	size_t n_pend, cap_pend;
} dax_state;

/* Line of the current node (the parser itself reads ahead). */
static long line_now(dax_state *s)
{
	xmlNodePtr node = xmlTextReaderCurrentNode(s->rd);
	long line = node ? xmlGetLineNo(node) : -1;
	return line > 0 ? line : xmlTextReaderGetParserLineNumber(s->rd);
}

static int fail(dax_state *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(dax_state *s, const char *fmt, ...)
{
	char msg[480];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return io_errf(s->err, IO_EINPUT, s->path, line_now(s), "%s", msg);
}

static int nomem(dax_state *s)
{
	return io_errf(s->err, IO_ENOMEM, NULL, 0, "out of memory");
}

static void xml_error(void *ctx, xmlErrorPtr e)
{
	dax_state *s = ctx;
	if (s->xml_msg[0] || !e)
		return;
	snprintf(s->xml_msg, sizeof s->xml_msg, "%s",
		 e->message ? e->message : "malformed XML");
	size_t n = strlen(s->xml_msg);
	while (n && (s->xml_msg[n - 1] == '\n' || s->xml_msg[n - 1] == ' '))
		s->xml_msg[--n] = 0;
	s->xml_line = e->line;
}

/* Attribute of the current element (malloc'd by libxml2) or NULL. */
static char *attr(dax_state *s, const char *name)
{
	return (char *)xmlTextReaderGetAttribute(s->rd, (const xmlChar *)name);
}

/* A number in [0, max] from text (what names it in messages). */
static int parse_nonneg(dax_state *s, const char *text, const char *what,
			double max, double *out)
{
	double v;
	if (io_parse_double(text, &v) != 0)
		return fail(s, "%s '%s' is not a number", what, text);
	if (v < 0)
		return fail(s, "%s '%s' is negative", what, text);
	if (v > max)
		return fail(s, "%s '%s' is too large", what, text);
	*out = v;
	return 0;
}

static int set_runtime(dax_state *s, const char *text)
{
	double v = 0;
	if (parse_nonneg(s, text, "runtime", IO_MAX_TIME_S, &v))
		return s->err->code;
	s->job_runtime = v;
	return 0;
}

static int set_size(dax_state *s, uint32_t f, const char *text)
{
	double v = 0;
	if (parse_nonneg(s, text, "size", 1e18, &v))
		return s->err->code;
	return wl_dag_set_file_size(s->w->dag, f, v, s->err);
}

static int start_job(dax_state *s)
{
	wl_dag *d = s->w->dag;
	char *id = attr(s, "id"), *name = attr(s, "name"),
	     *runtime = attr(s, "runtime");
	int rc = 0;
	if (!id || !*id) {
		rc = fail(s, "<job> without an id");
		goto out;
	}
	if (wl_dag_find_job(d, id) >= 0) {
		rc = fail(s, "job '%s' is defined twice", id);
		goto out;
	}
	int64_t type = wl_workflow_type(s->w, name && *name ? name : id);
	if (type < 0) {
		rc = nomem(s);
		goto out;
	}
	s->job_line = line_now(s);
	s->job_runtime = NAN;
	if ((rc = wl_dag_add_job(d, id, (uint32_t)type, &s->job, s->err)) ||
	    (rc = wl_dag_set_line(d, s->job, (uint32_t)s->job_line, s->err)))
		goto out;
	s->in_job = 1;
	if (runtime)
		rc = set_runtime(s, runtime);
out:
	xmlFree(id);
	xmlFree(name);
	xmlFree(runtime);
	return rc;
}

static int end_job(dax_state *s)
{
	char b[96];
	s->in_job = 0;
	if (isnan(s->job_runtime))
		return io_errf(s->err, IO_EINPUT, s->path, s->job_line,
				 "job %s has no runtime",
				 wl_dag_job_label(s->w->dag, s->job, b, sizeof b));
	return wl_dag_set_runtime(s->w->dag, s->job, s->job_runtime, s->err);
}

static int note_writer(dax_state *s, uint32_t f, const char *name, int *drop)
{
	wl_dag *d = s->w->dag;
	*drop = 0;
	if (f >= s->cap_writer) {
		size_t cap = s->cap_writer ? s->cap_writer : 64;
		while (cap <= f)
			cap *= 2;
		uint32_t *p = realloc(s->writer, cap * sizeof *p);
		if (!p)
			return nomem(s);
		for (size_t i = s->cap_writer; i < cap; i++)
			p[i] = WL_NONE;
		s->writer = p;
		s->cap_writer = cap;
	}
	if (s->writer[f] == WL_NONE || s->writer[f] == s->job) {
		s->writer[f] = s->job;
		return 0;
	}
	*drop = 1;
	if (!s->dropped++) {
		char b1[96], b2[96];
		snprintf(s->dropped_first, sizeof s->dropped_first,
			 "'%s' written by job %s and job %s (line %ld)", name,
			 wl_dag_job_label(d, s->writer[f], b1, sizeof b1),
			 wl_dag_job_label(d, s->job, b2, sizeof b2), line_now(s));
	}
	return 0;
}

static int start_uses(dax_state *s, int empty)
{
	wl_dag *d = s->w->dag;
	char *file = attr(s, "file"), *link = attr(s, "link"),
	     *size = attr(s, "size");
	int rc = 0, out_link = 0;
	if (!file)
		file = attr(s, "name");
	if (!file || !*file) {
		rc = fail(s, "<uses> without a file or name");
		goto out;
	}
	if (!link || strcmp(link, "input") == 0)
		out_link = 0;
	else if (strcmp(link, "output") == 0)
		out_link = 1;
	else {
		rc = fail(s, "<uses> of '%s': link '%s' is neither input nor output",
			  file, link);
		goto out;
	}
	int64_t found = wl_dag_find_file(d, file);
	uint32_t f;
	if (found >= 0)
		f = (uint32_t)found;
	else if ((rc = wl_dag_add_file(d, file, 0, &f, s->err)))
		goto out;
	if (size && (rc = set_size(s, f, size)))
		goto out;
	if (out_link) {
		int drop;
		if ((rc = note_writer(s, f, file, &drop)) == 0 && !drop)
			rc = wl_dag_add_output(d, s->job, f, s->err);
	} else
		rc = wl_dag_add_input(d, s->job, f, s->err);
	if (!rc && !empty)
		s->use_file = f;
out:
	xmlFree(file);
	xmlFree(link);
	xmlFree(size);
	return rc;
}

/* <metadata key=...>value</metadata> or <profile key=...>: inside a job
 * (time, runtime) or a <uses> (size). */
static int keyed_value(dax_state *s, int is_profile)
{
	char *key = attr(s, "key");
	if (!key)
		return 0;
	int rc = 0;
	int runtime = strcmp(key, "runtime") == 0 ||
		      (!is_profile && strcmp(key, "time") == 0);
	int size = !is_profile && strcmp(key, "size") == 0;
	if ((runtime && s->use_file == WL_NONE) ||
	    (size && s->use_file != WL_NONE)) {
		char *text = (char *)xmlTextReaderReadString(s->rd);
		if (!text)
			rc = fail(s, "<%s key=\"%s\"> has no value",
				  is_profile ? "profile" : "metadata", key);
		else if (runtime)
			rc = set_runtime(s, text);
		else
			rc = set_size(s, s->use_file, text);
		xmlFree(text);
	}
	xmlFree(key);
	return rc;
}

static int add_pending(dax_state *s, const char *child, const char *parent)
{
	if (s->n_pend == s->cap_pend) {
		size_t cap = s->cap_pend ? 2 * s->cap_pend : 16;
		dax_pending *p = realloc(s->pend, cap * sizeof *p);
		if (!p)
			return nomem(s);
		s->pend = p;
		s->cap_pend = cap;
	}
	dax_pending *p = &s->pend[s->n_pend];
	p->child = strdup(child);
	p->parent = strdup(parent);
	p->line = line_now(s);
	if (!p->child || !p->parent) {
		free(p->child);
		free(p->parent);
		return nomem(s);
	}
	s->n_pend++;
	return 0;
}

static int start_parent(dax_state *s)
{
	wl_dag *d = s->w->dag;
	char *ref = attr(s, "ref");
	int rc;
	if (!ref || !*ref)
		rc = fail(s, "<parent> without a ref");
	else {
		int64_t c = wl_dag_find_job(d, s->child),
			p = wl_dag_find_job(d, ref);
		if (c >= 0 && p >= 0)
			rc = wl_dag_add_parent(d, (uint32_t)c, (uint32_t)p, s->err);
		else
			rc = add_pending(s, s->child, ref);
	}
	xmlFree(ref);
	return rc;
}

static int resolve_pending(dax_state *s)
{
	wl_dag *d = s->w->dag;
	for (size_t i = 0; i < s->n_pend; i++) {
		const dax_pending *p = &s->pend[i];
		int64_t c = wl_dag_find_job(d, p->child),
			q = wl_dag_find_job(d, p->parent);
		if (c < 0 || q < 0)
			return io_errf(s->err, IO_EINPUT, s->path, p->line,
					 "%s '%s' is not a job of the workflow",
					 c < 0 ? "<child> ref" : "<parent> ref",
					 c < 0 ? p->child : p->parent);
		if (wl_dag_add_parent(d, (uint32_t)c, (uint32_t)q, s->err))
			return s->err->code;
	}
	return 0;
}

static int start_adag(dax_state *s)
{
	char *version = attr(s, "version"), *name = attr(s, "name");
	int rc = 0;
	if (!version)
		rc = fail(s, "<adag> has no version");
	else if (strncmp(version, "2.", 2) != 0 && strncmp(version, "3.", 2) != 0)
		rc = fail(s, "DAX version '%s' is not supported (2.x or 3.x)",
			  version);
	else if (!(s->w->version = strdup(version)) ||
		 (name && !(s->w->name = strdup(name))))
		rc = nomem(s);
	xmlFree(version);
	xmlFree(name);
	return rc;
}

/* One element start (depth: 0 = root). */
static int start_element(dax_state *s, const char *el, int depth, int empty)
{
	if (depth == 0) {
		if (strcmp(el, "adag") != 0)
			return fail(s, "root element is <%s>, not <adag>", el);
		return start_adag(s);
	}
	if (depth == 1) {
		if (strcmp(el, "job") == 0) {
			if (start_job(s))
				return s->err->code;
			return empty ? end_job(s) : 0;
		}
		if (strcmp(el, "child") == 0) {
			char *ref = attr(s, "ref");
			if (!ref || !*ref) {
				xmlFree(ref);
				return fail(s, "<child> without a ref");
			}
			free(s->child);
			s->child = strdup(ref);
			xmlFree(ref);
			s->child_line = line_now(s);
			return s->child ? 0 : nomem(s);
		}
		if (strcmp(el, "dag") == 0 || strcmp(el, "dax") == 0)
			return fail(s, "sub-workflow <%s> is not supported", el);
		return 0; /* catalogues and the like */
	}
	if (s->in_job && depth == 2) {
		if (strcmp(el, "uses") == 0)
			return start_uses(s, empty);
		if (strcmp(el, "metadata") == 0)
			return keyed_value(s, 0);
		if (strcmp(el, "profile") == 0)
			return keyed_value(s, 1);
		return 0;
	}
	if (s->in_job && depth == 3 && s->use_file != WL_NONE &&
	    strcmp(el, "metadata") == 0)
		return keyed_value(s, 0);
	if (s->child && depth == 2 && strcmp(el, "parent") == 0)
		return start_parent(s);
	return 0;
}

static int end_element(dax_state *s, const char *el, int depth)
{
	if (depth == 1 && s->in_job && strcmp(el, "job") == 0)
		return end_job(s);
	if (depth == 1 && s->child && strcmp(el, "child") == 0) {
		free(s->child);
		s->child = NULL;
	}
	if (depth == 2 && strcmp(el, "uses") == 0)
		s->use_file = WL_NONE;
	return 0;
}

static int gz_read(void *ctx, char *buf, int len)
{
	int n = gzread((gzFile)ctx, buf, (unsigned)len);
	return n < 0 ? -1 : n;
}

static int gz_close(void *ctx)
{
	return gzclose((gzFile)ctx) == Z_OK ? 0 : -1;
}

static int read_all(dax_state *s)
{
	int rc, saw_root = 0;
	while ((rc = xmlTextReaderRead(s->rd)) == 1) {
		int type = xmlTextReaderNodeType(s->rd);
		if (type != XML_READER_TYPE_ELEMENT &&
		    type != XML_READER_TYPE_END_ELEMENT)
			continue;
		const char *el = (const char *)xmlTextReaderConstLocalName(s->rd);
		int depth = xmlTextReaderDepth(s->rd);
		if (!el || depth < 0)
			return fail(s, "malformed XML");
		if (type == XML_READER_TYPE_ELEMENT) {
			saw_root = 1;
			int empty = xmlTextReaderIsEmptyElement(s->rd) == 1;
			if (start_element(s, el, depth, empty))
				return s->err->code;
			if (empty && end_element(s, el, depth))
				return s->err->code;
		} else if (end_element(s, el, depth))
			return s->err->code;
	}
	if (rc < 0 || s->xml_msg[0])
		return io_errf(s->err, IO_EINPUT, s->path,
				 s->xml_msg[0] ? s->xml_line : line_now(s),
				 "malformed XML: %s",
				 s->xml_msg[0] ? s->xml_msg : "read error");
	if (!saw_root)
		return io_errf(s->err, IO_EINPUT, s->path, 0, "no <adag> element");
	if (!s->w->dag->n_jobs)
		return io_errf(s->err, IO_EINPUT, s->path, 0, "no <job> element");
	return 0;
}

int wl_dax_load(wl_workflow **out, const char *path, io_err *err)
{
	*out = NULL;
	dax_state s = {.path = path, .err = err, .use_file = WL_NONE};
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return io_errf(err, IO_EINPUT, path, 0, "cannot open: %s",
				 strerror(errno));
	/* no network, no external DTD, no entity expansion: a file is read
	 * as it is */
	s.rd = xmlReaderForIO(gz_read, gz_close, gz, path, NULL,
			      XML_PARSE_NONET | XML_PARSE_NOCDATA);
	if (!s.rd) {
		gzclose(gz);
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	}
	xmlTextReaderSetStructuredErrorHandler(s.rd, xml_error, &s);
	s.w = wl_workflow_new(path, WL_WF_DAX);
	int rc = s.w ? read_all(&s) : io_errf(err, IO_ENOMEM, NULL, 0,
						"out of memory");
	if (!rc)
		rc = resolve_pending(&s);
	if (!rc)
		rc = wl_dag_finalize(s.w->dag, err);
	if (!rc && s.dropped)
		snprintf(s.w->note, sizeof s.w->note,
			 "%u <uses> outputs of files already written by an "
			 "earlier job dropped (first: %s)",
			 s.dropped, s.dropped_first);
	xmlFreeTextReader(s.rd);
	for (size_t i = 0; i < s.n_pend; i++) {
		free(s.pend[i].child);
		free(s.pend[i].parent);
	}
	free(s.pend);
	free(s.child);
	free(s.writer);
	if (rc) {
		wl_workflow_free(s.w);
		return rc;
	}
	*out = s.w;
	return 0;
}
