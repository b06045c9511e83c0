/* tests/test_cluster.c — placeholder suite, filled in by its module's work. */
#include "tests/tests.h"

Suite *suite_cluster(void)
{
	return suite_create("cluster");
}
