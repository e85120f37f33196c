#include "cmd/cmd.h"

int fa2_cmd_analyze(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("analyze", "arrives with the agent");
}
