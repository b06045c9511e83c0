#!/bin/sh
# experiments/anomaly/ratios.sh — simulated makespan ratio anomalous / normal
# per seed-001 label (CALIBRATION.md's "simulated" column): each anomaly on
# every machine for the whole run (as the real campaigns), fcfs, seeds 1..N,
# mean makespan over the seeds divided by the normal run's.
#
#   sh experiments/anomaly/ratios.sh [HETSIM [EXPERIMENT [N]]]
#
# Prints "label,mean_makespan_s,ratio" (normal first).
set -eu
BIN=${1:-./build/hetsim}
EXP=${2:-experiments/anomaly/1000genome_poseidon2020.json}
N=${3:-10}
mean() { # mean ANOMALIES_JSON
	for s in $(seq 1 "$N"); do
		"$BIN" run "$EXP" --policy fcfs --seed "$s" --out "" \
			--set "anomalies=$1" | awk '$1 == "fcfs" { print $9 }'
	done | awk '{ t += $1 } END { printf "%.2f\n", t / NR }'
}
all=${MACHINES:-0,1,2,3,4} # the experiment's machines (env MACHINES)
base=$(mean '[]')
echo "label,mean_makespan_s,ratio"
echo "normal,$base,1.000"
for l in cpu_2:cpu:cores:2 cpu_3:cpu:cores:3 hdd_50:hdd:mb_per_s:50 \
	hdd_60:hdd:mb_per_s:60 hdd_70:hdd:mb_per_s:70 hdd_80:hdd:mb_per_s:80 \
	hdd_90:hdd:mb_per_s:90 \
	hdd_100:hdd:mb_per_s:100 loss_0.1:loss:percent:0.1 \
	loss_0.5:loss:percent:0.5 loss_1:loss:percent:1 loss_3:loss:percent:3 \
	loss_5:loss:percent:5; do
	IFS=: read -r lab kind key val <<-X
	$l
	X
	m=$(mean "[{\"kind\": \"$kind\", \"$key\": $val, \"machines\": [$all]}]")
	echo "$lab,$m,$(echo "$m $base" | awk '{ printf "%.3f", $1 / $2 }')"
done
