#!/bin/sh
# SigV4 signatures per second: fa2 (in-process, `fa2 aws --sign-bench`) against botocore
# (SigV4Auth.add_auth on an AWSRequest) in the same run, same request (a CloudWatch Logs
# FilterLogEvents POST with a JSON body), one core each, one after the other.
# Prints both rates and the ratio; asserts nothing.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FA2=${FA2:-$ROOT/${BUILD:-build}/fa2}
N_FA2=${N_FA2:-400000}
N_BOTO=${N_BOTO:-30000}
[ -x "$FA2" ] || { echo "sigv4 bench: $FA2 not built (run make)"; exit 1; }

fa2_json=$("$FA2" aws --sign-bench "$N_FA2")
fa2_rate=$(echo "$fa2_json" | sed 's/.*"per_second":\([0-9]*\).*/\1/')

boto_rate=$(python3 - "$N_BOTO" <<'PY'
import sys, time
try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print(0); sys.exit(0)
n = int(sys.argv[1])
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
body = (b'{"logGroupName":"/aws/lambda/orders","startTime":1764057600000,'
        b'"endTime":1764061200000,"filterPattern":"ERROR","limit":100}')
signer = SigV4Auth(creds, "logs", "us-east-1")
headers = {"Content-Type": "application/x-amz-json-1.1",
           "X-Amz-Target": "Logs_20140328.FilterLogEvents"}
t0 = time.perf_counter()
for _ in range(n):
    r = AWSRequest(method="POST", url="https://logs.us-east-1.amazonaws.com/", data=body,
                   headers=headers)
    signer.add_auth(r)
print(int(n / (time.perf_counter() - t0)))
PY
)
echo "sigv4 fa2:      $fa2_rate signatures/s ($N_FA2 signatures)"
if [ "$boto_rate" -gt 0 ]; then
	echo "sigv4 botocore: $boto_rate signatures/s ($N_BOTO signatures)"
	awk -v a="$fa2_rate" -v b="$boto_rate" 'BEGIN { printf "sigv4 ratio:    %.1fx botocore (goal >= 20x)\n", a / b }'
else
	echo "sigv4 botocore: not installed"
fi
