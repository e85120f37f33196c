#!/usr/bin/env python3
"""The agent's tools over the live source, end to end through `fa2 analyze` (the strict
Converse double scripts the tool calls): moto_server (authentication on) behind the
strict Logs Insights cap proxy (logs_cap_proxy.py: 10,000 rows per query,
recordsMatched), the CloudTrail LookupEvents double of agent_doubles.py (pages of 50,
2 requests per second), a runbooks directory instead of a Bedrock knowledge base.

What must reach the model, over a six-hour window:
- logs_tool reads every line of the window (24,000 and more, not the newest 10,000),
  errors first, an error that happened only five and a half hours before the end, and
  the distinctive end of a line longer than the template cut;
- audit_log_tool sees the whole window: a deploy six hours before the end is listed
  with its parameters although routine SSM and Logs writes every few minutes fill the
  window (they are collapsed into counted lines);
- kb_tool answers from runbooksDir;
- with the sample's cwLogsInsightQuery ("fields @message | limit 100"), fa2's filter
  goes before the limit, timestamps reach the observation, and a configured log group
  that does not exist is skipped and named while the other is queried;
- fa2 check warns about that query."""
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if not shutil.which("moto_server"):
    print("moto_server is not installed")
    sys.exit(77)
try:
    import aws_peers
    import agent_doubles as D
    from logs_cap_proxy import LogsCapProxy
except ImportError as e:
    print("botocore/boto3 missing: %s" % e)
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
MODEL = "us.anthropic.claude-test-v1:0"
REPORT = {"summary": "Checkout failed after the checkout-v2 deploy.",
          "rootCauses": [{"title": "deploy", "severity": "high", "confidence": "medium",
                          "evidence": ["audit_log_tool: UpdateService"]}],
          "timeline": [{"time": "02:05", "event": "deploy"}], "actions": ["roll back"]}
TAIL = "Caused by: java.net.UnknownHostException: payments-ledger.internal.example"


def ct(name, t, source, user, ro=False, params=None):
    detail = {"eventName": name, "eventSource": source, "readOnly": ro, "userIdentity": {"arn": user},
              "requestParameters": params or {}}
    return {"EventId": "%s-%d-%s" % (name, t, user), "EventName": name, "ReadOnly": "true" if ro else "false",
            "EventTime": t, "EventSource": source, "Username": user, "CloudTrailEvent": json.dumps(detail)}


def seed(moto, dbl, now):
    start = now - 6 * 3600
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="/app")
    logs.create_log_stream(logGroupName="/app", logStreamName="web")
    evs = []
    for i in range(24000):
        t = (start + 60) * 1000 + i * 880
        evs.append((t, "INFO GET /items/%d 200 %d ms" % (i, 5 + i % 40)))
    old_err = (start + 1800) * 1000
    for k in range(3):
        evs.append((old_err + k, "ERROR FeatureFlagLoader: unknown flag 'checkout-v2' in profile prod"))
    long_line = "ERROR checkout failed: " + " ".join("frame%02d.at(Checkout.java:%d)" % (j, j) for j in range(30)) + " " + TAIL
    for k in range(40):
        evs.append(((now - 900) * 1000 + k * 1000, long_line))
    evs.sort()
    for i in range(0, len(evs), 5000):
        logs.put_log_events(logGroupName="/app", logStreamName="web",
                            logEvents=[{"timestamp": t, "message": m} for t, m in evs[i:i + 5000]])
    cts = []
    for t in range(start + 30, now, 300):
        cts.append(ct("UpdateInstanceInformation", t, "ssm.amazonaws.com", "arn:aws:sts::1:assumed-role/ssm/i-0a"))
        cts.append(ct("UpdateInstanceInformation", t + 40, "ssm.amazonaws.com", "arn:aws:sts::1:assumed-role/ssm/i-0b"))
    for t in range(start + 100, now, 600):
        cts.append(ct("CreateLogStream", t, "logs.amazonaws.com", "arn:aws:sts::1:assumed-role/lambda/fn"))
    cts.append(ct("UpdateService", start + 300, "ecs.amazonaws.com", "arn:aws:iam::1:user/deployer",
                  params={"cluster": "prod", "service": "checkout", "taskDefinition": "checkout:42"}))
    for t in range(now - 3000, now - 10, 10):
        cts.append(ct("DescribeInstances", t, "ec2.amazonaws.com", "arn:aws:iam::1:user/console", ro=True))
    dbl.ct_events = cts
    dbl.ct_rate = 2
    return start, len(evs), len(cts)


def tool_results(req):
    out = {}
    for b in req["messages"][-1]["content"]:
        if "toolResult" in b:
            tr = b["toolResult"]
            out[tr["toolUseId"]] = (tr["status"], "".join(x["text"] for x in tr["content"]))
    return out


def main():
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    proxy = LogsCapProxy(moto)
    dbl = D.Doubles(moto.akid, moto.secret, "us-east-1", MODEL)
    try:
        run(c, moto, proxy, dbl)
    finally:
        dbl.stop()
        proxy.stop()
        moto.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def run(c, moto, proxy, dbl):
    now = int(time.time()) // 60 * 60
    start, n_lines, n_ct = seed(moto, dbl, now)
    rb = os.path.join(TMP, "runbooks")
    os.makedirs(rb)
    with open(os.path.join(rb, "checkout.md"), "w") as f:
        f.write("# Checkout feature flags\n\nAn unknown flag after a deploy: roll the ECS service back to the "
                "previous task definition.\n\n# Disk\n\nGrow the volume.\n")
    state = os.path.join(TMP, "state")
    base = {"modelId": MODEL, "env": {"region": "us-east-1"}, "stateDir": state, "maxAgentCycles": 3,
            "cwLogsLogGroups": ["/app"], "runbooksDir": rb, "llm": {"maxRetries": 0, "timeoutSeconds": 60},
            "agent": {"toolParallelism": 3, "toolTimeoutSeconds": 120, "timeoutSeconds": 300}}
    cfg = os.path.join(TMP, "a.json")
    with open(cfg, "w") as f:
        json.dump(base, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=proxy.url,
                              AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url, AWS_ENDPOINT_URL_CLOUDTRAIL=dbl.url)
    frm, to = str(start), str(now)
    dbl.script = {
        0: D.converse_reply([D.tool_use("tu-logs", "logs_tool", {}), D.tool_use("tu-ct", "audit_log_tool", {}),
                             D.tool_use("tu-kb", "kb_tool", {"query": "unknown feature flag after deploy"})],
                            "tool_use"),
        1: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn")}
    rc, out, err, secs = aws_peers.fa2(FA2, ["analyze", "--from", frm, "--to", to, "--event", "checkout 5xx",
                                             "--config", cfg, "--format", "json"], env, timeout=280)
    c.check(rc == 0, "analyze exits 0 (%.1f s)" % secs, err[-1500:])
    c.check(not dbl.errors and not proxy.errors and dbl.ct_throttled == 0,
            "no protocol violations; CloudTrail never throttled",
            "\n".join(dbl.errors + proxy.errors) + " throttled %d" % dbl.ct_throttled)
    obs = tool_results(dbl.converse[1][2]) if len(dbl.converse) > 1 else {}
    st, t = obs.get("tu-logs", ("", ""))
    c.check(st == "success" and (", %d lines," % n_lines) in t and "NOT COMPLETE" not in t,
            "logs_tool read every line of the window (%d), not the newest 10,000" % n_lines, t[:1500])
    print("measured: logs_tool lines read %s of %d in %d Logs Insights queries"
          % (t.split(" lines,")[0].rsplit(" ", 1)[-1] if " lines," in t else "?", n_lines, len(proxy.starts)))
    c.check("unknown flag 'checkout-v2'" in t and t.index("[ERROR]") < t.index("[INFO]"),
            "logs_tool: the error five and a half hours back is there, errors first", t[:1500])
    c.check(TAIL in t, "logs_tool: the distinctive end of a long line survives the template cut", t[:3000])
    st, t = obs.get("tu-ct", ("", ""))
    c.check(st == "success" and "WRITE ecs.amazonaws.com UpdateService" in t and "checkout:42" in t,
            "audit_log_tool: the deploy six hours back, with its parameters", t[:3000])
    c.check("routine ssm.amazonaws.com UpdateInstanceInformation x144" in t and
            "routine logs.amazonaws.com CreateLogStream x36" in t,
            "audit_log_tool: routine writes counted on one line each", t[:3000])
    seen = t.split(" events (")[0].rsplit(" ", 1)[-1] if " events (" in t else "?"
    c.check(seen == str(n_ct), "audit_log_tool: every event of the window seen (%s of %d)" % (seen, n_ct), t[:600])
    print("measured: audit_log_tool events seen %s of %d over 6 hours (%d LookupEvents calls)"
          % (seen, n_ct, len(dbl.cloudtrail)))
    st, t = obs.get("tu-kb", ("", ""))
    c.check(st == "success" and "checkout.md" in t and "roll the ECS service back" in t,
            "kb_tool answers from runbooksDir", t[:800])

    # ---- the sample's query, a missing log group ----
    cfg_b = os.path.join(TMP, "b.json")
    with open(cfg_b, "w") as f:
        json.dump(dict(base, cwLogsLogGroups=["/app", "/gone"], cwLogsInsightQuery="fields @message | limit 100"), f)
    dbl.converse.clear()
    n_starts = len(proxy.starts)
    dbl.script = {
        0: D.converse_reply([D.tool_use("tu-q", "logs_tool", {"filter": "@message like /ERROR/"})], "tool_use"),
        1: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn")}
    rc, out, err, secs = aws_peers.fa2(FA2, ["analyze", "--from", frm, "--to", to, "--event", "checkout 5xx",
                                             "--config", cfg_b, "--format", "json"], env, timeout=200)
    c.check(rc == 0, "analyze with the sample's query exits 0", err[-1500:])
    obs = tool_results(dbl.converse[1][2]) if len(dbl.converse) > 1 else {}
    st, t = obs.get("tu-q", ("", ""))
    qs = [q["queryString"] for q in proxy.starts[n_starts:]]
    c.check(qs and all("| filter @message like /ERROR/ | sort @timestamp desc | limit 100" in q and
                       q.startswith("fields @timestamp, @message") for q in qs),
            "the filter goes before the query's limit, and @timestamp is asked for", json.dumps(qs))
    c.check(st == "success" and "do not exist, skipped: /gone" in t and ", 100 lines," in t,
            "the missing log group is skipped and named, the other still queried", t[:1500])
    c.check(time.strftime("%Y-%m-%d", time.gmtime(now)) in t.split("templates", 1)[-1],
            "timestamps reach the observation", t[:1500])
    rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--offline", "--config", cfg_b], env)
    c.check("warn" in out and "logs-query" in out and "limit 100" in out, "fa2 check warns about the query's limit",
            out)


if __name__ == "__main__":
    main()
