/* tests/test_real.c — placeholder suite, filled in by its module's work. */
#include "tests/tests.h"

Suite *suite_real(void)
{
	return suite_create("real");
}
