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
	"      --port N          listen on this port instead (0: any free one)\n";

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
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--config") == 0 || strcmp(a, "--port") == 0) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a value", a);
			*(a[2] == 'c' ? &config : &port) = argv[++i];
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
	if (!rc)
		rc = real_agent_serve(&c, &err);
	if (rc) {
		fprintf(stderr, "hetsim: %s\n", err.msg);
		return rc == IO_EINPUT ? 2 : 1;
	}
	return 0;
}
