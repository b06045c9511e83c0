#!/bin/sh
# Held-back error of the relative merge model (issue 19) on the merged
# ffmpeg runs of shared/data (merge_saving_v1-50 and merge_single_ops_v1-50):
# two folds split by video (A: fit on the odd videos, predict the even ones;
# B: the other way round), each with the bounded model (what the simulator
# uses) and with the campaign ratios (--campaign-ratio). Writes, under OUT,
# the models, the predictions and one table per fold and variant, and
# prints the per-k summary. 10 s.
# Usage: sh experiments/merging/heldout.sh [HETSIM] [DATA] [OUT]
set -eu
bin=${1:-./build/hetsim}
data=${2:-../shared/data}
out=${3:-out/merging-heldout}
merged=$data/merge_saving_v1-50.csv.gz
singles=$data/merge_single_ops_v1-50.csv.gz
mkdir -p "$out"
for fold in A B; do
	if [ $fold = A ]; then train=odd test=even; else train=even test=odd; fi
	for variant in bounded ratio; do
		flag=
		[ $variant = ratio ] && flag=--campaign-ratio
		"$bin" merge fit "$merged" "$singles" --videos $train $flag --quiet \
			-o "$out/model_${fold}_$variant.json"
		"$bin" merge predict "$out/model_${fold}_$variant.json" "$merged" "$singles" \
			--videos $test --quiet -o "$out/predicted_${fold}_$variant.csv" \
			--table "$out/table_${fold}_$variant.md"
	done
done
# the model of all 50 videos, for profiles
"$bin" merge fit "$merged" "$singles" --campaign-ratio --quiet -o "$out/model_all.json"

echo "real-time saving per k, all groups: measured / predicted (difference), percent"
printf '| k | fold A measured | A bounded | A with ratios | fold B measured | B bounded | B with ratios |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for k in 2 3 4 5 all; do
	row="| $k"
	for fold in A B; do
		for variant in bounded ratio; do
			line=$(grep "^| \*\*all\*\* | $k |" "$out/table_${fold}_$variant.md")
			meas=$(echo "$line" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
			pred=$(echo "$line" | awk -F'|' '{gsub(/ /, "", $6); print $6}')
			diff=$(echo "$line" | awk -F'|' '{gsub(/ /, "", $7); print $7}')
			[ $variant = bounded ] && row="$row | $meas"
			row="$row | $pred ($diff)"
		done
	done
	echo "$row |"
done
