#!/usr/bin/env python3
"""fa2 triage without --source reads AWS directly, with the configuration analyze uses:
moto_server (authentication on) serves the logs, the metrics and the alarm, X-Ray; the
strict CloudTrail LookupEvents double of agent_doubles.py (SigV4 checked with botocore,
pages of 50, rate-limited to 2 requests per second as the service) serves the change
events, among them routine writes every few minutes. Checks: the report reads every
log line, the alarm's metric shift, the faulting traces and every CloudTrail event of the
window (paged, paced, never throttled); it is the report `fa2 snapshot` + `fa2 triage
--source` give for the same window (the same data in memory as on disk); usage errors
(neither --from nor --alarm; AWS options with --source) exit 2; the ASan build reads the
same, cleanly."""
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


def ct(name, t, source, user, ro=False, error=None, resources=(), params=None):
    detail = {"eventName": name, "eventSource": source, "readOnly": ro, "userIdentity": {"arn": user},
              "requestParameters": params or {}}
    if error:
        detail["errorCode"] = error
    return {"EventId": "%s-%d-%s" % (name, t, user), "EventName": name, "ReadOnly": "true" if ro else "false",
            "EventTime": t, "EventSource": source, "Username": user,
            "Resources": [{"ResourceType": rt, "ResourceName": rn} for rt, rn in resources],
            "CloudTrailEvent": json.dumps(detail)}


def seed(moto, dbl, now):
    start = now - 3 * 3600
    t_bad = now - 45 * 60
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="/ecs/orders")
    logs.create_log_stream(logGroupName="/ecs/orders", logStreamName="task-1")
    evs = []
    for i, t in enumerate(range(start + 20, now - 30, 20)):
        evs.append({"timestamp": t * 1000, "message": "INFO GET /orders/%d 200 %d ms" % (i, 12 + i % 9)})
        if t >= t_bad:
            evs.append({"timestamp": t * 1000 + 3, "message": "ERROR db call failed: connect timed out to "
                        "orders-db.cluster-1.rds.amazonaws.com:5432 (pool 20/20)"})
    logs.put_log_events(logGroupName="/ecs/orders", logStreamName="task-1", logEvents=evs)
    n_lines = len(evs)
    cw = moto.client("cloudwatch")
    dims = [{"Name": "LoadBalancer", "Value": "app/orders/1"}]
    data = [{"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": dims, "Timestamp": t, "Unit": "Count",
             "Value": 30.0 if t >= t_bad else 0.0} for t in range(start, now, 60)]
    for i in range(0, len(data), 20):
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data[i:i + 20])
    cw.put_metric_alarm(AlarmName="orders-5xx", Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
                        Dimensions=dims, Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5,
                        ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="orders-5xx", StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint")
    segs = []
    for i, t in enumerate(range(start + 30, now - 60, 240)):
        seg = {"name": "orders-api", "id": "%016x" % (i + 1), "trace_id": "1-%08x-%024x" % (t, i + 1),
               "start_time": float(t), "end_time": float(t) + 0.2}
        if t >= t_bad:
            seg["fault"] = True
        segs.append(json.dumps(seg))
    xr = moto.client("xray")
    for i in range(0, len(segs), 20):
        xr.put_trace_segments(TraceSegmentDocuments=segs[i:i + 20])
    # CloudTrail: routine check-ins every 5 minutes from two instances, the change, reads.
    evs = []
    for k, t in enumerate(range(start + 11, now, 300)):
        for inst in ("i-0aaa", "i-0bbb"):
            evs.append(ct("UpdateInstanceInformation", t + (7 if inst == "i-0bbb" else 0), "ssm.amazonaws.com",
                          "arn:aws:sts::123456789012:assumed-role/ssm/" + inst))
    evs.append(ct("ModifyDBCluster", t_bad - 300, "rds.amazonaws.com", "arn:aws:iam::123456789012:user/dba",
                  resources=[("AWS::RDS::DBCluster", "orders-db")],
                  params={"dBClusterIdentifier": "orders-db", "dBClusterParameterGroupName": "max-conn-20"}))
    for t in range(start + 100, now, 97):
        evs.append(ct("DescribeDBClusters", t, "rds.amazonaws.com", "arn:aws:iam::123456789012:user/monitor", ro=True))
    dbl.ct_events = evs
    dbl.ct_rate = 2
    return start, len(evs), n_lines


def main():
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    dbl = D.Doubles(moto.akid, moto.secret, "us-east-1", "unused")
    try:
        run(c, moto, dbl)
    finally:
        dbl.stop()
        moto.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def run(c, moto, dbl):
    now = int(time.time()) // 60 * 60
    start, n_ct, n_lines = seed(moto, dbl, now)
    cfg = os.path.join(TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/ecs/orders"], "xrayTrace": True,
                   "cwLogsInsightQuery": "fields @message | limit 100"}, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_ENDPOINT_URL=moto.url, AWS_ENDPOINT_URL_CLOUDTRAIL=dbl.url)
    frm, to = str(start), str(now)
    args = ["triage", "--from", frm, "--to", to, "--config", cfg, "--alarm", "orders-5xx", "--format", "json",
            "--budget-tokens", "200000"]
    rc, out, err, secs = aws_peers.fa2(FA2, args, env, timeout=240)
    c.check(rc == 0, "triage without --source reads AWS and exits 0 (%.1f s)" % secs, err + out[-500:])
    c.check(not dbl.errors and dbl.ct_throttled == 0, "CloudTrail double: no protocol violation, never throttled",
            "\n".join(dbl.errors) + " throttled %d" % dbl.ct_throttled)
    doc = {}
    try:
        doc = json.loads(out)
    except ValueError:
        pass
    inp = doc.get("inputs", {})
    pages = [r for _, r in dbl.cloudtrail]
    c.check(inp.get("events") == n_ct, "every CloudTrail event of the window read (%s of %d, %d pages of <= 50)"
            % (inp.get("events"), n_ct, len(pages)), json.dumps(inp))
    print("measured: CloudTrail events seen %s of %d over 3 hours (%d LookupEvents calls, paced at 2/s)"
          % (inp.get("events"), n_ct, len(pages)))
    c.check(len(pages) >= 2 and all("NextToken" in r for r in pages[1:]), "LookupEvents paged with NextToken")
    gaps = [b - a for (a, _), (b, _) in zip(dbl.cloudtrail, dbl.cloudtrail[1:])]
    c.check(gaps and min(gaps) >= 0.45, "calls paced under 2 per second (closest %.2f s)" % (min(gaps) if gaps else 0))
    c.check(inp.get("log_lines", 0) == n_lines and any("connect timed out" in t.get("template", "") and t.get("new")
                                                    for t in doc.get("log_templates", [])),
            "every log line read (%s of %d: the configured query's limit 100 does not apply) and the new error found"
            % (inp.get("log_lines"), n_lines), json.dumps(inp))
    c.check(any(m.get("alarm_metric") and m.get("shifts") for m in doc.get("metrics", [])),
            "the alarm's metric and its shift", json.dumps(doc.get("metrics", [])[:2])[:600])
    c.check(doc.get("traces", {}).get("faults", 0) > 0, "faulting traces read", json.dumps(doc.get("traces")))
    c.check(not any(n.startswith("coverage") for n in doc.get("notes", [])), "complete coverage: no note",
            json.dumps(doc.get("notes")))
    c.check("read from AWS (us-east-1)" in err, "stderr says what was read", err)

    # The same window through fa2 snapshot + triage --source: the same report.
    snap = os.path.join(TMP, "snap")
    rc, so, se, _ = aws_peers.fa2(FA2, ["snapshot", "--from", frm, "--to", to, "--out", snap, "--log-group",
                                        "/ecs/orders", "--alarm", "orders-5xx", "--region", "us-east-1"], env,
                                  timeout=240)
    c.check(rc == 0, "snapshot of the same window (started at once: CloudTrail throttling retried)", se)
    rc, so, se, _ = aws_peers.fa2(FA2, ["triage", "--source", snap, "--format", "json", "--budget-tokens", "200000"],
                                  env)
    try:
        sdoc = json.loads(so)
    except ValueError:
        sdoc = {}
    c.check(sdoc.get("inputs") == inp and [x.get("title") for x in sdoc.get("suspects", [])] ==
            [x.get("title") for x in doc.get("suspects", [])],
            "the live report and the snapshot's agree (inputs and suspects)",
            json.dumps(sdoc.get("inputs")) + " vs " + json.dumps(inp))

    # The configuration's language: "ja" gives the Markdown report in Japanese; --lang en
    # overrides it.
    cfg_ja = os.path.join(TMP, "fa2-ja.json")
    with open(cfg_ja, "w") as f:
        json.dump({"env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/ecs/orders"], "language": "ja"}, f)
    time.sleep(1.1)  # the CloudTrail rate is per account: the runs above used it
    rc, so, se, _ = aws_peers.fa2(FA2, ["triage", "--from", frm, "--to", to, "--config", cfg_ja], env, timeout=240)
    c.check(rc == 0 and so.startswith("# fa2 トリアージレポート") and "## 被疑箇所" in so and "## Suspects" not in so,
            "with language ja in the configuration, the report read from AWS is Japanese", se + so[:600])
    time.sleep(1.1)
    rc, so, se, _ = aws_peers.fa2(FA2, ["triage", "--from", frm, "--to", to, "--config", cfg_ja, "--lang", "en"], env,
                                  timeout=240)
    c.check(rc == 0 and so.startswith("# fa2 triage report") and "トリアージ" not in so,
            "--lang en overrides the configuration's ja", se + so[:600])

    # Usage errors.
    rc, so, se, _ = aws_peers.fa2(FA2, ["triage", "--config", cfg], env)
    c.check(rc == 2 and "--from TIME or --alarm NAME" in se, "neither --source, --from nor --alarm: exit 2", se)
    rc, so, se, _ = aws_peers.fa2(FA2, ["triage", "--source", snap, "--config", cfg], env)
    c.check(rc == 2 and "do not go with --source" in se, "AWS options with --source: exit 2", se)
    rc, so, se, _ = aws_peers.fa2(FA2, ["triage", "--help"], env)
    c.check(rc == 0 and "reads AWS" in so and "not in this build" not in so + se, "help describes reading AWS", so)

    asan = os.environ.get("FA2_ASAN", "")
    if asan and os.path.exists(asan):
        n = len(dbl.cloudtrail)
        time.sleep(1.1)  # the rate is per account: the runs above used it
        dbl.ct_throttled = 0
        rc, so, se, _ = aws_peers.fa2(asan, args, env, timeout=300)
        c.check(rc == 0 and "ERROR: AddressSanitizer" not in se and "runtime error" not in se,
                "ASan build: triage reading AWS is clean", se[-2000:])
        try:
            c.check(json.loads(so).get("inputs") == inp, "ASan build: the same inputs")
        except ValueError:
            c.check(False, "ASan build: JSON output", so[:400])
        c.check(len(dbl.cloudtrail) > n and dbl.ct_throttled == 0, "ASan build: paged, never throttled")
    else:
        print("(no ASan build: ASan run skipped)")


if __name__ == "__main__":
    main()
