# tests/bench/bench.mk — benchmark targets beyond `make bench` (included by
# the top Makefile after the modules' module.mk files).
#
#   make bench-simgrid   hetsim vs SimGrid 3.32 (libsimgrid-dev) on the same
#                        master-worker scenario, side by side, SimGrid in its
#                        mailbox and its semaphore hand-off; prints the ratio
#                        to SimGrid's faster mode and a PASS/FAIL VERDICT
#                        line against >= 15x (bench_simgrid.c). About 4 min.
#   make bench-simgrid BENCH_ARGS=quick   10x fewer tasks
# SimGrid is a benchmark-only dependency: CI does not install it and nothing
# else links it; bench-simgrid-deps says how to install it when missing.

SIMGRID_BIN  := $(BUILD)/bench_simgrid
SIMGRID_OBJ  := $(BUILD)/tests/bench/bench_simgrid.o
SIMGRID_LIBS  = $(shell pkg-config --libs simgrid 2>/dev/null)

.PHONY: bench-simgrid bench-simgrid-deps

bench-simgrid-deps:
	@pkg-config --exists simgrid || { \
		echo "bench-simgrid: SimGrid (pkg-config simgrid) is missing; install it with:" >&2; \
		echo "    apt-get install -y libsimgrid-dev" >&2; \
		exit 1; }

# SimGrid is C++ inside, but libsimgrid.so brings its own C++ runtime
# (DT_NEEDED), so the C compiler links it.
$(SIMGRID_BIN): $(SIMGRID_OBJ) $(LIB)
	$(CC) $(LDSAN) -o $@ $(SIMGRID_OBJ) $(LIB) $(SIMGRID_LIBS) $(LDLIBS_ALL)

bench-simgrid: bench-simgrid-deps
	@$(MAKE) --no-print-directory $(SIMGRID_BIN)
	./$(SIMGRID_BIN) $(BENCH_ARGS)

-include $(SIMGRID_OBJ:.o=.d)

# ---- make bench-out: the streamed gzip writer (tests/bench/bench_out.c) --
#   make bench-out       rows/s through sim_gzout against zlib level 1 on
#                        the calling thread; BENCH_ARGS=quick: 10x fewer rows

BENCH_OUT_BIN := $(BUILD)/bench_out
BENCH_OUT_OBJ := $(BUILD)/tests/bench/bench_out.o

$(BENCH_OUT_BIN): $(BENCH_OUT_OBJ) $(LIB)
	$(CC) $(LDSAN) -o $@ $(BENCH_OUT_OBJ) $(LIB) $(LDLIBS_ALL)

.PHONY: bench-out
bench-out:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BENCH_OUT_BIN)
	./$(BENCH_OUT_BIN) $(BENCH_ARGS)

-include $(BENCH_OUT_OBJ:.o=.d)
# ---- make bench-types: cost of many task types (bench_types.c) -----------
#   make bench-types                   10^3, 10^4, 10^5 task types
#   make bench-types BENCH_ARGS=quick  up to 10^4
TYPES_BIN := $(BUILD)/bench_types
TYPES_OBJ := $(BUILD)/tests/bench/bench_types.o

.PHONY: bench-types
$(TYPES_BIN): $(TYPES_OBJ) $(LIB)
	$(CC) $(LDSAN) -o $@ $(TYPES_OBJ) $(LIB) $(LDLIBS_ALL)

bench-types:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(TYPES_BIN)
	./$(TYPES_BIN) $(BENCH_ARGS)

-include $(TYPES_OBJ:.o=.d)
# ---- make bench-nn: the NN engine vs PyTorch CPU (bench_nn.c) -------------
#   make bench-nn                   ResNet-50 inference at batch 1 and 16 and
#                                   a Gantt CNN training step at batch 8, at
#                                   1 and 2 threads, ours and PyTorch's side
#                                   by side: ratio, GFLOP/s vs the measured
#                                   peak, PASS/FAIL against <= 1.3x PyTorch
#   make bench-nn BENCH_ARGS=quick  3 timed runs instead of 7
#   make bench-nn NN_PYTHON=...     the Python that has torch (default: the
#                                   system's /usr/bin/python3, where Debian's
#                                   python3-torch lives, ahead of a pyenv one)
# PyTorch (Debian python3-torch) is a benchmark-only dependency: CI does not
# install it; bench-nn-deps says how to install it when missing.
NN_PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,python3)
BENCH_NN_BIN := $(BUILD)/bench_nn
BENCH_NN_OBJ := $(BUILD)/tests/bench/bench_nn.o

.PHONY: bench-nn bench-nn-deps
bench-nn-deps:
	@$(NN_PYTHON) -c 'import torch' 2>/dev/null || { \
		echo "bench-nn: PyTorch ($(NN_PYTHON) -c 'import torch') is missing; install it with:" >&2; \
		echo "    apt-get install -y python3-torch" >&2; \
		exit 1; }

$(BENCH_NN_BIN): $(BENCH_NN_OBJ) $(LIB)
	$(CC) $(LDSAN) -o $@ $(BENCH_NN_OBJ) $(LIB) $(LDLIBS_ALL)

bench-nn: bench-nn-deps
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BENCH_NN_BIN)
	PYTHON=$(NN_PYTHON) ./$(BENCH_NN_BIN) $(BENCH_ARGS)

-include $(BENCH_NN_OBJ:.o=.d)
# ---- make bench-net: the max-min network alone (bench_net.c) --------------
#   make bench-net                   five flow patterns (one cluster, many
#                                    small components, one large, a big
#                                    engine heap, packet loss): ns/transfer
#                                    and a digest of every end time
#   make bench-net BENCH_ARGS=quick  10x fewer transfers
# Instructions of one case: valgrind --tool=callgrind
#   --toggle-collect=run_case build/bench_net CASE
BENCH_NET_BIN := $(BUILD)/bench_net
BENCH_NET_OBJ := $(BUILD)/tests/bench/bench_net.o

.PHONY: bench-net
$(BENCH_NET_BIN): $(BENCH_NET_OBJ) $(LIB)
	$(CC) $(LDSAN) -o $@ $(BENCH_NET_OBJ) $(LIB) $(LDLIBS_ALL)

bench-net:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BENCH_NET_BIN)
	./$(BENCH_NET_BIN) $(BENCH_ARGS)

-include $(BENCH_NET_OBJ:.o=.d)
