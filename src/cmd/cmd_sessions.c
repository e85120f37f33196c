#include "cmd/cmd.h"

int fa2_cmd_sessions(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("sessions", "arrives with the agent's session store");
}
