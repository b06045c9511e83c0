#!/bin/sh
# Simulated merging under rising load (issue: video transcoding, merging
# strategies): never / always / adaptive at offered loads from 0.5x to 2x
# the capacity of the 4 machines without merging, 5 paired replications
# each; then SVG plots of the deadline-meeting rate, the requests merged,
# the machine time saved and the p95 response time against the load.
# Usage: sh experiments/merging/simulate.sh [HETSIM] [OUT]
set -eu
bin=${1:-./build/hetsim}
out=${2:-out/merging}
exp=experiments/merging/simulate.json
mkdir -p "$out"
start=$(date +%s)

# Capacity without merging: utilisation at a light load, rate / utilisation.
"$bin" run "$exp" --quiet --out "$out/capacity" --set 'merging={"strategy": "never"}' \
	--set workload.rate_per_s=0.5 --set workload.tasks=4000 --set replications=1
util=$(sed -n 's/^ *"utilization_mean": \([0-9.e+-]*\).*/\1/p' "$out/capacity/mct/summary.json" | head -n 1)
capacity=$(awk "BEGIN {printf \"%.4f\", 0.5 / $util}")
echo "capacity without merging: $capacity requests/s"

# "metric,mean,ci95_low,ci95_high" rows of a replicated summary.json
metrics() {
	awk '/^  "metrics": \{/ {on = 1; next}
	     on && /^    "[a-z0-9_]+": \{/ {gsub(/[" :{]/, ""); name = $0; next}
	     on && name != "" && /"mean":/ {gsub(/[ ,]/, ""); split($0, a, ":"); mean = a[2]}
	     on && name != "" && /"ci95_low":/ {gsub(/[ ,]/, ""); split($0, a, ":"); lo = a[2]}
	     on && name != "" && /"ci95_high":/ {gsub(/[ ,]/, ""); split($0, a, ":"); print name "," mean "," lo "," a[2]; name = ""}' "$1"
}

table="$out/merging.csv.tmp"
echo "load,rate_per_s,strategy,metric,mean,ci95_low,ci95_high" > "$table"
for load in 0.5 0.75 1.0 1.25 1.5 1.75 2.0; do
	rate=$(awk "BEGIN {printf \"%.4f\", $load * $capacity}")
	for strategy in never always adaptive; do
		"$bin" run "$exp" --quiet --out "$out/load-$load-$strategy" \
			--set workload.rate_per_s="$rate" \
			--set "merging={\"strategy\": \"$strategy\", \"max_degree\": 5}"
		metrics "$out/load-$load-$strategy/mct/summary.json" |
			sed "s/^/$load,$rate,$strategy,/" >> "$table"
	done
	echo "load $load ($rate requests/s) done"
done
mv "$table" "$out/merging.csv"
plot() { # metric scale ylabel file
	"$bin" plot "$out/merging.csv" --where metric="$1" --x load --y mean --series strategy \
		--lo ci95_low --hi ci95_high --scale "$2" --ylabel "$3" \
		--xlabel "offered load (x capacity without merging, $capacity requests/s)" \
		--title "$3 vs load (mean and 95% CI, 5 replications)" -o "$out/$4"
}
plot deadline_met_fraction 100 "requests meeting their deadline (%)" deadline_met.svg
plot merged_requests 0.005 "requests merged into another's run (% of 20,000)" merged.svg
plot machine_time_saved_s 1 "machine time saved by merging (s)" saved.svg
plot response_p95_s 1 "p95 response time (s)" response_p95.svg
echo "merging simulation took $(( $(date +%s) - start )) s; results in $out/merging.csv and $out/*.svg"
