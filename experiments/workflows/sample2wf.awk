# experiments/workflows/sample2wf.awk — one run of the anomaly sample
# (../shared/data/anomaly_sample/, 1000Genome under Pegasus, one row per
# job with every phase) as a WfFormat trace, so that `hetsim replay` can
# replay it like the WfInstances traces:
#
#   awk -v run=RUN_ID -f sample2wf.awk 1000genome_runs_sample.csv \
#       1000genome_edges.csv 1000genome_jobs_sample.csv > RUN.json
#
# Tasks are the run's compute jobs (its create_dir, stage_out and cleanup
# jobs are the WMS model's aux jobs, profiles/data/wms_pegasus.json), with
# runtimeInSeconds = runtime (execute_end - execute_start: it contains the
# job's stage-in and stage-out, as the sample's README says) and the host
# it ran on; edges are the campaign's compute -> compute ones. The sample
# does not record cores: a host's coreCount is the most compute jobs it ran
# at once (execute windows [start, end)), read from the run itself. No
# speedInMHz (runtimes are not rescaled). makespanInSeconds is the run's
# makespan_s. Fields have no quoted commas in these files.
BEGIN { FS = "," }
FNR == 1 { file++; for (i = 1; i <= NF; i++) col[file, $i] = i; next }
file == 1 && $col[1, "run_id"] == run {
	campaign = $col[1, "campaign"]; makespan = $col[1, "makespan_s"]; label = $col[1, "anomaly_label"]
}
file == 2 { ep[++ne] = $col[2, "parent"]; ec[ne] = $col[2, "child"]; ecamp[ne] = $col[2, "campaign"] }
file == 3 && $col[3, "run_id"] == run && $col[3, "job_class"] == "compute" {
	n++
	node[n] = $col[3, "dag_node"]; idx[node[n]] = n
	host[n] = $col[3, "host"]
	rt[n] = $col[3, "runtime"]
	xs[n] = $col[3, "execute_start"]; xe[n] = $col[3, "execute_end"]
	if (!(host[n] in hidx)) { hidx[host[n]] = ++nh; hname[nh] = host[n] }
}
function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
END {
	if (!n || makespan == "") { print "sample2wf: no compute jobs or no makespan for run " run > "/dev/stderr"; exit 1 }
	for (e = 1; e <= ne; e++)
		if (ecamp[e] == campaign && (ep[e] in idx) && (ec[e] in idx))
			par[idx[ec[e]]] = par[idx[ec[e]]] (par[idx[ec[e]]] == "" ? "" : ", ") q(ep[e])
	# cores: the most execute windows of one host open at once (an end
	# at t frees the core before a start at t)
	for (i = 1; i <= n; i++) {
		k = 0
		for (j = 1; j <= n; j++)
			if (host[j] == host[i] && xs[j] <= xs[i] && xe[j] > xs[i])
				k++
		if (k > cores[host[i]]) cores[host[i]] = k
	}
	printf "{\"name\": %s, \"schemaVersion\": \"1.5\",\n", q("1000genome " campaign " " run " (" label ")")
	printf " \"description\": \"converted by experiments/workflows/sample2wf.awk from ../shared/data/anomaly_sample\",\n"
	printf " \"runtimeSystem\": {\"name\": \"Pegasus\", \"version\": \"anomaly-sample\"},\n"
	printf " \"workflow\": {\"specification\": {\"tasks\": [\n"
	for (i = 1; i <= n; i++) {
		t = node[i]; c = t; sub(/_ID[0-9]+$/, "", c)
		printf "  {\"name\": %s, \"id\": %s, \"category\": %s, \"parents\": [%s]}%s\n", q(t), q(t), q(c), par[i], i < n ? "," : ""
	}
	printf "  ], \"files\": []},\n"
	printf " \"execution\": {\"makespanInSeconds\": %s, \"executedAt\": \"\", \"tasks\": [\n", makespan
	for (i = 1; i <= n; i++)
		printf "  {\"id\": %s, \"runtimeInSeconds\": %s, \"machines\": [%s]}%s\n", q(node[i]), rt[i], q(host[i]), i < n ? "," : ""
	printf "  ], \"machines\": [\n"
	for (h = 1; h <= nh; h++)
		printf "  {\"nodeName\": %s, \"cpu\": {\"coreCount\": %d}}%s\n", q(hname[h]), cores[hname[h]], h < nh ? "," : ""
	printf "  ]}}}\n"
}
