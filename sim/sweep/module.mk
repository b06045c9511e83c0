# sim/sweep/module.mk — optional Open MPI for `hetsim sweep --mpi` (sim/sweep/mpi.c).
#   make          with MPI where pkg-config finds ompi-c (libopenmpi-dev)
#   make MPI=0    without it; `hetsim sweep --mpi` then says so (status 2)
#   make MPI=1    insist on it
# The top Makefile includes this after ALL_CFLAGS and LDLIBS_ALL are set
# (simply expanded): the MPI flags go to sweep/mpi.o alone, as a
# target-specific addition, and the MPI libraries are appended to the
# libraries of every link (hetsim, the tests, the benchmarks).
# Sanitized builds have MPI too: Open MPI's own allocations trip
# LeakSanitizer at exit, so tests/test_cluster.c runs mpirun with
# ASAN_OPTIONS=detect_leaks=0.

ifeq ($(origin MPI),undefined)
MPI := $(shell pkg-config --exists ompi-c 2>/dev/null && echo 1 || echo 0)
endif

SWEEP_MPI_OBJ := $(BUILD)/sim/sweep/mpi.o

ifeq ($(MPI),1)
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null)
ifeq ($(MPI_LIBS),)
$(error MPI=1 but pkg-config finds no ompi-c: install libopenmpi-dev, or make MPI=0)
endif
$(SWEEP_MPI_OBJ): ALL_CFLAGS += -DHETSIM_MPI $(MPI_CFLAGS)
LDLIBS_ALL += $(MPI_LIBS)
endif

# Switching MPI on or off rebuilds sweep/mpi.o: it depends on a stamp
# named after the setting, and a new setting's stamp is newer.
SWEEP_MPI_STAMP := $(BUILD)/sim/sweep/.mpi-$(MPI)
$(SWEEP_MPI_OBJ): $(SWEEP_MPI_STAMP)
$(SWEEP_MPI_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(BUILD)/sim/sweep/.mpi-*
	@touch $@
