#!/bin/sh
# experiments/parallel/real_run.sh — the real check of issue 17 (item 5):
# the land-cover CNN's plans in experiments/parallel/real_plans/ run for
# real by `hetsim parallel-real` (a driver and one process per worker, TCP
# on 127.0.0.1) at 1,000 samples, batch 10, 50 and 200, without and with
# each process's sends paced to 10 MB/s (seed 003's traffic figures are in
# the MB/s), the workers making their inputs (--local-inputs: seed 003's
# workers read a local copy of the data set); at batch 50 also with the
# driver sending the inputs; then experiments/parallel/REAL.md's tables from the runs'
# result.json files (the analysis text is experiments/parallel/real_notes.md,
# appended).
#
#   [REPORT_ONLY=1] sh experiments/parallel/real_run.sh [./build/hetsim] [OUT]    (OUT:
#   out/parallel-real)
#
# Runs into OUT/PLAN-bB[-bw10][-driverin]/ (result.json, traffic.csv); the
# runs at batch 50 without pacing also check the predictions against one
# process.
# Needs jq and awk. Columns: wall time (start, all workers ready, to last prediction
# back); the machine's 1-minute load average at the start (other work
# shares the cores); bytes on the wire sent by all processes and by the
# workers only (activations and predictions); each worker's CPU seconds in
# its forward passes; the 2-core CPU bound max(sum / 2, busiest) (what the
# run needs on 2 dedicated cores if no transfer limits it); with pacing,
# the busiest sender's bytes / rate (the link bound); the highest outbound
# rate of a node in a 0.1 s bin of traffic.csv; the check against one
# process (batch 50 unpaced only).
set -eu
BIN=${1:-./build/hetsim}
OUT=${2:-out/parallel-real}
HERE=$(dirname "$0")
SAMPLES=${SAMPLES:-1000}
TABLE=$OUT/table.md
mkdir -p "$OUT"
: >"$TABLE.tmp"
# one run: plan batch bandwidth(0: none) inputs(local|driver)
run() {
	plan=$1 b=$2 bw=$3 inputs=$4
	dir=$OUT/$plan-b$b
	args="--samples $SAMPLES --batch $b"
	[ "$bw" = 0 ] || { dir=$dir-bw$bw; args="$args --bandwidth $bw"; }
	if [ "$inputs" = local ]; then
		args="$args --local-inputs"
	else
		dir=$dir-driverin
	fi
	[ "$bw" = 0 ] && [ "$b" = 50 ] && [ "$inputs" = local ] || args="$args --no-check"
	echo "== $plan batch $b bandwidth $bw MB/s inputs $inputs" >&2
	# shellcheck disable=SC2086
	"$BIN" parallel-real "$HERE/real_plans/$plan.json" $args \
		--out "$dir" >"$dir.log" 2>&1 || {
		cat "$dir.log" >&2
		exit 1
	}
	peak=$(awk -F, -v bin="$(jq .bin_s "$dir/result.json")" '
		NR > 1 && $4 / bin > max { max = $4 / bin; who = $2 }
		END { printf "%.1f (%s)", max / 1e6, who }' "$dir/traffic.csv")
	jq -r --arg plan "$plan" --arg bw "$bw" --arg peak "$peak" --arg inputs "$inputs" '
	  def r2: . * 100 | round / 100;
	  def mb: . / 1e6 | r2;
	  [.nodes[] | select(.role != "driver")] as $w
	  | ([$w[].compute_cpu_s] | add) as $cpu
	  | ([$w[].compute_cpu_s] | max) as $busiest
	  | [$plan, .batch, $inputs, (if $bw == "0" then "-" else $bw end),
	     (.wall_s | r2), (.loadavg_1m[0] | r2),
	     ([.nodes[].sent_wire_bytes] | add | mb),
	     ([$w[].sent_wire_bytes] | add | mb),
	     ([$w[] | .compute_cpu_s | r2 | tostring] | join(" / ")),
	     ([$cpu / 2, $busiest] | max | r2),
	     (if $bw == "0" then "-" else
	        ([.nodes[].sent_wire_bytes] | max / ($bw | tonumber) / 1e6 | r2) end),
	     $peak,
	     (if .check then (.check.max_abs_diff | tostring) else "-" end)]
	  | "| " + (map(tostring) | join(" | ")) + " |"' \
		"$dir/result.json" >>"$TABLE.tmp"
}
PLANS="data model model-opt model-seedopt"
if [ "${REPORT_ONLY:-0}" = 1 ]; then
	PLANS=""     # REPORT_ONLY=1: rewrite REAL.md from OUT/table.md
fi
for plan in $PLANS; do
	for b in 10 50 200; do
		for bw in 0 10; do
			run $plan $b $bw local
		done
	done
done
for plan in $PLANS; do
	for bw in 0 10; do
		run $plan 50 $bw driver
	done
done
[ -n "$PLANS" ] && {
	echo "| plan | batch | inputs | MB/s cap | wall s | load | sent MB, all | sent MB, workers | forward CPU s w1 / w2 / w3 / w4 | 2-core CPU bound s | busiest link s | peak out MB/s (node) | check |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	cat "$TABLE.tmp"
} >"$TABLE"
rm -f "$TABLE.tmp"
[ -s "$TABLE" ] || { echo "real_run: no $TABLE" >&2; exit 1; }
{
	echo "# Real runs of the land-cover CNN's parallel plans (issue 17, item 5)"
	echo
	echo "Written by \`sh experiments/parallel/real_run.sh\` on this machine"
	echo "($(nproc) cores; $(date -u +%Y-%m-%d -r "$TABLE")); $SAMPLES samples, one oneDNN thread per process."
	echo "The analysis below the table is experiments/parallel/real_notes.md (by hand)."
	echo
	cat "$TABLE"
	echo
	cat "$HERE/real_notes.md"
} >"$HERE/REAL.md"
cat "$TABLE"
