#!/bin/sh
# Install the Debian packages hetsim needs, if any is missing (make deps).
set -e
# ffmpeg: the transcoding driver and its tests (real/); OpenMPI: hetsim
# sweep --mpi and its test (optional at build time: hetsim builds without);
# libcsv-dev: the RFC 4180 CSV reader behind every CSV input; libdeflate-dev:
# the gzip compression of streamed outputs (tasks.csv.gz); clang and
# libclang-rt-14-dev: make fuzz (libFuzzer) and the clang sanitizer run;
# libdnnl-dev: oneDNN 2.6, the NN engine's backend (real/nn/).
# libxml2-dev: the Pegasus DAX reader (workloads/dax.c). libpng-dev: the
# PNG rasters of Gantt charts (sim/gantt.c).
# libevent-dev, libssl-dev: hetsim agent and coordinator (real/agent/:
# evhttp, OpenSSL bufferevents for TLS).
pkgs="build-essential pkg-config libgsl-dev libjansson-dev zlib1g-dev libdeflate-dev libcsv-dev libxml2-dev libpng-dev check
libsubunit-dev ffmpeg openmpi-bin libopenmpi-dev clang libclang-rt-14-dev libdnnl-dev libevent-dev libssl-dev"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "hetsim: installing missing packages:$missing"
if [ "$(id -u)" = 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
elif command -v sudo >/dev/null 2>&1; then
	sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
	echo "hetsim: run as root: apt-get install -y$missing" >&2
	exit 1
fi
