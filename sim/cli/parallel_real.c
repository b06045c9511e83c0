/*
 * sim/cli/parallel_real.c — `hetsim parallel-real PLAN.json`: run a data or
 * model parallel plan (real/parallel/parallel.h) for real as one driver
 * and one process per worker over TCP on 127.0.0.1, check the predictions
 * against one process, print a summary and write result.json and
 * traffic.csv.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "real/parallel/parallel.h"
#include "sim/cli/cli.h"

const char sim_cli_parallel_real_usage[] =
	"  parallel-real PLAN.json [--samples N] [--batch B] [--threads T]\n"
	"        [--bandwidth MBps] [--bin S] [--backend dnnl|ref] [--seed N]\n"
	"        [--timeout S] [--local-inputs] [--no-check] [--out DIR]\n"
	"                        run a parallel plan (hetsim parallel's output:\n"
	"                        data, model, model-opt, hybrid) for real: a driver\n"
	"                        and one process per worker over TCP on 127.0.0.1;\n"
	"                        N, B override the plan's samples and batch; T\n"
	"                        oneDNN threads per process (1); --bandwidth paces\n"
	"                        each process's sends (MB/s, 1e6 bytes); checks the\n"
	"                        predictions against one process; --local-inputs:\n"
	"                        workers make their inputs (no input traffic); writes\n"
	"                        DIR/result.json (wall time, bytes, compute and idle\n"
	"                        seconds per process) and DIR/traffic.csv (bins of S\n"
	"                        s, 0.1); DIR: out/parallel-real\n";

static int usage(const char *msg, const char *arg)
{
	fprintf(stderr, "hetsim: parallel-real: ");
	fprintf(stderr, msg, arg);
	fprintf(stderr, " (see: hetsim parallel-real --help)\n");
	return 2;
}

static int parse_pos(const char *s, double max, double *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > max)
		return -1;
	*out = v;
	return 0;
}

int sim_cmd_parallel_real(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_parallel_real_usage))
		return 0;
	par_opts o = {.check = 1};
	const char *plan_path = NULL, *out = "out/parallel-real";
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;
		double d;
		if (strcmp(a, "--no-check") == 0) {
			o.check = 0;
			continue;
		}
		if (strcmp(a, "--local-inputs") == 0) {
			o.local_inputs = 1;
			continue;
		}
		if (a[0] != '-') {
			if (plan_path)
				return usage("one plan only (got \"%s\" too)", a);
			plan_path = a;
			continue;
		}
		if (!v)
			return usage("%s needs a value", a);
		i++;
		if (strcmp(a, "--samples") == 0) {
			if (sim_cli_parse_u64(v, INT32_MAX, &u) || !u)
				return usage("--samples %s: expected 1 to 2^31-1", v);
			o.samples = (int64_t)u;
		} else if (strcmp(a, "--batch") == 0) {
			if (sim_cli_parse_u64(v, 1 << 20, &u) || !u)
				return usage("--batch %s: expected 1 to 1048576", v);
			o.batch = (int64_t)u;
		} else if (strcmp(a, "--threads") == 0) {
			if (sim_cli_parse_u64(v, 1024, &u) || !u)
				return usage("--threads %s: expected 1 to 1024", v);
			o.threads = (int)u;
		} else if (strcmp(a, "--bandwidth") == 0) {
			if (parse_pos(v, 1e6, &d))
				return usage("--bandwidth %s: expected MB/s > 0", v);
			o.bandwidth_Bps = d * 1e6;
		} else if (strcmp(a, "--bin") == 0) {
			if (parse_pos(v, 3600, &d) || d < 0.001)
				return usage("--bin %s: expected 0.001 to 3600 s", v);
			o.bin_s = d;
		} else if (strcmp(a, "--timeout") == 0) {
			if (parse_pos(v, 86400, &d) || d < 0.1)
				return usage("--timeout %s: expected 0.1 to 86400 s",
					     v);
			o.timeout_s = d;
		} else if (strcmp(a, "--backend") == 0) {
			if (strcmp(v, "dnnl") && strcmp(v, "ref"))
				return usage("--backend %s: expected dnnl or ref", v);
			o.backend = v;
		} else if (strcmp(a, "--seed") == 0) {
			if (sim_cli_parse_u64(v, UINT64_MAX, &u) || !u)
				return usage("--seed %s: expected 1 to 2^64-1", v);
			o.seed = u;
		} else if (strcmp(a, "--out") == 0) {
			out = v;
		} else {
			return usage("unknown option %s", a);
		}
	}
	if (!plan_path)
		return usage("which plan?%s", "");
	par_plan p;
	io_err err = {0};
	if (par_plan_load(&p, plan_path, &err)) {
		fprintf(stderr, "hetsim: parallel-real: %s\n", err.msg);
		return 2;
	}
	par_result r;
	int rc = par_run(&p, &o, &r, &err);
	par_plan_free(&p);
	if (!rc)
		rc = par_result_write(&r, out, &err);
	if (rc) {
		fprintf(stderr, "hetsim: parallel-real: %s\n", err.msg);
		par_result_free(&r);
		return rc == IO_EINPUT ? 2 : 1;
	}
	printf("parallel-real %s %s: %lld samples, batch %lld, %d processes, "
	       "wall %.3f s\n",
	       r.model, par_strategy_name(r.strategy), (long long)r.samples,
	       (long long)r.batch, r.n_nodes, r.wall_s);
	printf("%-8s %-7s %6s %12s %12s %9s %9s %9s %9s\n", "node", "role",
	       "layers", "sent_bytes", "recv_bytes", "compute_s", "cpu_s",
	       "idle_s", "send_s");
	for (int n = 0; n < r.n_nodes; n++) {
		const par_node_stats *s = &r.node[n];
		printf("%-8s %-7s %6d %12llu %12llu %9.3f %9.3f %9.3f %9.3f\n",
		       s->name, s->role, s->layers,
		       (unsigned long long)s->sent_wire,
		       (unsigned long long)s->recv_wire, s->compute_s,
		       s->compute_cpu_s, s->idle_s, s->send_s);
	}
	int bad = 0;
	if (r.checked) {
		double tol = o.backend && strcmp(o.backend, "ref") == 0 ? 0 : 1e-5;
		bad = !(r.check_max_abs <= tol);
		printf("check: predictions vs one process: max |diff| %.3g (%s)\n",
		       r.check_max_abs, bad ? "MISMATCH" : "ok");
	}
	printf("wrote %s/result.json, %s/traffic.csv\n", out, out);
	par_result_free(&r);
	if (bad) {
		fprintf(stderr, "hetsim: parallel-real: the predictions differ "
				"from one process's\n");
		return 1;
	}
	return 0;
}
