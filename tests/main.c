/* tests/main.c — runs every suite (each test in its own process: Check's
 * fork mode) and ends with the line CI reads: "unit: N passed, M failed". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/tests.h"

const char *test_bin(void)
{
	const char *b = getenv("HETSIM_BIN");
	return b && *b ? b : "build/hetsim";
}

const char *test_tmpdir(void)
{
	static char dir[256];
	if (!dir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/hetsim-test-%ld",
			 base && *base ? base : "/tmp", (long)getpid());
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			perror(dir);
			exit(1);
		}
	}
	return dir;
}

const char *test_write(const char *name, const char *text)
{
	static char paths[16][512];
	static int next;
	char *p = paths[next++ % 16];
	snprintf(p, 512, "%s/%s", test_tmpdir(), name);
	FILE *f = fopen(p, "w");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
	return p;
}

char *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, got;
	char *b = malloc(cap);
	while (b && (got = fread(b + n, 1, cap - 1 - n, f)) > 0) {
		n += got;
		if (n == cap - 1) {
			char *bigger = realloc(b, cap * 2);
			if (!bigger)
				free(b);
			b = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	if (!b)
		return NULL;
	b[n] = 0;
	if (len)
		*len = n;
	return b;
}

int test_run(const char *cmd, char *errbuf, size_t cap)
{
	char errpath[600], full[4096];
	snprintf(errpath, sizeof errpath, "%s/stderr.%ld", test_tmpdir(),
		 (long)getpid());
	snprintf(full, sizeof full, "%s >/dev/null 2>%s", cmd, errpath);
	int st = system(full);
	if (errbuf && cap) {
		errbuf[0] = 0;
		FILE *f = fopen(errpath, "r");
		if (f) {
			size_t n = fread(errbuf, 1, cap - 1, f);
			errbuf[n] = 0;
			fclose(f);
		}
	}
	unlink(errpath);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	Suite *(*const suites[])(void) = {
		suite_io,   suite_profiles, suite_workloads,
		suite_core, suite_heap, suite_policies, suite_cli,
		suite_fuzz, suite_fit,      suite_gof,
		suite_ci,   suite_batch,    suite_prune,
		suite_sweep, suite_cluster, suite_e2c,
		suite_merge, suite_merge_model, suite_real,    suite_dag,
		suite_out,
		suite_scale,
		suite_replay,
		suite_nn,
		suite_zoo,
		suite_layers,
		suite_parallel_real,
		suite_workflows,
		suite_wms_fit,
		suite_gantt,
		suite_anomaly,
		suite_net,
		suite_workflow_run,
		suite_agent,
		suite_detector,
		suite_parallel,
		suite_serving,
	};
	test_tmpdir(); /* fix the scratch dir before Check forks each test */
	SRunner *sr = srunner_create(NULL);
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int run = srunner_ntests_run(sr);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_tmpdir());
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", test_tmpdir());
	printf("unit: %d passed, %d failed\n", run - failed, failed);
	return failed ? 1 : 0;
}
