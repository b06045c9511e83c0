/* tests/test_e2c.c — placeholder suite, filled in by its module's work. */
#include "tests/tests.h"

Suite *suite_e2c(void)
{
	return suite_create("e2c");
}
