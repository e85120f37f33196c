"""fa2 snapshot against moto_server (authentication on): an incident seeded with boto3 —
application logs with errors starting at T, an error metric stepping up at T with an alarm
on it, X-Ray segments faulting from T — is captured into a snapshot directory, and
fa2 triage --source reads it back and finds the change. moto has no CloudTrail
LookupEvents: the snapshot records that source's error and still succeeds.

No silent data loss: an hour holding 20,849 lines (more than the 10,000 rows one Logs
Insights query returns; many share a millisecond, some sit exactly on the hour seams),
captured through a strict proxy that caps every query at 10,000 rows and reports
recordsMatched as the service does (logs_cap_proxy.py): every row is kept exactly once
and the manifest says the logs are complete; with a budget of 2 queries the manifest
says partial (rows kept vs estimated, the range not read) and so does the triage
report."""
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_peers import Checks, Moto, clean_env, fa2  # noqa: E402
from logs_cap_proxy import LogsCapProxy  # noqa: E402

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

    # ---- more rows in an hour than one query returns ----
    big = "/ecs/big"
    logs.create_log_group(logGroupName=big)
    logs.create_log_stream(logGroupName=big, logStreamName="s1")
    b0 = start  # the window's first hour holds 20,849 lines, the second a few
    bev = []
    for i in range(20849):
        t = b0 * 1000 + (i // 3) * 517 % 3600000      # three per millisecond
        if i % 1001 == 0:
            t = t // 1000 * 1000                       # on a whole second
        bev.append((t, "INFO big-row %06d handled in %d ms" % (i, i % 97)))
    for i, t in enumerate([(b0 + 3600) * 1000, (b0 + 3600) * 1000, (b0 + 3600) * 1000 - 1, (b0 + 3600) * 1000 + 1,
                           (b0 + 5400) * 1000]):
        bev.append((t, "WARN seam-row %d at the hour edge" % i))   # on the seam between the two hourly slices
    bev.sort()
    for i in range(0, len(bev), 5000):
        logs.put_log_events(logGroupName=big, logStreamName="s1",
                            logEvents=[{"timestamp": t, "message": m} for t, m in bev[i:i + 5000]])
    want = sorted(m for _, m in bev)
    proxy = LogsCapProxy(moto)
    try:
        penv = dict(env, AWS_ENDPOINT_URL=proxy.url)
        out3 = os.path.join(TMP, "snap-big")
        bargs = ["snapshot", "--from", str(b0), "--to", str(b0 + 7200), "--out", out3, "--log-group", big,
                 "--no-cloudtrail", "--no-xray"]
        rc, so, se, secs = fa2(FA2, bargs, penv, timeout=240)
        c.check(rc == 0 and "PARTIAL" not in se, "snapshot of 20,854 lines exits 0, not partial (%.1fs)" % secs, se)
        with open(os.path.join(out3, "manifest.json")) as f:
            m3 = json.load(f)
        got = []
        for f in m3["files"]:
            with open(os.path.join(out3, f["path"])) as fh:
                got += [next(x["value"] for x in row if x["field"] == "@message") for row in json.load(fh)["results"]]
        c.check(sorted(got) == want, "every row kept exactly once: %d rows kept of %d, %d distinct" %
                (len(got), len(want), len(set(got))))
        print("measured: rows kept %d of %d; %d Logs Insights queries, %d of them returned the 10,000-row cap"
              % (len(set(got)), len(want), len(proxy.starts), proxy.at_cap))
        cov = m3.get("coverage", {}).get("logs", {})
        c.check(cov.get("status") == "complete" and cov.get("rows_kept") == len(want) and
                cov.get("rows_estimated") == len(want) and not cov.get("partial"),
                "manifest coverage: logs complete, rows kept = estimated = %d" % len(want), json.dumps(cov))
        c.check(proxy.at_cap >= 2 and len(proxy.starts) >= 4 and not proxy.errors,
                "the cap was hit and the queries split (%d queries)" % len(proxy.starts), json.dumps(proxy.errors))
        c.check(all(q["endTime"] >= q["startTime"] for q in proxy.starts), "every query's range is in order")
        rc, so, se, _ = fa2(FA2, ["triage", "--source", out3, "--format", "json"], env)
        c.check(rc == 0 and json.loads(so)["inputs"]["log_lines"] == len(want) and
                not any(n.startswith("coverage") for n in json.loads(so)["notes"]),
                "triage reads all %d lines and states no coverage gap" % len(want), se + so[:400])

        # A budget of 2 queries: partial, stated in the manifest and the report.
        out4 = os.path.join(TMP, "snap-budget")
        rc, so, se, secs = fa2(FA2, [x if x != out3 else out4 for x in bargs] + ["--max-queries", "2"], penv,
                               timeout=240)
        c.check(rc == 0 and "PARTIAL" in se and "logs" in se, "a spent budget: exit 0 and PARTIAL on stderr", se)
        with open(os.path.join(out4, "manifest.json")) as f:
            cov = json.load(f).get("coverage", {}).get("logs", {})
        c.check(cov.get("status") == "partial" and cov.get("rows_kept", 0) < len(want) and
                (cov.get("rows_estimated") or 0) >= 20849 and cov.get("rows_estimated_is_lower_bound") and
                cov.get("partial"),
                "manifest coverage: partial, rows kept < estimated, the ranges not read", json.dumps(cov))
        print("measured: with --max-queries 2, rows kept %s of about %s; partial ranges %s"
              % (cov.get("rows_kept"), cov.get("rows_estimated"), json.dumps(cov.get("partial"))))
        rc, so, se, _ = fa2(FA2, ["triage", "--source", out4], env)
        c.check(rc == 0 and "- Coverage: logs partial:" in so and "rows kept" in so,
                "the triage report states the partial coverage", so[:1200])
    finally:
        proxy.stop()

    # A non-empty directory is refused.
    rc, so, se, _ = fa2(FA2, args, env)
    c.check(rc == 2 and "not empty" in se, "non-empty --out refused", se)
    rc, so, se, _ = fa2(FA2, ["snapshot", "--from", "x", "--to", "now", "--out", out], env)
    c.check(rc == 2, "bad --from is a usage error", se)
finally:
    moto.stop()
print("%d passed, %d failed" % (c.passed, c.failed))
sys.exit(1 if c.failed else 0)
