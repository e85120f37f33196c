"""fa2 snapshot against moto_server (authentication on): an incident seeded with boto3 —
application logs with errors starting at T, an error metric stepping up at T with an alarm
on it, X-Ray segments faulting from T — is captured into a snapshot directory, and
fa2 triage --source reads it back and finds the change. moto has no CloudTrail
LookupEvents: the snapshot records that source's error and still succeeds."""
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_peers import Checks, Moto, clean_env, fa2  # noqa: E402

if not shutil.which("moto_server"):
    print("moto_server is not installed")
    sys.exit(77)

FA2 = os.environ["FA2"]
TMP = os.environ["FA2_TMP"]
c = Checks()
moto = Moto(TMP)
try:
    now = int(time.time()) // 60 * 60
    start, end = now - 3 * 3600, now
    t_bad = now - 40 * 60
    # Logs.
    logs = moto.client("logs")
    group = "/ecs/shop-api"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="ecs/shop-api/task1")
    events = []
    for i, t in enumerate(range(start + 30, end - 60, 45)):
        events.append({"timestamp": t * 1000, "message": "INFO request GET /api/items/%d 200 %dms" % (i, 10 + i % 7)})
        if t >= t_bad:
            events.append({"timestamp": t * 1000 + 5, "message": "ERROR db query failed: connection refused to db-%d:5432" % (i % 3)})
    logs.put_log_events(logGroupName=group, logStreamName="ecs/shop-api/task1", logEvents=events)
    n_lines = len(events)
    # Metrics and the alarm.
    cw = moto.client("cloudwatch")
    dims = [{"Name": "Service", "Value": "shop-api"}]
    data = []
    for t in range(start, end, 60):
        data.append({"MetricName": "Errors", "Dimensions": dims, "Timestamp": t, "Value": 40.0 if t >= t_bad else 0.0, "Unit": "Count"})
        data.append({"MetricName": "Latency", "Dimensions": dims, "Timestamp": t, "Value": 0.05 + (t % 7) / 1000.0, "Unit": "Seconds"})
    for i in range(0, len(data), 20):
        cw.put_metric_data(Namespace="Shop", MetricData=data[i:i + 20])
    cw.put_metric_alarm(AlarmName="shop-errors", Namespace="Shop", MetricName="Errors", Dimensions=dims,
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5,
                        ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="shop-errors", StateValue="ALARM", StateReason="Threshold Crossed: test")
    # X-Ray.
    xr = moto.client("xray")
    segs = []
    for i, t in enumerate(range(start + 10, end - 60, 120)):
        seg = {"name": "shop-api", "id": "%016x" % (i + 1), "trace_id": "1-%08x-%024x" % (t, i + 1),
               "start_time": float(t), "end_time": float(t) + 0.05}
        if t >= t_bad:
            seg["fault"] = True
        segs.append(json.dumps(seg))
    for i in range(0, len(segs), 20):
        xr.put_trace_segments(TraceSegmentDocuments=segs[i:i + 20])

    env = clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                    AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url)
    out = os.path.join(TMP, "snap")
    args = ["snapshot", "--from", str(start), "--to", str(end), "--out", out, "--log-group", group,
            "--alarm", "shop-errors", "--max-pages", "5"]
    rc, so, se, secs = fa2(FA2, args, env, timeout=120)
    c.check(rc == 0, "snapshot exits 0 (%.1fs)" % secs, se)
    man = {}
    try:
        with open(os.path.join(out, "manifest.json")) as f:
            man = json.load(f)
    except (OSError, ValueError) as e:
        c.check(False, "manifest.json readable", str(e))
    kinds = {f["kind"] for f in man.get("files", [])}
    c.check({"logs", "metrics", "xray"} <= kinds, "logs, metrics and xray files listed", repr(kinds))
    c.check(any(e["source"].startswith("cloudtrail") for e in man.get("errors", [])),
            "the CloudTrail failure is recorded", repr(man.get("errors")))
    c.check(man.get("alarm", {}).get("metric_name") == "Errors" and man["alarm"].get("state") == "ALARM",
            "alarm captured", repr(man.get("alarm")))
    rows = 0
    for f in man.get("files", []):
        with open(os.path.join(out, f["path"])) as fh:
            body = json.load(fh)
        if f["kind"] == "logs":
            rows += len(body["results"])
            c.check(body.get("status") == "Complete", "logs query complete: " + f["path"], repr(body.get("status")))
        if f["kind"] == "metrics":
            names = [q["MetricStat"]["Metric"]["MetricName"] for q in f["params"]["MetricDataQueries"]]
            c.check("Errors" in names and "Latency" in names, "alarm metric and its neighbour queried", repr(names))
    c.check(rows == n_lines, "every log line captured (%d of %d)" % (rows, n_lines))

    # Reading it back.
    rc, so, se, _ = fa2(FA2, ["triage", "--source", out, "--format", "json"], env)
    c.check(rc == 0, "triage reads the snapshot", se)
    if rc == 0:
        d = json.loads(so)
        c.check(d["inputs"]["log_lines"] == n_lines, "triage sees every line", repr(d["inputs"]))
        errs = [m for m in d["metrics"] if m["metric"] == "Errors"]
        c.check(errs and errs[0]["shifts"] and errs[0]["alarm_metric"], "Errors shift found on the alarm metric",
                repr(errs))
        c.check(any(t["new"] and "connection refused" in t["template"] for t in d["log_templates"]),
                "the new error template found", repr(d["log_templates"][:3]))
        c.check(d["traces"]["faults"] > 0, "faulting traces read", repr(d["traces"]))

    # The ASan build captures the same, cleanly.
    asan = os.environ.get("FA2_ASAN", "")
    if asan and os.path.exists(asan):
        out2 = os.path.join(TMP, "snap-asan")
        a2 = [x if x != out else out2 for x in args]
        rc, so, se, _ = fa2(asan, a2, env, timeout=180)
        c.check(rc == 0 and "ERROR: AddressSanitizer" not in se, "ASan build: snapshot clean", se)
        if rc == 0:
            with open(os.path.join(out2, "manifest.json")) as f:
                m2 = json.load(f)
            c.check(len(m2["files"]) == len(man["files"]), "ASan build: same files")

    # A non-empty directory is refused.
    rc, so, se, _ = fa2(FA2, args, env)
    c.check(rc == 2 and "not empty" in se, "non-empty --out refused", se)
    rc, so, se, _ = fa2(FA2, ["snapshot", "--from", "x", "--to", "now", "--out", out], env)
    c.check(rc == 2, "bad --from is a usage error", se)
finally:
    moto.stop()
print("%d passed, %d failed" % (c.passed, c.failed))
sys.exit(1 if c.failed else 0)
