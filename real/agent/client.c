/*
 * real/agent/client.c — agents-file entries and requests to an agent
 * (real/agent/client.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include "real/agent/agent.h"
#include "real/agent/client.h"

static int parse_url(const io_jdoc *d, const json_t *node, const char *text,
		     real_agent_endpoint *a, io_err *err)
{
	struct evhttp_uri *u = evhttp_uri_parse(text);
	const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
	const char *host = u ? evhttp_uri_get_host(u) : NULL;
	int rc = 0;
	if (!u || !scheme || !host || !*host ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    strlen(host) >= sizeof a->host || strlen(text) >= sizeof a->url) {
		rc = io_jerr(err, d, node,
			     "\"url\": \"%s\" is not http://HOST:PORT or https://HOST:PORT", text);
	} else {
		a->https = scheme[4] == 's';
		int port = evhttp_uri_get_port(u);
		a->port = port > 0 ? port : a->https ? 443 : 80;
		snprintf(a->host, sizeof a->host, "%s", host);
		snprintf(a->url, sizeof a->url, "%s", text);
	}
	if (u)
		evhttp_uri_free(u);
	return rc;
}

static int read_first_line(const io_jdoc *d, const json_t *node, const char *rel,
			   char *out, size_t cap, io_err *err)
{
	char *path = io_jdoc_resolve(d, rel);
	FILE *f = path ? fopen(path, "r") : NULL;
	char line[256] = "";
	int rc = 0;
	if (!f || !fgets(line, sizeof line, f))
		rc = io_jerr(err, d, node, "%s: cannot read a token from it", path ? path : rel);
	line[strcspn(line, "\r\n")] = 0;
	snprintf(out, cap, "%s", line);
	if (f)
		fclose(f);
	free(path);
	return rc;
}

int real_agent_endpoint_load(const io_jdoc *d, const json_t *e,
			     real_agent_endpoint *a, io_err *err)
{
	static const char *const keys[] = {"url", "token", "token_file", "ca", NULL};
	const char *url = NULL, *tok = NULL, *tokf = NULL, *ca = NULL;
	if (!json_is_object(e))
		return io_jerr(err, d, e, "an agent is {\"url\": ..., \"token\": ...}");
	int rc = io_jcheck_keys(d, e, keys, err);
	if (!rc)
		rc = io_jget_str(d, e, "url", 1, &url, err);
	if (!rc)
		rc = parse_url(d, json_object_get(e, "url"), url, a, err);
	if (!rc)
		rc = io_jget_str(d, e, "token", 0, &tok, err);
	if (!rc)
		rc = io_jget_str(d, e, "token_file", 0, &tokf, err);
	if (!rc)
		rc = io_jget_str(d, e, "ca", 0, &ca, err);
	if (rc)
		return rc;
	if (!tok == !tokf)
		return io_jerr(err, d, e, "give the agent's \"token\" or \"token_file\"");
	if (tok)
		snprintf(a->token, sizeof a->token, "%s", tok);
	else if ((rc = read_first_line(d, json_object_get(e, "token_file"), tokf, a->token,
				       sizeof a->token, err)))
		return rc;
	const char *why = real_agent_token_bad(a->token);
	if (why)
		return io_jerr(err, d, json_object_get(e, tok ? "token" : "token_file"),
			       "%s", why);
	if (ca) {
		char *p = io_jdoc_resolve(d, ca);
		snprintf(a->ca, sizeof a->ca, "%s", p ? p : ca);
		free(p);
	}
	return 0;
}

int real_agents_file_load(real_agents_file *f, const char *path, io_err *err)
{
	static const char *const keys[] = {"agents", "tasks", "request_timeout_s",
					   "on_failure", "health_poll_s",
					   "connect_timeout_s", "give_up_s", NULL};
	memset(f, 0, sizeof *f);
	io_jdoc *d = &f->doc;
	int rc = io_jdoc_load(d, path, err);
	if (rc)
		return rc;
	const json_t *root = d->root;
	if (!json_is_object(root))
		return io_errf(err, IO_EINPUT, path, 1, "an agents file is a JSON object");
	if ((rc = io_jcheck_keys(d, root, keys, err)))
		return rc;
	const json_t *list = json_object_get(root, "agents");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > REAL_AGENTS_MAX)
		return io_errf(err, IO_EINPUT, path, list ? io_jdoc_line(d, list) : 1,
			       "\"agents\" must be an array of 1-%d agents", REAL_AGENTS_MAX);
	f->n = json_array_size(list);
	if (!(f->ep = calloc(f->n, sizeof *f->ep)))
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < f->n && !rc; i++)
		rc = real_agent_endpoint_load(d, json_array_get(list, i), &f->ep[i], err);
	f->request_timeout_s = 60;
	f->health_poll_s = 1;
	f->connect_timeout_s = 10;
	f->give_up_s = 30;
	const char *onf = NULL;
	if (!rc)
		rc = io_jget_posnum(d, root, "request_timeout_s", 0, &f->request_timeout_s, err);
	if (!rc)
		rc = io_jget_posnum(d, root, "health_poll_s", 0, &f->health_poll_s, err);
	if (!rc)
		rc = io_jget_posnum(d, root, "connect_timeout_s", 0, &f->connect_timeout_s, err);
	if (!rc)
		rc = io_jget_posnum(d, root, "give_up_s", 0, &f->give_up_s, err);
	if (!rc)
		rc = io_jget_str(d, root, "on_failure", 0, &onf, err);
	if (rc)
		return rc;
	/* a day at most: the timers take them as they are */
	static const char *const times[] = {"request_timeout_s", "health_poll_s",
					    "connect_timeout_s", "give_up_s"};
	const double v[] = {f->request_timeout_s, f->health_poll_s, f->connect_timeout_s,
			    f->give_up_s};
	for (size_t i = 0; i < 4; i++)
		if (!(v[i] <= 86400))
			return io_jerr_at(err, d, root, times[i], 0,
					  "\"%s\" must be at most 86400 s", times[i]);
	if (onf && strcmp(onf, "retry") != 0 && strcmp(onf, "fail") != 0)
		return io_jerr(err, d, json_object_get(root, "on_failure"),
			       "\"on_failure\" must be \"retry\" or \"fail\"");
	f->on_failure_fail = onf && onf[0] == 'f';
	f->tasks = json_object_get(root, "tasks");
	return 0;
}

void real_agents_file_free(real_agents_file *f)
{
	free(f->ep);
	f->ep = NULL;
	io_jdoc_free(&f->doc);
}

int real_agent_tls_client(const real_agent_endpoint *a, size_t n, SSL_CTX **out,
			  io_err *err)
{
	int need = 0;
	*out = NULL;
	for (size_t i = 0; i < n; i++)
		need |= a[i].https;
	if (!need)
		return 0;
	SSL_CTX *tls = SSL_CTX_new(TLS_client_method());
	if (!tls)
		return io_errf(err, IO_EIO, NULL, 0, "TLS: cannot create a context");
	*out = tls;
	SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
	SSL_CTX_set_verify(tls, SSL_VERIFY_PEER, NULL);
	int any_ca = 0;
	for (size_t i = 0; i < n; i++)
		if (a[i].ca[0]) {
			any_ca = 1;
			if (SSL_CTX_load_verify_locations(tls, a[i].ca, NULL) != 1)
				return io_errf(err, IO_EINPUT, a[i].ca, 0,
					       "cannot read the CA certificate");
		}
	if (!any_ca)
		SSL_CTX_set_default_verify_paths(tls);
	return 0;
}

struct evhttp_connection *real_agent_request(struct event_base *base, SSL_CTX *tls,
					     const real_agent_endpoint *a,
					     enum evhttp_cmd_type cmd, const char *path,
					     const char *body, double timeout_s,
					     void (*cb)(struct evhttp_request *, void *),
					     void *arg)
{
	struct bufferevent *bev = NULL;
	if (a->https) {
		SSL *ssl = tls ? SSL_new(tls) : NULL;
		if (!ssl)
			return NULL;
		SSL_set_tlsext_host_name(ssl, a->host);
		SSL_set1_host(ssl, a->host);
		bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
						     BEV_OPT_CLOSE_ON_FREE |
							     BEV_OPT_DEFER_CALLBACKS);
		if (!bev) {
			SSL_free(ssl);
			return NULL;
		}
	}
	struct evhttp_connection *conn = evhttp_connection_base_bufferevent_new(
		base, NULL, bev, a->host, (unsigned short)a->port);
	if (!conn) {
		if (bev)
			bufferevent_free(bev);
		return NULL;
	}
	struct timeval tv = {(time_t)timeout_s,
			     (suseconds_t)((timeout_s - floor(timeout_s)) * 1e6)};
	evhttp_connection_set_timeout_tv(conn, &tv);
	evhttp_connection_set_retries(conn, 0);
	struct evhttp_request *req = evhttp_request_new(cb, arg);
	if (!req) {
		evhttp_connection_free(conn);
		return NULL;
	}
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char auth[300];
	snprintf(auth, sizeof auth, "Bearer %s", a->token);
	evhttp_add_header(h, "Host", a->host);
	evhttp_add_header(h, "Authorization", auth);
	evhttp_add_header(h, "Connection", "close");
	if (body) {
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	}
	if (evhttp_make_request(conn, req, cmd, path) != 0) {
		evhttp_connection_free(conn); /* libevent freed req */
		return NULL;
	}
	return conn;
}
