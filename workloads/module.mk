# workloads/module.mk — included by the top Makefile.
#   make bench-dag        the DAG-with-transfers benchmark (tests/bench/bench_dag.c)
#   make bench-dag BENCH_DAG_ARGS=quick    10x fewer jobs
# The rules below must not become the default goal: remember it and put it
# back (an empty value lets the Makefile's own first target, `all`, win).
wl_saved_goal := $(.DEFAULT_GOAL)

BENCH_DAG_BIN := $(BUILD)/bench_dag
BENCH_DAG_OBJ := $(BUILD)/tests/bench/bench_dag.o

$(BENCH_DAG_BIN): $(BENCH_DAG_OBJ) $(LIB)
	$(CC) $(LDSAN) -o $@ $(BENCH_DAG_OBJ) $(LIB) $(LDLIBS_ALL)

.PHONY: bench-dag
bench-dag:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BENCH_DAG_BIN)
	./$(BENCH_DAG_BIN) $(BENCH_DAG_ARGS)

-include $(BENCH_DAG_OBJ:.o=.d)

.DEFAULT_GOAL := $(wl_saved_goal)
