#include "cmd/cmd.h"

/* The snapshot format and its reader are in src/triage/ (docs/snapshot.md); capturing one
 * from AWS needs the AWS client layer. */
int fa2_cmd_snapshot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fa2_cmd_not_built("snapshot", "capturing from AWS needs the AWS layer; "
				 "the format is in docs/snapshot.md and 'fa2 triage --source DIR' reads it");
}
