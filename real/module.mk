# real/module.mk — included by the top Makefile.
#   make calibrate-transcode   measure ffmpeg transcoding and task merging on
#                              this machine (hetsim calibrate transcode, see
#                              real/calibrate.c) into out/calibrate-transcode/:
#                              samples.csv, profile.json (with the fitted merge
#                              model), merge.md, saving_{vic,codec}.svg.
#   make calibrate-transcode CALIBRATE_ARGS="--segments 8 --repeats 3"
# Needs the ffmpeg binary with libx264, libx265, libvpx-vp9 and mpeg4
# (Debian: apt-get install ffmpeg); $HETSIM_FFMPEG names another one.
# The rules below must not become the default goal: remember it and put it
# back (an empty value lets the Makefile's own first target, `all`, win).
real_saved_goal := $(.DEFAULT_GOAL)

CALIBRATE_OUT  ?= out/calibrate-transcode
CALIBRATE_ARGS ?=

.PHONY: calibrate-transcode
calibrate-transcode:
	@ff="$${HETSIM_FFMPEG:-ffmpeg}"; command -v "$$ff" >/dev/null 2>&1 || { \
		echo "calibrate-transcode: $$ff not found; install it with:" >&2; \
		echo "    apt-get install -y ffmpeg" >&2; \
		exit 1; }
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) calibrate transcode --out $(CALIBRATE_OUT) $(CALIBRATE_ARGS)

.DEFAULT_GOAL := $(real_saved_goal)
