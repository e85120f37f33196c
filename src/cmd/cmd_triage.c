#include "cmd/cmd.h"

int fa2_cmd_triage(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("triage", "arrives with the triage engine");
}
