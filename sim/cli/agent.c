/*
 * sim/cli/agent.c — `hetsim agent --config agent.json`: serve whitelisted
 * tasks over HTTP(S) for `hetsim coordinator` (real/agent/agent.h has the
 * config, the endpoints and the security rules).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"
#include "real/agent/agent.h"

const char sim_cli_agent_usage[] =
	"  agent --config AGENT.json   serve tasks (sleep, burn, transcode, infer) over\n"
	"                        HTTP for hetsim coordinator: token on every request,\n"
	"                        loopback unless the config gives TLS cert and key;\n"
	"                        POST /task, GET /health, GET /metrics (Prometheus);\n"
	"                        prints \"hetsim agent: listening on ADDR:PORT\" first;\n"
	"                        stops on SIGINT or SIGTERM\n"
	"      --port N          listen on this port instead (0: any free one)\n"
	"      --emulate-delay MS  for tests only, where tc netem is missing: send every\n"
	"                        answer MS milliseconds (0-60000) after it is ready, as\n"
	"                        a slow link would (wall times do not include it)\n"
	"      --emulate-loss P  for tests only: drop each request with probability P\n"
	"                        (0-1): its connection is shut without an answer\n"
	"      --emulate-seed N  the seed of those drops (default 1)\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "hetsim: agent: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see: hetsim agent --help)\n");
	return 2;
}

int sim_cmd_agent(int argc, char **argv)
{
	if (sim_cli_help(argc, argv, sim_cli_agent_usage))
		return 0;
	const char *config = NULL, *port = NULL;
	double delay_ms = 0, loss = 0;
	uint64_t seed = 1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--config") == 0 || strcmp(a, "--port") == 0) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a value", a);
			*(a[2] == 'c' ? &config : &port) = argv[++i];
		} else if (strcmp(a, "--emulate-delay") == 0 || strcmp(a, "--emulate-loss") == 0 ||
			   strcmp(a, "--emulate-seed") == 0) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a value", a);
			const char *v = argv[++i];
			char *end;
			if (a[10] == 's') {
				unsigned long long n = strtoull(v, &end, 10);
				if (!*v || *end || *v == '-')
					return bad_usage("--emulate-seed: \"%s\" is not a number", v);
				seed = n;
				continue;
			}
			double x = strtod(v, &end);
			int is_delay = a[10] == 'd';
			if (!*v || *end || !(x >= 0) || x > (is_delay ? 60000 : 1))
				return bad_usage(is_delay ? "--emulate-delay: \"%s\" is not 0-60000 ms"
							  : "--emulate-loss: \"%s\" is not 0-1", v);
			*(is_delay ? &delay_ms : &loss) = x;
		} else {
			return bad_usage("unexpected argument %s", a);
		}
	}
	if (!config)
		return bad_usage("%s", "--config AGENT.json is required");
	real_agent_config c;
	io_err err = {0};
	int rc = real_agent_config_load(&c, config, &err);
	if (!rc && port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (!*port || *end || p < 0 || p > 65535)
			return bad_usage("--port: \"%s\" is not a port number", port);
		c.port = (int)p;
	}
	c.emulate_delay_s = delay_ms / 1000;
	c.emulate_loss = loss;
	c.emulate_seed = seed;
	if (!rc)
		rc = real_agent_serve(&c, &err);
	if (rc) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return rc == IO_EINPUT ? 2 : 1;
	}
	return 0;
}
