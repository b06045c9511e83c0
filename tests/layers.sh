#!/bin/sh
# tests/layers.sh — the layer rule of hetsim's sources (README.md, "Map"),
# checked over their #include "..." lines; `make lint` runs it.
#
#   sh tests/layers.sh [ROOT]      check the tree at ROOT (default .)
#   sh tests/layers.sh --self-test check that a tree with an upward include,
#                                  and one with an include cycle, fail
#
# Layers, lowest first; a file may include files of its own layer or lower,
# never higher (the longest folder prefix decides a file's layer):
#   0 sim/io      located errors, JSON documents, line and CSV readers (io_)
#   1 sim/base    RNG streams, atomic output files, SVG drawing, CSV charts
#   2 profiles    machine types, execution-time models, fitting, tests
#   3 workloads   task sources;  policies  the policy contract and policies
#   4 sim         the kernel: engine, heap, stats, network, experiments, DAGs
#   5 real        ffmpeg driver, segments, merge fit, transcoding calibration
#   5 real/nn     the NN engine: models, layers, ref and oneDNN backends
#   5 real/agent  hetsim agent (libevent HTTP server) and hetsim coordinator
#   5 real/parallel data and model parallel inference as real processes
#   6 sim/sweep   sweeps: local workers, MPI, Slurm, summaries
#   7 sim/cli     the hetsim command line: main.c and one file per command
# And no include cycle between files: a.c and a.h are one unit "a"; unit a
# depends on unit b when a.c or a.h includes b.h; these dependencies must
# form no loop (tsort finds one).
# Exit status 0 clean, 1 a violation (each on stderr as "layers: file:
# what"), 2 usage.

LAYERS='sim/io 0
sim/base 1
profiles 2
workloads 3
policies 3
sim 4
real 5
real/nn 5
real/agent 5
real/parallel 5
sim/sweep 6
sim/cli 7'

check() {
	root=$1
	files=$(cd "$root" && for d in $(echo "$LAYERS" | cut -d' ' -f1); do
		ls "$d"/*.c "$d"/*.h 2>/dev/null
	done | sort -u)
	[ -n "$files" ] || { echo "layers: no sources under $root" >&2; return 2; }
	edges=$(mktemp) || return 2
	# file TAB included path, for every #include "..." of the listed files
	(cd "$root" && awk '
		/^[ \t]*#[ \t]*include[ \t]*"/ {
			s = $0; sub(/^[^"]*"/, "", s); sub(/".*$/, "", s)
			printf "%s\t%s\n", FILENAME, s
		}' $files) >"$edges"
	bad=$(echo "$LAYERS" | awk -v root="$root" '
		FILENAME == "-" { layer[$1] = $2; next }
		function layer_of(path,   best, d, n) {
			best = -1; n = -1
			for (d in layer)
				if (index(path, d "/") == 1 && length(d) > n &&
				    index(substr(path, length(d) + 2), "/") == 0) {
					n = length(d); best = layer[d]
				}
			return best
		}
		{
			split($0, f, "\t")
			from = layer_of(f[1]); to = layer_of(f[2])
			if (to > from)
				printf "%s: includes \"%s\" (layer %d above its own %d)\n",
					f[1], f[2], to, from
		}' - "$edges")
	# units: strip .c/.h; a unit including itself is no edge
	loop=$(awk -F'\t' '{
			a = $1; b = $2; sub(/\.[ch]$/, "", a); sub(/\.[ch]$/, "", b)
			if (a != b) print b, a
		}' "$edges" | tsort 2>&1 >/dev/null)
	rm -f "$edges"
	rc=0
	if [ -n "$bad" ]; then
		echo "$bad" | sed 's/^/layers: /' >&2
		rc=1
	fi
	if [ -n "$loop" ]; then
		{
			echo "layers: include cycle between units:"
			echo "$loop" | sed -n 's/^tsort: //p' |
				grep -v 'input contains a loop' | sed 's/^/  /'
		} >&2
		rc=1
	fi
	return $rc
}

self_test() {
	tmp=$(mktemp -d) || exit 2
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/sim/io" "$tmp/sim/cli" "$tmp/profiles"
	printf '#include "sim/io/io.h"\n' >"$tmp/profiles/p.h"
	printf '#include "profiles/p.h"\n' >"$tmp/sim/cli/main.c"
	: >"$tmp/sim/io/io.h"
	check "$tmp" 2>/dev/null || { echo "layers: self-test: a clean tree fails" >&2; exit 1; }
	printf '#include "sim/cli/cli.h"\n' >"$tmp/sim/io/io.c"
	: >"$tmp/sim/cli/cli.h"
	if check "$tmp" 2>/dev/null; then
		echo "layers: self-test: an upward include passes" >&2
		exit 1
	fi
	rm "$tmp/sim/io/io.c"
	printf '#include "profiles/b.h"\n' >"$tmp/profiles/a.c"
	printf '#include "profiles/a.h"\n' >"$tmp/profiles/b.c"
	: >"$tmp/profiles/a.h"
	: >"$tmp/profiles/b.h"
	if check "$tmp" 2>/dev/null; then
		echo "layers: self-test: an include cycle passes" >&2
		exit 1
	fi
	echo "layers: self-test ok"
}

case $1 in
--self-test) self_test ;;
-*) echo "usage: sh tests/layers.sh [ROOT] | --self-test" >&2; exit 2 ;;
*) check "${1:-.}" ;;
esac
