/* real/nn/dnnl.c — the oneDNN backend (real/nn/backend.h): the only file
 * of hetsim that calls oneDNN (Debian libdnnl-dev 2.6, C API).
 *
 * Every operation builds its primitive once: the key of a call (operation,
 * shapes, parameters) finds a cached entry holding the primitive, one
 * memory object per argument in the engine's plain layout (its data
 * pointer set at each call), and, where the primitive chose another layout
 * (convolutions are created with format_tag any), a memory of that layout
 * with the reorders to or from it. A convolution's weights reorder runs
 * only when (pointer, version) differs from the last call's; its entry is
 * per weights buffer (the pointer is in the key), so per layer. A
 * convolution told NN_CONV_Y_NATIVE leaves its output in its primitive's
 * memory and notes the plain pointer in dn_impl's nat list; one told
 * NN_CONV_X_NATIVE takes its input from there (directly when the layouts
 * agree, else through one reorder between the two layouts).
 *
 * oneDNN's library-managed scratchpad and its own primitive cache are left
 * at their defaults. Threads: see backend.h (OpenMP, set with
 * omp_set_num_threads, declared here: libdnnl already loads libgomp). */
#include <stdlib.h>
#include <string.h>
#include <oneapi/dnnl/dnnl.h>
#include "real/nn/backend.h"

/* libgomp (libdnnl's threading runtime); linked with -lgomp */
void omp_set_num_threads(int n);
int omp_get_max_threads(void);

enum { DN_MAX_ARGS = 10, DN_KEY = 48, DN_BUCKETS = 256 };

typedef struct dn_arg {
	int arg;                /* DNNL_ARG_* */
	int out;                /* written by the primitive */
	dnnl_memory_t user;     /* plain layout, the caller's buffer */
	dnnl_memory_t prim;     /* the primitive's layout, NULL if the same */
	dnnl_primitive_t reorder; /* user -> prim (input), prim -> user */
	const void *last_ptr;   /* a versioned input: what prim holds */
	uint64_t last_ver;
	/* an input given in another layout (NN_CONV_X_NATIVE): the reorder
	 * from nat_md to prim (or user), made on first need */
	dnnl_primitive_t nat_reorder;
	dnnl_memory_desc_t nat_md;
} dn_arg;

typedef struct dn_entry {
	struct dn_entry *next;
	int64_t key[DN_KEY];
	dnnl_primitive_t prim;
	size_t ws_size; /* workspace bytes (pooling), 0 if none */
	int n;
	dn_arg a[DN_MAX_ARGS];
} dn_entry;

/* A buffer whose values are in a primitive's memory instead
 * (NN_CONV_Y_NATIVE): the plain pointer the model knows it by, and that
 * memory (the producing entry's, alive as long as the backend). */
typedef struct dn_native {
	const void *ptr;
	dnnl_memory_t mem;
} dn_native;

typedef struct dn_impl {
	dnnl_engine_t eng;
	dnnl_stream_t strm;
	dn_entry *bucket[DN_BUCKETS];
	dn_native *nat;
	int n_nat, cap_nat;
} dn_impl;

/* What an entry's argument is: its DNNL_ARG_*, the plain layout the caller
 * uses (NULL: the primitive's own, e.g. a workspace), and whether it is
 * written. */
typedef struct dn_spec {
	int arg;
	const dnnl_memory_desc_t *plain;
	int out;
} dn_spec;

static const char *status_name(dnnl_status_t s)
{
	switch (s) {
	case dnnl_out_of_memory:
		return "out of memory";
	case dnnl_invalid_arguments:
		return "invalid arguments";
	case dnnl_unimplemented:
		return "no implementation for these shapes";
	case dnnl_runtime_error:
		return "runtime error";
	default:
		return "error";
	}
}

static int dn_fail(io_err *err, const char *what, dnnl_status_t s)
{
	return io_errf(err, s == dnnl_out_of_memory ? IO_ENOMEM : IO_EINPUT,
		       NULL, 0, "oneDNN: %s: %s (status %d)", what,
		       status_name(s), (int)s);
}

#define DN(what, call)                                                         \
	do {                                                                   \
		dnnl_status_t s_ = (call);                                     \
		if (s_ != dnnl_success) {                                      \
			rc = dn_fail(err, what, s_);                           \
			goto done;                                             \
		}                                                              \
	} while (0)

static void dn_threads(nn_backend *be)
{
	if (be->threads > 0 && omp_get_max_threads() != be->threads)
		omp_set_num_threads(be->threads);
}

/* ------------------------------------------------------ memory layouts */

/* Plain row-major f32 layout of dims. */
static void md_plain(dnnl_memory_desc_t *md, int nd, const dnnl_dims_t dims)
{
	dnnl_dims_t st;
	int64_t s = 1;
	for (int i = nd - 1; i >= 0; i--) {
		st[i] = s;
		s *= dims[i];
	}
	dnnl_memory_desc_init_by_strides(md, nd, dims, dnnl_f32, st);
}

static void md_any(dnnl_memory_desc_t *md, int nd, const dnnl_dims_t dims)
{
	dnnl_memory_desc_init_by_tag(md, nd, dims, dnnl_f32,
				     dnnl_format_tag_any);
}

static void md_1d(dnnl_memory_desc_t *md, int64_t n)
{
	dnnl_dims_t d = {n};
	md_plain(md, 1, d);
}

/* dims {a, b, spatial (the last nd of v)...}; returns the rank */
static int dims_sp(dnnl_dims_t d, int64_t a, int64_t b, int nd,
		   const int64_t v[3])
{
	d[0] = a;
	d[1] = b;
	for (int i = 0; i < nd; i++)
		d[2 + i] = v[3 - nd + i];
	return 2 + nd;
}

static void sp_of(dnnl_dims_t d, int nd, const int64_t v[3], int64_t minus)
{
	for (int i = 0; i < nd; i++)
		d[i] = v[3 - nd + i] - minus;
}

/* ---------------------------------------------------------------- cache */

static uint64_t key_hash(const int64_t *key)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < DN_KEY; i++) {
		h ^= (uint64_t)key[i];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return h;
}

static dn_entry *dn_find(dn_impl *im, const int64_t *key)
{
	dn_entry *e = im->bucket[key_hash(key) % DN_BUCKETS];
	for (; e; e = e->next)
		if (memcmp(e->key, key, sizeof e->key) == 0)
			return e;
	return NULL;
}

static void dn_entry_free(dn_entry *e)
{
	for (int i = 0; i < e->n; i++) {
		dn_arg *a = &e->a[i];
		if (a->reorder)
			dnnl_primitive_destroy(a->reorder);
		if (a->nat_reorder)
			dnnl_primitive_destroy(a->nat_reorder);
		if (a->prim)
			dnnl_memory_destroy(a->prim);
		if (a->user)
			dnnl_memory_destroy(a->user);
	}
	if (e->prim)
		dnnl_primitive_destroy(e->prim);
	free(e);
}

/* Make the entry of key from primitive descriptor pd (taken over: freed
 * here): its primitive and the memory of each argument in spec. */
static int dn_build(nn_backend *be, const int64_t *key,
		    dnnl_primitive_desc_t pd, const dn_spec *spec, int n,
		    dn_entry **out, io_err *err)
{
	dn_impl *im = be->impl;
	int rc = 0;
	dn_entry *e = calloc(1, sizeof *e);
	if (!e) {
		dnnl_primitive_desc_destroy(pd);
		return nn_nomem(err, "oneDNN primitive");
	}
	memcpy(e->key, key, sizeof e->key);
	DN("primitive", dnnl_primitive_create(&e->prim, pd));
	const dnnl_memory_desc_t *ws =
		dnnl_primitive_desc_query_md(pd, dnnl_query_workspace_md, 0);
	e->ws_size = ws ? dnnl_memory_desc_get_size(ws) : 0;
	for (int i = 0; i < n; i++, e->n++) {
		dn_arg *a = &e->a[i];
		a->arg = spec[i].arg;
		a->out = spec[i].out;
		const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(
			pd, dnnl_query_exec_arg_md, spec[i].arg);
		const dnnl_memory_desc_t *plain = spec[i].plain ? spec[i].plain
								: want;
		DN("memory", dnnl_memory_create(&a->user, plain, im->eng,
						DNNL_MEMORY_NONE));
		if (dnnl_memory_desc_equal(plain, want))
			continue;
		DN("memory", dnnl_memory_create(&a->prim, want, im->eng,
						DNNL_MEMORY_ALLOCATE));
		dnnl_primitive_desc_t rpd;
		DN("reorder", dnnl_reorder_primitive_desc_create(
				      &rpd, a->out ? want : plain, im->eng,
				      a->out ? plain : want, im->eng, NULL));
		dnnl_status_t s = dnnl_primitive_create(&a->reorder, rpd);
		dnnl_primitive_desc_destroy(rpd);
		DN("reorder", s);
	}
done:
	dnnl_primitive_desc_destroy(pd);
	if (rc) {
		dn_entry_free(e);
		return rc;
	}
	uint64_t b = key_hash(key) % DN_BUCKETS;
	e->next = im->bucket[b];
	im->bucket[b] = e;
	*out = e;
	return 0;
}

/* ------------------------------------------- values kept in a layout */

static dn_native *nat_find(dn_impl *im, const void *ptr)
{
	for (int i = 0; i < im->n_nat; i++)
		if (im->nat[i].ptr == ptr)
			return &im->nat[i];
	return NULL;
}

/* Buffer ptr's values are now in mem (NULL: in the buffer itself). */
static int nat_set(dn_impl *im, const void *ptr, dnnl_memory_t mem,
		   io_err *err)
{
	dn_native *n = nat_find(im, ptr);
	if (!mem) {
		if (n)
			*n = im->nat[--im->n_nat];
		return 0;
	}
	if (!n) {
		if (im->n_nat == im->cap_nat) {
			int cap = im->cap_nat ? 2 * im->cap_nat : 32;
			dn_native *v = realloc(im->nat, (size_t)cap * sizeof *v);
			if (!v)
				return nn_nomem(err, "oneDNN layouts");
			im->nat = v;
			im->cap_nat = cap;
		}
		n = &im->nat[im->n_nat++];
		n->ptr = ptr;
	}
	n->mem = mem;
	return 0;
}

/* Bring input a's values from memory from (another layout) into the
 * memory the primitive reads; that memory, in *use. */
static int nat_input(dn_impl *im, dn_arg *a, dnnl_memory_t from,
		     dnnl_memory_t *use, io_err *err)
{
	int rc = 0;
	const dnnl_memory_desc_t *have, *want;
	dnnl_memory_t to = a->prim ? a->prim : a->user;
	DN("memory", dnnl_memory_get_memory_desc(from, &have));
	DN("memory", dnnl_memory_get_memory_desc(to, &want));
	if (dnnl_memory_desc_equal(have, want)) {
		*use = from; /* the same layout: no copy at all */
		return 0;
	}
	if (!a->nat_reorder || !dnnl_memory_desc_equal(have, &a->nat_md)) {
		if (a->nat_reorder)
			dnnl_primitive_destroy(a->nat_reorder);
		a->nat_reorder = NULL;
		dnnl_primitive_desc_t rpd;
		DN("reorder", dnnl_reorder_primitive_desc_create(
				      &rpd, have, im->eng, want, im->eng, NULL));
		dnnl_status_t s = dnnl_primitive_create(&a->nat_reorder, rpd);
		dnnl_primitive_desc_destroy(rpd);
		DN("reorder", s);
		a->nat_md = *have;
	}
	dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
	DN("reorder", dnnl_primitive_execute(a->nat_reorder, im->strm, 2, r));
	*use = to;
done:
	return rc;
}

/* Run entry e on the buffers ptr[i] of its arguments (in spec order);
 * ver[i] != 0 marks an input whose layout copy may be reused while
 * (ptr, ver) is unchanged (ver may be NULL). in0: where argument 0's
 * values are when not in ptr[0] (NULL: there); keep_out: outputs stay in
 * the primitive's layout (their buffers unwritten, noted in im->nat). */
static int dn_exec_ex(nn_backend *be, dn_entry *e, const void *const *ptr,
		      const uint64_t *ver, dnnl_memory_t in0, int keep_out,
		      io_err *err)
{
	dn_impl *im = be->impl;
	dnnl_exec_arg_t args[DN_MAX_ARGS];
	int rc = 0;
	for (int i = 0; i < e->n; i++) {
		dn_arg *a = &e->a[i];
		DN("memory", dnnl_memory_set_data_handle(a->user,
							  (void *)ptr[i]));
		args[i].arg = a->arg;
		args[i].memory = a->prim ? a->prim : a->user;
		if (i == 0 && in0) {
			if ((rc = nat_input(im, a, in0, &args[i].memory, err)))
				goto done;
			continue;
		}
		if (!a->prim || a->out)
			continue;
		uint64_t v = ver ? ver[i] : 0;
		if (v && a->last_ptr == ptr[i] && a->last_ver == v)
			continue;
		dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, a->user},
					{DNNL_ARG_TO, a->prim}};
		DN("reorder", dnnl_primitive_execute(a->reorder, im->strm, 2, r));
		a->last_ptr = ptr[i];
		a->last_ver = v;
	}
	DN("execute", dnnl_primitive_execute(e->prim, im->strm, e->n, args));
	for (int i = 0; i < e->n; i++) {
		dn_arg *a = &e->a[i];
		if (!a->out)
			continue;
		int keep = keep_out && a->prim;
		if ((keep || im->n_nat) &&
		    (rc = nat_set(im, ptr[i], keep ? a->prim : NULL, err)))
			goto done;
		if (keep || !a->prim)
			continue;
		dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, a->prim},
					{DNNL_ARG_TO, a->user}};
		DN("reorder", dnnl_primitive_execute(a->reorder, im->strm, 2, r));
	}
	DN("wait", dnnl_stream_wait(im->strm));
done:
	return rc;
}

static int dn_exec(nn_backend *be, dn_entry *e, const void *const *ptr,
		   const uint64_t *ver, io_err *err)
{
	return dn_exec_ex(be, e, ptr, ver, NULL, 0, err);
}

/* A primitive descriptor of desc (hint: the forward one of a backward
 * pass, or NULL). */
static int dn_pd(nn_backend *be, dnnl_primitive_desc_t *pd, const void *desc,
		 const_dnnl_primitive_attr_t attr,
		 const_dnnl_primitive_desc_t hint, const char *what,
		 io_err *err)
{
	dn_impl *im = be->impl;
	dnnl_status_t s = dnnl_primitive_desc_create(pd, desc, attr, im->eng,
						     hint);
	return s == dnnl_success ? 0 : dn_fail(err, what, s);
}

/* The backward primitive descriptor of desc, whose init returned s, hinted
 * by the forward one; the hint is destroyed in any case. */
static int dn_bwd_pd(nn_backend *be, dnnl_primitive_desc_t *pd,
		     dnnl_status_t s, const void *desc,
		     dnnl_primitive_desc_t hint, const char *what, io_err *err)
{
	int rc = s != dnnl_success ? dn_fail(err, what, s)
				   : dn_pd(be, pd, desc, NULL, hint, what, err);
	dnnl_primitive_desc_destroy(hint);
	return rc;
}

/* Key builder: the operation then its numbers. */
typedef struct dn_key {
	int64_t v[DN_KEY];
	int n;
} dn_key;

static void key_add(dn_key *k, int64_t x)
{
	if (k->n < DN_KEY)
		k->v[k->n++] = x;
}

static int64_t fbits(float f)
{
	int32_t i;
	memcpy(&i, &f, sizeof i);
	return i;
}

static void key_vec(dn_key *k, const int64_t v[3])
{
	for (int i = 0; i < 3; i++)
		key_add(k, v[i]);
}

enum {
	OP_CONV_FWD = 1,
	OP_CONV_BWD_DATA,
	OP_CONV_BWD_W,
	OP_POOL_FWD,
	OP_POOL_BWD,
	OP_BN_FWD,
	OP_BN_BWD,
	OP_LN_FWD,
	OP_LN_BWD,
	OP_ACT_FWD,
	OP_ACT_BWD,
	OP_GEMM,
	OP_SOFTMAX_FWD,
	OP_SOFTMAX_BWD,
	OP_UP_FWD,
	OP_UP_BWD,
};

/* --------------------------------------------------------- convolution */

static dn_key conv_key(int op, const nn_conv_p *p, int64_t a, int64_t b)
{
	dn_key k = {{0}, 0};
	key_add(&k, op);
	key_add(&k, p->transposed);
	key_add(&k, p->nd);
	key_add(&k, p->n);
	key_add(&k, p->ic);
	key_add(&k, p->oc);
	key_add(&k, p->groups);
	key_vec(&k, p->in);
	key_vec(&k, p->out);
	key_vec(&k, p->k);
	key_vec(&k, p->stride);
	key_vec(&k, p->pad);
	key_vec(&k, p->dil);
	key_add(&k, a);
	key_add(&k, b);
	return k;
}

/* The memory descriptors of convolution p: src, weights, dst as "any"
 * (the primitive picks) and plain (the caller's), bias plain. */
typedef struct conv_mds {
	dnnl_memory_desc_t src, wei, dst, bias;             /* any */
	dnnl_memory_desc_t src_p, wei_p, dst_p;             /* plain */
	dnnl_dims_t strides, dil, pl, pr;
} conv_mds;

static void conv_mds_init(const nn_conv_p *p, conv_mds *m)
{
	int nd = p->nd;
	dnnl_dims_t d = {0};
	int r = dims_sp(d, p->n, p->ic, nd, p->in);
	md_any(&m->src, r, d);
	md_plain(&m->src_p, r, d);
	dims_sp(d, p->n, p->oc, nd, p->out);
	md_any(&m->dst, r, d);
	md_plain(&m->dst_p, r, d);
	md_1d(&m->bias, p->oc);
	/* weights: logical dims [g,] OC/G, IC/G, k...; stored OC x IC/G x k
	 * (convolution) or IC x OC/G x k (transposed) */
	int64_t g = p->groups, ocg = p->oc / g, icg = p->ic / g;
	int64_t ks = nn_sp3(p->k);
	int off = g > 1, wr = off + 2 + nd;
	dnnl_dims_t wd, ws;
	if (off) {
		wd[0] = g;
		ws[0] = ocg * icg * ks;
	}
	wd[off] = ocg;
	wd[off + 1] = icg;
	ws[off] = p->transposed ? ks : icg * ks;
	ws[off + 1] = p->transposed ? ocg * ks : ks;
	int64_t s = 1;
	for (int i = nd - 1; i >= 0; i--) {
		wd[off + 2 + i] = p->k[3 - nd + i];
		ws[off + 2 + i] = s;
		s *= p->k[3 - nd + i];
	}
	md_any(&m->wei, wr, wd);
	dnnl_memory_desc_init_by_strides(&m->wei_p, wr, wd, dnnl_f32, ws);
	sp_of(m->strides, nd, p->stride, 0);
	sp_of(m->dil, nd, p->dil, 1);
	sp_of(m->pl, nd, p->pad, 0);
	for (int i = 0; i < nd; i++) {
		int j = 3 - nd + i;
		int64_t span = (p->k[j] - 1) * p->dil[j] + 1;
		/* the right padding that makes the small side's size exact */
		int64_t small = p->transposed ? p->in[j] : p->out[j];
		int64_t big = p->transposed ? p->out[j] : p->in[j];
		m->pr[i] = (small - 1) * p->stride[j] + span - big - p->pad[j];
	}
}

/* The forward descriptor of p (conv or deconv). */
static dnnl_status_t conv_fwd_desc(const nn_conv_p *p, const conv_mds *m,
				   dnnl_prop_kind_t prop, int bias,
				   void *desc)
{
	const dnnl_memory_desc_t *b = bias ? &m->bias : NULL;
	if (p->transposed)
		return dnnl_dilated_deconvolution_forward_desc_init(
			desc, prop, dnnl_deconvolution_direct, &m->src, &m->wei,
			b, &m->dst, m->strides, m->dil, m->pl, m->pr);
	return dnnl_dilated_convolution_forward_desc_init(
		desc, prop, dnnl_convolution_direct, &m->src, &m->wei, b,
		&m->dst, m->strides, m->dil, m->pl, m->pr);
}

/* A forward primitive descriptor to hint a backward one. */
static int conv_hint(nn_backend *be, const nn_conv_p *p, const conv_mds *m,
		     int bias, dnnl_primitive_desc_t *hint, io_err *err)
{
	dnnl_convolution_desc_t cd;
	dnnl_deconvolution_desc_t dd;
	void *d = p->transposed ? (void *)&dd : (void *)&cd;
	dnnl_status_t s = conv_fwd_desc(p, m, dnnl_forward_training, bias, d);
	if (s != dnnl_success)
		return dn_fail(err, "convolution", s);
	return dn_pd(be, hint, d, NULL, NULL, "convolution", err);
}

/* The weights' address is part of the key: each layer gets its own entry
 * and so its own copy of the weights in the primitive's layout. Layers of
 * the same shapes (ResNet-50's repeated bottlenecks) sharing one entry
 * would reorder their weights on every call, each undoing the other's
 * copy: 12 % of a batch-1 ResNet-50 pass, by ONEDNN_VERBOSE. */
static int dn_conv_fwd(nn_backend *be, const nn_conv_p *p, const float *x,
		       const float *w, uint64_t wver, const float *b, float *y,
		       int flags, io_err *err)
{
	int relu = flags & NN_CONV_RELU;
	dn_threads(be);
	dn_key k = conv_key(OP_CONV_FWD, p, relu, b != NULL);
	key_add(&k, (int64_t)(intptr_t)w); /* see dn_conv_fwd's comment */
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		conv_mds m;
		conv_mds_init(p, &m);
		dnnl_convolution_desc_t cd;
		dnnl_deconvolution_desc_t dd;
		void *d = p->transposed ? (void *)&dd : (void *)&cd;
		dnnl_primitive_attr_t attr = NULL;
		dnnl_post_ops_t po = NULL;
		dnnl_primitive_desc_t pd = NULL;
		DN("convolution", conv_fwd_desc(p, &m, dnnl_forward_inference,
						b != NULL, d));
		DN("attributes", dnnl_primitive_attr_create(&attr));
		if (relu) {
			DN("post-ops", dnnl_post_ops_create(&po));
			DN("post-ops", dnnl_post_ops_append_eltwise(
					       po, 1.0f, dnnl_eltwise_relu, 0, 0));
			DN("post-ops", dnnl_primitive_attr_set_post_ops(attr, po));
		}
		rc = dn_pd(be, &pd, d, attr, NULL, "convolution forward", err);
		if (rc == 0) {
			dn_spec sp[4] = {{DNNL_ARG_SRC, &m.src_p, 0},
					 {DNNL_ARG_WEIGHTS, &m.wei_p, 0},
					 {DNNL_ARG_DST, &m.dst_p, 1},
					 {DNNL_ARG_BIAS, &m.bias, 0}};
			rc = dn_build(be, k.v, pd, sp, b ? 4 : 3, &e, err);
		}
	done:
		if (po)
			dnnl_post_ops_destroy(po);
		if (attr)
			dnnl_primitive_attr_destroy(attr);
		if (rc)
			return rc;
	}
	const void *ptr[4] = {x, w, y, b};
	const uint64_t ver[4] = {0, wver, 0, 0};
	const dn_native *nx = flags & NN_CONV_X_NATIVE ? nat_find(be->impl, x)
						       : NULL;
	return dn_exec_ex(be, e, ptr, ver, nx ? nx->mem : NULL,
			  flags & NN_CONV_Y_NATIVE, err);
}

static int dn_conv_bwd_data(nn_backend *be, const nn_conv_p *p,
			    const float *dy, const float *w, uint64_t wver,
			    float *dx, io_err *err)
{
	dn_threads(be);
	dn_key k = conv_key(OP_CONV_BWD_DATA, p, 0, 0);
	key_add(&k, (int64_t)(intptr_t)w);
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		conv_mds m;
		conv_mds_init(p, &m);
		dnnl_primitive_desc_t hint = NULL, pd = NULL;
		dnnl_convolution_desc_t cd;
		dnnl_deconvolution_desc_t dd;
		if ((rc = conv_hint(be, p, &m, 0, &hint, err)))
			return rc;
		dnnl_status_t s =
			p->transposed
				? dnnl_dilated_deconvolution_backward_data_desc_init(
					  &dd, dnnl_deconvolution_direct, &m.src,
					  &m.wei, &m.dst, m.strides, m.dil, m.pl,
					  m.pr)
				: dnnl_dilated_convolution_backward_data_desc_init(
					  &cd, dnnl_convolution_direct, &m.src,
					  &m.wei, &m.dst, m.strides, m.dil, m.pl,
					  m.pr);
		rc = dn_bwd_pd(be, &pd, s,
			       p->transposed ? (void *)&dd : (void *)&cd, hint,
			       "convolution backward data", err);
		if (rc)
			return rc;
		dn_spec sp[3] = {{DNNL_ARG_DIFF_DST, &m.dst_p, 0},
				 {DNNL_ARG_WEIGHTS, &m.wei_p, 0},
				 {DNNL_ARG_DIFF_SRC, &m.src_p, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 3, &e, err)))
			return rc;
	}
	const void *ptr[3] = {dy, w, dx};
	const uint64_t ver[3] = {0, wver, 0};
	return dn_exec(be, e, ptr, ver, err);
}

static int dn_conv_bwd_weights(nn_backend *be, const nn_conv_p *p,
			       const float *x, const float *dy, float *dw,
			       float *db, io_err *err)
{
	dn_threads(be);
	dn_key k = conv_key(OP_CONV_BWD_W, p, db != NULL, 0);
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		conv_mds m;
		conv_mds_init(p, &m);
		dnnl_primitive_desc_t hint = NULL, pd = NULL;
		dnnl_convolution_desc_t cd;
		dnnl_deconvolution_desc_t dd;
		const dnnl_memory_desc_t *bias = db ? &m.bias : NULL;
		if ((rc = conv_hint(be, p, &m, db != NULL, &hint, err)))
			return rc;
		dnnl_status_t s =
			p->transposed
				? dnnl_dilated_deconvolution_backward_weights_desc_init(
					  &dd, dnnl_deconvolution_direct, &m.src,
					  &m.wei, bias, &m.dst, m.strides, m.dil,
					  m.pl, m.pr)
				: dnnl_dilated_convolution_backward_weights_desc_init(
					  &cd, dnnl_convolution_direct, &m.src,
					  &m.wei, bias, &m.dst, m.strides, m.dil,
					  m.pl, m.pr);
		rc = dn_bwd_pd(be, &pd, s,
			       p->transposed ? (void *)&dd : (void *)&cd, hint,
			       "convolution backward weights", err);
		if (rc)
			return rc;
		dn_spec sp[4] = {{DNNL_ARG_SRC, &m.src_p, 0},
				 {DNNL_ARG_DIFF_DST, &m.dst_p, 0},
				 {DNNL_ARG_DIFF_WEIGHTS, &m.wei_p, 1},
				 {DNNL_ARG_DIFF_BIAS, &m.bias, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, db ? 4 : 3, &e, err)))
			return rc;
	}
	const void *ptr[4] = {x, dy, dw, db};
	return dn_exec(be, e, ptr, NULL, err);
}

/* -------------------------------------------------------------- pooling */

static dnnl_alg_kind_t pool_alg(nn_pool_kind k)
{
	return k == NN_POOL_MAX ? dnnl_pooling_max
	       : k == NN_POOL_AVG ? dnnl_pooling_avg_include_padding
				  : dnnl_pooling_avg_exclude_padding;
}

typedef struct pool_mds {
	dnnl_memory_desc_t src, dst;
	dnnl_dims_t strides, kernel, pl, pr;
} pool_mds;

static void pool_mds_init(const nn_pool_p *p, pool_mds *m)
{
	dnnl_dims_t d = {0};
	int r = dims_sp(d, p->n, p->c, p->nd, p->in);
	md_plain(&m->src, r, d);
	dims_sp(d, p->n, p->c, p->nd, p->out);
	md_plain(&m->dst, r, d);
	sp_of(m->strides, p->nd, p->stride, 0);
	sp_of(m->kernel, p->nd, p->k, 0);
	sp_of(m->pl, p->nd, p->pad, 0);
	for (int i = 0; i < p->nd; i++) {
		int j = 3 - p->nd + i;
		m->pr[i] = (p->out[j] - 1) * p->stride[j] + p->k[j] - p->in[j] -
			   p->pad[j];
	}
}

static dn_key pool_key(int op, const nn_pool_p *p, int training)
{
	dn_key k = {{0}, 0};
	key_add(&k, op);
	key_add(&k, p->nd);
	key_add(&k, p->kind);
	key_add(&k, p->n);
	key_add(&k, p->c);
	key_vec(&k, p->in);
	key_vec(&k, p->out);
	key_vec(&k, p->k);
	key_vec(&k, p->stride);
	key_vec(&k, p->pad);
	key_add(&k, training);
	return k;
}

static int pool_fwd_pd(nn_backend *be, const nn_pool_p *p, const pool_mds *m,
		       int training, dnnl_primitive_desc_t *pd, io_err *err)
{
	dnnl_pooling_desc_t d;
	dnnl_status_t s = dnnl_pooling_forward_desc_init(
		&d, training ? dnnl_forward_training : dnnl_forward_inference,
		pool_alg(p->kind), &m->src, &m->dst, m->strides, m->kernel,
		m->pl, m->pr);
	if (s != dnnl_success)
		return dn_fail(err, "pooling", s);
	return dn_pd(be, pd, &d, NULL, NULL, "pooling forward", err);
}

/* Make ws hold n bytes. */
static int ws_fit(nn_ws *ws, size_t n, io_err *err)
{
	if (ws->size >= n)
		return 0;
	void *q = realloc(ws->p, n);
	if (!q)
		return nn_nomem(err, "pooling workspace");
	ws->p = q;
	ws->size = n;
	return 0;
}

static int dn_pool_fwd(nn_backend *be, const nn_pool_p *p, const float *x,
		       float *y, nn_ws *ws, int training, io_err *err)
{
	dn_threads(be);
	int keep = training && p->kind == NN_POOL_MAX;
	dn_key k = pool_key(OP_POOL_FWD, p, keep);
	dn_entry *e = dn_find(be->impl, k.v);
	int rc;
	if (!e) {
		pool_mds m;
		pool_mds_init(p, &m);
		dnnl_primitive_desc_t pd;
		if ((rc = pool_fwd_pd(be, p, &m, keep, &pd, err)))
			return rc;
		dn_spec sp[3] = {{DNNL_ARG_SRC, &m.src, 0},
				 {DNNL_ARG_DST, &m.dst, 1},
				 {DNNL_ARG_WORKSPACE, NULL, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, keep ? 3 : 2, &e, err)))
			return rc;
	}
	if (keep && (rc = ws_fit(ws, e->ws_size, err)))
		return rc;
	const void *ptr[3] = {x, y, keep ? ws->p : NULL};
	return dn_exec(be, e, ptr, NULL, err);
}

static int dn_pool_bwd(nn_backend *be, const nn_pool_p *p, const float *x,
		       const float *dy, float *dx, nn_ws *ws, io_err *err)
{
	dn_threads(be);
	int max = p->kind == NN_POOL_MAX;
	dn_key k = pool_key(OP_POOL_BWD, p, 1);
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		pool_mds m;
		pool_mds_init(p, &m);
		dnnl_primitive_desc_t hint, pd = NULL;
		if ((rc = pool_fwd_pd(be, p, &m, 1, &hint, err)))
			return rc;
		dnnl_pooling_desc_t d;
		dnnl_status_t s = dnnl_pooling_backward_desc_init(
			&d, pool_alg(p->kind), &m.src, &m.dst, m.strides,
			m.kernel, m.pl, m.pr);
		rc = dn_bwd_pd(be, &pd, s, &d, hint, "pooling backward", err);
		if (rc)
			return rc;
		dn_spec sp[3] = {{DNNL_ARG_DIFF_DST, &m.dst, 0},
				 {DNNL_ARG_DIFF_SRC, &m.src, 1},
				 {DNNL_ARG_WORKSPACE, NULL, 0}};
		if ((rc = dn_build(be, k.v, pd, sp, max ? 3 : 2, &e, err)))
			return rc;
	}
	if (max && (!ws->p || ws->size < e->ws_size))
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "max pooling backward without a training "
			       "forward pass");
	const void *ptr[3] = {dy, dx, max ? ws->p : NULL};
	return dn_exec(be, e, ptr, NULL, err);
}

/* ------------------------------------------------- batch and layer norm */

static int dn_bn_fwd(nn_backend *be, const nn_bn_p *p, const float *x,
		     const float *gamma, const float *beta, float *mean,
		     float *var, float *y, int training, io_err *err)
{
	dn_threads(be);
	dn_key k = {{0}, 0};
	key_add(&k, OP_BN_FWD);
	key_add(&k, p->nd);
	key_add(&k, p->n);
	key_add(&k, p->c);
	key_vec(&k, p->sp);
	key_add(&k, fbits(p->eps));
	key_add(&k, training);
	dn_entry *e = dn_find(be->impl, k.v);
	int rc;
	if (!e) {
		dnnl_memory_desc_t data, ch;
		dnnl_dims_t d = {0};
		md_plain(&data, dims_sp(d, p->n, p->c, p->nd, p->sp), d);
		md_1d(&ch, p->c);
		unsigned flags = dnnl_use_scale | dnnl_use_shift |
				 (training ? 0 : dnnl_use_global_stats);
		dnnl_batch_normalization_desc_t bd;
		dnnl_status_t s = dnnl_batch_normalization_forward_desc_init(
			&bd,
			training ? dnnl_forward_training : dnnl_forward_inference,
			&data, p->eps, flags);
		if (s != dnnl_success)
			return dn_fail(err, "batch norm", s);
		dnnl_primitive_desc_t pd;
		if ((rc = dn_pd(be, &pd, &bd, NULL, NULL, "batch norm", err)))
			return rc;
		dn_spec sp[6] = {{DNNL_ARG_SRC, &data, 0},
				 {DNNL_ARG_DST, &data, 1},
				 {DNNL_ARG_SCALE, &ch, 0},
				 {DNNL_ARG_SHIFT, &ch, 0},
				 {DNNL_ARG_MEAN, &ch, training},
				 {DNNL_ARG_VARIANCE, &ch, training}};
		if ((rc = dn_build(be, k.v, pd, sp, 6, &e, err)))
			return rc;
	}
	const void *ptr[6] = {x, y, gamma, beta, mean, var};
	return dn_exec(be, e, ptr, NULL, err);
}

static int dn_bn_bwd(nn_backend *be, const nn_bn_p *p, const float *x,
		     const float *dy, const float *gamma, const float *mean,
		     const float *var, float *dx, float *dgamma, float *dbeta,
		     int global_stats, io_err *err)
{
	dn_threads(be);
	dn_key k = {{0}, 0};
	key_add(&k, OP_BN_BWD);
	key_add(&k, p->nd);
	key_add(&k, p->n);
	key_add(&k, p->c);
	key_vec(&k, p->sp);
	key_add(&k, fbits(p->eps));
	key_add(&k, global_stats);
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		dnnl_memory_desc_t data, ch;
		dnnl_dims_t d = {0};
		md_plain(&data, dims_sp(d, p->n, p->c, p->nd, p->sp), d);
		md_1d(&ch, p->c);
		unsigned flags = dnnl_use_scale | dnnl_use_shift |
				 (global_stats ? dnnl_use_global_stats : 0);
		dnnl_batch_normalization_desc_t fd, bd;
		dnnl_primitive_desc_t hint, pd = NULL;
		dnnl_status_t s = dnnl_batch_normalization_forward_desc_init(
			&fd, dnnl_forward_training, &data, p->eps, flags);
		if (s != dnnl_success)
			return dn_fail(err, "batch norm", s);
		if ((rc = dn_pd(be, &hint, &fd, NULL, NULL, "batch norm", err)))
			return rc;
		s = dnnl_batch_normalization_backward_desc_init(
			&bd, dnnl_backward, &data, &data, p->eps, flags);
		rc = dn_bwd_pd(be, &pd, s, &bd, hint, "batch norm backward",
			       err);
		if (rc)
			return rc;
		/* oneDNN 2.6 counts the shift among the backward pass's
		 * inputs though the gradients do not depend on it: it is
		 * given gamma's buffer, never read */
		dn_spec sp[9] = {{DNNL_ARG_SRC, &data, 0},
				 {DNNL_ARG_DIFF_DST, &data, 0},
				 {DNNL_ARG_SCALE, &ch, 0},
				 {DNNL_ARG_SHIFT, &ch, 0},
				 {DNNL_ARG_MEAN, &ch, 0},
				 {DNNL_ARG_VARIANCE, &ch, 0},
				 {DNNL_ARG_DIFF_SRC, &data, 1},
				 {DNNL_ARG_DIFF_SCALE, &ch, 1},
				 {DNNL_ARG_DIFF_SHIFT, &ch, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 9, &e, err)))
			return rc;
	}
	const void *ptr[9] = {x, dy, gamma, gamma, mean, var, dx, dgamma, dbeta};
	return dn_exec(be, e, ptr, NULL, err);
}

static int ln_mds(int64_t rows, int64_t cols, dnnl_memory_desc_t *data,
		  dnnl_memory_desc_t *stat, dnnl_memory_desc_t *ch)
{
	dnnl_dims_t d = {rows, cols};
	md_plain(data, 2, d);
	md_1d(stat, rows);
	md_1d(ch, cols);
	return 0;
}

static const unsigned ln_flags = dnnl_use_scale | dnnl_use_shift;

static int dn_ln_fwd(nn_backend *be, int64_t rows, int64_t cols, float eps,
		     const float *x, const float *gamma, const float *beta,
		     float *mean, float *var, float *y, io_err *err)
{
	dn_threads(be);
	dn_key k = {{OP_LN_FWD, rows, cols, fbits(eps)}, 4};
	dn_entry *e = dn_find(be->impl, k.v);
	int rc;
	if (!e) {
		dnnl_memory_desc_t data, stat, ch;
		ln_mds(rows, cols, &data, &stat, &ch);
		dnnl_layer_normalization_desc_t ld;
		dnnl_status_t s = dnnl_layer_normalization_forward_desc_init(
			&ld, dnnl_forward_training, &data, &stat, eps, ln_flags);
		if (s != dnnl_success)
			return dn_fail(err, "layer norm", s);
		dnnl_primitive_desc_t pd;
		if ((rc = dn_pd(be, &pd, &ld, NULL, NULL, "layer norm", err)))
			return rc;
		dn_spec sp[6] = {{DNNL_ARG_SRC, &data, 0},
				 {DNNL_ARG_DST, &data, 1},
				 {DNNL_ARG_SCALE, &ch, 0},
				 {DNNL_ARG_SHIFT, &ch, 0},
				 {DNNL_ARG_MEAN, &stat, 1},
				 {DNNL_ARG_VARIANCE, &stat, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 6, &e, err)))
			return rc;
	}
	const void *ptr[6] = {x, y, gamma, beta, mean, var};
	return dn_exec(be, e, ptr, NULL, err);
}

static int dn_ln_bwd(nn_backend *be, int64_t rows, int64_t cols, float eps,
		     const float *x, const float *dy, const float *gamma,
		     const float *mean, const float *var, float *dx,
		     float *dgamma, float *dbeta, io_err *err)
{
	dn_threads(be);
	dn_key k = {{OP_LN_BWD, rows, cols, fbits(eps)}, 4};
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		dnnl_memory_desc_t data, stat, ch;
		ln_mds(rows, cols, &data, &stat, &ch);
		dnnl_layer_normalization_desc_t fd, bd;
		dnnl_primitive_desc_t hint, pd = NULL;
		dnnl_status_t s = dnnl_layer_normalization_forward_desc_init(
			&fd, dnnl_forward_training, &data, &stat, eps, ln_flags);
		if (s != dnnl_success)
			return dn_fail(err, "layer norm", s);
		if ((rc = dn_pd(be, &hint, &fd, NULL, NULL, "layer norm", err)))
			return rc;
		s = dnnl_layer_normalization_backward_desc_init(
			&bd, dnnl_backward, &data, &data, &stat, eps, ln_flags);
		rc = dn_bwd_pd(be, &pd, s, &bd, hint, "layer norm backward",
			       err);
		if (rc)
			return rc;
		/* the shift: as in dn_bn_bwd */
		dn_spec sp[9] = {{DNNL_ARG_SRC, &data, 0},
				 {DNNL_ARG_DIFF_DST, &data, 0},
				 {DNNL_ARG_SCALE, &ch, 0},
				 {DNNL_ARG_SHIFT, &ch, 0},
				 {DNNL_ARG_MEAN, &stat, 0},
				 {DNNL_ARG_VARIANCE, &stat, 0},
				 {DNNL_ARG_DIFF_SRC, &data, 1},
				 {DNNL_ARG_DIFF_SCALE, &ch, 1},
				 {DNNL_ARG_DIFF_SHIFT, &ch, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 9, &e, err)))
			return rc;
	}
	const void *ptr[9] = {x, dy, gamma, gamma, mean, var, dx, dgamma, dbeta};
	return dn_exec(be, e, ptr, NULL, err);
}

/* ---------------------------------------------------------- activations */

static dnnl_alg_kind_t act_alg(nn_act_kind k, float *alpha)
{
	switch (k) {
	case NN_ACT_RELU:
		*alpha = 0;
		return dnnl_eltwise_relu;
	case NN_ACT_LEAKY_RELU:
		return dnnl_eltwise_relu;
	case NN_ACT_GELU:
		return dnnl_eltwise_gelu_erf;
	case NN_ACT_SIGMOID:
		return dnnl_eltwise_logistic;
	case NN_ACT_TANH:
		return dnnl_eltwise_tanh;
	}
	return dnnl_eltwise_linear;
}

static int act_fwd_pd(nn_backend *be, dnnl_alg_kind_t alg, float alpha,
		      const dnnl_memory_desc_t *md, dnnl_primitive_desc_t *pd,
		      io_err *err)
{
	dnnl_eltwise_desc_t d;
	dnnl_status_t s = dnnl_eltwise_forward_desc_init(
		&d, dnnl_forward_training, alg, md, alpha, 0);
	if (s != dnnl_success)
		return dn_fail(err, "eltwise", s);
	return dn_pd(be, pd, &d, NULL, NULL, "eltwise", err);
}

static int dn_act_fwd(nn_backend *be, nn_act_kind kind, float alpha,
		      int64_t n, const float *x, float *y, io_err *err)
{
	dn_threads(be);
	dnnl_alg_kind_t alg = act_alg(kind, &alpha);
	dn_key k = {{OP_ACT_FWD, alg, fbits(alpha), n}, 4};
	dn_entry *e = dn_find(be->impl, k.v);
	int rc;
	if (!e) {
		dnnl_memory_desc_t md;
		md_1d(&md, n);
		dnnl_primitive_desc_t pd;
		if ((rc = act_fwd_pd(be, alg, alpha, &md, &pd, err)))
			return rc;
		dn_spec sp[2] = {{DNNL_ARG_SRC, &md, 0}, {DNNL_ARG_DST, &md, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 2, &e, err)))
			return rc;
	}
	const void *ptr[2] = {x, y};
	return dn_exec(be, e, ptr, NULL, err);
}

static int dn_act_bwd(nn_backend *be, nn_act_kind kind, float alpha,
		      int64_t n, const float *x, const float *dy, float *dx,
		      io_err *err)
{
	dn_threads(be);
	dnnl_alg_kind_t alg = act_alg(kind, &alpha);
	dn_key k = {{OP_ACT_BWD, alg, fbits(alpha), n}, 4};
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		dnnl_memory_desc_t md;
		md_1d(&md, n);
		dnnl_primitive_desc_t hint, pd = NULL;
		if ((rc = act_fwd_pd(be, alg, alpha, &md, &hint, err)))
			return rc;
		dnnl_eltwise_desc_t d;
		dnnl_status_t s = dnnl_eltwise_backward_desc_init(
			&d, alg, &md, &md, alpha, 0);
		rc = dn_bwd_pd(be, &pd, s, &d, hint, "eltwise backward", err);
		if (rc)
			return rc;
		dn_spec sp[3] = {{DNNL_ARG_SRC, &md, 0},
				 {DNNL_ARG_DIFF_DST, &md, 0},
				 {DNNL_ARG_DIFF_SRC, &md, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 3, &e, err)))
			return rc;
	}
	const void *ptr[3] = {x, dy, dx};
	return dn_exec(be, e, ptr, NULL, err);
}

/* ------------------------------------------------------- matrix product */

static int dn_gemm(nn_backend *be, const nn_gemm_p *p, const float *a,
		   const float *b, const float *bias, float *c, io_err *err)
{
	dn_threads(be);
	dn_key k = {{OP_GEMM, p->batch, p->m, p->n, p->k, p->trans_a,
		     p->trans_b, p->b_shared, p->accumulate, bias != NULL},
		    10};
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		dnnl_memory_desc_t src, wei, dst, bmd;
		dnnl_dims_t sd = {p->batch, p->m, p->k};
		dnnl_dims_t ss = {p->m * p->k, p->trans_a ? 1 : p->k,
				  p->trans_a ? p->m : 1};
		dnnl_dims_t wd = {p->b_shared ? 1 : p->batch, p->k, p->n};
		dnnl_dims_t wst = {p->k * p->n, p->trans_b ? 1 : p->n,
				   p->trans_b ? p->k : 1};
		dnnl_dims_t dd = {p->batch, p->m, p->n};
		dnnl_dims_t bd = {1, 1, p->n};
		dnnl_memory_desc_init_by_strides(&src, 3, sd, dnnl_f32, ss);
		dnnl_memory_desc_init_by_strides(&wei, 3, wd, dnnl_f32, wst);
		md_plain(&dst, 3, dd);
		md_plain(&bmd, 3, bd);
		dnnl_matmul_desc_t md;
		dnnl_primitive_attr_t attr = NULL;
		dnnl_post_ops_t po = NULL;
		dnnl_primitive_desc_t pd = NULL;
		DN("matmul", dnnl_matmul_desc_init(&md, &src, &wei,
						   bias ? &bmd : NULL, &dst));
		DN("attributes", dnnl_primitive_attr_create(&attr));
		if (p->accumulate) {
			DN("post-ops", dnnl_post_ops_create(&po));
			DN("post-ops", dnnl_post_ops_append_sum(po, 1.0f));
			DN("post-ops", dnnl_primitive_attr_set_post_ops(attr, po));
		}
		rc = dn_pd(be, &pd, &md, attr, NULL, "matmul", err);
		if (rc == 0) {
			dn_spec sp[4] = {{DNNL_ARG_SRC, &src, 0},
					 {DNNL_ARG_WEIGHTS, &wei, 0},
					 {DNNL_ARG_DST, &dst, 1},
					 {DNNL_ARG_BIAS, &bmd, 0}};
			rc = dn_build(be, k.v, pd, sp, bias ? 4 : 3, &e, err);
		}
	done:
		if (po)
			dnnl_post_ops_destroy(po);
		if (attr)
			dnnl_primitive_attr_destroy(attr);
		if (rc)
			return rc;
	}
	const void *ptr[4] = {a, b, c, bias};
	return dn_exec(be, e, ptr, NULL, err);
}

/* -------------------------------------------------------------- softmax */

static int softmax_fwd_pd(nn_backend *be, const dnnl_memory_desc_t *md,
			  dnnl_primitive_desc_t *pd, io_err *err)
{
	dnnl_softmax_desc_t d;
	dnnl_status_t s =
		dnnl_softmax_forward_desc_init(&d, dnnl_forward_training, md, 1);
	if (s != dnnl_success)
		return dn_fail(err, "softmax", s);
	return dn_pd(be, pd, &d, NULL, NULL, "softmax", err);
}

static int dn_softmax_fwd(nn_backend *be, int64_t rows, int64_t cols,
			  const float *x, float *y, io_err *err)
{
	dn_threads(be);
	dn_key k = {{OP_SOFTMAX_FWD, rows, cols}, 3};
	dn_entry *e = dn_find(be->impl, k.v);
	int rc;
	if (!e) {
		dnnl_memory_desc_t md;
		dnnl_dims_t d = {rows, cols};
		md_plain(&md, 2, d);
		dnnl_primitive_desc_t pd;
		if ((rc = softmax_fwd_pd(be, &md, &pd, err)))
			return rc;
		dn_spec sp[2] = {{DNNL_ARG_SRC, &md, 0}, {DNNL_ARG_DST, &md, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 2, &e, err)))
			return rc;
	}
	const void *ptr[2] = {x, y};
	return dn_exec(be, e, ptr, NULL, err);
}

static int dn_softmax_bwd(nn_backend *be, int64_t rows, int64_t cols,
			  const float *y, const float *dy, float *dx,
			  io_err *err)
{
	dn_threads(be);
	dn_key k = {{OP_SOFTMAX_BWD, rows, cols}, 3};
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		dnnl_memory_desc_t md;
		dnnl_dims_t d = {rows, cols};
		md_plain(&md, 2, d);
		dnnl_primitive_desc_t hint, pd = NULL;
		if ((rc = softmax_fwd_pd(be, &md, &hint, err)))
			return rc;
		dnnl_softmax_desc_t sd;
		dnnl_status_t s = dnnl_softmax_backward_desc_init(&sd, &md, &md, 1);
		rc = dn_bwd_pd(be, &pd, s, &sd, hint, "softmax backward", err);
		if (rc)
			return rc;
		dn_spec sp[3] = {{DNNL_ARG_DST, &md, 0},
				 {DNNL_ARG_DIFF_DST, &md, 0},
				 {DNNL_ARG_DIFF_SRC, &md, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 3, &e, err)))
			return rc;
	}
	const void *ptr[3] = {y, dy, dx};
	return dn_exec(be, e, ptr, NULL, err);
}

/* ------------------------------------------------------------ upsample */

typedef struct up_mds {
	dnnl_memory_desc_t src, dst;
	float factors[3];
	dnnl_alg_kind_t alg;
} up_mds;

static void up_mds_init(const nn_up_p *p, up_mds *m)
{
	dnnl_dims_t d = {0};
	int r = dims_sp(d, p->n, p->c, p->nd, p->in);
	md_plain(&m->src, r, d);
	dims_sp(d, p->n, p->c, p->nd, p->out);
	md_plain(&m->dst, r, d);
	for (int i = 0; i < p->nd; i++)
		m->factors[i] = (float)p->out[3 - p->nd + i] /
				(float)p->in[3 - p->nd + i];
	m->alg = p->kind == NN_UP_NEAREST ? dnnl_resampling_nearest
					  : dnnl_resampling_linear;
}

static dn_key up_key(int op, const nn_up_p *p)
{
	dn_key k = {{0}, 0};
	key_add(&k, op);
	key_add(&k, p->nd);
	key_add(&k, p->kind);
	key_add(&k, p->n);
	key_add(&k, p->c);
	key_vec(&k, p->in);
	key_vec(&k, p->out);
	return k;
}

static int up_fwd_pd(nn_backend *be, const up_mds *m,
		     dnnl_primitive_desc_t *pd, io_err *err)
{
	dnnl_resampling_desc_t d;
	dnnl_status_t s = dnnl_resampling_forward_desc_init(
		&d, dnnl_forward_training, m->alg, m->factors, &m->src, &m->dst);
	if (s != dnnl_success)
		return dn_fail(err, "resampling", s);
	return dn_pd(be, pd, &d, NULL, NULL, "resampling", err);
}

static int dn_up_fwd(nn_backend *be, const nn_up_p *p, const float *x,
		     float *y, io_err *err)
{
	dn_threads(be);
	dn_key k = up_key(OP_UP_FWD, p);
	dn_entry *e = dn_find(be->impl, k.v);
	int rc;
	if (!e) {
		up_mds m;
		up_mds_init(p, &m);
		dnnl_primitive_desc_t pd;
		if ((rc = up_fwd_pd(be, &m, &pd, err)))
			return rc;
		dn_spec sp[2] = {{DNNL_ARG_SRC, &m.src, 0},
				 {DNNL_ARG_DST, &m.dst, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 2, &e, err)))
			return rc;
	}
	const void *ptr[2] = {x, y};
	return dn_exec(be, e, ptr, NULL, err);
}

static int dn_up_bwd(nn_backend *be, const nn_up_p *p, const float *dy,
		     float *dx, io_err *err)
{
	dn_threads(be);
	dn_key k = up_key(OP_UP_BWD, p);
	dn_entry *e = dn_find(be->impl, k.v);
	int rc = 0;
	if (!e) {
		up_mds m;
		up_mds_init(p, &m);
		dnnl_primitive_desc_t hint, pd = NULL;
		if ((rc = up_fwd_pd(be, &m, &hint, err)))
			return rc;
		dnnl_resampling_desc_t d;
		dnnl_status_t s = dnnl_resampling_backward_desc_init(
			&d, m.alg, m.factors, &m.src, &m.dst);
		rc = dn_bwd_pd(be, &pd, s, &d, hint, "resampling backward",
			       err);
		if (rc)
			return rc;
		dn_spec sp[2] = {{DNNL_ARG_DIFF_DST, &m.dst, 0},
				 {DNNL_ARG_DIFF_SRC, &m.src, 1}};
		if ((rc = dn_build(be, k.v, pd, sp, 2, &e, err)))
			return rc;
	}
	const void *ptr[2] = {dy, dx};
	return dn_exec(be, e, ptr, NULL, err);
}

/* -------------------------------------------------------------- backend */

static void dn_free(nn_backend *be)
{
	dn_impl *im = be->impl;
	if (im) {
		for (int b = 0; b < DN_BUCKETS; b++)
			while (im->bucket[b]) {
				dn_entry *e = im->bucket[b];
				im->bucket[b] = e->next;
				dn_entry_free(e);
			}
		free(im->nat);
		if (im->strm)
			dnnl_stream_destroy(im->strm);
		if (im->eng)
			dnnl_engine_destroy(im->eng);
		free(im);
	}
	free(be);
}

static const nn_backend_ops dn_ops = {
	.conv_fwd = dn_conv_fwd,
	.conv_bwd_data = dn_conv_bwd_data,
	.conv_bwd_weights = dn_conv_bwd_weights,
	.pool_fwd = dn_pool_fwd,
	.pool_bwd = dn_pool_bwd,
	.bn_fwd = dn_bn_fwd,
	.bn_bwd = dn_bn_bwd,
	.ln_fwd = dn_ln_fwd,
	.ln_bwd = dn_ln_bwd,
	.act_fwd = dn_act_fwd,
	.act_bwd = dn_act_bwd,
	.gemm = dn_gemm,
	.softmax_fwd = dn_softmax_fwd,
	.softmax_bwd = dn_softmax_bwd,
	.up_fwd = dn_up_fwd,
	.up_bwd = dn_up_bwd,
	.free = dn_free,
};

int nn_dnnl_new(nn_backend **out, int threads, io_err *err)
{
	nn_backend *be = calloc(1, sizeof *be);
	dn_impl *im = calloc(1, sizeof *im);
	int rc = 0;
	*out = NULL;
	if (!be || !im) {
		free(be);
		free(im);
		return nn_nomem(err, "backend");
	}
	be->ops = &dn_ops;
	be->name = "dnnl";
	be->threads = threads;
	be->impl = im;
	dn_threads(be);
	DN("CPU engine", dnnl_engine_create(&im->eng, dnnl_cpu, 0));
	DN("stream", dnnl_stream_create(&im->strm, im->eng,
					dnnl_stream_default_flags));
done:
	if (rc) {
		dn_free(be);
		return rc;
	}
	*out = be;
	return 0;
}
