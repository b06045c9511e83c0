#!/bin/sh
# experiments/parallel/realcheck.sh — issue 17 item 5's comparison: the
# simulator's prediction (`hetsim parallel`) against real processes
# (`hetsim parallel-real`) for the SAME plan, on this machine, for the
# land-cover CNN's inference: strategies data, model and model-opt, batch
# 10, 50 and 200, each process's sends unpaced and paced to 10 MB/s.
#
#   make parallel-realcheck
#   [SAMPLES=1000] [REPS=3] [LOOPBACK_MBPS=x] [REPORT_ONLY=1] \
#     sh experiments/parallel/realcheck.sh [./build/hetsim] [OUT]
#                                          (OUT: out/parallel-realcheck)
#
# Per setting: writes OUT/S-bB[-bwX]/config.json (this machine described
# to the simulator, below), runs `hetsim parallel` on it (sim/, sim1/:
# the two core models below), feeds sim/plan.json to `hetsim
# parallel-real --local-inputs` REPS times (real1..realREPS/), and writes
# experiments/parallel/REALCHECK.md: the real wall time (the minimum of the
# repeats: the machine is shared with other jobs, which only ever slow a
# run), the simulated makespan, the error (sim - real) / real, the bytes
# each process sent (real payload vs simulated, compared exactly) and the
# 1-minute load average during the real runs (REPORT_ONLY=1: only rewrite
# REALCHECK.md from OUT's runs). Needs jq, awk and python3
# (the loopback rate; or LOOPBACK_MBPS given).
#
# The simulator's config (every choice, no constant fitted to the real
# runs):
# - graph: landcover.layers.json; per-layer times: calib/layers.json
#   (measured here at 1 thread, README.md "Constants"), at the calibrated
#   batch equal to the run's batch (10, 50 or 200);
# - the plan's nodes as the real run has them: the driver, w1 (the PS,
#   idle in inference: ps_pull false) and w2, w3, w4, one executor each;
# - the cores: the real run forks 3 compute processes onto NCPU cores; the
#   simulator gives each worker its own CPU, so the main prediction ("sim")
#   slows every worker by speed = min(1, NCPU / 3) (processes per core),
#   and "sim 1 core" (speed 1) is the bound where each process has a core;
#   the other jobs on the machine are not modelled (see "load");
# - NIC: every node's nic_MBps = the --bandwidth value, or, unpaced, the
#   loopback rate measured here by one TCP stream (python3, 256 MB in 64 KB
#   writes); latency 0 (loopback);
# - inputs local (--local-inputs; the sim reads them free: load_MBps 0);
#   window = every batch (the real driver does not throttle local inputs;
#   only socket buffers do); startup 0 (the real wall time starts when
#   every process is ready); no per-task overhead, no jitter.
set -eu
BIN=${1:-./build/hetsim}
OUT=${2:-out/parallel-realcheck}
HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLES=${SAMPLES:-1000}
REPS=${REPS:-3}
NCPU=$(nproc)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
for t in jq awk; do
	command -v $t >/dev/null || { echo "realcheck: needs $t" >&2; exit 1; }
done
REPORT_ONLY=${REPORT_ONLY:-0}
[ "$REPORT_ONLY" = 1 ] && [ -z "${LOOPBACK_MBPS:-}" ] && LOOPBACK_MBPS=$(cat "$OUT/loopback_MBps")
if [ -z "${LOOPBACK_MBPS:-}" ]; then
	command -v python3 >/dev/null || {
		echo "realcheck: needs python3 (or LOOPBACK_MBPS)" >&2
		exit 1
	}
	LOOPBACK_MBPS=$(python3 - <<'EOF'
import socket, threading, time
N, CH = 256 * 10**6, 65536
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
def sink():
    c, _ = srv.accept(); got = 0
    while got < N:
        b = c.recv(1 << 20)
        if not b: break
        got += len(b)
    c.sendall(b"k"); c.close()
th = threading.Thread(target=sink); th.start()
s = socket.create_connection(srv.getsockname()); buf = b"\0" * CH
t0 = time.perf_counter(); sent = 0
while sent < N:
    s.sendall(buf); sent += CH
s.recv(1); dt = time.perf_counter() - t0; th.join()
print("%.0f" % (N / dt / 1e6))
EOF
)
fi
echo "$LOOPBACK_MBPS" >"$OUT/loopback_MBps"
SPEED=$(awk -v n="$NCPU" 'BEGIN { s = n / 3; if (s > 1) s = 1; printf "%.6f", s }')
echo "realcheck: $NCPU cores, speed $SPEED, loopback $LOOPBACK_MBPS MB/s, $SAMPLES samples, $REPS repeats" >&2

config() { # strategy batch nic speed
	cat <<EOF
{"graph": "$HERE/landcover.layers.json",
 "machine_types": [{"name": "here", "layer_times": "$HERE/calib/layers.json",
   "threads": 1, "batch": $2, "speed": $4}],
 "driver": {"name": "driver", "nic_MBps": $3},
 "ps": {"name": "w1", "nic_MBps": $3},
 "workers": [{"name": "w2", "type": "here", "nic_MBps": $3},
             {"name": "w3", "type": "here", "nic_MBps": $3},
             {"name": "w4", "type": "here", "nic_MBps": $3}],
 "strategy": "$1", "batch": $2, "samples": $SAMPLES,
 "executors": 1, "window": $(( (SAMPLES + $2 - 1) / $2 )),
 "network": {"latency_s": 0}, "input": "local", "load_MBps": 0,
 "ps_pull": false, "startup_s": 0, "overhead_s": 0, "jitter_cv": 0,
 "seed": 1, "plan_cost": "overlap",
 "note": "realcheck.sh: this machine's real setting"}
EOF
}

ROWS=$OUT/rows.tsv
: >"$ROWS"
for s in data model model-opt; do
	for b in 10 50 200; do
		for bw in 0 10; do
			dir=$OUT/$s-b$b
			nic=$LOOPBACK_MBPS
			pace=""
			[ "$bw" = 0 ] || { dir=$dir-bw$bw; nic=$bw; pace="--bandwidth $bw"; }
			if [ "$REPORT_ONLY" != 1 ]; then
			mkdir -p "$dir"
			echo "== $s batch $b bandwidth ${pace:-none}" >&2
			config $s $b "$nic" "$SPEED" >"$dir/config.json"
			config $s $b "$nic" 1 >"$dir/config1.json"
			"$BIN" parallel "$dir/config.json" -o "$dir/sim" >"$dir/sim.log" 2>&1 ||
				{ cat "$dir/sim.log" >&2; exit 1; }
			"$BIN" parallel "$dir/config1.json" -o "$dir/sim1" >"$dir/sim1.log" 2>&1 ||
				{ cat "$dir/sim1.log" >&2; exit 1; }
			r=1
			while [ $r -le "$REPS" ]; do
				# shellcheck disable=SC2086
				"$BIN" parallel-real "$dir/sim/plan.json" --local-inputs \
					--no-check $pace --out "$dir/real$r" >"$dir/real$r.log" 2>&1 ||
					{ cat "$dir/real$r.log" >&2; exit 1; }
				r=$((r + 1))
			done
			fi
			# "sim 1 core" counts only with the same split (model-opt's
			# planner weighs compute against transfers, so the speed can
			# change its choice): otherwise NaN, shown as "other split"
			one=$(jq .makespan_s "$dir/sim1/summary.json")
			cmp -s "$dir/sim/plan.json" "$dir/sim1/plan.json" || one=nan
			# the repeat with the least wall time
			best=$(for r in $(seq 1 "$REPS"); do
				printf '%s %s\n' "$(jq .wall_s "$dir/real$r/result.json")" "$r"
			done | sort -g | head -1 | cut -d' ' -f2)
			walls=$(for r in $(seq 1 "$REPS"); do
				jq '.wall_s * 100 | round / 100' "$dir/real$r/result.json"
			done | paste -sd/ -)
			loads=$(for r in $(seq 1 "$REPS"); do
				jq -r '.loadavg_1m | map(. * 10 | round / 10 | tostring) | join("-")' \
					"$dir/real$r/result.json"
			done | paste -sd' ' -)
			# bytes sent per node: real payload (data messages) and the
			# simulated bytes_out, in the plan's node order
			rb=$(jq -r '[.nodes[] | {(.name): .sent_payload_bytes}] | add' \
				"$dir/real$best/result.json")
			sb=$(jq -r '[.nodes[] | {(.name): (.bytes_out | round)}] | add' \
				"$dir/sim/summary.json")
			bytes=$(jq -rn --argjson r "$rb" --argjson s "$sb" '
				[$s | keys_unsorted[] as $k | select(($s[$k] // 0) + ($r[$k] // 0) > 0)
				 | "\($k) \(($r[$k] // 0) / 1e6 * 1000 | round / 1000)/\(($s[$k] // 0) / 1e6 * 1000 | round / 1000)"]
				| join(", ")')
			same=$(jq -rn --argjson r "$rb" --argjson s "$sb" '
				if ([$s, $r | keys[]] | unique | all(. as $k | ($s[$k] // 0) == ($r[$k] // 0)))
				then "yes" else "NO" end')
			split=$(jq -r 'if .strategy == "data" then "replicas " + (.replicas | join(" "))
				else [.assign | group_by(.worker)[] | "\(.[0].worker): \(.[0].layer)..\(.[-1].layer) (\(length) layers)"] | join("; ") end' \
				"$dir/sim/plan.json")
			# forward CPU seconds of all workers: real (however the
			# cores were shared) and simulated (busy x speed)
			cpu="$(jq '[.nodes[].compute_cpu_s] | add * 100 | round / 100' \
				"$dir/real$best/result.json") / $(jq --argjson v "$SPEED" \
				'[.nodes[].busy_s] | add * $v * 100 | round / 100' "$dir/sim/summary.json")"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$b" \
				"$([ "$bw" = 0 ] && echo "- ($LOOPBACK_MBPS)" || echo "$bw")" \
				"$(jq .wall_s "$dir/real$best/result.json")" "$walls" "$loads" \
				"$(jq .makespan_s "$dir/sim/summary.json")" \
				"$one" \
				"$bytes" "$same" "$split" "$cpu" >>"$ROWS"
		done
	done
done

DOC=$HERE/REALCHECK.md
awk -F'\t' -v samples="$SAMPLES" -v reps="$REPS" -v ncpu="$NCPU" \
	-v speed="$SPEED" -v lo="$LOOPBACK_MBPS" -v day="$(date -u +%Y-%m-%d)" '
function abs(x) { return x < 0 ? -x : x }
function pct(x) { return sprintf("%+.0f%%", 100 * x) }
{
	e = ($7 - $4) / $4
	err[NR] = abs(e)
	if ($8 == "nan") {
		one = "other split | -"
	} else {
		e1 = ($8 - $4) / $4
		err1[++n1] = abs(e1)
		one = sprintf("%.2f | %s", $8, pct(e1))
	}
	row[NR] = sprintf("| %s | %s | %s | %.2f (%s) | %s | %.2f | %s | %s | %s | %s | %s |",
		$1, $2, $3, $4, $5, $6, $7, pct(e), one, $12, $9, $10)
	plan[$1 " " $2 " " $3] = $11
	if (!($1 in seen)) { seen[$1] = 1; order[++ns] = $1 }
	pl[$1] = pl[$1] (pl[$1] == "" ? "" : "\n") "  - batch " $2 ", MB/s " $3 ": " $11
}
function median(a, n,   i, j, t, b) {
	for (i = 1; i <= n; i++) b[i] = a[i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && b[j - 1] > b[j]; j--) { t = b[j]; b[j] = b[j - 1]; b[j - 1] = t }
	return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
}
function max(a, n,   i, m) { m = 0; for (i = 1; i <= n; i++) if (a[i] > m) m = a[i]; return m }
END {
	print "# Simulated vs real multi-process inference (issue 17, item 5)"
	print ""
	print "Written by `sh experiments/parallel/realcheck.sh` (`make parallel-realcheck`) on this"
	print "machine (" ncpu " cores; " day "): the land-cover CNN, " samples " samples, each"
	print "setting run by `hetsim parallel` (the prediction) and then, with the plan.json that"
	print "run wrote, by `hetsim parallel-real --local-inputs` " reps " times (the real run:"
	print "a driver and one process per worker, TCP on 127.0.0.1, one oneDNN thread each)."
	print "The modelling choices are in the script'\''s header and below the table."
	print ""
	print "| strategy | batch | MB/s (unpaced: loopback) | real wall s, min (all) | load 1m start-end per run | sim s | error | sim 1 core s | error | forward CPU s, all workers, real / sim | MB sent per node, real/sim | bytes equal |"
	print "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= NR; i++) print row[i]
	print ""
	printf "**Summary.** |error| of \"sim\" (%s cores shared by 3 compute processes: speed %.3f): median %.0f%%, max %.0f%%; of \"sim 1 core\" (each process a core of its own): median %.0f%%, max %.0f%% (%d settings; \"sim 1 core\" where its planner chose the same split).\n",
		ncpu, speed, 100 * median(err, NR), 100 * max(err, NR), 100 * median(err1, n1), 100 * max(err1, n1), NR
	print ""
	print "The splits (from the simulator'\''s planner, run for real as they are):"
	print ""
	for (i = 1; i <= ns; i++) { print "- " order[i] ":"; print pl[order[i]] }
}' "$ROWS" >"$DOC.tmp"
[ -f "$HERE/realcheck_notes.md" ] && { echo; cat "$HERE/realcheck_notes.md"; } >>"$DOC.tmp"
mv "$DOC.tmp" "$DOC"
echo "realcheck: wrote $DOC" >&2
