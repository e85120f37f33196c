#include "cmd/cmd.h"

int fa2_cmd_patterns(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("patterns", "arrives with the triage engine");
}
