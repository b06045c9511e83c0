#!/bin/sh
# experiments/anomaly/repro.sh — issue 16's reproduction of seed 001 (the
# Gantt-chart anomaly CNN), run by `make detector-repro`; README.md beside
# it says what is reproduced and what each step writes.
#
#   sh experiments/anomaly/repro.sh [HETSIM [REAL_DIR]]
#
# Environment (defaults in brackets):
#   OUT        output folder [out/anomaly]
#   DATA       an existing simulated gantt-dataset folder to use instead of
#              making one (e.g. experiments/anomaly/make_dataset.sh's)
#   WORKFLOWS  the workflow experiments the simulated charts come from,
#              PER_CLASS runs per label of each
#              ["experiments/anomaly/1000genome_poseidon2020.json
#              experiments/anomaly/1000genome_flowbench2022.json": 1000Genome
#              as the two real campaigns ran it, 57 and 137 jobs, each fitted
#              on its campaign's one real normal run, CALIBRATION.md]
#   PER_CLASS  simulated runs per label and workflow [350: about 10,000
#              charts from the two]
#   BALANCE    gantt-dataset --balance [coarse: the same runs for each
#              coarse class, normal included; "label": PER_CLASS per label,
#              the first two rounds' sets, where normal was 1/14]
#   JOBS       gantt-dataset -j [2]      SEED  data and training seed [1]
#   THREADS    oneDNN threads for training [0: one per core]
#   EPOCHS     most epochs per training [30]
#   SIZE       chart side of the main data sets [256: the raster's default]
#   SIDES      chart sides of the resolution study ["128 256 512"]
#   MODELS     the models trained and evaluated, of simple_coarse,
#              deep_coarse and simple_fine ["simple_coarse deep_coarse
#              simple_fine"; simple_coarse is always trained: the
#              resolution and intensity studies use it]
#   LR         Adam's learning rate [1e-4, seed 001]
#   PATIENCE   early-stopping patience in epochs [4, seed 001]
#
# A data set folder with its manifest.csv, and a model folder with its
# NAME.seconds, are kept: a rerun (e.g. with fewer EPOCHS) resumes.
#
# Steps: (1) the simulated data set (gantt-dataset --per-class for each
# of WORKFLOWS, one manifest; the parts in DIR/<workflow name>/); (2) the 19 real runs (gantt-dataset --real);
# (3) train simple and deep on coarse classes and simple on fine labels;
# (4) eval each on the simulated test split and on the real runs
# (sim-to-real); (5) accuracy vs chart resolution (a data set and a simple
# model per side) and vs anomaly intensity (the coarse model's detection
# rate per fine label); results.csv and the plots.
set -eu
BIN=${1:-./build/hetsim}
REAL=${2:-../shared/data/anomaly_sample}
OUT=${OUT:-out/anomaly}
PER_CLASS=${PER_CLASS:-350}
WORKFLOWS=${WORKFLOWS:-experiments/anomaly/1000genome_poseidon2020.json experiments/anomaly/1000genome_flowbench2022.json}
BALANCE=${BALANCE:-coarse}
JOBS=${JOBS:-2}
SEED=${SEED:-1}
THREADS=${THREADS:-0}
EPOCHS=${EPOCHS:-30}
SIZE=${SIZE:-256}
SIDES=${SIDES-128 256 512}
MODELS=${MODELS:-simple_coarse deep_coarse simple_fine}
LR=${LR:-1e-4}
PATIENCE=${PATIENCE:-4}
for m in $MODELS; do
	case $m in
	simple_coarse | deep_coarse | simple_fine) ;;
	*)
		echo "detector-repro: MODELS: unknown model $m (simple_coarse, deep_coarse, simple_fine)" >&2
		exit 2
		;;
	esac
done
start_all=$(date +%s)

say() { echo "detector-repro: $*" >&2; }
mkdir -p "$OUT"

# (1) simulated charts, SIZE x SIZE
dataset() { # dataset DIR SIDE: a part per workflow, one manifest
	if [ -f "$1/manifest.csv" ]; then
		say "$1: data set exists, kept"
		return 0
	fi
	mkdir -p "$1"
	echo "file,class,label,seed,anomaly_node,anomaly_start_s,anomaly_end_s,split" \
		> "$1/manifest.tmp"
	for w in $WORKFLOWS; do
		part=$(basename "$w" .json)
		if ! "$BIN" gantt-dataset --workflow "$w" --per-class "$PER_CLASS" \
			--balance "$BALANCE" -j "$JOBS" --seed "$SEED" \
			--size "$2x$2" --out "$1/$part"; then
			say "gantt-dataset failed on $w (above)"
			exit 1
		fi
		awk -v p="$part/" 'NR > 1 { print p $0 }' "$1/$part/manifest.csv" \
			>> "$1/manifest.tmp"
	done
	mv "$1/manifest.tmp" "$1/manifest.csv"
}
SIM=${DATA:-$OUT/sim_$SIZE}
[ -n "${DATA:-}" ] || dataset "$SIM" "$SIZE"

# (2) the real runs, drawn the same way
"$BIN" gantt-dataset --real "$REAL" --size "${SIZE}x$SIZE" \
	--out "$OUT/real_$SIZE"

# (3) training: time in the log (images/s on its last line)
train() { # train NAME DATA MODEL LABELS; a model trained before is kept
	if [ -f "$OUT/$1.seconds" ] && [ -f "$OUT/$1/detector.json" ]; then
		say "$1: trained before, kept"
		return 0
	fi
	say "training $1"
	start=$(date +%s)
	"$BIN" detector train --data "$2" --out "$OUT/$1" --model "$3" \
		--labels "$4" --epochs "$EPOCHS" --seed "$SEED" \
		--lr "$LR" --patience "$PATIENCE" \
		--threads "$THREADS" 2> "$OUT/$1.train.log"
	echo "$(($(date +%s) - start))" > "$OUT/$1.seconds"
	tail -n 1 "$OUT/$1.train.log" >&2
}
train simple_coarse "$SIM" simple coarse
case " $MODELS " in *" deep_coarse "*) train deep_coarse "$SIM" deep coarse ;; esac
case " $MODELS " in *" simple_fine "*) train simple_fine "$SIM" simple fine ;; esac

# (4) evaluation: simulated test split, then the real runs (all "test")
echo "model,data,split,charts,accuracy,train_seconds" > "$OUT/results.csv"
evaluate() { # evaluate MODEL DATA_NAME DATA_DIR
	"$BIN" detector eval --model "$OUT/$1" --data "$3" --split test \
		--out "$OUT/$1/eval_$2" > "$OUT/$1/eval_$2.txt"
	cat "$OUT/$1/eval_$2.txt"
	m="$OUT/$1/eval_$2/metrics_coarse.csv"
	awk -F, -v model="$1" -v data="$2" -v s="$(cat "$OUT/$1.seconds")" \
		'$1 == "(accuracy)" { print model "," data ",test," $5 "," $2 "," s }' \
		"$m" >> "$OUT/results.csv"
}
done_models=
for model in simple_coarse $MODELS; do
	case " $done_models " in *" $model "*) continue ;; esac
	done_models="$done_models $model"
	evaluate "$model" sim "$SIM"
	evaluate "$model" real "$OUT/real_$SIZE"
done

# (5a) accuracy vs resolution: a data set and a simple model per side
echo "side,accuracy" > "$OUT/resolution.csv"
for side in $SIDES; do
	if [ "$side" = "$SIZE" ]; then
		d=$SIM
		m=simple_coarse
	else
		d=$OUT/sim_$side
		m=simple_coarse_$side
		dataset "$d" "$side"
		train "$m" "$d" simple coarse
		"$BIN" detector eval --model "$OUT/$m" --data "$d" \
			--out "$OUT/$m/eval_sim" > "$OUT/$m/eval_sim.txt"
	fi
	awk -F, -v side="$side" '$1 == "(accuracy)" { print side "," $2 }' \
		"$OUT/$m/eval_sim/metrics_coarse.csv" >> "$OUT/resolution.csv"
done
[ -z "$SIDES" ] || "$BIN" plot "$OUT/resolution.csv" --x side \
	--y accuracy -o "$OUT/resolution.svg"

# (5b) accuracy vs intensity: the coarse model's test predictions joined
# with the manifest's fine labels; per label, the share given its class
awk -F, 'NR == FNR { if (FNR > 1) label[$1] = $3; next }
	FNR > 1 { n[label[$1]]++; ok[label[$1]] += $2 == $3 }
	END { for (l in n) printf "%s,%d,%.6f\n", l, n[l], ok[l] / n[l] }' \
	"$SIM/manifest.csv" "$OUT/simple_coarse/eval_sim/predictions.csv" |
	sort | { echo "label,charts,detected"; cat; } > "$OUT/intensity.csv"
awk -F, 'NR > 1 { split($1, p, "_"); c = p[2] == "" ? "normal" : p[1];
	x = p[2] == "" ? 0 : p[2]; print c "," x "," $3 }' "$OUT/intensity.csv" |
	sort -t, -k1,1 -k2,2g | { echo "class,intensity,detected"; cat; } \
	> "$OUT/intensity_by_class.csv"
"$BIN" plot "$OUT/intensity_by_class.csv" --x intensity --y detected \
	--series class -o "$OUT/intensity.svg"
echo "$(($(date +%s) - start_all))" > "$OUT/total.seconds"
say "done in $(cat "$OUT/total.seconds") s: $OUT/results.csv, resolution.svg, intensity.svg"
