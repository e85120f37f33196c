#include "cmd/cmd.h"

int fa2_cmd_snapshot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("snapshot", "arrives with the triage engine");
}
