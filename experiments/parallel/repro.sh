#!/bin/sh
# experiments/parallel/repro.sh — issue 17's reproduction of seed 003's
# Table 4 (inference time of data parallel, the model-parallel baseline and
# the optimised split, 1K and 14K samples) and its traffic findings (batch
# size; the merge worker's outgoing traffic), run by `make parallel-repro`.
# README.md beside it says where every constant comes from.
#
#   sh experiments/parallel/repro.sh [HETSIM]
#
# Writes the runs into $OUT (default out/parallel-repro), the traffic plots
# into experiments/parallel/figures/ and the report into
# experiments/parallel/REPRO.md. Deterministic: the same files each time.
set -eu
BIN=${1:-./build/hetsim}
OUT=${OUT:-out/parallel-repro}
HERE=experiments/parallel
MD=$HERE/REPRO.md
FIG=$HERE/figures
mkdir -p "$OUT" "$FIG"

# run CONFIG STRATEGY BATCH SAMPLES DIR [BIN_S]
run() {
	"$BIN" parallel "$1" --strategy "$2" --batch "$3" --samples "$4" \
		--bin "${6:-1}" -o "$5" >/dev/null
}
# a summary's top-level number
num() { sed -n "s/^  \"$2\": \([^,]*\),*\$/\1/p" "$1/summary.json"; }
# cluster-wide traffic of a run (bins of $2 s): "peak_in mean_in peak_out
# mean_out" in MB/s over the bins (the last, partial bin left out), then
# the MB sent in all, per sample ($3 samples)
cluster() {
	awk -F, -v bin="$2" -v samples="$3" 'NR > 1 { i[$1] += $4; o[$1] += $5; all += $5 * bin
			if (!($1 in seen)) { seen[$1] = 1; t[n++] = $1 } }
		END { for (k = 0; k < n - 1; k++) { si += i[t[k]]; so += o[t[k]];
			if (i[t[k]] > pi) pi = i[t[k]]; if (o[t[k]] > po) po = o[t[k]] }
			m = n > 1 ? n - 1 : 1
			printf "%.1f %.1f %.1f %.1f %.3f\n", pi, si / m, po, so / m, all / samples }' "$1/traffic.csv"
}
# one role's outgoing traffic: "peak mean" MB/s (last bin left out)
role_out() {
	awk -F, -v r="$2" 'NR > 1 && $3 == r { o[n++] = $5 }
		END { for (k = 0; k < n - 1; k++) { s += o[k]; if (o[k] > p) p = o[k] }
			printf "%.2f %.2f\n", p, s / (n > 1 ? n - 1 : 1) }' "$1/traffic.csv"
}

# ---- Table 4: inference, batch 10, 50 and 200; "pull": every strategy
# reads its variables from the PS every batch (seed003.json); "local":
# the model-parallel workers keep theirs (seed003_local_vars.json)
for n in 1000 14000; do
	for b in 10 50 200; do
		for s in data model model-opt; do
			run $HERE/seed003.json $s $b $n "$OUT/t4-pull-$s-b$b-n$n"
		done
		for s in model model-opt; do
			run $HERE/seed003_local_vars.json $s $b $n "$OUT/t4-local-$s-b$b-n$n"
		done
	done
done
# ---- traffic: the baseline's training traffic by batch size (Fig. 10),
# the merge worker's outgoing traffic, baseline vs optimised (Figs. 11/12)
for b in 10 50 200; do
	for s in model model-opt; do
		run $HERE/seed003_train.json $s $b 1000 "$OUT/tr-$s-b$b" 0.1
	done
done
cp "$OUT/tr-model-b10/traffic.svg" "$FIG/train_baseline_b10.svg"
cp "$OUT/tr-model-b50/traffic.svg" "$FIG/train_baseline_b50.svg"
cp "$OUT/tr-model-b200/traffic.svg" "$FIG/train_baseline_b200.svg"
cp "$OUT/tr-model-opt-b50/traffic.svg" "$FIG/train_optimised_b50.svg"
cp "$OUT/t4-pull-data-b50-n1000/traffic.svg" "$FIG/infer_data_b50.svg"
cp "$OUT/t4-local-model-b50-n1000/traffic.svg" "$FIG/infer_baseline_b50.svg"

{
	echo "# Seed 003, Table 4 and the traffic findings, simulated"
	echo
	echo "Written by \`make parallel-repro\` (experiments/parallel/repro.sh); the"
	echo "setting and every constant's source are in README.md. Times in seconds."
	echo
	echo "## Table 4: inference time"
	echo
	echo "Data parallel reads every variable from the PS each batch (TensorFlow's"
	echo "parameter-server layout). A: the model-parallel workers keep their layers'"
	echo "variables (seed 003 Fig. 3: each obtains its portion of the weights); B: they"
	echo "too read them from the PS each batch."
	echo
	echo "| samples | batch | data | baseline | optimised | data / baseline | opt / baseline |"
	echo "|---|---|---|---|---|---|---|"
	echo "| 1K | seed 003 | 51.7 | 26.0 | 25.1 | 1.99 | 0.965 |"
	echo "| 14K | seed 003 | 787.2 | 500.1 | 364.5 | 1.57 | 0.729 |"
	for v in local pull; do
		for n in 1000 14000; do
			for b in 10 50 200; do
				d=$(num "$OUT/t4-pull-data-b$b-n$n" makespan_s)
				m=$(num "$OUT/t4-$v-model-b$b-n$n" makespan_s)
				o=$(num "$OUT/t4-$v-model-opt-b$b-n$n" makespan_s)
				echo "$v $n $b $d $m $o" | awk '{ printf "| %dK | %s, %d | %.2f | %.2f | %.2f | %.2f | %.3f |\n",
					$2 / 1000, $1 == "local" ? "A" : "B", $3, $4, $5, $6, $4 / $5, $6 / $5 }'
			done
		done
	done
	echo
	echo "Scaling from 1K to 14K samples (time ratio; 14 would be linear), A:"
	echo
	echo "| | data | baseline | optimised |"
	echo "|---|---|---|---|"
	echo "| seed 003 | 15.2 | 19.2 | 14.5 |"
	for b in 10 50 200; do
		set -- "$(num "$OUT/t4-pull-data-b$b-n1000" makespan_s)" \
			"$(num "$OUT/t4-pull-data-b$b-n14000" makespan_s)"
		for s in model model-opt; do
			set -- "$@" "$(num "$OUT/t4-local-$s-b$b-n1000" makespan_s)" \
				"$(num "$OUT/t4-local-$s-b$b-n14000" makespan_s)"
		done
		echo "$b $*" | awk '{ printf "| simulated, batch %d | %.1f | %.1f | %.1f |\n",
			$1, $3 / $2, $5 / $4, $7 / $6 }'
	done
	echo
	echo "The splits (A, 1K samples; each worker and its layers):"
	echo
	for r in model-b50 model-opt-b10 model-opt-b50 model-opt-b200; do
		printf -- "- %s: " "$r"
		tr -d '\n ' <"$OUT/t4-local-$r-n1000/summary.json" |
			sed 's/.*"groups":\[//; s/\]}$//; s/"layers"://g; s/"workers"://g' |
			sed 's/},{/; /g; s/[{}"]//g; s/\],\[/: /g; s/\[//g; s/\]//g'
		echo
	done
	echo
	echo "## Traffic (training traffic: PS pulls and gradient pushes, 1K samples, 0.1 s bins)"
	echo
	echo "Cluster-wide traffic of the baseline by batch size (seed 003 Fig. 10: batch 10"
	echo "reaches about 120 MB/s, batches 50 and 200 more than 5 times lower). MB/s:"
	echo
	echo "| batch | peak in | mean in | peak out | mean out | MB sent per sample | makespan (s) |"
	echo "|---|---|---|---|---|---|---|"
	for b in 10 50 200; do
		set -- $(cluster "$OUT/tr-model-b$b" 0.1 1000)
		printf "| %s | %s | %s | %s | %s | %s | %.2f |\n" $b $1 $2 $3 $4 $5 "$(num "$OUT/tr-model-b$b" makespan_s)"
	done
	echo
	echo "The merge worker's outgoing traffic (seed 003 Figs. 11/12: about 10 MB/s in"
	echo "the baseline, as low as 2.5 MB/s in the optimised split). MB/s:"
	echo
	echo "| batch | baseline peak | baseline mean | optimised peak | optimised mean |"
	echo "|---|---|---|---|---|"
	for b in 10 50 200; do
		set -- $(role_out "$OUT/tr-model-b$b" merge) $(role_out "$OUT/tr-model-opt-b$b" merge)
		echo "| $b | $1 | $2 | $3 | $4 |"
	done
	echo
	echo "Plots: figures/train_baseline_b{10,50,200}.svg, figures/train_optimised_b50.svg,"
	echo "figures/infer_data_b50.svg, figures/infer_baseline_b50.svg."
	echo
	cat $HERE/FINDINGS.md
} >"$MD.tmp"
mv "$MD.tmp" "$MD"
echo "wrote $MD"
