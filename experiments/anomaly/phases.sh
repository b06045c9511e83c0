#!/bin/sh
# experiments/anomaly/phases.sh — median phase durations per job type of
# workflow runs (jobs.csv or jobs.csv.gz with sim/gantt.h's columns: what
# `hetsim run` writes, and what `hetsim gantt-dataset --real` makes of the
# real runs of ../shared/data/anomaly_sample), the tables of
# CALIBRATION.md's diagnosis.
#
#   sh experiments/anomaly/phases.sh RUN.jobs.csv[.gz] ...
#
# Prints "file,type,jobs,wms,queue,stage_in,compute,post,makespan": per
# file and job type the number of jobs and the median duration (s) of
# wms (ready..submit), queue (submit..start), stage_in, compute and post
# (end..post_end), "-" where the type has no such phase.
set -eu
echo "file,type,jobs,wms,queue,stage_in,compute,post,makespan"
for f in "$@"; do
	case $f in *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac |
	awk -F, -v file="$f" '
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		t = $c["task_type"]
		if ($c["post_end_s"] + 0 > ms) ms = $c["post_end_s"] + 0
		print file, t, "jobs", 1
		d("wms", "ready_s", "submit_s"); d("queue", "submit_s", "start_s")
		d("stage_in", "stage_in_start_s", "stage_in_end_s")
		d("compute", "compute_start_s", "compute_end_s")
		d("post", "end_s", "post_end_s")
	}
	function d(ph, a, b) {
		if ($c[a] != "" && $c[b] != "")
			print file, t, ph, $c[b] - $c[a]
	}
	END { print file, "~", "makespan", ms }'
done | sort -k1,1 -k2,2 -k3,3 -k4,4g | awk '
function flush() {
	if (key == "") return
	split(key, k, SUBSEP)
	v[k[1], k[2], k[3]] = k[3] == "jobs" ? n : n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
	if (!((k[1], k[2]) in seen)) { seen[k[1], k[2]] = 1; order[++no] = k[1] SUBSEP k[2] }
	n = 0
}
{ if (($1 SUBSEP $2 SUBSEP $3) != key) { flush(); key = $1 SUBSEP $2 SUBSEP $3 } x[++n] = $4 }
END {
	flush()
	for (i = 1; i <= no; i++) {
		split(order[i], k, SUBSEP)
		if (k[2] == "~") continue
		line = k[1] "," k[2] "," v[k[1], k[2], "jobs"]
		split("wms queue stage_in compute post", ph, " ")
		for (p = 1; p <= 5; p++)
			line = line "," (((k[1], k[2], ph[p]) in v) ? sprintf("%.1f", v[k[1], k[2], ph[p]]) : "-")
		print line "," v[k[1], "~", "makespan"]
	}
}'
