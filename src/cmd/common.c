#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

int fa2_cmd_not_built(const char *name, const char *what)
{
	fprintf(stderr, "fa2 %s: not available in this build yet (%s)\n", name, what);
	return FA2_EXIT_USAGE;
}

int fa2_cmd_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

const char *fa2_cmd_opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}
