#!/usr/bin/env python3
"""Local cost of one analysis over 100,000 log lines: fa2 analyze against the strict
doubles (tests/integration/agent_doubles.py: Converse, CloudTrail and a Logs Insights
double holding 100,000 lines), four model cycles (logs_tool, logs_tool + audit_log_tool,
logs_tool with a filter, then the report). Prints fa2's CPU time (user + sys, from
/usr/bin/time) per model cycle and its peak RSS. Two runs: the double returns at
most 10,000 rows per query as Logs Insights does, and a worst case where it returns all
100,000 rows (as moto does, ignoring the limit). Figures only, no assertions."""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import agent_doubles as D  # noqa: E402

FA2 = os.environ.get("FA2", os.path.join(HERE, "..", "build", "fa2"))
MODEL = "anthropic.claude-bench-v1:0"
N = 100000


def rows(now_ms):
    rnd = random.Random(7)
    out = []
    kinds = [
        lambda i: "INFO GET /api/items/%d 200 %d ms user=%d" % (i, rnd.randint(3, 90), rnd.randint(1, 5000)),
        lambda i: "INFO POST /api/orders 201 %d ms order=%d" % (rnd.randint(20, 300), i),
        lambda i: "WARN slow query took %d ms table=orders rows=%d" % (rnd.randint(500, 5000), rnd.randint(1, 900)),
        lambda i: "ERROR payment failed order=%d upstream timeout after %d ms" % (i, rnd.randint(3000, 3100)),
        lambda i: "ERROR connection pool exhausted active=%d max=100 waiters=%d" % (100, rnd.randint(1, 60)),
        lambda i: "DEBUG cache miss key=item:%d ttl=%d" % (i, rnd.randint(10, 600)),
    ]
    for i in range(N):
        t = now_ms - i * 18
        ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t / 1000)) + ".%03d" % (t % 1000)
        msg = kinds[rnd.choice([0, 0, 0, 1, 1, 2, 3, 4, 5])](i)
        out.append([{"field": "@timestamp", "value": ts}, {"field": "@message", "value": msg},
                    {"field": "@ptr", "value": "CmAKJwojMTIzNDU2Nzg5MDEyOi9mYTIvYXBwEAEiDgi%08d" % i}])
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="fa2-bench-agent-")
    dbl = D.Doubles("AKIDBENCHBENCHBENCH0", "bench-secret", "us-east-1", MODEL)
    now = int(time.time())
    dbl.logs_rows = rows(now * 1000)
    dbl.ct_events = [D.ct_event("UpdateFunctionConfiguration", now - 600, "lambda.amazonaws.com", "alice",
                                resource="pay-fn")]
    report = {"summary": "bench", "rootCauses": [], "actions": []}
    dbl.script = {
        0: D.converse_reply([D.tool_use("a", "logs_tool", {})], "tool_use"),
        1: D.converse_reply([D.tool_use("b", "logs_tool", {"filter": "@message like /ERROR/"}),
                             D.tool_use("c", "audit_log_tool", {})], "tool_use"),
        2: D.converse_reply([D.tool_use("d", "logs_tool", {"filter": "@message like /WARN/", "limit": 5000})],
                            "tool_use"),
        3: D.converse_reply([{"text": json.dumps(report)}], "end_turn"),
    }
    cfg = os.path.join(tmp, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/fa2/app"],
                   "stateDir": os.path.join(tmp, "state"), "maxAgentCycles": 5}, f)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=tmp, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.path.join(tmp, "none"),
               AWS_SHARED_CREDENTIALS_FILE=os.path.join(tmp, "none"), AWS_ACCESS_KEY_ID="AKIDBENCHBENCHBENCH0",
               AWS_SECRET_ACCESS_KEY="bench-secret", AWS_REGION="us-east-1", AWS_ENDPOINT_URL=dbl.url)
    frm = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600))
    to = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 60))
    try:
        for label, cap in (("Insights cap (10,000 rows per query)", 10000), ("worst case (all 100,000 rows per query)", None)):
            dbl.logs_cap = cap
            dbl.converse.clear()
            t0 = time.monotonic()
            # Through /usr/bin/time: a child forked from this Python process (which holds
            # the 100,000 rows) would report the parent's pages as its peak RSS.
            tfile = os.path.join(tmp, "time.txt")
            argv = [FA2, "analyze", "--from", frm, "--to", to, "--event", "bench", "--config", cfg,
                    "--format", "json"]
            p = subprocess.run(["/usr/bin/time", "-o", tfile, "-f", "%U %S %M"] + argv, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.monotonic() - t0
            with open(tfile) as f:
                ut, st, rss_kb = f.read().split()[-3:]
            status = p.returncode
            cycles = len(dbl.converse)
            ut, st = float(ut), float(st)
            cpu = ut + st
            print("%s: exit %d, %d model cycles, %d log lines held by the double" % (label, status, cycles, N))
            print("  fa2 CPU %.0f ms total (user %.0f, sys %.0f) = %.1f ms per cycle; peak RSS %.1f MB; wall %.2f s" %
                  (cpu * 1000, ut * 1000, st * 1000, cpu * 1000 / max(cycles, 1), int(rss_kb) / 1024.0, wall))
            if dbl.errors:
                print("  double saw protocol violations:", dbl.errors[:3])
    finally:
        dbl.stop()


if __name__ == "__main__":
    main()
