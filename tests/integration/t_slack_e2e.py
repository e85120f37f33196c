#!/usr/bin/env python3
"""fa2 serve's Slack flow to a REAL report, on loopback only:
moto_server (auth on: logs, metrics, the alarm), the strict Converse + CloudTrail doubles
(agent_doubles.py, SigV4 checked with botocore), the strict GetMetricWidgetImage double in
front of moto (cw_widget_double.py) and the strict Slack Web API double (slack_double.py).

Signed alarm message event -> form in the thread -> signed block_actions submit ->
the ONE progress message updated in place at least twice with cycle counts -> report
blocks + the Markdown file + metric graph PNGs (MetricWidget with the analysis window
and an annotation at the alarm's state change) in the thread. Then kill -9 of fa2 serve
while the model is asked for the report, restart: the analysis resumes without repeating
a completed tool call and posts its report once. A session older than
slackResumeMaxAgeMinutes is marked failed with a message in its thread instead. A graph
rendering failure leaves the report posted."""
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if not shutil.which("moto_server"):
    print("moto_server is not installed")
    sys.exit(77)
try:
    import aws_peers
    import agent_doubles as D
    import cw_widget_double as CW
except ImportError as e:
    print("botocore/boto3 missing: %s" % e)
    sys.exit(77)
from slack_double import Double  # noqa: E402

FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
MODEL = "us.anthropic.claude-test-v1:0"
SECRET = "e2e-signing-secret-0123456789abcdef"
TOKEN = "xoxb-e2e-0000-secret-token"
LB = "app/web/123"
REPORT = {"summary": "Payments failed because the upstream timed out after a Lambda change.",
          "rootCauses": [{"title": "Lambda timeout lowered", "severity": "high", "confidence": "medium",
                          "evidence": ["metrics_tool: HTTPCode_Target_5XX_Count jumped at 08:10"]}],
          "timeline": [{"time": "2026-11-25T08:10:00Z", "event": "configuration change"}],
          "actions": ["restore the timeout"],
          "causalChain": [{"id": "chg", "kind": "change", "label": "Lambda timeout lowered to 3 s",
                           "time": "2026-11-25T08:10:00Z", "next": ["slow"]},
                          {"id": "slow", "kind": "mechanism", "label": "upstream calls time out", "next": ["err"]},
                          {"id": "err", "kind": "symptom", "label": "5xx on /pay", "next": ["alarm"]},
                          {"id": "alarm", "kind": "alarm", "label": "api-5xx-high"}]}
REPORT_TITLE = "Failure analysis report"
# A long report in Japanese with emoji (2 UTF-16 units each): over the per-block and
# per-message limits many times; every marker must reach Slack.
BIG_REPORT = {
    "summary": "決済 API の障害 😀 " * 400 + "概要-終",
    "rootCauses": [{"title": "原因 %d: 接続プールの枯渇" % k, "severity": "high", "confidence": "low",
                    "description": "説明の文章です 😀 & <tag> " * 120 + "説明-%d-終" % k,
                    "evidence": ["logs_tool: エラー %d 件 根拠-%d-%d" % (k * 10 + j, k, j) for j in range(5)]}
                   for k in range(30)],
    "impact": "影響 " * 900 + "影響-終",
    "timeline": [{"time": "2026-11-25T08:%02d:00Z" % k, "event": "出来事 %d 時系列-%d" % (k, k)} for k in range(50)],
    "actions": ["対応 %d 対応-%d-終" % (k, k) for k in range(40)],
    "prevention": ["防止策 " * 300 + "防止-終"],
}
BIG_MARKERS = (["概要-終", "影響-終", "防止-終"] + ["説明-%d-終" % k for k in range(30)] +
               ["根拠-%d-4" % k for k in range(30)] + ["時系列-%d" % k for k in range(50)] +
               ["対応-%d-終" % k for k in range(40)])
procs = []


def script(dbl):
    dbl.script = {
        0: D.converse_reply([{"text": "Metrics and logs first."},
                             D.tool_use("tu-m-1", "metrics_tool", {"namespace": "AWS/ApplicationELB",
                                                                   "metricName": "HTTPCode_Target_5XX_Count",
                                                                   "dimensions": [{"name": "LoadBalancer", "value": LB}]}),
                             D.tool_use("tu-l-1", "logs_tool", {"filter": "@message like /ERROR/"})], "tool_use"),
        1: D.converse_reply([D.tool_use("tu-ct-1", "audit_log_tool", {"eventName": "UpdateFunctionConfiguration"}),
                             D.tool_use("tu-ct-2", "audit_log_tool", {"eventName": "PutRolePolicy"})], "tool_use"),
        2: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn"),
    }


def seed(moto, now):
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="/fa2/app")
    logs.create_log_stream(logGroupName="/fa2/app", logStreamName="web-1")
    logs.put_log_events(logGroupName="/fa2/app", logStreamName="web-1", logEvents=[
        {"timestamp": (now - 1700 + i * 10) * 1000,
         "message": ("ERROR payment failed order=%d upstream timeout" if i % 2 else "INFO GET /api/items/%d 200") % i}
        for i in range(100)])
    cw = moto.client("cloudwatch")
    data = [{"MetricName": "HTTPCode_Target_5XX_Count", "Value": 1.0 if i < 20 else 50.0,
             "Timestamp": now - 1800 + i * 60, "Dimensions": [{"Name": "LoadBalancer", "Value": LB}]}
            for i in range(30)]
    for k in range(0, 30, 10):
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data[k:k + 10])
    for name in ("api-5xx-high", "api-5xx-second"):
        cw.put_metric_alarm(AlarmName=name, MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB",
                            Dimensions=[{"Name": "LoadBalancer", "Value": LB}], Statistic="Sum", Period=60,
                            EvaluationPeriods=1, Threshold=10.0, ComparisonOperator="GreaterThanThreshold")
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint [50.0]")


def is_outcome(t):
    """The progress message's final text, not a progress line ("... (some failed)")."""
    return t.startswith(":x:") or t.startswith(":white_check_mark:")


def sign(body):
    ts = str(int(time.time()))
    return ts, "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()


def post(port, body, ctype="application/json"):
    body = body.encode()
    ts, sig = sign(body)
    req = urllib.request.Request("http://127.0.0.1:%d/slack/events" % port, data=body, headers={
        "Content-Type": ctype, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    try:
        return urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


def alarm_event(eid, ts, name, region="us-east-1"):
    text = ("*CloudWatch Alarm | %s | %s | Account: 123456789012*\nThe alarm %s changed state from OK to ALARM. "
            "<https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#alarmsV2:alarm/%s|View>"
            % (name, region, name, region, region, name))
    return json.dumps({"type": "event_callback", "event_id": eid, "event_time": int(time.time()),
                       "event": {"type": "message", "subtype": "bot_message", "channel": "C0ALARMS",
                                 "bot_id": "B0CHATBOT", "app_id": "A6L22LZNH", "ts": ts, "text": "",
                                 "attachments": [{"fallback": text, "text": text}]}})


def submit(port, mts, thread, desc, start, end, value="submit"):
    values = {"fa2_desc": {"fa2_desc_input": {"type": "plain_text_input", "value": desc}},
              "fa2_start": {"fa2_start_input": {"type": "datetimepicker", "selected_date_time": start}},
              "fa2_end": {"fa2_end_input": {"type": "datetimepicker", "selected_date_time": end}}}
    p = {"type": "block_actions", "user": {"id": "UALICE"}, "channel": {"id": "C0ALARMS"},
         "message": {"ts": mts, "thread_ts": thread}, "state": {"values": values}, "trigger_id": "1.2.3",
         "actions": [{"type": "button", "action_id": "fa2_submit", "value": value}]}
    return post(port, "payload=" + urllib.parse.quote(json.dumps(p)), "application/x-www-form-urlencoded")


def wait_for(fn, secs=30):
    end = time.time() + secs
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return None


class Serve:
    def __init__(self, c, env, cfg):
        self.c, self.env, self.cfg = c, env, cfg
        self.p = None

    def start(self):
        self.port = aws_peers.free_port()
        self.log = open(os.path.join(TMP, "serve-%d.log" % len(procs)), "w+")
        self.p = subprocess.Popen([FA2, "serve", "--listen", "127.0.0.1:%d" % self.port, "--config", self.cfg],
                                  stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        procs.append(self.p)
        ok = wait_for(lambda: self.healthy(), 15)
        self.c.check(bool(ok), "fa2 serve started", self.logtext())

    def healthy(self):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.port, timeout=1).read()
            return True
        except Exception:
            return False

    def logtext(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-3000:]


def form_for(d, thread):
    f = [x for x in d.calls("chat.postMessage") if x["args"].get("thread_ts") == thread and
         any(b.get("type") == "input" for b in x["args"].get("blocks") or [])]
    return f[0] if f else None


def start_analysis(c, d, port, eid, thread, name):
    c.check(post(port, alarm_event(eid, thread, name)) == 200, "alarm event %s acknowledged" % eid)
    f = wait_for(lambda: form_for(d, thread), 20)
    c.check(f is not None, "the form is posted in the alarm's thread %s" % thread)
    if not f:
        return None
    pick = {b["block_id"]: b["element"] for b in f["args"]["blocks"] if b["type"] == "input"}
    desc = pick["fa2_desc"]["initial_value"]
    c.check("Metric: AWS/ApplicationELB HTTPCode_Target_5XX_Count LoadBalancer=%s" % LB in desc and
            "went to ALARM at " in desc, "the form names the alarm's metric and state change", desc)
    mts = "%d.000100" % (1700000000 + d.calls("chat.postMessage").index(f) + 1)  # as the double answered
    n = len(d.calls("chat.postMessage"))
    btn = [e for b in f["args"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    c.check(submit(port, mts, thread, desc, pick["fa2_start"]["initial_date_time"],
                   pick["fa2_end"]["initial_date_time"], btn[0].get("value", "submit")) == 200,
            "submit acknowledged (with the button's value, as Slack sends it)")
    prog = wait_for(lambda: [x for x in d.calls("chat.postMessage")[n:] if x["args"].get("thread_ts") == thread and
                             "Analysing" in x["args"].get("text", "")], 20)
    c.check(bool(prog), "one progress message in the thread")
    if not prog:
        return None
    return "%d.000100" % (1700000000 + d.calls("chat.postMessage").index(prog[0]) + 1)


def updates(d, ts):
    return [x["args"].get("text", "") for x in d.calls("chat.update") if x["args"].get("ts") == ts]


def main(run_fn=None, regions=()):
    """Starts the peers, runs run_fn(c, moto, dbl, cw, sd) (default: this test's run),
    stops them and exits with the checks' verdict. regions: more CloudWatch regions the
    widget double accepts."""
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    dbl = D.Doubles(moto.akid, moto.secret, "us-east-1", MODEL)
    cw = CW.CloudWatchDouble(moto.akid, moto.secret, "us-east-1", moto.url, regions=regions)
    sd = Double(TOKEN)
    try:
        (run_fn or run)(c, moto, dbl, cw, sd)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        sd.close()
        cw.stop()
        dbl.stop()
        moto.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def serve_env(moto, dbl, cw, sd):
    """fa2 serve's environment: moto, the CloudWatch widget double, the Converse and
    CloudTrail doubles and the Slack double, region us-east-1."""
    return aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
                               AWS_ENDPOINT_URL_CLOUDWATCH=cw.url,
                               AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url, AWS_ENDPOINT_URL_CLOUDTRAIL=dbl.url,
                               SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=sd.url,
                               ASAN_OPTIONS="detect_leaks=1")


def run(c, moto, dbl, cw, sd):
    now = int(time.time())
    seed(moto, now)
    dbl.ct_events = [D.ct_event("UpdateFunctionConfiguration", now - 1200, "lambda.amazonaws.com", "alice",
                                resource="pay-fn"),
                     D.ct_event("PutRolePolicy", now - 1100, "iam.amazonaws.com", "bob", error="AccessDenied")]
    dbl.ct_delay = {"UpdateFunctionConfiguration": 3.0, "PutRolePolicy": 3.0}
    script(dbl)
    state = os.path.join(TMP, "state")
    cfg = os.path.join(TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/fa2/app"],
                   "maxAgentCycles": 5, "stateDir": state, "slackResumeMaxAgeMinutes": 30, "timeZone": "Asia/Tokyo",
                   "llm": {"maxRetries": 1, "backoffMs": 200, "timeoutSeconds": 60},
                   "agent": {"toolParallelism": 4, "timeoutSeconds": 120}}, f)
    env = serve_env(moto, dbl, cw, sd)
    srv = Serve(c, env, cfg)
    srv.start()

    # ---- 1. alarm -> form -> submit -> progress -> report + files + graphs ----
    thread1 = "%d.000200" % (now - 60)
    t0 = time.time()
    prog = start_analysis(c, sd, srv.port, "EvE2E1", thread1, "api-5xx-high")
    if not prog:
        return
    done = wait_for(lambda: [t for t in updates(sd, prog) if is_outcome(t)], 60)
    c.check(bool(done) and "Analysis complete" in done[0], "the progress message ends with the outcome",
            str(updates(sd, prog)) + srv.logtext())
    ups = updates(sd, prog)
    cyc = [t for t in ups if "cycle " in t and "/5" in t]
    c.check(len(cyc) >= 2, "the progress message was updated in place at least twice with cycle n/5 (%d)" % len(cyc),
            json.dumps(ups, ensure_ascii=False))
    c.check(any("running: audit_log_tool" in t for t in ups) and all("elapsed" in t for t in cyc),
            "updates name the running tools and the elapsed seconds", json.dumps(ups, ensure_ascii=False))
    times = sd.update_times(prog)
    gaps = [b - a for a, b in zip(times[:-2], times[1:-1])]
    c.check(all(g >= 1.9 for g in gaps), "progress updates at least 2 s apart (final excepted)", str(gaps))
    rep = wait_for(lambda: report_posts(sd, thread1), 20)
    c.check(bool(rep) and REPORT["summary"] in json.dumps(rep[0]["args"].get("blocks")),
            "the report blocks (the model's summary) are in the thread")
    check_report_blocks(c, rep)
    files = wait_for(lambda: [x for x in sd.calls("files.completeUploadExternal")
                              if x["args"].get("thread_ts") == thread1 and
                              any(sd.uploads[f["id"]]["filename"].endswith(".png") for f in x["args"]["files"])], 20)
    thread_files = [f["id"] for x in sd.calls("files.completeUploadExternal") if x["args"].get("thread_ts") == thread1
                    for f in x["args"]["files"]]
    names = [sd.uploads[i]["filename"] for i in thread_files]
    c.check("fa2-report.md" in names, "the Markdown report file is uploaded in the thread", str(names))
    pngs = [i for i in thread_files if sd.uploads[i]["filename"].endswith(".png")]
    c.check(bool(files) and pngs and all(sd.uploads[i]["data"].startswith(b"\x89PNG\r\n\x1a\n") for i in pngs),
            "metric graph PNG(s) uploaded in the thread (%d)" % len(pngs), str(names) + srv.logtext())
    c.check(not cw.errors and cw.verified >= 1, "GetMetricWidgetImage: SigV4 'monitoring' verified by botocore, "
            "MetricWidget valid (%d call(s))" % cw.verified, "\n".join(cw.errors))
    w = cw.widgets[0] if cw.widgets else {}
    c.check(w.get("metrics") == [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LB]] and
            w.get("annotations", {}).get("vertical"), "the widget: the cited metric and the alarm annotation",
            json.dumps(w))
    c.check("DescribeAlarms" in " ".join(cw.forwarded), "other CloudWatch calls reached moto through the double")
    c.check(not dbl.errors and not sd.violations(), "no protocol violations (Converse, CloudTrail, Slack)",
            "\n".join(dbl.errors + sd.violations()))
    print("   first analysis took %.1f s" % (time.time() - t0))
    # /metrics: the analysis, its tool calls, model calls, tokens and duration are counted
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % srv.port, timeout=10) as r:
        mtext = r.read().decode()
    mv = {}
    for line in mtext.splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            mv[k] = float(v)
    c.check(mv.get('fa2_agent_analyses_total{outcome="complete"}') == 1 and
            mv.get('fa2_agent_tool_calls_total{source="run"}', 0) >= 2 and
            mv.get("fa2_agent_model_calls_total", 0) >= 2 and
            mv.get('fa2_llm_tokens_total{direction="input"}', 0) > 0 and
            mv.get("fa2_analysis_duration_seconds_count") == 1 and
            mv.get('fa2_analysis_duration_seconds_bucket{le="+Inf"}') == 1 and
            0 < mv.get("fa2_analysis_duration_seconds_sum", 0) < 60,
            "/metrics counts the analysis, tool and model calls, tokens and its duration",
            "\n".join(l for l in mtext.splitlines() if "agent" in l or "llm" in l or "duration" in l))

    # ---- 2. kill -9 mid-analysis, restart: resumes, report posted once ----
    n_ct = len(dbl.cloudtrail)
    dbl.converse.clear()
    dbl.hold_turn, dbl.hold_s = 2, 15
    dbl.held.clear()
    thread2 = "%d.000300" % (now - 30)
    prog2 = start_analysis(c, sd, srv.port, "EvE2E2", thread2, "api-5xx-second")
    c.check(dbl.held.wait(60), "the second analysis reached its report call")
    os.kill(srv.p.pid, signal.SIGKILL)
    srv.p.wait()
    # The triage digest's LookupEvents come before the first model call; the model's
    # audit_log_tool calls after it.
    t_first = dbl.converse[0][0] if dbl.converse else 0
    c.check(len([t for t, _ in dbl.cloudtrail[n_ct:] if t > t_first]) == 2,
            "two LookupEvents of the model's tools before the kill")
    n_ct = len(dbl.cloudtrail)
    dbl.hold_turn = None
    n_conv = len(dbl.converse)
    n_widgets = len(cw.widgets)
    srv.start()
    done2 = wait_for(lambda: [t for t in updates(sd, prog2) if is_outcome(t)], 60)
    c.check(bool(done2) and "Analysis complete" in done2[-1], "the resumed analysis completes in the same message",
            str(updates(sd, prog2)) + srv.logtext())
    c.check(any("resuming after a restart" in t for t in updates(sd, prog2)), "the progress message says it resumed")
    c.check(len(dbl.cloudtrail) == n_ct, "resume repeated no tool call nor the digest (CloudTrail %d new)"
            % (len(dbl.cloudtrail) - n_ct))
    c.check([t for _, t, _ in dbl.converse[n_conv:]] == [2], "after the restart only the report turn was asked",
            str([t for _, t, _ in dbl.converse[n_conv:]]))
    time.sleep(2)
    reps = report_posts(sd, thread2)
    mds = [f for x in sd.calls("files.completeUploadExternal") if x["args"].get("thread_ts") == thread2
           for f in x["args"]["files"] if sd.uploads[f["id"]]["filename"] == "fa2-report.md"]
    c.check(len(reps) == 1 and len(mds) == 1, "the report is posted once (%d, %d)" % (len(reps), len(mds)))
    # The resumed analysis takes its alarm from the session journal: its graphs draw the
    # alarm's metric with the state-change mark like a new analysis.
    w2 = wait_for(lambda: [w for w in cw.widgets[n_widgets:] if w.get("annotations", {}).get("vertical")], 20)
    c.check(bool(w2) and ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LB] in w2[0].get("metrics", []),
            "the resumed analysis graphs the alarm's metric with its state change (alarm read from the journal)",
            json.dumps(cw.widgets[n_widgets:])[:800])

    # ---- 3. too old to resume -> failed, with a message in its thread ----
    sessions = os.path.join(state, "sessions")
    src = sorted(os.listdir(sessions))[-1]
    old = src[:-1] + ("0" if src[-1] != "0" else "1")
    shutil.copytree(os.path.join(sessions, src), os.path.join(sessions, old))
    with open(os.path.join(sessions, old, "summary.json")) as f:
        s = json.load(f)
    s["status"] = "running"
    s["slack"].update(posted=False, startedMs=(now - 7200) * 1000, progressTs="1700009999.000100",
                      thread="1700009998.000100")
    with open(os.path.join(sessions, old, "summary.json"), "w") as f:
        json.dump(s, f)
    os.kill(srv.p.pid, signal.SIGTERM)
    srv.p.wait(15)
    n_conv = len(dbl.converse)
    srv.start()
    msg = wait_for(lambda: updates(sd, "1700009999.000100"), 20)
    c.check(bool(msg) and "too long ago to resume" in msg[0], "an old session: its thread is told", str(msg))
    with open(os.path.join(sessions, old, "summary.json")) as f:
        s = json.load(f)
    c.check(s.get("status") == "failed" and s["slack"].get("posted") is True, "the old session is marked failed",
            json.dumps(s)[:400])
    c.check(len(dbl.converse) == n_conv, "the old session asked the model nothing")

    # ---- 4. graphs failing never fails the analysis; a long Japanese report ----
    cw.fail = True
    dbl.converse.clear()
    dbl.script[2] = D.converse_reply([{"text": json.dumps(BIG_REPORT, ensure_ascii=False)}], "end_turn")
    thread3 = "%d.000400" % (now - 20)
    prog3 = start_analysis(c, sd, srv.port, "EvE2E3", thread3, "api-5xx-high")
    done3 = wait_for(lambda: [t for t in updates(sd, prog3) if is_outcome(t)], 60)
    c.check(bool(done3) and "Analysis complete" in done3[-1], "graph failure: the analysis still completes")
    rep3 = wait_for(lambda: report_posts(sd, thread3), 20)
    c.check(bool(rep3), "graph failure: the report is still posted")
    time.sleep(1)
    parts = [x for x in sd.calls("chat.postMessage") if x["args"].get("thread_ts") == thread3 and
             x["args"].get("text", "").startswith(REPORT_TITLE)]
    allb = json.dumps([x["args"].get("blocks") for x in parts], ensure_ascii=False)
    c.check(len(parts) >= 3 and all("(continued %d/%d)" % (i + 1, len(parts)) in parts[i]["args"]["text"]
                                    for i in range(1, len(parts))),
            "a long report continues in thread replies (%d messages), each with its fallback text" % len(parts),
            str([x["args"].get("text") for x in parts]))
    lost = [m for m in BIG_MARKERS if m not in allb]
    c.check(not lost, "nothing of the long report is lost across the messages", str(lost[:10]))
    c.check(not sd.violations(), "every message of the long report passed Block Kit's limits in the double",
            "\n".join(sd.violations()))
    time.sleep(1)
    c.check("GetMetricWidgetImage" in srv.logtext(), "graph failure: a log line says why")

    # ---- 5. Slack refuses the report's blocks: the Markdown file still reaches the thread ----
    cw.fail = False
    sd.refuse_headers = True
    dbl.script[2] = D.converse_reply([{"text": json.dumps(REPORT)}], "end_turn")
    thread4 = "%d.000500" % (now - 10)
    prog4 = start_analysis(c, sd, srv.port, "EvE2E4", thread4, "api-5xx-high")
    wait_for(lambda: [t for t in updates(sd, prog4) if is_outcome(t)], 60)
    up = wait_for(lambda: [x for x in sd.calls("files.completeUploadExternal") if x["args"].get("thread_ts") == thread4
                           and any(sd.uploads[f["id"]]["filename"] == "fa2-report.md" for f in x["args"]["files"])], 20)
    c.check(bool(up) and up[0]["args"].get("initial_comment") == REPORT_TITLE,
            "refused report blocks: the Markdown file is still uploaded, titled, in the thread",
            json.dumps([x["args"] for x in sd.calls("files.completeUploadExternal")])[-600:])
    c.check("report blocks not posted" in srv.logtext(), "refused report blocks: the log says so")
    sd.refuse_headers = False
    os.kill(srv.p.pid, signal.SIGTERM)
    c.check(srv.p.wait(15) == 0, "fa2 serve stops cleanly")


def report_posts(sd, thread):
    """The report's first messages in thread (their notification text starts with the title)."""
    return [x for x in sd.calls("chat.postMessage") if x["args"].get("thread_ts") == thread and
            x["args"].get("text", "").startswith(REPORT_TITLE + ":")]


def check_report_blocks(c, rep):
    """The report as Block Kit built from its data (the double has already checked the
    documented limits: a breach is a violation): header, fields, markdown for the model's
    text, the timeline in Asia/Tokyo, the causal chain; no GitHub Markdown in mrkdwn."""
    blocks = rep[0]["args"].get("blocks") or [] if rep else []
    types = [b.get("type") for b in blocks]
    mrkdwn = [b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict) and
              b["text"].get("type") == "mrkdwn"]
    mrkdwn += [f["text"] for b in blocks for f in b.get("fields") or []]
    c.check(types[:1] == ["header"] and blocks[0]["text"]["text"] == REPORT_TITLE,
            "the report starts with a header block", json.dumps(blocks)[:600])
    c.check(any(b.get("type") == "markdown" and b.get("text") == REPORT["summary"] for b in blocks),
            "the model's summary is a markdown block", json.dumps(blocks)[:1500])
    c.check("*Severity*\nHigh" in [f["text"] for b in blocks for f in b.get("fields") or []],
            "severity and confidence are section fields", json.dumps(blocks)[:1500])
    c.check(not any(t.lstrip().startswith("#") or "**" in t or "| ---" in t for t in mrkdwn),
            "no GitHub Markdown (headings, **, pipe tables) in mrkdwn text", json.dumps(mrkdwn)[:1500])
    cells = ["".join(e.get("text", "") for sec in cl.get("elements", []) for e in sec.get("elements", []))
             for b in blocks if b.get("type") == "table" for r in b["rows"] for cl in r]
    c.check("2026-11-25 17:10 JST" in cells and "configuration change" in cells,
            "the timeline is a table block, the model's UTC time shown in Asia/Tokyo", json.dumps(cells))
    c.check(any("Lambda timeout lowered to 3 s (2026-11-25 17:10 JST) → upstream calls time out → 5xx on /pay → "
                "api-5xx-high" in t for t in mrkdwn),
            "the causal chain is shown as an arrow line", json.dumps(mrkdwn, ensure_ascii=False)[:2000])


if __name__ == "__main__":
    main()
