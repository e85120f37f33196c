#!/usr/bin/env python3
"""fa2 analyze --alarm against moto_server (authentication on: PutMetricAlarm and
PutMetricData seeded here, DescribeAlarms/ListMetrics/GetMetricData signed) and the strict
Converse + Logs Insights doubles of agent_doubles.py:

- the alarm is looked up (window from its state-change time, event text from its name
  and reason) and metrics_tool runs on exactly the alarm's metric before the first
  Converse call: the double sees the alarm and that observation in the first request;
- a Logs Insights filter the service rejects (MalformedQueryException, answered by the
  double since moto ignores the query text) gets exactly one repair call to the model
  and one re-run with the repaired filter, reported in the observation;
- an unknown alarm is a usage error (exit 2)."""
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
except ImportError as e:
    print("botocore/boto3 missing: %s" % e)
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
MODEL = "us.anthropic.claude-test-v1:0"
REPORT = {"summary": "5xx from the orders ALB after the database timed out.",
          "rootCauses": [{"title": "database timeouts", "severity": "high", "confidence": "medium",
                          "evidence": ["metrics_tool: 5xx jumped", "logs_tool: db timeout errors"]}],
          "actions": ["raise the pool size"]}
BAD = "@message like /(ERROR"
GOOD = "@message like /ERROR/"


def seed(moto, now):
    cw = moto.client("cloudwatch")
    data, other = [], []
    for i in range(30):
        v = 1.0 + (i % 3) * 0.1 if i < 20 else 60.0 + (i % 3)
        t = now - 1800 + i * 60
        data.append({"MetricName": "HTTPCode_Target_5XX_Count", "Value": v, "Timestamp": t,
                     "Dimensions": [{"Name": "LoadBalancer", "Value": "app/orders/abc"}]})
        other.append({"MetricName": "TargetResponseTime", "Value": 0.2, "Timestamp": t,
                      "Dimensions": [{"Name": "LoadBalancer", "Value": "app/orders/abc"}]})
    for k in range(0, 30, 10):
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data[k:k + 10])
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=other[k:k + 10])
    cw.put_metric_alarm(AlarmName="orders-5xx", MetricName="HTTPCode_Target_5XX_Count",
                        Namespace="AWS/ApplicationELB", Statistic="Sum", Period=60, EvaluationPeriods=1,
                        Threshold=10.0, ComparisonOperator="GreaterThanThreshold",
                        Dimensions=[{"Name": "LoadBalancer", "Value": "app/orders/abc"}])
    cw.set_alarm_state(AlarmName="orders-5xx", StateValue="ALARM",
                       StateReason="Threshold Crossed: 1 datapoint [61.0] was greater than the threshold (10.0).")
    al = cw.describe_alarms(AlarmNames=["orders-5xx"])["MetricAlarms"][0]
    return int(al["StateUpdatedTimestamp"].timestamp())


def first_text(req):
    return "".join(b.get("text", "") for b in req["messages"][0]["content"])


def main():
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    dbl = D.Doubles(moto.akid, moto.secret, "us-east-1", MODEL)
    try:
        run(c, moto, dbl)
    finally:
        dbl.stop()
        moto.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def run(c, moto, dbl):
    now = int(time.time())
    changed = seed(moto, now)
    dbl.logs_rows = [[{"field": "@timestamp", "value": str((now - 60 - i) * 1000)},
                      {"field": "@message", "value": "ERROR db timeout after %d ms order=%d" % (3000 + i, i)}]
                     for i in range(40)]
    dbl.logs_malformed = "/(ERROR"
    dbl.repair_script = [D.converse_reply([{"text": "```\n" + GOOD + "\n```"}], "end_turn")]
    dbl.script = {
        0: D.converse_reply([D.tool_use("tu-logs-1", "logs_tool", {"filter": BAD})], "tool_use"),
        1: D.converse_reply([{"text": json.dumps(REPORT)}], "end_turn"),
    }
    state = os.path.join(TMP, "state")
    cfg = os.path.join(TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/fa2/app"],
                   "maxAgentCycles": 4, "stateDir": state,
                   "llm": {"maxRetries": 1, "backoffMs": 100, "timeoutSeconds": 30},
                   "agent": {"timeoutSeconds": 90}}, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
                              AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url,
                              AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=dbl.url)

    rc, out, err, secs = aws_peers.fa2(FA2, ["analyze", "--alarm", "orders-5xx", "--config", cfg,
                                             "--format", "json"], env, timeout=90)
    c.check(rc == 0, "analyze --alarm exits 0", out + err)
    c.check(not dbl.errors, "no protocol violations seen by the doubles", "\n".join(dbl.errors))
    try:
        rep = json.loads(out)
    except ValueError:
        rep = {}
    inc = rep.get("incident", {})
    c.check(rep.get("summary") == REPORT["summary"], "the report is the model's", out[-600:])
    c.check(inc.get("fromMs") == (changed - 30 * 60) * 1000 or abs(inc.get("fromMs", 0) - (changed - 1800) * 1000) < 1000,
            "the window starts 30 min before the state change", json.dumps(inc))
    c.check(0 < inc.get("toMs", 0) - inc.get("fromMs", 0) <= 40 * 60 * 1000, "the window ends at most 10 min after it",
            json.dumps(inc))
    c.check("orders-5xx" in inc.get("event", "") and "Threshold Crossed" in inc.get("event", ""),
            "the event text is the alarm's name and reason", json.dumps(inc))

    # The alarm's metric before the first Converse call, in its first request.
    c.check(len(dbl.converse) == 2, "two analysis Converse calls", str([t for _, t, _ in dbl.converse]))
    if dbl.converse:
        t0, turn0, req0 = dbl.converse[0]
        txt = first_text(req0)
        c.check(turn0 == 0 and "Alarm: orders-5xx" in txt and "Start from the alarm's metric" in txt,
                "the first request carries the alarm", txt[:1500])
        # The triage digest of the window comes first (every series of the window); the
        # alarm's part after it holds metrics_tool's result for the alarm's metric only.
        mark = "Start from the alarm's metric"
        c.check("Triage digest" in txt and mark in txt and txt.index("Triage digest") < txt.index(mark),
                "the first request carries the triage digest, then the alarm", txt[:3000])
        al_txt = txt[txt.index(mark):] if mark in txt else ""
        c.check("HTTPCode_Target_5XX_Count" in al_txt and "change at" in al_txt and "TargetResponseTime" not in al_txt,
                "the first request carries metrics_tool's result for exactly the alarm's metric", txt[:3000])
    calls = rep.get("agent", {}).get("toolCalls", [])
    c.check(bool(calls) and calls[0].get("tool") == "triage_digest", "the report lists the digest first",
            json.dumps(calls[:1]))
    calls = [x for x in calls if x.get("tool") != "triage_digest"]
    first = calls[0] if calls else {}
    c.check(first.get("tool") == "metrics_tool" and first.get("cycle") == 0 and
            first.get("input", {}).get("metricName") == "HTTPCode_Target_5XX_Count" and
            first.get("input", {}).get("dimensions") == [{"name": "LoadBalancer", "value": "app/orders/abc"}],
            "the report lists the alarm's metrics_tool call (cycle 0)", json.dumps(calls)[:800])
    sid = rep.get("agent", {}).get("sessionId")
    if sid:
        with open(os.path.join(state, "sessions", sid, "journal.jsonl")) as f:
            recs = [json.loads(line) for line in f if line.strip()]
        tools = [(r.get("id"), r.get("cycle")) for r in recs if r.get("type") == "tool"]
        c.check(tools == [("fa2-triage-digest", 0), ("fa2-alarm-metric-1", 0), ("tu-logs-1", 1)],
                "the journal has the digest and both tool calls once",
                str(tools))
        c.check(recs[0].get("alarm", {}).get("AlarmName") == "orders-5xx", "the start record keeps the alarm")

    # One repair call, one re-run with the repaired filter.
    c.check(len(dbl.repairs) == 1, "exactly one repair call to the model (%d)" % len(dbl.repairs))
    if dbl.repairs:
        rt = first_text(dbl.repairs[0])
        c.check(BAD in rt and "unexpected symbol found" in rt, "the repair call carries the bad filter and the error",
                rt[:800])
    # The digest's capture queries have no filter stage; the model's logs_tool calls do.
    starts = [b.get("queryString", "") for op, b in dbl.logs_calls if op == "StartQuery" and "| filter " in b.get("queryString", "")]
    c.check(len(starts) == 2 and BAD in starts[0] and ("filter " + GOOD) in starts[1],
            "StartQuery twice: the rejected filter, then the repaired one", json.dumps(starts))
    if len(dbl.converse) >= 2:
        res = [b["toolResult"] for b in dbl.converse[1][2]["messages"][-1]["content"] if "toolResult" in b]
        obs = "".join(x["text"] for x in res[0]["content"]) if res else ""
        c.check(res and res[0]["status"] == "success" and ("Original filter: " + BAD) in obs and
                "MalformedQueryException" in obs and ("Repaired filter: " + GOOD) in obs and "x40" in obs,
                "the observation states the original filter, the error, the repair and its results", obs[:1500])

    # A repaired filter that is rejected too: no second repair.
    dbl.converse.clear()
    dbl.logs_calls.clear()
    dbl.repairs.clear()
    dbl.repair_script = [D.converse_reply([{"text": "@message like /(ERROR again"}], "end_turn")]
    frm = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 1800))
    rc, out, err, secs = aws_peers.fa2(FA2, ["analyze", "--from", frm, "--event", "errors", "--config", cfg,
                                             "--format", "json"], env, timeout=90)
    c.check(rc == 0, "analyze with a filter that stays broken exits 0", out + err)
    # The digest's capture queries have no filter stage; the model's logs_tool calls do.
    starts = [b.get("queryString", "") for op, b in dbl.logs_calls if op == "StartQuery" and "| filter " in b.get("queryString", "")]
    c.check(len(dbl.repairs) == 1 and len(starts) == 2, "still one repair and one re-run (%d, %d)" %
            (len(dbl.repairs), len(starts)))
    if len(dbl.converse) >= 2:
        res = [b["toolResult"] for b in dbl.converse[1][2]["messages"][-1]["content"] if "toolResult" in b]
        obs = "".join(x["text"] for x in res[0]["content"]) if res else ""
        c.check(res and res[0]["status"] == "error" and "rejected too" in obs, "the failed repair is reported",
                obs[:1200])
    c.check(not dbl.errors, "no protocol violations", "\n".join(dbl.errors))

    # Unknown alarm: usage error.
    rc, out, err, secs = aws_peers.fa2(FA2, ["analyze", "--alarm", "no-such-alarm", "--config", cfg], env, timeout=30)
    c.check(rc == 2 and "no-such-alarm" in err, "an unknown alarm exits 2 and names it", err)


if __name__ == "__main__":
    main()
