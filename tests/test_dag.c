/* tests/test_dag.c — placeholder suite, filled in by its module's work. */
#include "tests/tests.h"

Suite *suite_dag(void)
{
	return suite_create("dag");
}
