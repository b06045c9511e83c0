/*
 * real/parallel/result.c — a parallel run's result.json and traffic.csv
 * (real/parallel/parallel.h says what each holds).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "real/parallel/parallel.h"
#include "sim/base/out.h"

static json_t *node_json(const par_node_stats *s)
{
	return json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:f, "
			 "s:f, s:f, s:f, s:f}",
			 "name", s->name, "role", s->role, "layers", s->layers,
			 "sent_payload_bytes", (json_int_t)s->sent_payload,
			 "sent_wire_bytes", (json_int_t)s->sent_wire,
			 "recv_payload_bytes", (json_int_t)s->recv_payload,
			 "recv_wire_bytes", (json_int_t)s->recv_wire,
			 "msgs_sent", (json_int_t)s->msgs_sent, "msgs_recv",
			 (json_int_t)s->msgs_recv, "compute_s", s->compute_s,
			 "compute_cpu_s", s->compute_cpu_s, "input_s", s->input_s,
			 "idle_s", s->idle_s,
			 "send_s", s->send_s);
}

int par_result_write(const par_result *r, const char *dir, io_err *err)
{
	int rc = sim_mkdirs(dir, err);
	if (rc)
		return rc;
	json_t *nodes = json_array();
	for (int n = 0; n < r->n_nodes; n++)
		json_array_append_new(nodes, node_json(&r->node[n]));
	json_t *doc = json_pack(
		"{s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:i, s:f, s:i, s:f, s:f, "
		"s:b, s:o}",
		"format", "hetsim-parallel-real", "version", 1, "model",
		r->model, "strategy", par_strategy_name(r->strategy), "samples",
		(json_int_t)r->samples, "batch", (json_int_t)r->batch, "batches",
		(json_int_t)r->batches, "threads", r->threads, "bandwidth_Bps",
		r->bandwidth_Bps, "header_bytes", PAR_HDR_BYTES, "bin_s",
		r->bin_s, "wall_s", r->wall_s, "local_inputs", r->local_inputs,
		"nodes", nodes);
	if (!doc)
		return io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	json_object_set_new(doc, "loadavg_1m",
			    json_pack("[f, f]", r->loadavg_start,
				      r->loadavg_end));
	if (r->checked)
		json_object_set_new(doc, "check",
				    json_pack("{s:s, s:f}", "against",
					      "one process, whole model",
					      "max_abs_diff",
					      isfinite(r->check_max_abs)
						      ? r->check_max_abs
						      : -1.0));
	char path[4096];
	snprintf(path, sizeof path, "%s/result.json", dir);
	rc = sim_write_json(path, doc, err);
	json_decref(doc);
	if (rc)
		return rc;
	sim_text t = {0};
	sim_text_add(&t, "t_s,node,in_bytes,out_bytes\n");
	int nb = 0;
	for (int n = 0; n < r->n_nodes; n++)
		nb = r->node[n].n_bins > nb ? r->node[n].n_bins : nb;
	for (int b = 0; b < nb; b++)
		for (int n = 0; n < r->n_nodes; n++) {
			const par_node_stats *s = &r->node[n];
			int has = b < s->n_bins && s->bin_in && s->bin_out;
			sim_text_add(&t, "%.3f,%s,%llu,%llu\n", b * r->bin_s,
				     s->name,
				     has ? (unsigned long long)s->bin_in[b] : 0ULL,
				     has ? (unsigned long long)s->bin_out[b]
					 : 0ULL);
		}
	if (t.failed)
		rc = io_errf(err, IO_ENOMEM, NULL, 0, "out of memory");
	snprintf(path, sizeof path, "%s/traffic.csv", dir);
	if (!rc)
		rc = sim_write_text(path, t.buf, t.len, err);
	free(t.buf);
	return rc;
}
