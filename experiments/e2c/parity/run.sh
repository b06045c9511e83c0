#!/bin/sh
# E2C parity table: E2C-Sim's bundled inputs (../shared/data/e2c_samples,
# 3 loads x 2 EET matrices) under every policy E2C offers, with the E2C
# parity options off ("tie_break": "lowest", "readiness": "hetsim") and on
# ("random", "e2c"), and each alone ("tie", "readiness"). Writes
# OUT/parity.csv (scenario, options, policy,
# completion %: tasks completed of those arrived, mean of 10 replications)
# and prints, per scenario, Spearman's rank correlation between the
# policies' completion with the options off and on.
# Usage: sh experiments/e2c/parity/run.sh [HETSIM] [OUT]
set -eu
bin=${1:-./build/hetsim}
out=${2:-out/e2c_parity}
exp=experiments/e2c/parity/experiment.json
data=../../../../shared/data/e2c_samples # relative to the experiment file
mkdir -p "$out"
table="$out/parity.csv"
echo "scenario,options,policy,completion_pct" > "$table"
for load in low medium high; do
	for eet in heterogeneous homogeneous; do
		for opt in off tie readiness on; do
			case $opt in
			off) tb=lowest rd=hetsim ;;
			tie) tb=random rd=hetsim ;;
			readiness) tb=lowest rd=e2c ;;
			on) tb=random rd=e2c ;;
			esac
			dir="$out/$load-$eet-$opt"
			"$bin" run "$exp" --quiet --out "$dir" \
				--set "profile.e2c_eet.file=\"$data/$load/etc_$eet.csv.eet\"" \
				--set "workload.file=\"$data/$load/workload_$load.csv.wkl\"" \
				--set "tie_break=\"$tb\"" --set "readiness=\"$rd\""
			awk -F, -v s="$load-$eet" -v o=$opt '
				$2 == "completed" { c[$1] = $3; order[++n] = $1 }
				$2 == "dropped" { d[$1] = $3 }
				END { for (i = 1; i <= n; i++) { p = order[i]
					printf "%s,%s,%s,%.2f\n", s, o, p, 100 * c[p] / (c[p] + d[p]) } }
			' "$dir/comparison.csv" >> "$table"
		done
	done
done
# Spearman's rho (average ranks for ties) per scenario, off vs on
awk -F, 'NR > 1 { v[$1 "," $2 "," $3] = $4; if (!($1 in seen)) { seen[$1] = 1; sc[++ns] = $1 }
		if (!(($1, $3) in pseen)) { pseen[$1, $3] = 1; pol[$1, ++np[$1]] = $3 } }
function ranks(s, o, r,   i, j, n, x, less, eq) {
	n = np[s]
	for (i = 1; i <= n; i++) { x = v[s "," o "," pol[s, i]]; less = 0; eq = 0
		for (j = 1; j <= n; j++) { y = v[s "," o "," pol[s, j]]; if (y < x) less++; else if (y == x) eq++ }
		r[i] = less + (eq + 1) / 2 }
}
function corr(a, b, n,   i, ma, mb, sab, saa, sbb) {
	for (i = 1; i <= n; i++) { ma += a[i] / n; mb += b[i] / n }
	for (i = 1; i <= n; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma)^2; sbb += (b[i] - mb)^2 }
	return (saa > 0 && sbb > 0) ? sab / sqrt(saa * sbb) : "nan"
}
END { printf "%-26s %8s %14s\n", "scenario", "rho", "mean|diff| pt"
	for (k = 1; k <= ns; k++) { s = sc[k]; delete ra; delete rb; ranks(s, "off", ra); ranks(s, "on", rb)
		md = 0; for (i = 1; i <= np[s]; i++) { d = v[s ",on," pol[s, i]] - v[s ",off," pol[s, i]]; md += (d < 0 ? -d : d) / np[s] }
		printf "%-26s %8s %14.2f\n", s, corr(ra, rb, np[s]), md }
}' "$table"
echo "table: $table"
