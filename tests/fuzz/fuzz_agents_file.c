/* tests/fuzz/fuzz_agents_file.c — the two input files of `hetsim
 * coordinator` and `hetsim calibrate agents` (real/agent/client.h,
 * campaign.h), loaded without contacting any agent. Variant #0: an agents
 * file (agents.json; a token file t.txt and a CA file ca.pem lie next to
 * it), then its TLS client context; an accepted file must keep the
 * promises: 1-4096 agents, each an http(s) URL with a host, a port and a
 * token, timeouts in (0, 86400]. Variant #1: a calibration matrix
 * (matrix.json); accepted: 1-4096 task types named 1-48 characters
 * without comma, quote or newline, each body an object with a "kind",
 * repeats 1-100000, distinct machine names, at most 4,000,000 samples. */
#include <string.h>
#include <openssl/ssl.h>
#include "real/agent/campaign.h"
#include "real/agent/client.h"
#include "tests/fuzz/fuzz.h"

static void agents_file(const uint8_t *data, size_t size)
{
	fz_write_text("t.txt", "fuzz-token-0123456789\n");
	fz_write_text("ca.pem", "not a certificate\n");
	real_agents_file f;
	io_err err = {0};
	int rc = real_agents_file_load(&f, fz_write("agents.json", data, size), &err);
	if (rc) {
		fz_error(rc, &err, "real_agents_file_load");
		real_agents_file_free(&f);
		return;
	}
	if (f.n < 1 || f.n > REAL_AGENTS_MAX)
		fz_fail("%zu agents", f.n);
	for (size_t i = 0; i < f.n; i++) {
		const real_agent_endpoint *e = &f.ep[i];
		if (!e->host[0] || e->port < 1 || e->port > 65535 || !e->token[0] ||
		    strncmp(e->url, e->https ? "https:" : "http:", e->https ? 6 : 5))
			fz_fail("agent %zu: url %s host %s port %d", i, e->url, e->host, e->port);
	}
	const double t[] = {f.request_timeout_s, f.connect_timeout_s, f.health_poll_s,
			    f.give_up_s};
	for (size_t i = 0; i < 4; i++)
		if (!(t[i] > 0 && t[i] <= 86400))
			fz_fail("time %zu: %g", i, t[i]);
	SSL_CTX *tls = NULL;
	io_err e2 = {0};
	rc = real_agent_tls_client(f.ep, f.n, &tls, &e2);
	if (rc)
		fz_error(rc, &e2, "real_agent_tls_client");
	if (tls)
		SSL_CTX_free(tls);
	real_agents_file_free(&f);
}

static void matrix(const uint8_t *data, size_t size)
{
	real_campaign_matrix mx;
	io_err err = {0};
	int rc = real_campaign_matrix_load(&mx, fz_write("matrix.json", data, size), 0, &err);
	if (rc) {
		fz_error(rc, &err, "real_campaign_matrix_load");
		real_campaign_matrix_free(&mx);
		return;
	}
	if (mx.n_task < 1 || mx.n_task > REAL_CAMPAIGN_MAX_TASKS)
		fz_fail("%zu task types", mx.n_task);
	if (mx.repeats < 1 || mx.repeats > 100000)
		fz_fail("repeats %llu", (unsigned long long)mx.repeats);
	if (mx.n_task * (mx.n_mach ? mx.n_mach : 1) * mx.repeats > REAL_CAMPAIGN_MAX_SAMPLES)
		fz_fail("%zu x %zu x %llu samples", mx.n_task, mx.n_mach,
			(unsigned long long)mx.repeats);
	for (size_t i = 0; i < mx.n_task; i++) {
		size_t n = strlen(mx.task[i]);
		if (n < 1 || n > 48 || strpbrk(mx.task[i], ",\"\n\r"))
			fz_fail("task type \"%s\"", mx.task[i]);
		if (!json_is_object(mx.body[i]) ||
		    !json_is_string(json_object_get(mx.body[i], "kind")))
			fz_fail("task %zu: no kind", i);
	}
	for (size_t i = 0; i < mx.n_mach; i++) {
		if (!mx.mach[i][0] || strpbrk(mx.mach[i], ",\"\n\r"))
			fz_fail("machine \"%s\"", mx.mach[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(mx.mach[i], mx.mach[j]))
				fz_fail("machine \"%s\" twice", mx.mach[i]);
	}
	real_campaign_matrix_free(&mx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reset();
	if (fz_variant(&data, &size, 2))
		matrix(data, size);
	else
		agents_file(data, size);
	return 0;
}
