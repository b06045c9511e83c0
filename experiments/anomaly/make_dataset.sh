#!/bin/sh
# experiments/anomaly/make_dataset.sh — issue 14's labelled Gantt-chart data
# set in one command, and a page of example charts per class.
#
#   sh experiments/anomaly/make_dataset.sh [HETSIM]
#
# Environment (defaults in brackets):
#   OUT        output folder [out/anomaly/dataset]
#   PER_CLASS  simulated runs per fine label [715: 14 labels x 715 = 10,010
#              charts, seed 001's data set size]
#   JOBS       worker processes [the number of cores]
#   SEED       data set seed [1]
#   SIZE       chart side in pixels [256: the raster's default, sim/gantt.h]
#   EXAMPLES   example charts per label on the page [4]
#   WORKFLOW   the workflow experiment [experiments/anomaly/1000genome_poseidon2020.json:
#              1000Genome on seed 001's 5 VMs fitted on the real poseidon2020
#              normal run, CALIBRATION.md; experiments/workflows/1000genome.json
#              is issue 14's first, uncalibrated model]
#
# What it makes (sim/gantt.h documents the raster and the manifest):
#   OUT/manifest.csv, OUT/sim/<label>/<label>_<k>.png and .jobs.csv.gz
#       1000Genome on seed 001's 5 VMs (WORKFLOW),
#       every seed-001 label (normal, cpu_2/3, hdd_50..100, loss_0.1..5) with
#       its anomaly on every worker for the whole run, as seed 001's campaign
#       stressed its workers; split 80/10/10 per label; same seed, same bytes.
#   OUT/real/...  the 19 real labelled runs of ../shared/data/anomaly_sample
#       in the same raster, split test (sim-to-real).
#   OUT/examples.svg  a grid: one row per label, EXAMPLES charts each, the
#       PNGs embedded (base64), so a person can see that the classes differ.
# gantt-dataset prints runs per second on stderr.
set -eu
BIN=${1:-./build/hetsim}
OUT=${OUT:-out/anomaly/dataset}
PER_CLASS=${PER_CLASS:-715}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
SEED=${SEED:-1}
SIZE=${SIZE:-256}
EXAMPLES=${EXAMPLES:-4}
REAL=${REAL:-../shared/data/anomaly_sample}
WORKFLOW=${WORKFLOW:-experiments/anomaly/1000genome_poseidon2020.json}

if [ ! -x "$BIN" ]; then
	echo "make_dataset.sh: $BIN not found (run make first)" >&2
	exit 2
fi
if [ -e "$OUT" ]; then
	echo "make_dataset.sh: $OUT exists; remove it or set OUT" >&2
	exit 2
fi
mkdir -p "$(dirname "$OUT")"

"$BIN" gantt-dataset --workflow "$WORKFLOW" --per-class "$PER_CLASS" -j "$JOBS" \
	--seed "$SEED" --size "${SIZE}x$SIZE" --out "$OUT"
if [ -d "$REAL" ]; then
	"$BIN" gantt-dataset --real "$REAL" --size "${SIZE}x$SIZE" --out "$OUT/real"
fi

# The example page: one row per label, in the manifest's (sorted) order.
cell=$((SIZE + 16))
labels=$(awk -F, 'NR > 1 && !seen[$3]++ { print $3 }' "$OUT/manifest.csv")
rows=$(printf '%s\n' "$labels" | wc -l)
tmp="$OUT/examples.svg.tmp"
{
	printf '<svg xmlns="http://www.w3.org/2000/svg" '
	printf 'xmlns:xlink="http://www.w3.org/1999/xlink" width="%d" height="%d" ' \
		$((120 + EXAMPLES * cell)) $((40 + rows * cell))
	printf 'font-family="sans-serif" font-size="14">\n'
	printf '<rect width="100%%" height="100%%" fill="white"/>\n'
	printf '<text x="10" y="24">1000Genome on 5 VMs, %s charts per label (seed %s)</text>\n' \
		"$EXAMPLES" "$SEED"
	r=0
	for l in $labels; do
		y=$((40 + r * cell))
		printf '<text x="10" y="%d">%s</text>\n' $((y + SIZE / 2)) "$l"
		awk -F, -v l="$l" -v n="$EXAMPLES" \
			'NR > 1 && $3 == l && k < n { print $1; k++ }' \
			"$OUT/manifest.csv" | {
			c=0
			while read -r f; do
				printf '<image x="%d" y="%d" width="%d" height="%d" xlink:href="data:image/png;base64,' \
					$((120 + c * cell)) "$y" "$SIZE" "$SIZE"
				base64 -w0 "$OUT/$f"
				printf '"/>\n'
				c=$((c + 1))
			done
		}
		r=$((r + 1))
	done
	printf '</svg>\n'
} >"$tmp"
mv "$tmp" "$OUT/examples.svg"
n=$(($(wc -l <"$OUT/manifest.csv") - 1))
echo "make_dataset.sh: $n charts in $OUT (manifest.csv), examples in $OUT/examples.svg"
