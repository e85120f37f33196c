#!/usr/bin/env python3
"""Part of bench/store.sh: what each idempotency / session store costs `fa2 serve`.
For each store (flat; dynamodb on moto_server through a counting proxy): one fa2 serve
instance, N signed alarm events (distinct ids), each acknowledgement timed; then one
analysis (form submit -> report, scripted model and CloudTrail doubles of t_slack_e2e)
with the store operations it made. Prints figures; asserts nothing beyond "it ran"."""
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import t_slack_e2e as E  # noqa: E402
import t_store_multi as M  # noqa: E402

N = int(os.environ.get("N_EVENTS", "40"))
RESULTS = []


def one_store(c, moto, dbl, cw, sd, kind, proxy):
    now = int(time.time())
    env = E.serve_env(moto, dbl, cw, sd)
    env["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.url
    cfg = os.path.join(E.TMP, "bench-%s.json" % kind)
    state = os.path.join(E.TMP, "bench-state-" + kind)
    with open(cfg, "w") as f:
        json.dump({"modelId": E.MODEL, "env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/fa2/app"],
                   "maxAgentCycles": 5, "stateDir": state, "slackResumeMaxAgeMinutes": 30,
                   "store": {"kind": kind, "table": M.TABLE} if kind == "dynamodb" else {"kind": "flat"},
                   "llm": {"maxRetries": 1, "backoffMs": 200, "timeoutSeconds": 60},
                   "agent": {"toolParallelism": 4, "timeoutSeconds": 120}}, f)
    srv = E.Serve(c, env, cfg)
    srv.start()
    lat = []
    first = None
    for i in range(N):
        thread = "%d.%06d" % (now - 100, 500 + i + (1000 if kind == "dynamodb" else 0))
        first = first or thread
        st, dt = M.post_to(srv.port, E.alarm_event("EvBench-%s-%d" % (kind, i), thread, "api-5xx-high"))
        c.check(st == 200, "%s: event %d acknowledged" % (kind, i))
        lat.append(dt * 1000)
    f = E.wait_for(lambda: M.forms(sd, first), 20)
    ops0 = dict(proxy.ops)
    dbl.converse.clear()
    E.script(dbl)
    n_post = len(sd.calls("chat.postMessage"))
    st, _ = M.post_to(srv.port, M.submit_body(sd, f[0], first), "application/x-www-form-urlencoded")
    prog = E.wait_for(lambda: [x for x in sd.calls("chat.postMessage")[n_post:]
                               if x["args"].get("thread_ts") == first and "Analysing" in x["args"].get("text", "")], 20)
    pts = "%d.000100" % (1700000000 + sd.calls("chat.postMessage").index(prog[0]) + 1) if prog else ""
    done = E.wait_for(lambda: [t for t in E.updates(sd, pts) if E.is_outcome(t)], 90)
    c.check(bool(done) and "Analysis complete" in done[-1], "%s: the analysis completed" % kind)
    time.sleep(1)
    ops = {k: v - ops0.get(k, 0) for k, v in proxy.ops.items() if v - ops0.get(k, 0)}
    sess = os.path.join(state, "sessions")
    sid = sorted(os.listdir(sess))[-1] if os.path.isdir(sess) else ""
    with open(os.path.join(sess, sid, "journal.jsonl")) as jf:
        records = sum(1 for _ in jf)
    srv.p.terminate()
    srv.p.wait(15)
    lat.sort()
    RESULTS.append((kind, lat, ops, records))


def run(c, moto, dbl, cw, sd):
    now = int(time.time())
    E.seed(moto, now)
    dbl.ct_events = [E.D.ct_event("UpdateFunctionConfiguration", now - 1200, "lambda.amazonaws.com", "alice",
                                  resource="pay-fn")]
    ddb = moto.client("dynamodb")
    ddb.create_table(TableName=M.TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}])
    proxy = M.DdbProxy(moto.url)
    for kind in ("flat", "dynamodb"):
        one_store(c, moto, dbl, cw, sd, kind, proxy)
    base = statistics.mean(RESULTS[0][1]) if RESULTS else 0
    for kind, lat, ops, records in RESULTS:
        p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
        print("store bench: %-8s Slack ack (alarm event, %d events): mean %.1f ms, p50 %.1f ms, p95 %.1f ms; "
              "added over flat: %+.1f ms" % (kind, len(lat), statistics.mean(lat), lat[len(lat) // 2], p95,
                                             statistics.mean(lat) - base))
        if kind == "dynamodb":
            print("store bench: %-8s one analysis (%d journal records): %d DynamoDB operations: %s" %
                  (kind, records, sum(ops.values()), ", ".join("%s %d" % kv for kv in sorted(ops.items()))))
        else:
            print("store bench: %-8s one analysis (%d journal records): %d fsync'd journal appends, one "
                  "fsync'd seen.log append for the submit key, summary.json rewritten after each step, "
                  "report.md + report.json (local files; no network operation)" % (kind, records, records))
    proxy.shutdown()
    proxy.server_close()


if __name__ == "__main__":
    E.main(run)
