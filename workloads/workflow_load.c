/* workloads/workflow_load.c — a workflow file by content (see
 * workflow_load.h). */
#include <errno.h>
#include <string.h>
#include <zlib.h>
#include "workloads/dax.h"
#include "workloads/wfformat.h"
#include "workloads/workflow_load.h"

int wl_workflow_load(wl_workflow **out, const char *path, io_err *err)
{
	*out = NULL;
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return io_errf(err, IO_EINPUT, path, 0, "cannot open: %s",
				 strerror(errno));
	/* the first non-blank byte after a BOM tells the format */
	int c, pos = 0;
	while ((c = gzgetc(gz)) != -1) {
		if (pos < 3 && (unsigned char)c == (unsigned char)IO_UTF8_BOM[pos]) {
			pos++;
			continue;
		}
		pos = 3;
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
	}
	gzclose(gz);
	if (c == '<')
		return wl_dax_load(out, path, err);
	if (c == '{')
		return wl_wfformat_load(out, path, err);
	return io_errf(err, IO_EINPUT, path, 0,
			 "neither a DAX (XML) nor a WfFormat (JSON) file");
}

