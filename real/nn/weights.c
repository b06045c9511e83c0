/* real/nn/weights.c — saving and loading a model's weights in the
 * versioned binary format documented in real/nn/nn.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "real/nn/graph.h"
#include "sim/base/out.h"

#define W_MAGIC "HSNNWTS"  /* + its NUL: 8 bytes */
#define W_END "HSNNEND"
#define W_VERSION 1u

static void put_u32(unsigned char *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *b)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)b[i] << (8 * i);
	return v;
}

static uint64_t get_u64(const unsigned char *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static void put_f32(unsigned char *b, float f)
{
	uint32_t v;
	memcpy(&v, &f, 4);
	put_u32(b, v);
}

static float get_f32(const unsigned char *b)
{
	uint32_t v = get_u32(b);
	float f;
	memcpy(&f, &v, 4);
	return f;
}

int nn_model_save_weights(const nn_model *m, const char *path, io_err *err)
{
	size_t size = 16 + 8;
	for (int i = 0; i < m->np; i++) {
		const nn_param *p = &m->p[i];
		if (!p->data)
			return io_errf(err, IO_EINPUT, path, 0,
				       "model %s has no weights to save",
				       m->name);
		size += 4 + strlen(p->name) + 4 + 8 * (size_t)p->ndim +
			4 * (size_t)p->n;
	}
	unsigned char *buf = malloc(size), *b = buf;
	if (!buf)
		return nn_nomem(err, "weights file");
	memcpy(b, W_MAGIC, 8);
	put_u32(b + 8, W_VERSION);
	put_u32(b + 12, (uint32_t)m->np);
	b += 16;
	for (int i = 0; i < m->np; i++) {
		const nn_param *p = &m->p[i];
		size_t len = strlen(p->name);
		put_u32(b, (uint32_t)len);
		memcpy(b + 4, p->name, len);
		b += 4 + len;
		put_u32(b, (uint32_t)p->ndim);
		b += 4;
		for (int d = 0; d < p->ndim; d++, b += 8)
			put_u64(b, (uint64_t)p->shape[d]);
		for (int64_t k = 0; k < p->n; k++, b += 4)
			put_f32(b, p->data[k]);
	}
	memcpy(b, W_END, 8);
	int rc = sim_write_text(path, (const char *)buf, size, err);
	free(buf);
	return rc;
}

/* The whole file, at most cap bytes (a larger one is an error). */
static int slurp(const char *path, size_t cap, unsigned char **out,
		 size_t *len, io_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return io_errf(err, IO_EINPUT, path, 0, "cannot open: %s",
			       strerror(errno));
	unsigned char *buf = malloc(cap + 1);
	if (!buf) {
		fclose(f);
		return nn_nomem(err, "weights file");
	}
	size_t n = fread(buf, 1, cap + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || n > cap) {
		free(buf);
		return io_errf(err, IO_EINPUT, path, 0,
			       bad ? "read error"
				   : "larger than the weights of this model "
				     "could be");
	}
	*out = buf;
	*len = n;
	return 0;
}

int nn_model_load_weights(nn_model *m, const char *path, io_err *err)
{
	/* room for this model's weights twice over: a file of another
	 * model is then refused for its first odd tensor, not its size */
	size_t cap = (size_t)1 << 20;
	for (int i = 0; i < m->np; i++)
		cap += 2 * (4 + 255 + 4 + 8 * 5 + 4 * (size_t)m->p[i].n);
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = slurp(path, cap, &buf, &len, err);
	if (rc)
		return rc;
	/* check everything first, then copy: a bad file changes nothing */
	char *seen = calloc((size_t)m->np + 1, 1);
	const unsigned char **at = calloc((size_t)m->np + 1, sizeof *at);
	if (!seen || !at) {
		rc = nn_nomem(err, "weights file");
		goto done;
	}
	if (len < 16 || memcmp(buf, W_MAGIC, 8) != 0) {
		rc = io_errf(err, IO_EINPUT, path, 0,
			     "not a hetsim weights file (no HSNNWTS header)");
		goto done;
	}
	uint32_t version = get_u32(buf + 8), count = get_u32(buf + 12);
	if (version != W_VERSION) {
		rc = io_errf(err, IO_EINPUT, path, 0,
			     "weights format version %u; this hetsim reads "
			     "version %u",
			     version, W_VERSION);
		goto done;
	}
	size_t off = 16;
	for (uint32_t t = 0; t < count; t++) {
		if (len - off < 4)
			goto truncated;
		uint32_t nl = get_u32(buf + off);
		off += 4;
		if (nl < 1 || nl > 255 || len - off < nl + 4)
			goto truncated;
		char name[256];
		memcpy(name, buf + off, nl);
		name[nl] = 0;
		off += nl;
		uint32_t nd = get_u32(buf + off);
		off += 4;
		if (nd < 1 || nd > 5 || len - off < 8 * (size_t)nd)
			goto truncated;
		nn_param *p = nn_model_param_by_name(m, name);
		if (!p) {
			rc = io_errf(err, IO_EINPUT, path, 0,
				     "tensor %u \"%s\" is not a parameter of "
				     "model %s",
				     t, name, m->name);
			goto done;
		}
		int same = (int)nd == p->ndim;
		for (uint32_t d = 0; d < nd; d++)
			same = same && get_u64(buf + off + 8 * d) ==
					       (uint64_t)p->shape[d];
		if (!same) {
			char fs[160] = "", ms[160] = "";
			size_t a = 0, b = 0;
			for (uint32_t d = 0; d < nd && a < 120; d++)
				a += (size_t)snprintf(
					fs + a, sizeof fs - a, "%s%llu",
					d ? " x " : "",
					(unsigned long long)get_u64(buf + off +
								    8 * d));
			for (int d = 0; d < p->ndim && b < 120; d++)
				b += (size_t)snprintf(ms + b, sizeof ms - b,
						      "%s%lld", d ? " x " : "",
						      (long long)p->shape[d]);
			rc = io_errf(err, IO_EINPUT, path, 0,
				     "tensor \"%s\" is %s, the model's is %s",
				     name, fs, ms);
			goto done;
		}
		off += 8 * (size_t)nd;
		if ((size_t)(len - off) / 4 < (size_t)p->n)
			goto truncated;
		size_t k = (size_t)(p - m->p);
		if (seen[k]) {
			rc = io_errf(err, IO_EINPUT, path, 0,
				     "tensor \"%s\" given twice", name);
			goto done;
		}
		seen[k] = 1;
		at[k] = buf + off;
		off += 4 * (size_t)p->n;
	}
	if (len - off != 8 || memcmp(buf + off, W_END, 8) != 0) {
		rc = io_errf(err, IO_EINPUT, path, 0,
			     "%s after the %u tensors (expected the HSNNEND "
			     "trailer)",
			     len - off < 8 ? "truncated" : "junk", count);
		goto done;
	}
	for (int i = 0; i < m->np; i++)
		if (!seen[i]) {
			rc = io_errf(err, IO_EINPUT, path, 0,
				     "parameter \"%s\" of model %s is missing",
				     m->p[i].name, m->name);
			goto done;
		}
	if ((rc = nn_params_alloc(m, err)))
		goto done;
	for (int i = 0; i < m->np; i++) {
		nn_param *p = &m->p[i];
		for (int64_t k = 0; k < p->n; k++)
			p->data[k] = get_f32(at[i] + 4 * k);
		p->version = nn_version_next();
	}
	goto done;
truncated:
	rc = io_errf(err, IO_EINPUT, path, 0,
		     "truncated (at byte %zu of %zu)", off, len);
done:
	free(seen);
	free(at);
	free(buf);
	return rc;
}
