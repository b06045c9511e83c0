/* tests/tests.h — one Check suite per module; tests/main.c runs them all. */
#ifndef HETSIM_TESTS_H
#define HETSIM_TESTS_H
#include <check.h>
#include <stdint.h>

Suite *suite_io(void);
Suite *suite_profiles(void);
Suite *suite_workloads(void);
Suite *suite_core(void);
Suite *suite_heap(void);
Suite *suite_policies(void);
Suite *suite_batch(void);
Suite *suite_cli(void);
Suite *suite_fuzz(void);
Suite *suite_fit(void);
Suite *suite_gof(void);
Suite *suite_ci(void);
Suite *suite_prune(void);
Suite *suite_sweep(void);
Suite *suite_cluster(void);
Suite *suite_e2c(void);
Suite *suite_merge(void);
Suite *suite_merge_model(void);
Suite *suite_real(void);
Suite *suite_dag(void);
Suite *suite_net(void);
Suite *suite_workflows(void);
Suite *suite_workflow_run(void);
Suite *suite_out(void);
Suite *suite_scale(void);
Suite *suite_replay(void);
Suite *suite_nn(void);
Suite *suite_zoo(void);
Suite *suite_wms_fit(void);
Suite *suite_gantt(void);
Suite *suite_agent(void);
Suite *suite_detector(void);
Suite *suite_anomaly(void);
Suite *suite_layers(void);
Suite *suite_parallel(void);
Suite *suite_parallel_real(void);
Suite *suite_serving(void);

/* Wall-time limits in tests are set for optimised builds; under AddressSanitizer
 * code runs several times slower (and CI shares its cores), so speed tests
 * multiply their limits by this. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_SLOWDOWN 10.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_SLOWDOWN 10.0
#endif
#endif
#ifndef TEST_SLOWDOWN
#define TEST_SLOWDOWN 1.0
#endif
/* Sanitizer builds leave out the few tests that judge real timing of other
 * programs (ffmpeg CPU times, mpirun tearing down a killed rank): they test
 * no memory safety of hetsim's own code, and the plain run keeps them. */
#define TEST_SANITIZED (TEST_SLOWDOWN > 1.0)

/* Checks for loops. Check records every assertion that passes (a message
 * through its pipe, read back by the runner), and the loops that check 10^4
 * to 10^5 values were the slowest part of the sanitized runs (2.5 M such
 * messages per run). These call Check only when the check fails, with the
 * failing expression and values; each argument is evaluated once. */
#define tck_assert(C)                                                          \
	do {                                                                   \
		if (!(C))                                                      \
			ck_abort_msg("Assertion '%s' failed", #C);             \
	} while (0)
#define tck_assert_msg(C, ...)                                                 \
	do {                                                                   \
		if (!(C))                                                      \
			ck_abort_msg(__VA_ARGS__);                             \
	} while (0)
#define tck_cmp_(T, F, X, OP, Y)                                               \
	do {                                                                   \
		T tck_x_ = (X);                                                \
		T tck_y_ = (Y);                                                \
		if (!(tck_x_ OP tck_y_))                                       \
			ck_abort_msg("Assertion '%s %s %s' failed: %s == " F   \
				     ", %s == " F, #X, #OP, #Y, #X, tck_x_,    \
				     #Y, tck_y_);                              \
	} while (0)
#define tck_int_eq(X, Y) tck_cmp_(intmax_t, "%jd", X, ==, Y)
#define tck_int_ge(X, Y) tck_cmp_(intmax_t, "%jd", X, >=, Y)
#define tck_uint_eq(X, Y) tck_cmp_(uintmax_t, "%ju", X, ==, Y)
#define tck_uint_lt(X, Y) tck_cmp_(uintmax_t, "%ju", X, <, Y)
#define tck_uint_le(X, Y) tck_cmp_(uintmax_t, "%ju", X, <=, Y)
#define tck_ptr_eq(X, Y) tck_cmp_(const void *, "%p", X, ==, Y)

/* Path of the hetsim binary under test ($HETSIM_BIN, default build/hetsim). */
const char *test_bin(void);
/* Run a shell command; capture up to cap-1 bytes of stderr in errbuf; return
 * the exit status (or -1 if it did not exit normally). */
int test_run(const char *cmd, char *errbuf, size_t cap);
/* Write text to a fresh file under a per-process temp dir; returns its path
 * (static storage, overwritten after 16 calls). */
const char *test_write(const char *name, const char *text);
/* The whole of a file, NUL-terminated (malloc'd; free it), its length in
 * *len (len may be NULL); NULL if it cannot be read. */
char *test_slurp(const char *path, size_t *len);
/* Per-process scratch directory. */
const char *test_tmpdir(void);

#endif
