/*
 * sim/cli/nn.c — `hetsim nn list` (the model zoo, real/nn/zoo.h),
 * `hetsim nn show NAME [--batch N] [--size S]`: a model's layers with their
 * output shape, forward FLOPs, parameters, parameter bytes and activation
 * bytes for a batch of N (real/nn/nn.h says how each is counted), and the
 * totals; and `hetsim nn layers NAME [--size S] [--json]`: its layer graph
 * per sample, with each layer's inputs, as CSV or as the JSON document of
 * real/nn/layers.h (what parallelization models read). Builds the graph
 * only: nothing is run and no weights are drawn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "real/nn/layers.h"
#include "real/nn/zoo.h"
#include "sim/base/out.h"
#include "sim/cli/cli.h"

const char sim_cli_nn_usage[] =
	"  nn list | nn show NAME [--batch N] [--size S]\n"
	"                        the model zoo; a model's per-layer FLOPs, parameters\n"
	"                        and activation bytes for a batch of N (default 1);\n"
	"                        S: its input size where it has one (see nn list)\n"
	"  nn layers NAME [--size S] [--json]\n"
	"                        its layer graph per sample: each layer's inputs,\n"
	"                        FLOPs (multiply-add = 2), multiply-adds, parameters,\n"
	"                        parameter and output bytes; CSV, or JSON\n";

static int usage(const char *msg, const char *arg)
{
	fprintf(stderr, "hetsim: nn: ");
	fprintf(stderr, msg, arg);
	fprintf(stderr, " (see: hetsim nn --help)\n");
	return 2;
}

static int parse_i64(const char *s, long long lo, long long hi, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int cmd_list(void)
{
	int n;
	const nn_zoo_model *z = nn_zoo_models(&n);
	printf("%-12s %-13s %-9s %s\n", "model", "params", "GFLOP/smp", "what; size; source");
	for (int i = 0; i < n; i++) {
		nn_model *m;
		io_err err = {0};
		if (nn_zoo_build(&m, z[i].name, 0, &err)) {
			fprintf(stderr, "hetsim: nn: %s\n", err.msg);
			return 1;
		}
		double flops;
		int64_t params, act;
		nn_model_totals(m, &flops, &params, &act);
		nn_model_free(m);
		printf("%-12s %13lld %9.3f %s", z[i].name, (long long)params, flops / 1e9,
		       z[i].summary);
		if (z[i].size_what)
			printf("; --size: %s, default %lld", z[i].size_what,
			       (long long)z[i].size_default);
		printf("; %s\n", z[i].source);
	}
	return 0;
}

static void shape_text(const nn_layer_info *li, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	for (int d = 0; d < li->ndim && len < cap; d++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%lld", d ? "x" : "",
					(long long)li->shape[d]);
}

/* NAME [--batch N] [--size S] [--json] (json NULL: --json refused, and
 * batch NULL: --batch); the model built, or the exit status. */
static int parse_model(int argc, char **argv, int64_t *batch, int *json,
		       nn_model **m)
{
	const char *name = NULL;
	int64_t size = 0;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (arg[0] != '-') {
			if (name)
				return usage("unexpected argument %s", arg);
			name = arg;
			continue;
		}
		if (json && !strcmp(arg, "--json")) {
			*json = 1;
			continue;
		}
		const char *v = i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			return usage("%s needs a value", arg);
		if (batch && !strcmp(arg, "--batch")) {
			if (parse_i64(v, 1, 1 << 20, batch))
				return usage("--batch takes 1 to 1048576, not %s", v);
		} else if (!strcmp(arg, "--size")) {
			if (parse_i64(v, 1, 1 << 30, &size))
				return usage("--size takes a positive integer, not %s", v);
		} else
			return usage("unknown option %s", arg);
	}
	if (!name)
		return usage("needs a model name, one of those of hetsim nn list%s", "");
	io_err err = {0};
	if (nn_zoo_build(m, name, size, &err)) {
		fprintf(stderr, "hetsim: nn: %s\n", err.msg);
		return 2;
	}
	return 0;
}

static int cmd_layers(int argc, char **argv)
{
	nn_model *m;
	int json = 0;
	int rc = parse_model(argc, argv, NULL, &json, &m);
	if (rc)
		return rc;
	if (json) {
		json_t *doc = nn_layers_json(m);
		char *text = doc ? json_dumps(doc, SIM_JSON_FLAGS) : NULL;
		json_decref(doc);
		if (text)
			printf("%s\n", text);
		else
			fprintf(stderr, "hetsim: nn: out of memory\n");
		rc = text ? 0 : 1;
		free(text);
	} else {
		char row[512];
		printf("%s\n", NN_LAYERS_CSV_HEADER);
		for (int i = 0; i < nn_model_layers(m); i++) {
			nn_layer_csv(m, i, row, sizeof row);
			printf("%s\n", row);
		}
	}
	nn_model_free(m);
	return rc;
}

static int cmd_show(int argc, char **argv)
{
	nn_model *m;
	int64_t batch = 1;
	int rc = parse_model(argc, argv, &batch, NULL, &m);
	if (rc)
		return rc;
	const char *name = nn_model_name(m);
	double b = (double)batch;
	printf("# %s, batch %lld: per layer, FLOPs (multiply-add = 2), trainable "
	       "parameters, their bytes, output activation bytes\n",
	       name, (long long)batch);
	printf("%-5s %-32s %-14s %-16s %12s %12s %12s %14s\n", "layer", "name", "type",
	       "output/sample", "MFLOP", "params", "param_B", "act_B");
	int n = nn_model_layers(m);
	for (int i = 0; i < n; i++) {
		nn_layer_info li;
		nn_model_info(m, i, &li);
		char shape[64];
		shape_text(&li, shape, sizeof shape);
		printf("%-5d %-32s %-14s %-16s %12.3f %12lld %12lld %14.0f\n", i, li.name,
		       li.type, shape, li.flops * b / 1e6, (long long)li.params,
		       (long long)li.param_bytes, (double)li.act_bytes * b);
	}
	double flops;
	int64_t params, act;
	nn_model_totals(m, &flops, &params, &act);
	printf("%-5s %-32s %-14s %-16s %12.3f %12lld %12lld %14.0f\n", "total", "", "", "",
	       flops * b / 1e6, (long long)params, (long long)params * 4, (double)act * b);
	nn_model_free(m);
	return 0;
}

int sim_cmd_nn(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_nn_usage))
		return 0;
	if (argc < 1)
		return usage("needs list, show or layers%s", "");
	if (!strcmp(argv[0], "list")) {
		if (argc > 1)
			return usage("list takes no arguments, not %s", argv[1]);
		return cmd_list();
	}
	if (!strcmp(argv[0], "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(argv[0], "layers"))
		return cmd_layers(argc - 1, argv + 1);
	return usage("unknown subcommand %s (known: list, show, layers)", argv[0]);
}
