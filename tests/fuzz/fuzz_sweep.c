/* tests/fuzz/fuzz_sweep.c — a sweep file of `hetsim sweep` (sim/sweep/sweep.c)
 * over a small base experiment (base.json, a trace): open (which loads its
 * first and last case), --list, then resume into a fresh results file and
 * run case 0 in process (no workers are forked). Designs of more than 1000
 * cases are not listed, and a case is run only when every number among
 * the parameters is at most 1000 in size: a valid sweep may be slow. */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include <jansson.h>
#include "sim/cli/cli.h"
#include "sim/sweep/sweep.h"
#include "tests/fuzz/fuzz.h"

static int small_numbers(const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;
	if (json_is_number(v))
		return fabs(json_number_value(v)) <= 1000;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item) {
			if (!small_numbers(item))
				return 0;
		}
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (!small_numbers(item))
				return 0;
		}
	}
	return 1;
}

static void run_case0(const sim_sweep *sw, const char *results)
{
	io_err err = {0};
	unsigned char *done = calloc(sim_sweep_n_cases(sw), 1);
	size_t n_done = 0, len = 0;
	int lock = -1;
	char *text = NULL;
	if (!done)
		fz_fail("out of memory");
	int rc = sim_sweep_resume(sw, done, &n_done, &lock, &err);
	if (!rc)
		rc = sim_sweep_case_text(sw, 0, &text, &len, &err);
	if (!rc) {
		int fd = open(results, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0)
			fz_fail("cannot open %s", results);
		rc = sim_sweep_append(results, fd, text, len, &err);
		close(fd);
	}
	sim_sweep_unlock(results, lock);
	if (rc)
		fz_error(rc, &err, "sweep case 0");
	free(text);
	free(done);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_reset();
	fz_write_base();
	const char *path = fz_write("sweep.json", data, size);
	const char *results = fz_path("out/results.jsonl");
	sim_sweep *sw = NULL;
	io_err err = {0};
	int rc = sim_sweep_open(&sw, path, results, SIM_SWEEP_NEED_RESULTS, &err);
	if (rc) {
		fz_error(rc, &err, "sim_sweep_open");
	} else if (sim_sweep_n_cases(sw) <= 1000) {
		const char *args[] = {path, "--list", NULL};
		fz_cmd(sim_cmd_sweep, args);
		json_t *root = json_loadb((const char *)data, size, 0, NULL);
		if (small_numbers(json_object_get(root, "parameters")))
			run_case0(sw, results);
		json_decref(root);
	}
	sim_sweep_close(sw);
	return 0;
}
