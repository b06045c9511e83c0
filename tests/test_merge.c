/* tests/test_merge.c — placeholder suite, filled in by its module's work. */
#include "tests/tests.h"

Suite *suite_merge(void)
{
	return suite_create("merge");
}
