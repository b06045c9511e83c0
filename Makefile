# hetsim — one Makefile for the whole tree (see README.md; its "Map" is the
# layer rule of the source folders in MODULES, checked by make lint).
#   make                 build build/hetsim and build/libhetsim.a
#   make run             install missing packages, build, run the default experiment
#   make test            build and run the unit tests (Check)
#   make SANITIZE=address,undefined test   the same under ASan + UBSan
#   make DEBUG=1         -O0 -g3 build in build-debug/
#   make WERROR=1        warnings are errors (CI)
#   make bench           speed and memory benchmarks (not part of CI);
#                        BENCH_ARGS=huge: 10^8 tasks in constant memory
#   make bench-simgrid   hetsim vs SimGrid side by side (tests/bench/bench.mk)
#   make bench-nn        the NN engine vs PyTorch CPU (tests/bench/bench.mk)
#   make bench-net       the max-min network alone (tests/bench/bench.mk)
#   make deps            install the Debian packages hetsim needs
#   make lint            the layer rule (tests/layers.sh) and cppcheck
#   make install PREFIX=/usr/local   hetsim, its man page and the profiles
#   make format          clang-format the sources
#   make fuzz            libFuzzer targets of every input parser (tests/fuzz/),
#                        built by clang with ASan + UBSan in build-fuzz/, each
#                        run FUZZ_S seconds (default 20); fails on a crash, a
#                        leak or a hang (> 10 s); new inputs and crash files go
#                        to build-fuzz/. FUZZ_TARGETS="plot fit" picks some;
#                        make fuzz-plot runs one. See tests/fuzz/run.sh.

CC      ?= cc
PKGS    := gsl jansson zlib libdeflate libxml-2.0 libpng libevent libevent_openssl openssl
TESTPKG := check

CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -pthread -I. -MMD -MP
OPT := -O2 -g
BUILD := build

ifeq ($(DEBUG),1)
OPT   := -O0 -g3
BUILD := build-debug
endif
ifneq ($(SANITIZE),)
OPT   := -O1 -g -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
BUILD := build-san
LDSAN := -fsanitize=$(SANITIZE)
endif
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgsl -lgslcblas -ljansson -lz -ldeflate -lxml2 -lpng16 -levent_openssl -levent -lssl -lcrypto)
CHECK_LIBS := $(shell pkg-config --libs $(TESTPKG) 2>/dev/null || echo -lcheck -lsubunit -lrt)
ALL_CFLAGS := $(CFLAGS_BASE) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
# libcsv ships no pkg-config file; nor does Debian's oneDNN (libdnnl-dev,
# the NN engine's backend, real/nn/dnnl.c), which runs on OpenMP: -lgomp
# for omp_set_num_threads (real/nn/backend.h, "Threads"). -pthread: the
# gzip writer thread (sim/base/out.c).
NN_LIBS    := $(shell pkg-config --libs dnnl 2>/dev/null || echo -ldnnl) -lgomp
LDLIBS_ALL := $(PKG_LIBS) -lcsv $(NN_LIBS) -lm -pthread $(LDLIBS)

# Source folders (the layer rule and the map are in README.md).
MODULES  := sim/io sim/base profiles workloads policies sim real real/nn real/agent real/parallel sim/sweep sim/cli
LIB_SRC  := $(filter-out sim/cli/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
TEST_SRC := $(wildcard tests/*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/sim/cli/main.o

LIB   := $(BUILD)/libhetsim.a
BIN   := $(BUILD)/hetsim
TESTS := $(BUILD)/hetsim_tests

# Module fragments may define targets; they never become the default.
.DEFAULT_GOAL := all
-include $(foreach m,$(MODULES),$(wildcard $(m)/module.mk))
-include tests/bench/bench.mk

.PHONY: all run test check bench deps validate-workflows detector-repro parallel-repro parallel-realcheck serving-validate lint format clean profiles golden-update \
	install uninstall
all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(LDSAN) -o $@ $(MAIN_OBJ) $(LIB) $(LDLIBS_ALL)

$(TESTS): $(TEST_OBJ) $(LIB) $(BIN)
	$(CC) $(LDSAN) -o $@ $(TEST_OBJ) $(LIB) $(CHECK_LIBS) $(LDLIBS_ALL)

# The default experiment: every immediate policy on the assistive-ML mix.
# Both install missing packages first, then build in a fresh make (so that
# pkg-config sees what was just installed).
run:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) run experiments/assistive_ml.json

test:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(TESTS)
	HETSIM_BIN=./$(BIN) ./$(TESTS)

check: test

BENCH_BIN := $(BUILD)/bench_core
$(BENCH_BIN): $(BUILD)/tests/bench/bench_core.o $(LIB)
	$(CC) $(LDSAN) -o $@ $^ $(LDLIBS_ALL)
-include $(BUILD)/tests/bench/bench_core.d
bench:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	./$(BENCH_BIN) $(BENCH_ARGS)

deps:
	@sh tests/deps.sh

# experiments/workflows/VALIDATION.md and profiles/data/wms_*.json (issue 13)
validate-workflows: $(BIN)
	sh experiments/workflows/validate.sh ./$(BIN) $(SHARED)/data

# issue 19: the serving model fitted on runs 1-3 of heet_mixed_exp2 and
# replayed on the held-out runs 4-5 (experiments/serving/README.md); writes
# experiments/serving/VALIDATION.md (about 15 min on one core)
serving-validate: $(BIN)
	sh experiments/serving/validate.sh ./$(BIN) $(SHARED)/data/heet_mixed_exp2.csv.gz

# issue 16: seed 001's Gantt-chart anomaly CNN on a simulated data set,
# sim-to-real on the real runs (experiments/anomaly/README.md; the
# simulated data set needs issue 14's gantt-dataset: until then it stops
# saying so; DATA=DIR uses an existing data set)
detector-repro: $(BIN)
	sh experiments/anomaly/repro.sh ./$(BIN) $(SHARED)/data/anomaly_sample

# issue 17: seed 003's Table 4 and traffic findings, simulated
# (experiments/parallel/README.md; writes experiments/parallel/REPRO.md)
parallel-repro: $(BIN)
	sh experiments/parallel/repro.sh ./$(BIN)

# issue 17 item 5: the simulator's prediction vs real processes for the
# same plans (writes experiments/parallel/REALCHECK.md; ~4 min)
parallel-realcheck: $(BIN)
	sh experiments/parallel/realcheck.sh ./$(BIN)

# The layer rule (README.md, "Map"): tests/layers.sh checks the #include
# lines and that they form no cycle, and first that it catches both.
lint:
	sh tests/layers.sh --self-test
	sh tests/layers.sh .
	cppcheck --quiet --enable=warning,performance,portability --std=c11 \
		--suppress=missingIncludeSystem -I. $(foreach m,$(MODULES),$(wildcard $(m)/*.c))

format:
	clang-format -i $(foreach m,$(MODULES) tests tests/bench,$(wildcard $(m)/*.[ch]))

clean:
	rm -rf build build-debug build-san build-clang build-fuzz

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary, its man page
# and the shipped profiles (PREFIX/share/hetsim/profiles/); make uninstall.
PREFIX ?= /usr/local
BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man/man1
PROFDIR := $(DESTDIR)$(PREFIX)/share/hetsim/profiles
PROFILE_DATA := $(wildcard profiles/data/*)
install: $(BIN)
	install -d $(BINDIR) $(MANDIR) $(PROFDIR)
	install -m 755 $(BIN) $(BINDIR)/hetsim
	install -m 644 sim/cli/hetsim.1 $(MANDIR)/hetsim.1
	install -m 644 $(PROFILE_DATA) $(PROFDIR)/

uninstall:
	rm -f $(BINDIR)/hetsim $(MANDIR)/hetsim.1
	rm -f $(addprefix $(PROFDIR)/,$(notdir $(PROFILE_DATA)))
	-rmdir $(PROFDIR) $(DESTDIR)$(PREFIX)/share/hetsim 2>/dev/null

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)

# Rebuild the shipped profiles and FITS.md from the measured data.
SHARED ?= ../shared
profiles:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BIN)
	sh profiles/build_profiles.sh ./$(BIN) $(SHARED)/data

# Rewrite the pinned golden outputs after a deliberate change of results.
golden-update: $(BIN)
	rm -rf tests/golden/expected
	./$(BIN) run tests/golden/mixed.json --out tests/golden/expected/mixed --quiet
	./$(BIN) run tests/golden/batch.json --out tests/golden/expected/batch --quiet

# ---- fuzzing ----------------------------------------------------------
# One libFuzzer binary per parser, build-fuzz/fuzz_<name> from
# tests/fuzz/fuzz_<name>.c and the shared tests/fuzz/fuzz.c, linked against
# a copy of the library built for it (coverage and sanitizers: its own
# objects, so the other builds are untouched). Without MPI: no target
# forks or runs mpirun.
FUZZ_CC      ?= clang
FUZZ_S       ?= 20
FUZZ_BUILD   := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := $(CFLAGS_BASE) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link $(PKG_CFLAGS) $(CFLAGS)
FUZZ_ALL     := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB     := $(FUZZ_BUILD)/libhetsim.a
FUZZ_HELPER  := $(FUZZ_BUILD)/tests/fuzz/fuzz.o
FUZZ_OBJ     := $(FUZZ_ALL:%=$(FUZZ_BUILD)/tests/fuzz/fuzz_%.o)
FUZZ_BINS    := $(FUZZ_ALL:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build
.SECONDARY: $(FUZZ_OBJ) $(FUZZ_HELPER)
$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_HELPER) $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -lcsv $(NN_LIBS) -lm -pthread $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_S) $(FUZZ_TARGETS)

fuzz-%:
	@$(MAKE) --no-print-directory fuzz FUZZ_TARGETS=$*

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(FUZZ_HELPER:.o=.d)
