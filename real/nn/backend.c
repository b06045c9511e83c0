/* real/nn/backend.c — choosing a backend by name (real/nn/backend.h). */
#include <string.h>
#include "real/nn/backend.h"

int nn_backend_new(nn_backend **out, const char *name, int threads,
		   io_err *err)
{
	*out = NULL;
	if (threads < 0 || threads > 4096)
		return io_errf(err, IO_EINPUT, NULL, 0,
			       "threads %d: expected 0 (the default) to 4096",
			       threads);
	if (strcmp(name, "ref") == 0)
		return nn_ref_new(out, err);
	if (strcmp(name, "dnnl") == 0)
		return nn_dnnl_new(out, threads, err);
	return io_errf(err, IO_EINPUT, NULL, 0,
		       "unknown NN backend \"%s\" (known: ref, dnnl)", name);
}

void nn_backend_free(nn_backend *be)
{
	if (be)
		be->ops->free(be);
}
