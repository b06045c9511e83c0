/*
 * real/agent/client.h — the client side of `hetsim agent`
 * (real/agent/agent.h), shared by `hetsim coordinator` (coord.h) and
 * `hetsim calibrate agents` (campaign.h): an agent's entry of an agents
 * file, and one HTTP(S) request to it on a libevent event base.
 *
 * An agent entry (paths relative to the agents file):
 *   {"url": "http://127.0.0.1:8471" | "https://HOST:PORT",
 *    "token": "..." or "token_file": "t.txt" (its first line; the
 *                 agent's rule, real_agent_token_bad),
 *    "ca": "ca.pem"}            (https: the CA to verify the agent with;
 *                                default the system's CAs)
 */
#ifndef HETSIM_REAL_AGENT_CLIENT_H
#define HETSIM_REAL_AGENT_CLIENT_H

#include <stddef.h>
#include <event2/http.h>
#include <openssl/ssl.h>
#include "sim/io/io.h"

typedef struct real_agent_endpoint {
	char url[512], host[256], token[256], ca[1024];
	int port, https;
} real_agent_endpoint;

/* Read one agent entry e of the agents file d: IO_EINPUT located at the
 * element for a bad url, a missing token or an unreadable token file. */
int real_agent_endpoint_load(const io_jdoc *d, const json_t *e,
			     real_agent_endpoint *a, io_err *err);

/* An agents file (coord.h has its members): the agents and the numbers
 * both commands use, checked; "tasks" is left to the coordinator (NULL
 * when absent). */
typedef struct real_agents_file {
	io_jdoc doc;
	real_agent_endpoint *ep; /* [n] */
	size_t n;
	double request_timeout_s, connect_timeout_s, health_poll_s, give_up_s;
	int on_failure_fail;     /* "on_failure": "fail" */
	const json_t *tasks;     /* in doc */
} real_agents_file;

enum { REAL_AGENTS_MAX = 4096 };

/* Read and check an agents file: IO_EINPUT naming the file and line (or
 * element) for a bad member. Free with real_agents_file_free (also after
 * an error). */
int real_agents_file_load(real_agents_file *f, const char *path, io_err *err);
void real_agents_file_free(real_agents_file *f);

/* The TLS client context for n endpoints: *out stays NULL when none is
 * https; verified against their "ca" files, else the system's CAs. */
int real_agent_tls_client(const real_agent_endpoint *a, size_t n, SSL_CTX **out,
			  io_err *err);

/* Send one request (a fresh connection with "Connection: close", the
 * bearer token, a JSON body when body is not NULL, no retries, timeout_s
 * for connecting and answering): the connection (the caller frees it once
 * cb has run, outside cb), or NULL when it could not be sent (cb will not
 * run). */
struct evhttp_connection *real_agent_request(struct event_base *base, SSL_CTX *tls,
					     const real_agent_endpoint *a,
					     enum evhttp_cmd_type cmd, const char *path,
					     const char *body, double timeout_s,
					     void (*cb)(struct evhttp_request *, void *),
					     void *arg);

#endif
