/* tests/fuzz/fuzz_agent.c — the agent's request parser
 * (real_agent_task_parse, real/agent/agent.h): a POST /task body turned
 * into a validated task. Accepted tasks must keep the promises: a known
 * and allowed kind, times within their bounds, a transcode input inside
 * the work directory (which holds one file and a link leading out), 1-16
 * outputs, a zoo model. Variant #1 allows only sleep and burn. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "real/agent/agent.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static real_agent_config c;
	static int ready;
	if (!ready) {
		real_agent_config_defaults(&c);
		char dir[PATH_MAX];
		if (!realpath(fz_dir(), dir))
			fz_fail("no scratch dir");
		snprintf(c.workdir, sizeof c.workdir, "%s", dir);
		c.task_timeout_s = 60;
		fz_write_text("seg.mp4", "not a video\n");
		if (symlink("/etc/hostname", fz_path("out")) != 0)
			fz_fail("cannot make the link");
		ready = 1;
	}
	unsigned v = fz_variant(&data, &size, 2);
	c.kinds = v ? (1u << REAL_AGENT_SLEEP) | (1u << REAL_AGENT_BURN)
		    : (1u << REAL_AGENT_KINDS) - 1;
	real_agent_task t;
	io_err err = {0};
	if (real_agent_task_parse(&c, (const char *)data, size, &t, &err)) {
		if (!err.msg[0])
			fz_fail("refused without a message");
		fz_note("parse", err.msg);
		return 0;
	}
	if (t.kind >= REAL_AGENT_KINDS || !(c.kinds & (1u << t.kind)))
		fz_fail("kind %d accepted", (int)t.kind);
	if (!(t.timeout_s > 0 && t.timeout_s <= c.task_timeout_s))
		fz_fail("timeout %g", t.timeout_s);
	if ((t.kind == REAL_AGENT_SLEEP || t.kind == REAL_AGENT_BURN) &&
	    !(t.seconds >= 0 && t.seconds <= 86400))
		fz_fail("seconds %g", t.seconds);
	if (t.kind == REAL_AGENT_TRANSCODE) {
		size_t n = strlen(c.workdir);
		if (strncmp(t.input, c.workdir, n) != 0 || t.input[n] != '/')
			fz_fail("input %s outside %s", t.input, c.workdir);
		if (t.n_outputs < 1 || t.n_outputs > REAL_AGENT_MAX_OUTPUTS)
			fz_fail("%d outputs", t.n_outputs);
	}
	if (t.kind == REAL_AGENT_INFER && (t.batch < 1 || t.runs < 1 || t.threads < 1))
		fz_fail("infer batch %lld runs %d threads %d", (long long)t.batch, t.runs,
			t.threads);
	if (strlen(t.id) > REAL_AGENT_MAX_ID)
		fz_fail("id too long");
	return 0;
}
