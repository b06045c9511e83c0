/* tests/fuzz/fuzz.c — helpers shared by the libFuzzer targets (see
 * fuzz.h and the fuzz section of the Makefile). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sanitizer/common_interface_defs.h>
#include "sim/engine.h"
#include "sim/exp_model.h"
#include "sim/sim.h"
#include "tests/fuzz/fuzz.h"

static char scratch[512];
static int real_err = -1, devnull = -1, verbose;

const char fz_profile_json[] =
	"{\"machine_types\": [{\"name\": \"a\", \"slots\": 2, \"price_usd_h\": 0.1,\n"
	"   \"power_w\": {\"idle\": 1, \"busy\": 5}}, {\"name\": \"b\"}],\n"
	"  \"task_types\": [{\"name\": \"x\"}, {\"name\": \"y\"}],\n"
	"  \"exec\": [{\"task\": \"x\", \"machine\": \"a\", \"model\": \"gamma\", \"shape\": 2, \"scale\": 0.5},\n"
	"   {\"task\": \"x\", \"machine\": \"b\", \"model\": \"empirical\", \"samples\": [0.1, 0.5, 0.2]},\n"
	"   {\"task\": \"y\", \"machine\": \"a\", \"model\": \"constant\", \"value\": 0.3},\n"
	"   {\"task\": \"y\", \"machine\": \"b\", \"model\": \"normal\", \"mean\": 1, \"sd\": 0.3}]}";

/* Before libFuzzer's main: keep the real standard error and send
 * sanitizer reports there, so that silencing a command does not silence a
 * finding. (-close_fd_mask, given by make fuzz, then sends them to its own
 * copy of the same file.) */
__attribute__((constructor)) static void fz_init(void)
{
	real_err = dup(2);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (real_err < 0 || devnull < 0) {
		perror("fuzz: init");
		abort();
	}
	__sanitizer_set_report_fd((void *)(intptr_t)real_err);
	const char *v = getenv("FUZZ_VERBOSE");
	verbose = v && *v && strcmp(v, "0") != 0;
}

void fz_note(const char *what, const char *msg)
{
	if (verbose)
		dprintf(real_err, "fuzz: %s: %s\n", what, msg);
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dprintf(real_err, "fuzz: ");
	vdprintf(real_err, fmt, ap);
	dprintf(real_err, "\n");
	va_end(ap);
	abort();
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0 && remove(path) != 0)
		fz_fail("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

static void remove_scratch(void)
{
	if (scratch[0]) {
		nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		rmdir(scratch);
	}
}

const char *fz_dir(void)
{
	if (!scratch[0]) {
		const char *tmp = getenv("TMPDIR");
		char *abs = realpath(tmp && *tmp ? tmp : "/tmp", NULL);
		if (!abs)
			fz_fail("no temporary directory: %s", strerror(errno));
		snprintf(scratch, sizeof scratch, "%s/hetsim-fuzz-XXXXXX", abs);
		free(abs);
		if (!mkdtemp(scratch))
			fz_fail("mkdtemp %s: %s", scratch, strerror(errno));
		atexit(remove_scratch);
	}
	return scratch;
}

void fz_reset(void)
{
	nftw(fz_dir(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_path(const char *name)
{
	static char paths[16][640];
	static unsigned next;
	char *p = paths[next++ % 16];
	snprintf(p, sizeof paths[0], "%s/%s", fz_dir(), name);
	return p;
}

const char *fz_write(const char *name, const void *data, size_t size)
{
	const char *path = fz_path(name);
	char dir[640];
	snprintf(dir, sizeof dir, "%s", path);
	for (char *s = dir + strlen(fz_dir()) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			fz_fail("mkdir %s: %s", dir, strerror(errno));
		*s = '/';
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		fz_fail("cannot write %s", path);
	return path;
}

const char *fz_write_text(const char *name, const char *text)
{
	return fz_write(name, text, strlen(text));
}

unsigned fz_variant(const uint8_t **data, size_t *size, unsigned n)
{
	const uint8_t *d = *data;
	if (*size < 3 || d[0] != '#' || d[1] < '0' || d[1] > '9' || d[2] != '\n')
		return 0;
	*data += 3;
	*size -= 3;
	return (unsigned)(d[1] - '0') % n;
}

size_t fz_split(const uint8_t *data, size_t size, fz_part *parts, size_t max)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; n + 1 < max && i + 2 <= size; i++) {
		/* a line "%%": at the start, or after a newline */
		if ((i == 0 || data[i - 1] == '\n') && data[i] == '%' &&
		    data[i + 1] == '%' && (i + 2 == size || data[i + 2] == '\n')) {
			parts[n++] = (fz_part){data + start, i - start};
			start = i + 3 <= size ? i + 3 : size;
			i = start - 1;
		}
	}
	parts[n++] = (fz_part){data + start, size - start};
	return n;
}

int fz_cmd(int (*cmd)(int, char **), const char *const *args)
{
	/* writable copies, as main's argv: commands split values in place */
	char *argv[64];
	int argc = 0;
	while (args[argc]) {
		if (argc == 63)
			fz_fail("too many arguments");
		if (!(argv[argc] = strdup(args[argc])))
			fz_fail("out of memory");
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	int keep_out = dup(1), keep_err = dup(2);
	if (keep_out < 0 || keep_err < 0)
		fz_fail("dup: %s", strerror(errno));
	if (!verbose) {
		dup2(devnull, 1);
		dup2(devnull, 2);
	}
	int rc = cmd(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(keep_out, 1);
	dup2(keep_err, 2);
	close(keep_out);
	close(keep_err);
	if (verbose)
		dprintf(real_err, "fuzz: %s ...: status %d\n", args[0], rc);
	for (int k = 0; k < argc; k++)
		free(argv[k]);
	if (rc < 0 || rc > 2)
		fz_fail("%s ...: exit status %d (expected 0, 1 or 2)", args[0], rc);
	return rc;
}

void fz_error(int rc, const io_err *err, const char *what)
{
	if (rc >= 0 || !err->msg[0])
		fz_fail("%s: status %d with message \"%s\"", what, rc, err->msg);
	fz_note(what, err->msg);
}

const char *fz_write_experiment(const char *name, const char *profile,
				const char *machines, const char *workload,
				const char *rest)
{
	size_t cap = strlen(profile) + strlen(machines) + strlen(workload) +
		     strlen(rest) + 128;
	char *text = malloc(cap);
	if (!text)
		fz_fail("out of memory");
	snprintf(text, cap,
		 "{\"profile\": %s,\n \"machines\": %s,\n \"workload\": %s,\n"
		 " \"seed\": 5%s%s}\n",
		 profile, machines, workload, *rest ? ",\n " : "", rest);
	const char *path = fz_write_text(name, text);
	free(text);
	return path;
}

const char *fz_write_base(void)
{
	fz_write_text("trace.csv", "arrival_s,task_type,deadline_s\n0,x,2\n0.1,y,\n"
				   "0.5,x,1.5\n0.5,y,3\n1,x,\n");
	return fz_write_experiment(
		"base.json", fz_profile_json,
		"[{\"type\": \"a\", \"count\": 2}, {\"type\": \"b\"}]",
		"{\"arrival\": \"trace\", \"file\": \"trace.csv\"}",
		"\"policies\": [\"mct\", \"fcfs\"]");
}

void fz_experiment(const char *path)
{
	io_err err = {0};
	sim_experiment *x = NULL;
	int rc = sim_experiment_load(&x, path, &err);
	if (rc) {
		fz_error(rc, &err, "sim_experiment_load");
		return;
	}
	/* a valid but slow experiment is no finding: load it only */
	if (x->n_machines <= 64 && x->replications <= 3 && x->n_policies <= 8) {
		sim_run_opts o = SIM_RUN_OPTS_DEFAULT;
		o.out_dir = fz_path("out");
		o.quiet = 1;
		/* traces too replay only their first tasks; pruning with a fine
		 * step costs a convolution grid per probe: fewer tasks then */
		o.tasks = x->prune_threshold > 0 ? FZ_TASKS / 4 : FZ_TASKS;
		o.tasks_csv = 1;
		rc = sim_run_experiment(x, &o, NULL, NULL, &err);
		if (rc)
			fz_error(rc, &err, "sim_run_experiment");
	}
	sim_experiment_free(x);
}
