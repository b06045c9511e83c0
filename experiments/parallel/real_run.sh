#!/bin/sh
# experiments/parallel/real_run.sh — the real check of issue 17 (item 5):
# the land-cover CNN's plans in experiments/parallel/real_plans/ run for
# real by `hetsim parallel-real` (a driver and one process per worker, TCP
# on 127.0.0.1) at 1,000 samples, batch 10, 50 and 200, without and with
# each process's sends paced to 10 MB/s (seed 003's traffic figures are in
# the MB/s); then experiments/parallel/REAL.md's tables from the runs'
# result.json files.
#
#   sh experiments/parallel/real_run.sh [./build/hetsim] [OUT]    (OUT:
#   out/parallel-real)
#
# Runs DIR OUT/PLAN-bB[-bw10]/ (result.json, traffic.csv); the runs at
# batch 50 without pacing also check the predictions against one process.
# Needs jq. REAL.md's analysis text below the tables is written by hand.
set -eu
BIN=${1:-./build/hetsim}
OUT=${2:-out/parallel-real}
HERE=$(dirname "$0")
SAMPLES=${SAMPLES:-1000}
TABLE=$OUT/table.md
mkdir -p "$OUT"
: >"$TABLE.tmp"
for plan in data model model-opt model-seedopt; do
	for b in 10 50 200; do
		for bw in 0 10; do
			dir=$OUT/$plan-b$b
			args="--samples $SAMPLES --batch $b"
			[ "$bw" = 0 ] || { dir=$dir-bw$bw; args="$args --bandwidth $bw"; }
			[ "$bw" = 0 ] && [ "$b" = 50 ] || args="$args --no-check"
			echo "== $plan batch $b bandwidth ${bw:-none} MB/s" >&2
			# shellcheck disable=SC2086
			"$BIN" parallel-real "$HERE/real_plans/$plan.json" $args \
				--out "$dir" >"$dir.log" 2>&1 || {
				cat "$dir.log" >&2
				exit 1
			}
			jq -r --arg plan "$plan" --arg bw "$bw" '
			  def mb: . / 1e6 * 100 | round / 100;
			  def node(n): .nodes[] | select(.name == n);
			  [$plan, .batch, (if $bw == "0" then "-" else $bw end),
			   (.wall_s * 1000 | round / 1000),
			   ([.nodes[].sent_wire_bytes] | add | mb),
			   ([.nodes[] | select(.role != "driver") | .sent_wire_bytes] | add | mb),
			   (node("w4") | .sent_wire_bytes | mb),
			   (node("w4") | .recv_wire_bytes | mb),
			   ([.nodes[] | select(.role != "driver") | .compute_s * 100 | round / 100] | map(tostring) | join(" / ")),
			   (if .check then (.check.max_abs_diff | tostring) else "-" end)]
			  | "| " + (map(tostring) | join(" | ")) + " |"' \
				"$dir/result.json" >>"$TABLE.tmp"
		done
	done
done
{
	echo "| plan | batch | MB/s cap | wall s | all sent MB | workers sent MB | w4 sent MB | w4 recv MB | compute s w1 / w2 / w3 / w4 | check max diff |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	cat "$TABLE.tmp"
} >"$TABLE"
rm -f "$TABLE.tmp"
cat "$TABLE"
