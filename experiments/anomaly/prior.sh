#!/bin/sh
# experiments/anomaly/prior.sh — a coarse detector's decisions with the
# simulated data set's class prior taken out: argmax_c p(c | chart) / pi_c,
# pi_c the share of class c among the training charts. The simulated set
# draws every seed-001 label equally often, so its coarse classes are
# unequal (normal 1/14, cpu 2/14, hdd 6/14, loss 5/14) and, where labels
# leave the chart alone (loss 0.1-1 %, hdd 50-90 MB/s in the real runs),
# the detector learns to answer "loss" or "hdd" for a normal-looking chart.
# That mix is the label menu's, not a property of real runs; this shows
# the decisions under equal priors (README.md reports both).
#
#   sh experiments/anomaly/prior.sh HETSIM MODEL_DIR TRAIN_DATA EVAL_DATA
#
# Prints "file,true,predicted,predicted_equal_prior" for EVAL_DATA's test
# split on stdout; on stderr the accuracy of both and the equal-prior
# confusion matrix (rows true, columns predicted).
set -eu
BIN=$1 MODEL=$2 TRAIN=$3 DATA=$4
prior=$(awk -F, 'NR > 1 && $8 == "train" { n[$2]++; t++ }
	END { for (c in n) printf "%s=%.9g ", c, n[c] / t }' "$TRAIN/manifest.csv")
echo "file,true,predicted,predicted_equal_prior"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -F, 'NR > 1 && $8 == "test" { print $1 "," $2 }' "$DATA/manifest.csv" |
while IFS=, read -r f truth; do
	"$BIN" detector classify --model "$MODEL" --top 4 "$DATA/${f%.png}.jobs.csv.gz" |
	awk -v f="$f" -v truth="$truth" -v prior="$prior" '
	BEGIN { n = split(prior, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], x, "="); pi[x[1]] = x[2] } }
	NR > 1 { if (NR == 2) top = $1; s = $2 / pi[$1]; if (s > best) { best = s; eq = $1 } }
	END { print f "," truth "," top "," eq }'
done | tee "$tmp"
awk -F, '{ n++; a += $2 == $3; b += $2 == $4; c[$2, $4]++ }
END {
	printf "prior.sh: %d charts, accuracy %.4f (%d), with equal priors %.4f (%d)\n", n, a / n, a, b / n, b
	split("normal cpu hdd loss", k, " ")
	printf "%-8s %7s %7s %7s %7s\n", "", k[1], k[2], k[3], k[4]
	for (i = 1; i <= 4; i++)
		printf "%-8s %7d %7d %7d %7d\n", k[i], c[k[i], k[1]], c[k[i], k[2]], c[k[i], k[3]], c[k[i], k[4]]
}' "$tmp" >&2
