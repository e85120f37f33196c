#!/bin/sh
# Idempotency store throughput and latency per put (src/store): the flat store in memory,
# the flat store with one fsync'd flush per put (what `fa2 serve` does at most per job),
# and, when moto_server and boto3 are installed, the DynamoDB store against moto_server
# on loopback (a local emulator: real DynamoDB adds the network round trip, typically a
# few ms in-region). N (default 500) puts per store; prints the figures, asserts nothing.
# Then (moto_server needed) bench/store_serve.py: for each store, one fa2 serve with
# N_EVENTS (default 40) alarm events timed at the Slack acknowledgement (the added
# latency per ack over flat), and the store operations of one analysis (DynamoDB: counted
# per operation by a proxy in front of moto). Lease renewals (4 per lease per running
# analysis) and the expired-lease Query (2 per lease per instance) come on top, by time.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UNIT=${UNIT:-$ROOT/${BUILD:-build}/fa2-unit}
N=${N:-500}
[ -x "$UNIT" ] || { echo "store bench: $UNIT not built (make build/fa2-unit)"; exit 1; }
export FA2_STORE_BENCH="$N"
python3 - "$UNIT" "$ROOT" <<'PY'
import os, subprocess, sys, tempfile
unit, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "tests", "integration"))
tmp = tempfile.mkdtemp()
env = dict(os.environ)
moto = None
try:
    import boto3  # noqa: F401
    import aws_peers
    if any(os.access(os.path.join(d, "moto_server"), os.X_OK) for d in env.get("PATH", "").split(":")):
        moto = aws_peers.Moto(tmp)
        ddb = moto.client("dynamodb")
        ddb.create_table(TableName="fa2-bench", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}])
        env = aws_peers.clean_env(tmp, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                                  AWS_REGION="us-east-1", AWS_ENDPOINT_URL_DYNAMODB=moto.url,
                                  FA2_STORE_DDB_TABLE="fa2-bench", FA2_STORE_BENCH=env["FA2_STORE_BENCH"])
except ImportError:
    pass
if moto is None:
    print("store bench: moto_server/boto3 not installed: DynamoDB store not measured")
try:
    p = subprocess.run([unit, "store_bench"], env=env, capture_output=True, text=True, timeout=600)
finally:
    if moto:
        moto.stop()
for line in p.stdout.splitlines():
    if line.startswith("store bench:"):
        print(line)
if p.returncode:
    print(p.stdout + p.stderr)
    sys.exit(1)
PY
if [ -x "$ROOT/${BUILD:-build}/fa2" ] && command -v moto_server >/dev/null 2>&1; then
	FA2="$ROOT/${BUILD:-build}/fa2" FA2_TMP=$(mktemp -d) python3 "$ROOT/bench/store_serve.py" | grep '^store bench:'
else
	echo "store bench: fa2 or moto_server missing: per-analysis figures not measured"
fi
