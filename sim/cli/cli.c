/* sim/cli/cli.c — what every command shares: --help, integer flags. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/cli/cli.h"

int sim_cli_help(int argc, char **argv, const char *usage)
{
	int asked = argc > 0 && strcmp(argv[0], "-h") == 0;
	for (int i = 0; i < argc && !asked; i++)
		asked = strcmp(argv[i], "--help") == 0;
	if (!asked)
		return 0;
	while (*usage == ' ')
		usage++;
	printf("usage: hetsim %s", usage);
	return 1;
}

int sim_cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}
