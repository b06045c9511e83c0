#!/bin/sh
# experiments/anomaly/heldout.sh — a model's decisions on the real runs,
# run by run, and its accuracy on the runs that no constant of the
# simulator was fitted on (CALIBRATION.md: the poseidon2020 normal,
# loss_3, loss_5 and hdd_100 runs and the flowbench2022 normal run0009 were
# used in fits; the other 14 are held out).
#
#   sh experiments/anomaly/heldout.sh MODEL_DIR REAL_DATA
#
# MODEL_DIR/eval_real/predictions.csv (repro.sh's `detector eval` of the
# real runs) joined with REAL_DATA/manifest.csv (the fine labels). Prints
# "file,label,true,predicted,fitted" per run on stdout, then on stderr the
# accuracy on all runs and on the held-out ones (coarse classes; a fine
# model's predictions are mapped to their class).
set -eu
MODEL=$1
REAL=$2
awk -F, '
function coarse(l) { sub(/_.*/, "", l); return l }
NR == FNR { if (FNR > 1) label[$1] = $3; next }
FNR == 1 { print "file,label,true,predicted,fitted"; next }
{
	f = $1; l = label[f]; t = coarse($2); p = coarse($3)
	fit = (f ~ /1000-genome-run0009/ ||
	       (f ~ /poseidon2020/ && (l == "normal" || l == "loss_3" ||
				       l == "loss_5" || l == "hdd_100")))
	print f "," l "," t "," p "," (fit ? "yes" : "no")
	n++; ok += t == p
	if (!fit) { h++; hok += t == p }
}
END {
	printf "heldout.sh: all %d of %d (%.3f); held out %d of %d (%.3f)\n",
		ok, n, n ? ok / n : 0, hok, h, h ? hok / h : 0 > "/dev/stderr"
}' "$REAL/manifest.csv" "$MODEL/eval_real/predictions.csv"
