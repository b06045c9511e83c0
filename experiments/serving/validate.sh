#!/bin/sh
# experiments/serving/validate.sh HETSIM DATA — `make serving-validate`:
# fit the serving model on runs 1-3 of DATA (heet_mixed_exp2.csv.gz) into
# build/serving/fit, replay the held-out runs 4-5 through HETSIM, write
# experiments/serving/VALIDATION.md and build/serving/runs.csv (every run's
# recorded and simulated p50, p95 and makespan). The fit is HETSIM's own
# (`hetsim fit --serving`); the replay script validate.py needs python3.
set -e
bin=${1:?usage: validate.sh HETSIM DATA}
data=${2:?usage: validate.sh HETSIM DATA}
here=$(dirname "$0")
[ -r "$data" ] || { echo "validate.sh: $data: cannot read" >&2; exit 1; }
mkdir -p build/serving
"$bin" fit --serving "$data" --runs 1-3 -o build/serving/fit
python3 "$here/validate.py" "$data" --fit build/serving/fit --runs 4-5 \
	--train 1-3 --hetsim "$bin" --work build/serving/work \
	--csv build/serving/runs.csv -o "$here/VALIDATION.md"
