#!/bin/sh
# make demo: runs fa2 on the bundled sample incident. Needs no network and no AWS.
set -eu
FA2=${FA2:-build/fa2}
if [ -d examples/ecs-dynamodb-sg ] && "$FA2" triage --help >/dev/null 2>&1; then
	exec "$FA2" triage --source examples/ecs-dynamodb-sg
fi
"$FA2" --version
echo
echo "demo: the triage engine and its sample incident are not yet available in this build;"
echo "demo: 'make demo' will run 'fa2 triage --source examples/...' once they land."
