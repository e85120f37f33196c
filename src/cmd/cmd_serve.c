#include "cmd/cmd.h"

int fa2_cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("serve", "arrives with the network stack and the Slack daemon");
}
