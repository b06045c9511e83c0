/* sim/cli/cli.c — what every command shares: --help. */
#include <stdio.h>
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
