# real/agent/module.mk — included by the top Makefile.
#   make soak-agent      a longer run than the unit tests (real/agent/soak.sh):
#                        3 loopback agents take SOAK_REQUESTS (default 2000)
#                        malformed, oversized, unauthorised and truncated
#                        requests mixed with good ones, must stay up and
#                        answer, then the coordinator runs the loopback
#                        experiment's SOAK_TASKS (default 300) tasks on them;
#                        the agents must stop cleanly (exit 0: under
#                        SANITIZE=address,undefined that includes no leak).
#   make soak-agent SANITIZE=address,undefined
real_agent_saved_goal := $(.DEFAULT_GOAL)
SOAK_REQUESTS ?= 2000
SOAK_TASKS ?= 300
.PHONY: soak-agent
soak-agent:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BIN)
	sh real/agent/soak.sh ./$(BIN) $(SOAK_REQUESTS) $(SOAK_TASKS)
.DEFAULT_GOAL := $(real_agent_saved_goal)
