#include "cmd/cmd.h"

int fa2_cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("check", "arrives with the AWS layer");
}
