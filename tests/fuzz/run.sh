#!/bin/sh
# tests/fuzz/run.sh SECONDS TARGET... — what `make fuzz` runs after building
# build-fuzz/fuzz_<target>: each target for SECONDS seconds from its seeds
# (tests/fuzz/corpus/<target>/, read only) and what earlier runs found
# (build-fuzz/corpus/<target>/, where new inputs go), with the JSON, CSV or XML
# dictionary plus the target's own (tests/fuzz/dict/). A crash, sanitizer
# report, leak, input over 10 s (-timeout) or 2 GB (-rss_limit_mb) stops
# the target and leaves the input in build-fuzz/artifacts/<target>/ and the
# log in build-fuzz/logs/<target>.log. Prints a line per target and exits
# 1 if any failed.
#
# Reproduce: build-fuzz/fuzz_<target> FILE (FUZZ_VERBOSE=1 shows the
# commands' output and why inputs were rejected). Shrink a crash:
#   build-fuzz/fuzz_<target> -minimize_crash=1 -max_total_time=60 FILE
# Every reproducer of a fixed bug stays in tests/fuzz/corpus/<target>/, so
# each run replays it first.
set -u
secs=$1
shift
root=$(pwd)
out=$root/build-fuzz
status=0
mkdir -p "$out/logs"
printf '%-13s %9s %7s %6s  %s\n' target execs exec/s status result
for t in "$@"; do
	bin=$out/fuzz_$t
	case $t in
	experiment | profile) kind=json max=8192 ;;
	sweep) kind=json max=4096 ;;
	nn_model) kind=json max=4096 ;;
	agent | agents_file | wms) kind=json max=4096 ;;
	layergraph) kind=json max=8192 ;;
	plan) kind=json max=4096 ;;
	parallel) kind=json max=16384 ;;
	serving_fit) kind=csv max=8192 ;;
	wfformat) kind=json max=16384 ;;
	dax) kind=xml max=8192 ;;
	results | compare) kind=json max=16384 ;;
	e2c_eet) kind=csv max=2048 ;;
	trace | e2c_workload | fit | fit_machines | plot | gantt) kind=csv max=4096 ;;
	*) kind= ;;
	esac
	if [ -z "$kind" ] || [ ! -x "$bin" ]; then
		printf '%-13s %9s %7s %6s  %s\n' "$t" - - - "no such target"
		status=1
		continue
	fi
	work=$out/work/$t
	log=$out/logs/$t.log
	dict=$out/dict/$t.dict
	mkdir -p "$work" "$out/corpus/$t" "$out/artifacts/$t" "$out/dict"
	cat "$root/tests/fuzz/dict/$kind.dict" "$root/tests/fuzz/dict/$t.dict" >"$dict"
	# in its own directory, so that a stray relative path stays in
	# build-fuzz; stdin closed, so that no input can wait on it
	(cd "$work" && TMPDIR=$work \
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$max" -dict="$dict" -close_fd_mask=3 \
		-print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" \
		"$out/corpus/$t" "$root/tests/fuzz/corpus/$t") \
		</dev/null >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		result=ok
	else
		status=1
		what=$(grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz: |ALARM)' "$log")
		file=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
		result="${what:-exit status $rc} -> ${file:-no input saved} (log: ${log#$root/})"
	fi
	printf '%-13s %9s %7s %6s  %s\n' "$t" "${execs:--}" "${speed:--}" "$rc" "$result"
done
exit $status
