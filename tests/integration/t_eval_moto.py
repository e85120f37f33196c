"""Fidelity of the evaluation corpus: a generated scenario, seeded into real services and
captured with `fa2 snapshot`, is the same incident to triage as the generated directory.

Three scenarios (a change-caused ECS one, a no-change one, a held-out Lambda one) are
generated with tools/make-corpus.py --anchor so that their alarm is now; their logs and
metrics go into moto_server (authentication on), their alarm is created and set to ALARM
there, and their CloudTrail events are served by the strict LookupEvents double of
agent_doubles.py. `fa2 snapshot` captures each window (logs of every group, the alarm with
its neighbour metrics, every other series by --metric, CloudTrail); the capture must hold
every log row and event, and `fa2 triage --source` must rank the same suspect first on the
capture and on the generated directory (given the alarm time the capture recorded), and
`fa2 eval` must judge both alike. This is how a real incident, captured from an account,
can be compared with its synthetic reproduction.

Volume: `fa2 snapshot` runs one Logs Insights query per hour of the window and keeps at
most 10,000 rows of each; the scenarios are generated with --max-lines-per-hour 9000 so
that the comparison measures fidelity, not that cap."""
import glob
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from aws_peers import Checks, Moto, clean_env, fa2  # noqa: E402
    import agent_doubles as D  # noqa: E402
except ImportError as e:
    print("botocore/boto3 missing: %s" % e)
    sys.exit(77)

if not shutil.which("moto_server"):
    print("moto_server is not installed")
    sys.exit(77)

FA2 = os.environ["FA2"]
ROOT = os.environ["FA2_ROOT"]
TMP = os.environ["FA2_TMP"]
GEN = os.path.join(ROOT, "tools", "make-corpus.py")
SCENARIOS = [("dev", "d11-config-ssm-flag"), ("dev", "d21-cert-partner-expired"), ("heldout", "h05-config-lambda-env")]
c = Checks()


def gen(out, only, *extra):
    p = subprocess.run([sys.executable, GEN, "--jobs", "1", "--only", only] + list(extra) + [out],
                       capture_output=True, text=True, timeout=240)
    return p.returncode, p.stderr


def parse_ts(v):
    if v.isdigit():
        return int(v)
    d = datetime.strptime(v, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
    return int(round(d.timestamp() * 1000))


def epoch(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def rows_of(d):
    out = []
    for p in glob.glob(os.path.join(d, "logs", "*.json")):
        with open(p) as f:
            for r in json.load(f)["results"]:
                m = {x["field"]: x["value"] for x in r}
                if "@message" in m:
                    out.append((parse_ts(m["@timestamp"]), m["@message"], m.get("@logStream", ""),
                                m.get("@log", "").split(":", 1)[-1]))
    return out


def events_of(d):
    out = []
    for p in sorted(glob.glob(os.path.join(d, "cloudtrail", "*.json"))):
        with open(p) as f:
            out += json.load(f)["Events"]
    return out


def triage(d):
    rc, so, se, _ = fa2(FA2, ["triage", "--source", d, "--format", "json", "--budget-tokens", "400000"], os.environ, timeout=120)
    return json.loads(so) if rc == 0 else {"error": se}


def top(rep):
    s = (rep.get("suspects") or [{}])[0]
    return (s.get("kind"), (s.get("change") or {}).get("event_id") or s.get("title"))


def seed_and_capture(setname, name, moto):
    # Where the alarm falls in the window, then the same scenario moved so that it is now.
    probe = os.path.join(TMP, "probe-" + name)
    rc, err = gen(probe, name)
    if rc:
        return c.check(False, "%s: generated" % name, err)
    with open(os.path.join(probe, setname, name, "expected.json")) as f:
        e0 = json.load(f)
    tail = epoch(e0["window"]["to"]) - epoch(e0["alarm_time"])
    anchor = int(time.time()) + tail
    out = os.path.join(TMP, "gen-" + name)
    rc, err = gen(out, name, "--anchor", str(anchor), "--max-lines-per-hour", "9000")
    if rc:
        return c.check(False, "%s: generated at the anchor" % name, err)
    d = os.path.join(out, setname, name)
    with open(os.path.join(d, "manifest.json")) as f:
        man = json.load(f)
    region = man["region"]
    w0, w1 = epoch(man["window"]["from"]), epoch(man["window"]["to"])

    import boto3
    kw = dict(endpoint_url=moto.url, region_name=region, aws_access_key_id=moto.akid, aws_secret_access_key=moto.secret)
    logs, cw = boto3.client("logs", **kw), boto3.client("cloudwatch", **kw)
    # Logs: every row into its group and stream, in time order, in batches.
    rows = sorted(rows_of(d))
    streams = {}
    for t, msg, stream, group in rows:
        streams.setdefault((group, stream), []).append({"timestamp": t, "message": msg})
    for g in sorted({g for g, _ in streams}):
        logs.create_log_group(logGroupName=g)
    for (g, s), evs in sorted(streams.items()):
        logs.create_log_stream(logGroupName=g, logStreamName=s)
        batch, size = [], 0
        for ev in evs + [None]:
            if ev is None or len(batch) >= 5000 or size + len(ev["message"]) + 26 > 900000:
                if batch:
                    logs.put_log_events(logGroupName=g, logStreamName=s, logEvents=batch)
                batch, size = [], 0
            if ev is not None:
                batch.append(ev)
                size += len(ev["message"]) + 26
    # Metrics: one datapoint per minute, as generated.
    with open(os.path.join(d, "metrics", "getmetricdata.json")) as f:
        res = {r["Id"]: r for r in json.load(f)["MetricDataResults"]}
    queries = next(x for x in man["files"] if x["kind"] == "metrics")["params"]["MetricDataQueries"]
    for q in queries:
        m = q["MetricStat"]["Metric"]
        r = res[q["Id"]]
        data = [{"MetricName": m["MetricName"], "Dimensions": m["Dimensions"], "Timestamp": ts, "Value": v}
                for ts, v in zip(r["Timestamps"], r["Values"])]
        for i in range(0, len(data), 20):     # moto_server fails on larger PutMetricData calls
            cw.put_metric_data(Namespace=m["Namespace"], MetricData=data[i:i + 20])
    alarm = man.get("alarm")
    specs = []
    for q in queries:
        m = q["MetricStat"]["Metric"]
        if alarm and m["Namespace"] == alarm["namespace"] and \
                sorted((x["Name"], x["Value"]) for x in m["Dimensions"]) == sorted((x["Name"], x["Value"]) for x in alarm["dimensions"]):
            continue    # the alarm's own metric and its neighbours come with --alarm
        specs += ["--metric", "%s|%s|%s|%s" % (m["Namespace"], m["MetricName"], q["MetricStat"]["Stat"],
                                               ",".join("%s=%s" % (x["Name"], x["Value"]) for x in m["Dimensions"]))]
    stat = next(q["MetricStat"]["Stat"] for q in queries if alarm and q["MetricStat"]["Metric"]["MetricName"] == alarm["metric_name"]
                and q["MetricStat"]["Metric"]["Namespace"] == alarm["namespace"])
    cw.put_metric_alarm(AlarmName=alarm["name"], Namespace=alarm["namespace"], MetricName=alarm["metric_name"],
                        Dimensions=alarm["dimensions"], Statistic=stat, Period=60, EvaluationPeriods=1, Threshold=5.0,
                        ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName=alarm["name"], StateValue="ALARM", StateReason=alarm["reason"])
    # CloudTrail: the strict LookupEvents double serves the scenario's events.
    dbl = D.Doubles(moto.akid, moto.secret, region, "unused-model")
    dbl.ct_events = events_of(d)
    try:
        env = clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret, AWS_REGION=region,
                        AWS_ENDPOINT_URL=moto.url, AWS_ENDPOINT_URL_CLOUDTRAIL=dbl.url)
        cap = os.path.join(TMP, "cap-" + name)
        args = ["snapshot", "--from", str(w0), "--to", str(w1), "--out", cap, "--alarm", alarm["name"], "--no-xray",
                "--max-pages", "100"] + specs
        for g in man["log_groups"]:
            args += ["--log-group", g]
        rc, so, se, secs = fa2(FA2, args, env, timeout=200)
    finally:
        dbl.stop()
    c.check(rc == 0, "%s: fa2 snapshot captures the seeded incident (%.0fs)" % (name, secs), se[-1500:])
    c.check(not dbl.errors, "%s: the LookupEvents double saw only valid requests" % name, repr(dbl.errors[:3]))
    try:
        with open(os.path.join(cap, "manifest.json")) as f:
            cman = json.load(f)
    except (OSError, ValueError) as e:
        return c.check(False, "%s: the capture has a manifest" % name, str(e))
    c.check(not cman.get("errors"), "%s: no source failed" % name, repr(cman.get("errors")))
    # Log rows: every one, including rows in the last second of a query slice.
    got = sorted((t, m) for t, m, _, _ in rows_of(cap))
    want = sorted((t, m) for t, m, _, _ in rows)
    missing = [x for x in want if x not in set(got)]
    c.check(not (set(got) - set(want)), "%s: no captured row that was not seeded" % name)
    c.check(not missing, "%s: every log row captured (%d of %d)" % (name, len(got), len(want)), repr(missing[:3]))
    c.check(sorted(e["EventId"] for e in events_of(cap)) == sorted(e["EventId"] for e in events_of(d)),
            "%s: every CloudTrail event captured" % name)
    # The generated directory, read with the alarm time the capture recorded.
    man["alarm"]["state_change_time"] = cman["alarm"]["state_change_time"]
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(man, f)
    ra, rb = triage(cap), triage(d)
    c.check("error" not in ra and "error" not in rb, "%s: triage reads both" % name, repr(ra.get("error")) + repr(rb.get("error")))
    # Metric series: every one, the alarm's neighbours included (moto lists one entry per
    # datapoint, so ListMetrics repeats a metric across pages; fa2 counts each once).
    def keys(m):
        return {(q["MetricStat"]["Metric"]["Namespace"], q["MetricStat"]["Metric"]["MetricName"],
                 tuple(sorted((x["Name"], x["Value"]) for x in q["MetricStat"]["Metric"]["Dimensions"])))
                for f in m["files"] if f["kind"] == "metrics" for q in f["params"]["MetricDataQueries"]}
    c.check(keys(man) == keys(cman), "%s: every metric series captured (%d)" % (name, len(keys(man))),
            repr((keys(man) - keys(cman), keys(cman) - keys(man))))
    c.check(top(ra) == top(rb) and top(ra)[0], "%s: the same top suspect on the capture and the generated directory" % name,
            "%r vs %r" % (top(ra), top(rb)))
    shutil.copy(os.path.join(d, "expected.json"), os.path.join(cap, "expected.json"))
    verdicts = []
    for x in (cap, d):
        rc, so, se, _ = fa2(FA2, ["eval", "--corpus", x, "--format", "json"], os.environ, timeout=120)
        s = json.loads(so)["scenarios"][0] if rc == 0 else {}
        verdicts.append((s.get("top1"), s.get("top3"), s.get("rank")))
    c.check(verdicts[0] == verdicts[1] and verdicts[0][0] is not None, "%s: fa2 eval judges both alike %r" % (name, verdicts[0]),
            repr(verdicts))


moto = Moto(TMP)
try:
    for setname, name in SCENARIOS:
        seed_and_capture(setname, name, moto)
finally:
    moto.stop()
sys.exit(1 if c.failed else 0)
