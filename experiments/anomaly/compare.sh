#!/bin/sh
# experiments/anomaly/compare.sh — real and simulated Gantt charts of the
# same label side by side (CALIBRATION.md's diagnosis): per poseidon2020
# label of ../shared/data/anomaly_sample, the real run and a simulated run
# of the calibrated workflow (1000genome_poseidon2020.json) with that
# label's anomaly on every worker for the whole run, as the real campaign;
# the rasters of `hetsim gantt -o X.png` (sim/gantt.h) on one SVG page,
# with the median phases of both from phases.sh in OUT/phases.csv.
#
#   sh experiments/anomaly/compare.sh [HETSIM [REAL_DIR]]
#
# Environment: OUT [out/anomaly/compare], EXP [the poseidon2020 experiment],
# SEED [1]. Writes OUT/compare.svg and OUT/phases.csv.
set -eu
BIN=${1:-./build/hetsim}
REAL=${2:-../shared/data/anomaly_sample}
OUT=${OUT:-out/anomaly/compare}
EXP=${EXP:-experiments/anomaly/1000genome_poseidon2020.json}
SEED=${SEED:-1}
mkdir -p "$OUT"
"$BIN" gantt-dataset --real "$REAL" --out "$OUT/real" >/dev/null 2>&1 ||
	[ -f "$OUT/real/manifest.csv" ]
spec() { # the "anomalies" of a label
	case $1 in
	normal) echo "[]" ;;
	cpu_*) echo "[{\"kind\": \"cpu\", \"cores\": ${1#cpu_}, \"machines\": [0,1,2,3,4]}]" ;;
	hdd_*) echo "[{\"kind\": \"hdd\", \"mb_per_s\": ${1#hdd_}, \"machines\": [0,1,2,3,4]}]" ;;
	loss_*) echo "[{\"kind\": \"loss\", \"percent\": ${1#loss_}, \"machines\": [0,1,2,3,4]}]" ;;
	esac
}
labels="normal cpu_2 cpu_3 hdd_50 hdd_60 hdd_70 hdd_80 hdd_90 hdd_100 loss_0.1 loss_0.5 loss_1 loss_3 loss_5"
files=""
{
	printf '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
	printf 'width="660" height="%d" font-family="sans-serif" font-size="14">\n' $((40 + 14 * 272))
	printf '<rect width="100%%" height="100%%" fill="white"/>\n'
	printf '<text x="120" y="24">real (poseidon2020)</text><text x="392" y="24">simulated (%s, seed %s)</text>\n' \
		"$(basename "$EXP")" "$SEED"
	r=0
	for l in $labels; do
		y=$((40 + r * 272))
		real=$(awk -F, -v l="$l" '$3 == l && $1 ~ /poseidon2020/ { print $1 }' \
			"$OUT/real/manifest.csv")
		"$BIN" run "$EXP" --policy fcfs --seed "$SEED" --out "$OUT/sim_$l" \
			--set "anomalies=$(spec "$l")" >/dev/null
		"$BIN" gantt "$OUT/sim_$l/fcfs/jobs.csv.gz" -o "$OUT/sim_$l.png"
		printf '<text x="10" y="%d">%s</text>\n' $((y + 128)) "$l"
		c=0
		for png in "$OUT/real/$real" "$OUT/sim_$l.png"; do
			printf '<image x="%d" y="%d" width="256" height="256" xlink:href="data:image/png;base64,' \
				$((120 + c * 272)) "$y"
			base64 -w0 "$png"
			printf '"/>\n'
			c=$((c + 1))
		done
		r=$((r + 1))
	done
	printf '</svg>\n'
} > "$OUT/compare.svg"
for l in $labels; do
	real=$(awk -F, -v l="$l" '$3 == l && $1 ~ /poseidon2020/ { print $1 }' "$OUT/real/manifest.csv")
	files="$files $OUT/real/${real%.png}.jobs.csv.gz $OUT/sim_$l/fcfs/jobs.csv.gz"
done
# shellcheck disable=SC2086
sh "$(dirname "$0")/phases.sh" $files > "$OUT/phases.csv"
echo "compare.sh: $OUT/compare.svg, $OUT/phases.csv"
