#!/bin/sh
# experiments/workflows/validate.sh — builds experiments/workflows/VALIDATION.md:
# for every WfFormat trace, recorded vs simulated makespan with zero overhead
# and with its system's calibrated model, in-sample and leave-one-out (the
# model calibrated without the trace it predicts), per group and overall
# median and max |error|. (The shipped models profiles/data/wms_*.json are
# written by `make profiles`, with the same command and data.)
#
#   sh experiments/workflows/validate.sh [HETSIM] [SHARED_DATA]
#
# Traces: the WfInstances ones (SHARED_DATA/workflows/wfformat) and the 19
# runs of the anomaly sample (SHARED_DATA/anomaly_sample), each converted to
# a WfFormat trace by sample2wf.awk (its compute jobs, their hosts, runtimes
# = DAGMan execute windows). A sample trace's leave-one-out model has its
# phases fitted without its run (`calibrate workflow --exclude-run`); the
# submit host's dispatch time d is fitted on, and applied to, the
# WfInstances traces only (see the notes written below).
#
# Models are fitted by `hetsim calibrate workflow` (its search simulates with
# the DAG engine and phase means). Makespans are then simulated by `hetsim
# replay TRACE --wms MODEL` (the engine of `hetsim run`, phases drawn; mean
# of the seeds in $SEEDS, default 1..5), unpinned (fcfs) and pinned
# (--pin: every job on its recorded machine).
set -eu
BIN=${1:-./build/hetsim}
DATA=${2:-../shared/data}
REPLAY_BIN=${REPLAY_BIN:-$BIN}
SEEDS=${SEEDS:-1 2 3 4 5}
TRACES=$DATA/workflows/wfformat
SAMPLE=$DATA/anomaly_sample
OUT=experiments/workflows/VALIDATION.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$REPLAY_BIN" replay --help | grep -q -- --pin || {
	echo "validate: $REPLAY_BIN has no hetsim replay --pin" >&2
	exit 1
}
HERE=$(dirname "$0")

# system of a trace: the first word of runtimeSystem.name, lower case
system_of() {
	"$BIN" workflow info "$1" | awk '$1 == "system" {print tolower($2); exit}'
}
recorded_of() {
	"$BIN" workflow info "$1" | awk '$1 == "makespan_s" {print $2; exit}'
}

# mean makespan of trace $1 under WMS model $2 over the seeds, more
# replay options after
replay_mean() {
	tr=$1 model=$2
	shift 2
	for seed in $SEEDS; do
		"$REPLAY_BIN" replay "$tr" --wms "$model" --seed "$seed" --out "$TMP/run$seed" --quiet "$@"
		awk -F: '/^  "makespan_s"/ {gsub(/[ ,]/, "", $2); print $2; exit}' "$TMP/run$seed/summary.json"
	done | awk '{ s += $1; n++ } END { printf "%.3f\n", s / n }'
}

calibrate() { # system, then more options
	sys=$1
	shift
	"$BIN" calibrate workflow --system "$sys" --anomaly-sample "$SAMPLE" --quiet "$@"
}

# one row: group system name recorded zero in-sample LOO LOO-pinned
row() {
	g=$1 s=$2 t=$3 ins=$4 loo=$5
	zero=$(replay_mean "$t" none --pin)
	sim_ins=$(replay_mean "$t" "$ins")
	sim_loo=$(replay_mean "$t" "$loo")
	sim_pin=$(replay_mean "$t" "$loo" --pin)
	echo "$g $s $(basename "$t") $(recorded_of "$t") $zero $sim_ins $sim_loo $sim_pin" >>"$TMP/rows"
}

: >"$TMP/rows"
for s in pegasus makeflow nextflow; do
	calibrate $s --traces "$TRACES" --out "$TMP/ins_$s.json" >/dev/null
done
for t in "$TRACES"/*.json "$TRACES"/*.json.gz; do
	[ -f "$t" ] || continue
	s=$(system_of "$t")
	case $s in pegasus|makeflow|nextflow) ;; *) echo "validate: $t: unknown system '$s'" >&2; exit 1 ;; esac
	loo=$(calibrate $s --traces "$TRACES" --out "$TMP/loo.json" --exclude "$t" --predict "$t")
	# predict NAME recorded R zero_overhead Z simulated S excluded E
	echo "$loo" | awk '$10 != 1 { print "validate: leave-one-out did not exclude " $2 > "/dev/stderr"; exit 1 }'
	row wfinstances $s "$t" "$TMP/ins_$s.json" "$TMP/loo.json"
done

# the anomaly sample's runs: phases only (no --traces: no dispatch time)
mkdir "$TMP/sample"
calibrate pegasus --out "$TMP/ins_sample.json" >/dev/null
tail -n +2 "$SAMPLE/1000genome_runs_sample.csv" | cut -d, -f2,3 | tr , ' ' >"$TMP/runs"
while read -r run label; do
	t=$TMP/sample/$run.json
	awk -v run="$run" -f "$HERE/sample2wf.awk" "$SAMPLE/1000genome_runs_sample.csv" \
		"$SAMPLE/1000genome_edges.csv" "$SAMPLE/1000genome_jobs_sample.csv" >"$t"
	calibrate pegasus --exclude-run "$run" --out "$TMP/loo.json" >/dev/null
	g=sample_anomalous
	[ "$label" = normal ] && g=sample_normal
	row $g pegasus "$t" "$TMP/ins_sample.json" "$TMP/loo.json"
done <"$TMP/runs"

# the shape of each WfInstances trace (hetsim workflow info), and a
# Pegasus trace replayed (pinned) with the sample's phases alone, no d
for t in "$TRACES"/*.json "$TRACES"/*.json.gz; do
	[ -f "$t" ] || continue
	ph=-
	if [ "$(system_of "$t")" = pegasus ]; then
		ph=$(replay_mean "$t" "$TMP/ins_sample.json" --pin)
	fi
	"$BIN" workflow info "$t" | awk -v n="$(basename "$t")" -v ph="$ph" '
		$1 == "jobs" { j = $2 } $1 == "runtime_s" { r = $2 } $1 == "critical_s" { c = $2 }
		$1 == "makespan_s" { m = $2 } $1 == "system" { s = tolower($2) }
		END {
			printf "| %s | %s | %d | %.0f | %.0f | %.0f | %.1f | ", s, n, j, r, c, m, (m - c) / j
			if (ph == "-") print "- |"; else printf "%+.1f |\n", 100 * (ph - m) / m
		}'
done >"$TMP/shape"

# the anomaly sample's normal runs, job by job: the first wave of compute
# jobs (ready at the run's first compute ready time), how far apart DAGMan
# submitted them, when they started; medians of the individuals jobs'
# execute window, stage-in and CPU time
awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
$c["anomaly_label"] == "normal" && $c["job_class"] == "compute" {
	r = $c["run_id"]; k = ++n[r]
	rd[r, k] = $c["ready"]; sb[r, k] = $c["submit"]; xs[r, k] = $c["execute_start"]
	if (!(r in r0) || $c["ready"] < r0[r]) r0[r] = $c["ready"]
	if ($c["job_type"] == "individuals") {
		q = ++ni[r]; iw[r, q] = $c["runtime"]; is[r, q] = $c["stage_in_delay"]; ic[r, q] = $c["cpu_time_s"]
	}
	if (!(r in seen)) { seen[r] = 1; order[++nr] = r }
}
function med(a, r, m,   i, j, t, v) {
	for (i = 1; i <= m; i++) v[i] = a[r, i] + 0
	for (i = 2; i <= m; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
	for (o = 1; o <= nr; o++) {
		r = order[o]; w = 0; s0 = 1e18; s1 = -1; x0 = 1e18; x1 = -1
		for (k = 1; k <= n[r]; k++) {
			if (rd[r, k] != r0[r]) continue
			w++
			if (sb[r, k] < s0) s0 = sb[r, k]; if (sb[r, k] > s1) s1 = sb[r, k]
			if (xs[r, k] < x0) x0 = xs[r, k]; if (xs[r, k] > x1) x1 = xs[r, k]
		}
		printf "| %s | %d | %d | %g | %g to %g | %g to %g | %g | %g | %g |\n", r, n[r], w, r0[r], s0, s1, x0, x1, med(iw, r, ni[r]), med(is, r, ni[r]), med(ic, r, ni[r])
	}
}' "$SAMPLE/1000genome_jobs_sample.csv" >"$TMP/timeline"

awk -v shape="$TMP/shape" -v timeline="$TMP/timeline" '
function abs(x) { return x < 0 ? -x : x }
function err(sim, rec) { return 100 * (sim - rec) / rec }
function med(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function mx(a, n,   i, m) { m = 0; for (i = 1; i <= n; i++) if (a[i] > m) m = a[i]; return m }
function add(g, z, i, l, p,   k) { k = ++N[g]; Z[g, k] = z; I[g, k] = i; L[g, k] = l; P[g, k] = p }
function stats(g, title,   k, m, a, b, c, d) {
	m = N[g]
	if (!m) return
	for (k = 1; k <= m; k++) { a[k] = Z[g, k]; b[k] = I[g, k]; c[k] = L[g, k]; d[k] = P[g, k] }
	printf "| %s | %d | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |\n", title, m, med(a, m), mx(a, m), med(b, m), mx(b, m), med(c, m), mx(c, m), med(d, m), mx(d, m)
}
BEGIN {
	print "# Workflow makespans: recorded vs simulated"
	print ""
	print "Built by `sh experiments/workflows/validate.sh` (also `make validate-workflows`); do not edit."
	print "Traces: the WfInstances traces in `../shared/data/workflows/wfformat/` (real runs; see its README)"
	print "and the 19 real Pegasus runs of `../shared/data/anomaly_sample/` (1000Genome; 2 normal, 17 with"
	print "an injected anomaly), each converted to a WfFormat trace by `experiments/workflows/sample2wf.awk`"
	print "(its compute jobs with their hosts; runtime = the DAGMan execute window, which contains the"
	print "job'\''s stage-in and stage-out; a host'\''s cores = the most jobs it ran at once)."
	print "Models: `profiles/data/wms_<system>.json`, fitted by `hetsim calibrate workflow`: Pegasus latency"
	print "phases (wms_delay, queue_delay, post_delay) and aux jobs from the anomaly sample; the submit"
	print "host'\''s dispatch time d per job (served one job at a time, profiles/wms.h) from the recorded"
	print "makespans of the WfInstances traces of the system (Makeflow, Nextflow: d alone)."
	print "Simulated by `hetsim replay` (the engine of `hetsim run`, phases drawn; mean of seeds 1 to 5)."
	print ""
	print "- **zero**: no WMS overhead (recorded runtimes and the DAG only; pinned)."
	print "- **in-sample**: the model calibrated on everything (for WfInstances traces what"
	print "  `profiles/data/` ships)."
	print "- **LOO**: leave-one-out, the model calibrated WITHOUT the trace it predicts: a WfInstances"
	print "  trace is left out of the d fit (Makeflow and Nextflow, one trace each, then get a POOLED d"
	print "  fitted on the other systems'\'' traces without phases); a sample run is left out of the phase"
	print "  fits (`--exclude-run`; with it goes its campaign'\''s normal run when it is one, so the"
	print "  queue delay then comes from the other campaign alone)."
	print "- Sample traces are replayed with the phases and aux jobs only, no d: their runtimes are"
	print "  execute windows that already hold the per-job time d stands for in the WfInstances traces"
	print "  (whose Pegasus runtimes are kickstart'\''s, without staging; see the notes)."
	print "- **LOO** runs each job where fcfs puts it; **LOO pinned** (`hetsim replay --pin`) on the"
	print "  machine the trace records for it, which isolates the overhead model from the mapping."
	print "- error = (simulated - recorded) / recorded."
	print ""
	print "| group | system | trace | recorded s | zero s | zero err % | in-sample s | in-sample err % | LOO s | LOO err % | LOO pinned s | LOO pinned err % |"
	print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
}
{
	g = $1; s = $2; z = err($5, $4); i = err($6, $4); l = err($7, $4); p = err($8, $4)
	printf "| %s | %s | %s | %.1f | %.1f | %+.1f | %.1f | %+.1f | %.1f | %+.1f | %.1f | %+.1f |\n", g, s, $3, $4, $5, z, $6, i, $7, l, $8, p
	z = abs(z); i = abs(i); l = abs(l); p = abs(p)
	add("all", z, i, l, p)
	if (g == "wfinstances") { add("wf", z, i, l, p); add("wf_" s, z, i, l, p); add("goal", z, i, l, p) }
	if (g == "sample_normal") { add("sn", z, i, l, p); add("goal", z, i, l, p) }
	if (g == "sample_anomalous") add("sa", z, i, l, p)
}
END {
	print ""
	print "Median / max |error| %:"
	print ""
	print "| group | traces | zero | in-sample | LOO | LOO pinned |"
	print "|---|---:|---:|---:|---:|---:|"
	stats("wf_pegasus", "WfInstances pegasus")
	stats("wf_makeflow", "WfInstances makeflow")
	stats("wf_nextflow", "WfInstances nextflow")
	stats("wf", "**WfInstances, all**")
	stats("sn", "anomaly sample, normal runs (pegasus)")
	stats("sa", "anomaly sample, anomalous runs (pegasus)")
	stats("goal", "**WfInstances + sample normal runs**")
	stats("all", "everything")
	print ""
	print "Goal (issue 13): median |error| <= 10% (leave-one-out)."
	print ""
	print "## Where the idle time goes (WfInstances traces; `hetsim workflow info`)"
	print ""
	print "| system | trace | jobs | sum of runtimes s | critical path s | recorded s | (recorded - critical) / jobs s | phases alone, no d: err % |"
	print "|---|---|---:|---:|---:|---:|---:|---:|"
	while ((getline line < shape) > 0) print line
	print ""
	print "## The anomaly sample'\''s normal runs, job by job (`1000genome_jobs_sample.csv`)"
	print ""
	print "First wave: the compute jobs ready at the run'\''s first compute ready time (after create_dir);"
	print "individuals: medians over those jobs of the execute window (the sample'\''s runtime), its"
	print "stage-in and the kickstart CPU time."
	print ""
	print "| run | compute jobs | first wave | ready s | submitted s | started s | individuals: window s | stage-in s | CPU s |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	while ((getline line < timeline) > 0) print line
}' "$TMP/rows" >"$OUT.tmp"
cat "$HERE/NOTES.md" >>"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "wrote $OUT"
