#include "cmd/cmd.h"

int fa2_cmd_aws(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("aws", "arrives with the AWS layer");
}
