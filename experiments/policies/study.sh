#!/bin/sh
# The policy study (issue: batch, deadline, energy and pruning policies):
# every policy at 8 loads from 0.25x to 2x the mix capacity, 10 paired
# replications each, plus FCFS, MSD and MinMin with probabilistic pruning
# (threshold 0.5); then
# SVG plots of the deadline-meeting rate, energy and p95 response time
# against the load. Usage: sh experiments/policies/study.sh [HETSIM] [OUT]
set -eu
bin=${1:-./build/hetsim}
out=${2:-out/policy_study}
exp=experiments/policies/study.json
capacity=159 # tasks/s, see study.json
mkdir -p "$out"
table="$out/study.csv.tmp"
echo "load,rate_per_s,policy,metric,mean,ci95_low,ci95_high,diff_vs_fcfs,diff_ci95_low,diff_ci95_high" > "$table"
start=$(date +%s)
for load in 0.25 0.5 0.75 1.0 1.25 1.5 1.75 2.0; do
	rate=$(awk "BEGIN {print $load * $capacity}")
	echo "load $load ($rate tasks/s)"
	"$bin" run "$exp" --quiet --set workload.rate_per_s="$rate" --out "$out/load-$load"
	"$bin" run "$exp" --quiet --set workload.rate_per_s="$rate" --out "$out/load-$load-pruned" \
		--set 'policies=["fcfs", "msd", "minmin"]' \
		--set 'pruning={"threshold": 0.5, "action": "drop"}'
	tail -n +2 "$out/load-$load/comparison.csv" | sed "s/^/$load,$rate,/" >> "$table"
	# in the pruned runs every policy prunes, fcfs too: their diff_vs_fcfs
	# columns compare with fcfs+prune
	tail -n +2 "$out/load-$load-pruned/comparison.csv" |
		sed "s/^\([^,]*\),/\1+prune,/; s/^/$load,$rate,/" >> "$table"
done
mv "$table" "$out/study.csv"
plot() { # metric scale ylabel file
	"$bin" plot "$out/study.csv" --where metric="$1" --x load --y mean --series policy \
		--lo ci95_low --hi ci95_high --scale "$2" --ylabel "$3" \
		--xlabel "offered load (x mix capacity of 159 tasks/s)" \
		--title "$3 vs load (mean and 95% CI, 10 replications)" -o "$out/$4"
}
plot deadline_met_fraction 100 "tasks meeting their deadline (%)" deadline_met.svg
plot energy_j 0.001 "energy (kJ)" energy.svg
plot response_p95_s 1000 "p95 response time (ms)" response_p95.svg
echo "study took $(( $(date +%s) - start )) s; results in $out/study.csv and $out/*.svg"
