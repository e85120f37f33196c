#!/usr/bin/env python3
"""fa2 analyze end to end against real and strict peers on loopback:
moto_server (authentication on) for CloudWatch Logs and CloudWatch metrics, seeded here;
the strict Converse + CloudTrail doubles of agent_doubles.py (SigV4 checked with
botocore). Checks: the scripted tools run and their observations reach the model
(templates, change points, mutating events first); two tools of one turn that each take
1 s finish in about 1 s; kill -9 during an analysis then `fa2 sessions resume` finishes
without repeating a tool call; throttling on every Converse call gives a partial report
and exit 1 within the deadline."""
import json
import os
import re
import shutil
import signal
import subprocess
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
REPORT = {"summary": "Payments failed because the upstream timed out after a Lambda change.",
          "rootCauses": [{"title": "Lambda timeout lowered", "severity": "high", "confidence": "medium",
                          "evidence": ["audit_log_tool: UpdateFunctionConfiguration at 08:10"]}],
          "timeline": [{"time": "2026-11-25T08:10:00Z", "event": "configuration change"}],
          "actions": ["restore the timeout"], "causalChain": D.CAUSAL_CHAIN}
NODE_DIR = os.path.join(os.environ.get("FA2_ROOT", "."), "tests", "node")


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


def seed(moto, now):
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="/fa2/app")
    logs.create_log_stream(logGroupName="/fa2/app", logStreamName="web-1")
    evs = []
    for i in range(300):
        t = (now - 1800 + i * 5) * 1000
        if i % 2:
            evs.append({"timestamp": t, "message": "ERROR payment failed order=%d upstream timeout after %d ms" % (i, 3000 + i)})
        else:
            evs.append({"timestamp": t, "message": "INFO GET /api/items/%d 200 %d ms" % (i, 10 + i % 7)})
    logs.put_log_events(logGroupName="/fa2/app", logStreamName="web-1", logEvents=evs)
    cw = moto.client("cloudwatch")
    data = []
    for i in range(30):
        v = 1.0 + (i % 3) * 0.1 if i < 20 else 50.0 + (i % 3)
        data.append({"MetricName": "HTTPCode_Target_5XX_Count", "Value": v, "Timestamp": now - 1800 + i * 60,
                     "Dimensions": [{"Name": "LoadBalancer", "Value": "app/web/123"}]})
    for k in range(0, 30, 10):
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data[k:k + 10])
    seg = {"trace_id": "1-%08x-%024x" % (now - 600, 9), "id": "%016x" % 11, "name": "pay-api",
           "start_time": now - 600, "end_time": now - 597, "fault": True, "http": {"response": {"status": 502}},
           "cause": {"exceptions": [{"type": "UpstreamTimeout", "message": "gateway timed out after 3000 ms"}]}}
    ok = {"trace_id": "1-%08x-%024x" % (now - 500, 10), "id": "%016x" % 12, "name": "pay-api",
          "start_time": now - 500, "end_time": now - 499.9}
    moto.client("xray").put_trace_segments(TraceSegmentDocuments=[json.dumps(seg), json.dumps(ok)])
    cw.put_metric_data(Namespace="FA2/Custom", MetricData=[{"MetricName": "Orders", "Value": 3.0,
                                                             "Timestamp": now - 600}])


def script(dbl):
    dbl.script = {
        0: D.converse_reply([{"text": "Looking at logs and metrics first."},
                             D.tool_use("tu-logs-1", "logs_tool", {"filter": "@message like /ERROR/"}),
                             D.tool_use("tu-metrics-1", "metrics_tool", {})], "tool_use"),
        1: D.converse_reply([D.tool_use("tu-ct-1", "audit_log_tool", {"eventName": "UpdateFunctionConfiguration"}),
                             D.tool_use("tu-ct-2", "audit_log_tool", {"eventName": "PutRolePolicy"})], "tool_use"),
        2: D.converse_reply([D.tool_use("tu-xray-1", "xray_tool", {}),
                             D.tool_use("tu-kb-1", "kb_tool", {"query": "payment timeout runbook",
                                                               "numberOfResults": 2})], "tool_use"),
        3: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn"),
    }


def tool_results(req):
    """toolUseId -> (status, text) of the last user message."""
    out = {}
    for b in req["messages"][-1]["content"]:
        if "toolResult" in b:
            tr = b["toolResult"]
            out[tr["toolUseId"]] = (tr["status"], "".join(x["text"] for x in tr["content"]))
    return out


def run(c, moto, dbl):
    now = int(time.time())
    seed(moto, now)
    dbl.ct_events = [
        D.ct_event("UpdateFunctionConfiguration", now - 1200, "lambda.amazonaws.com", "alice", resource="pay-fn"),
        D.ct_event("PutRolePolicy", now - 1100, "iam.amazonaws.com", "bob", error="AccessDenied"),
        D.ct_event("DescribeInstances", now - 1000, "ec2.amazonaws.com", "carol", read_only=True),
    ]
    dbl.ct_delay = {"UpdateFunctionConfiguration": 1.0, "PutRolePolicy": 1.0}
    script(dbl)
    state = os.path.join(TMP, "state")
    cfg = os.path.join(TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/fa2/app"],
                   "maxAgentCycles": 5, "stateDir": state,
                   "xrayTrace": True, "knowledgeBase": True, "knowledgeBaseId": "KB12345678",
                   "rerankModelId": "amazon.rerank-v1:0",
                   "llm": {"maxRetries": 2, "backoffMs": 200, "timeoutSeconds": 60},
                   "agent": {"toolParallelism": 4, "timeoutSeconds": 120}}, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
                              AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url, AWS_ENDPOINT_URL_CLOUDTRAIL=dbl.url,
                              AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME=dbl.url)
    frm = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 1900))
    to = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 60))
    args = ["analyze", "--from", frm, "--to", to, "--event", "ALB 5xx alarm on app/web", "--config", cfg,
            "--format", "json"]

    # ---- 1. the scripted analysis ----
    rc, out, err, secs = aws_peers.fa2(FA2, args, env, timeout=120)
    c.check(rc == 0, "analyze exits 0", out + err)
    c.check(not dbl.errors, "no protocol violations seen by the doubles", "\n".join(dbl.errors))
    c.check(len(dbl.converse) == 4, "four Converse calls", str([t for _, t, _ in dbl.converse]))
    c.check(dbl.verified >= 5, "SigV4 (bedrock, cloudtrail) verified with botocore on every call (%d)" % dbl.verified)
    try:
        rep = json.loads(out)
    except ValueError:
        rep = {}
    c.check(rep.get("summary") == REPORT["summary"] and rep.get("status") == "complete",
            "the report is the model's, status complete", out[-800:])
    calls = rep.get("agent", {}).get("toolCalls", [])
    # The first observation is the triage digest of the window (before any model call),
    # reported as call triage_digest of cycle 0; the model's own calls follow.
    c.check(bool(calls) and calls[0].get("tool") == "triage_digest" and calls[0].get("cycle") == 0
            and calls[0].get("ok") is True, "the triage digest ran first, as call 0 of cycle 0",
            json.dumps(calls[:1]))
    first = dbl.converse[0][2]["messages"][0]["content"] if dbl.converse else []
    first_text = "".join(b.get("text", "") for b in first)
    c.check("Triage digest" in first_text and "UpdateFunctionConfiguration on pay-fn" in first_text
            and "payment failed order=<*>" in first_text,
            "the first user message holds the digest: the seeded change and the error template read from AWS",
            first_text[:3000])
    calls = [x for x in calls if x.get("tool") != "triage_digest"]
    c.check(sorted(x.get("name", x.get("tool", "")) for x in calls) ==
            ["audit_log_tool", "audit_log_tool", "kb_tool", "logs_tool", "metrics_tool", "xray_tool"],
            "the report lists the six scripted tool calls", json.dumps(calls)[:800])
    if len(dbl.converse) >= 4:
        r1 = tool_results(dbl.converse[1][2])
        logs = r1.get("tu-logs-1", ("", ""))
        met = r1.get("tu-metrics-1", ("", ""))
        c.check(logs[0] == "success" and "payment failed" in logs[1] and "x150" in logs[1],
                "logs_tool: error template with its count (150) reached the model", logs[1][:1500])
        c.check("[ERROR]" in logs[1] and logs[1].index("[ERROR]") < logs[1].index("GET /api/items"),
                "logs_tool: error templates come first", logs[1][:1500])
        c.check(met[0] == "success" and "HTTPCode_Target_5XX_Count" in met[1] and "change at" in met[1]
                and "FA2/Custom" not in met[1],
                "metrics_tool: AWS/ series only, with the change point", met[1][:1500])
        r2 = tool_results(dbl.converse[2][2])
        a1, a2 = r2.get("tu-ct-1", ("", "")), r2.get("tu-ct-2", ("", ""))
        c.check("WRITE lambda.amazonaws.com UpdateFunctionConfiguration user=alice res=pay-fn" in a1[1],
                "audit_log_tool: the mutating event with user and resource", a1[1][:800])
        c.check("ERROR iam.amazonaws.com PutRolePolicy" in a2[1] and "AccessDenied" in a2[1],
                "audit_log_tool: the failed call with its error code", a2[1][:800])
        # Parallelism: both LookupEvents arrived together; the turn took ~1 s, not 2.
        ct = [t for t, _ in dbl.cloudtrail if t > dbl.converse[0][0]]  # not the digest's
        turn = dbl.converse[2][0] - [t for t, k in dbl.converse_done if k == 1][0]
        c.check(len(ct) == 2 and abs(ct[0] - ct[1]) < 0.4, "the two tools of one turn ran at once")
        c.check(0.9 <= turn < 1.7, "a turn of two 1 s tools took %.2f s (about 1 s, not 2)" % turn)
        r3 = tool_results(dbl.converse[3][2])
        xr, kb = r3.get("tu-xray-1", ("", "")), r3.get("tu-kb-1", ("", ""))
        c.check(xr[0] == "success" and "2 traces, 1 with faults" in xr[1] and
                "UpstreamTimeout: gateway timed out after 3000 ms" in xr[1],
                "xray_tool: per-service summary and the faulting trace's root cause", xr[1][:1200])
        c.check(kb[0] == "success" and "s3://kb/runbook-0.md" in kb[1] and "restart the pool" in kb[1],
                "kb_tool: passages with their sources", kb[1][:800])
        kq = dbl.retrieve[0] if dbl.retrieve else {}
        vs = kq.get("retrievalConfiguration", {}).get("vectorSearchConfiguration", {})
        c.check(vs.get("numberOfResults") == 2 and kq.get("retrievalQuery", {}).get("text") == "payment timeout runbook"
                and vs.get("rerankingConfiguration", {}).get("bedrockRerankingConfiguration", {})
                .get("modelConfiguration", {}).get("modelArn") ==
                "arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0" and "knowledgeBaseId" not in kq,
                "Retrieve: query, numberOfResults and the reranking model ARN", json.dumps(kq))

    check_chain(c, rep, state)

    # ---- 2. kill -9 during an analysis, then resume ----
    n_ct = len(dbl.cloudtrail)
    dbl.converse.clear()
    dbl.converse_done.clear()
    dbl.hold_turn, dbl.hold_s = 3, 20
    dbl.held.clear()
    before = set(os.listdir(os.path.join(state, "sessions")))
    p = subprocess.Popen([FA2] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    c.check(dbl.held.wait(60), "the analysis reached its last model call")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    new = sorted(set(os.listdir(os.path.join(state, "sessions"))) - before)
    c.check(len(new) == 1, "one new session was left behind", str(new))
    t_first = dbl.converse[0][0] if dbl.converse else 0
    c.check(len([t for t, _ in dbl.cloudtrail[n_ct:] if t > t_first]) == 2,
            "two LookupEvents of the model's tools before the kill")
    n_ct = len(dbl.cloudtrail)
    dbl.hold_turn = None
    n_conv = len(dbl.converse)
    n_kb = len(dbl.retrieve)
    if new:
        rc, out, err, secs = aws_peers.fa2(FA2, ["sessions", "resume", new[0], "--config", cfg, "--format", "json"],
                                           env, timeout=120)
        c.check(rc == 0, "sessions resume exits 0", out + err)
        try:
            rep = json.loads(out)
        except ValueError:
            rep = {}
        c.check(rep.get("summary") == REPORT["summary"], "the resumed analysis has the model's report", out[-500:])
        c.check(len(dbl.cloudtrail) == n_ct, "resume repeated no CloudTrail call, the digest's neither (%d new)"
                % (len(dbl.cloudtrail) - n_ct))
        c.check(len(dbl.retrieve) == n_kb, "resume repeated no Retrieve call")
        c.check([t for _, t, _ in dbl.converse[n_conv:]] == [3], "resume asked the model only for the last turn",
                str([t for _, t, _ in dbl.converse[n_conv:]]))
        with open(os.path.join(state, "sessions", new[0], "journal.jsonl")) as f:
            recs = [json.loads(line) for line in f if line.strip()]
        ids = [r.get("id") for r in recs if r.get("type") == "tool"]
        c.check(sorted(ids) == ["fa2-triage-digest", "tu-ct-1", "tu-ct-2", "tu-kb-1", "tu-logs-1", "tu-metrics-1", "tu-xray-1"],
                "the journal has each tool call once", str(ids))
        c.check(not dbl.errors, "no protocol violations on resume", "\n".join(dbl.errors))

    # ---- 3. throttling on every Converse call ----
    dbl.throttle = True
    dbl.converse.clear()
    rc, out, err, secs = aws_peers.fa2(FA2, args[:-2] + ["--format", "md"], env, timeout=120)
    c.check(rc == 1, "throttled analysis exits 1", out + err)
    c.check("partial report" in err and "ThrottlingException" in (out + err),
            "stderr says partial report and names the throttling", err[-800:])
    c.check("could not obtain an analysis from the model" in out, "a clear partial report on stdout", out[:800])
    c.check(secs < 30, "it ends within the deadline (%.1f s)" % secs)
    c.check(len(dbl.converse) == 6, "1 + 2 retries for the turn and for the final-report call (%d)" % len(dbl.converse))
    dbl.throttle = False

    # ---- 4. an OpenAI-compatible server instead of Bedrock (bearer key, no signing) ----
    dbl.openai_key = "sk-local-test-123"
    dbl.chat_script = {
        0: {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "audit_log_tool",
                                                                "arguments": json.dumps({"userName": "alice"})}}]},
            "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}},
        1: {"choices": [{"message": {"role": "assistant", "content": json.dumps(dict(REPORT, causalChain="a -> b"))},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}},
    }
    ocfg = os.path.join(TMP, "openai.json")
    with open(ocfg, "w") as f:
        json.dump({"modelId": "local-model", "env": {"region": "us-east-1"}, "stateDir": state,
                   "llm": {"provider": "openai", "endpoint": dbl.url + "/v1", "apiKeyEnv": "FA2_TEST_LLM_KEY",
                           "maxRetries": 0}}, f)
    n_errs = len(dbl.errors)
    rc, out, err, secs = aws_peers.fa2(FA2, ["analyze", "--from", frm, "--to", to, "--event", "x", "--config", ocfg],
                                       dict(env, FA2_TEST_LLM_KEY=dbl.openai_key), timeout=60)
    c.check(rc == 0 and REPORT["summary"] in out, "analyze with an OpenAI-compatible server", out + err)
    c.check("```mermaid" not in out and "Causal chain" not in out,
            "a malformed causalChain (a string) gives a report without a diagram, not a failure", out[-800:])
    c.check(len(dbl.chat) == 2 and len(dbl.errors) == n_errs, "chat double: bearer key, shape, tool_call ids",
            "\n".join(dbl.errors[n_errs:]))
    c.check(dbl.openai_key not in out + err, "the API key is not printed")
    tool_msgs = [m for m in (dbl.chat[1]["messages"] if len(dbl.chat) > 1 else []) if m["role"] == "tool"]
    c.check(len(tool_msgs) == 1 and tool_msgs[0]["tool_call_id"] == "call_1" and "user=alice" in tool_msgs[0]["content"],
            "the tool result went back as a role=tool message", json.dumps(tool_msgs)[:600])

    # ---- 5. --tz Asia/Tokyo: the window in +09:00 with the zone's name; --format pdf (ja) ----
    okey = dict(env, FA2_TEST_LLM_KEY=dbl.openai_key)
    if not os.path.exists(os.path.join(os.environ.get("TZDIR") or "/usr/share/zoneinfo", "Asia/Tokyo")):
        print("skip: no Asia/Tokyo zone file (install tzdata): the --tz checks did not run")
        return
    rc, out, err, _ = aws_peers.fa2(FA2, ["analyze", "--from", frm, "--to", to, "--event", "x", "--config", ocfg,
                                          "--tz", "Asia/Tokyo"], okey, timeout=60)
    c.check(rc == 0 and re.search(r"\+09:00 - \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00 \(Asia/Tokyo, JST\)", out),
            "--tz Asia/Tokyo: the report's window is in +09:00 and names the zone", out[:600] + err)
    c.check("| Time (Asia/Tokyo) | Event |" in out and "| 2026-11-25 17:10 JST | configuration change |" in out,
            "--tz Asia/Tokyo: the timeline time the model wrote in UTC is shown in JST", out[-1500:])
    if shutil.which("pdftotext"):
        pdf = os.path.join(TMP, "report.pdf")
        rc, out, err, _ = aws_peers.fa2(FA2, ["analyze", "--from", frm, "--to", to, "--event", "x", "--config", ocfg,
                                              "--tz", "Asia/Tokyo", "--lang", "ja", "--format", "pdf", "--out", pdf],
                                        okey, timeout=60)
        txt = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True, text=True)
        c.check(rc == 0 and txt.returncode == 0 and "障害分析レポート" in txt.stdout and "(Asia/Tokyo, JST)" in txt.stdout
                and "Lambda timeout lowered" in txt.stdout,
                "--format pdf --lang ja: pdftotext returns the Japanese headings, the zone and the findings",
                txt.stdout[:1200] + err + txt.stderr)
    else:
        print("skip: poppler-utils absent: the PDF check did not run")


def check_chain(c, rep, state):
    """The causal chain: normalised in the JSON report, drawn in the session's report.md as
    a Mermaid flowchart the real Mermaid parser reads as intended, with a text fallback."""
    ch = rep.get("causalChain") or []
    c.check([n.get("kind") for n in ch] == ["change", "mechanism", "symptom", "alarm"] and
            ch[1].get("next") == [{"id": "err", "label": "within 1 min"}] and ch[2].get("next") == [{"id": "alarm", "label": ""}],
            "the report carries the normalised causal chain", json.dumps(ch)[:800])
    sessions = os.path.join(state, "sessions")
    md = ""
    for d in sorted(os.listdir(sessions), reverse=True):
        p = os.path.join(sessions, d, "report.md")
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                md = f.read()
            break
    m = re.search(r"## Causal chain \(hypothesis\)\n\n```mermaid\n(.*?)```\n\n(.*?)\n\n", md, re.S)
    c.check(bool(m), "report.md has the causal chain section with a mermaid block", md[:2000])
    if not m:
        return
    c.check(m.group(2) == "- Lambda timeout lowered to 3 s (2026-11-25 08:10 UTC) → upstream calls time out → "
            "(within 1 min) → 5xx on /pay \"payment failed\" → ALB 5xx alarm",
            "the text fallback line under the diagram", m.group(2))
    if not (shutil.which("node") and os.path.isdir(os.path.join(NODE_DIR, "node_modules", "mermaid"))):
        print("skip: node or the npm mermaid package is absent: the diagram was not parsed")
        return
    case = dict(D.CAUSAL_CHAIN_DRAWN, name="report.md causal chain", mermaid=m.group(1))
    path = os.path.join(TMP, "mermaid-cases.json")
    with open(path, "w") as f:
        json.dump([case], f)
    r = subprocess.run(["node", os.path.join(NODE_DIR, "mermaid_check.mjs"), path], capture_output=True, text=True,
                       timeout=120)
    c.check(r.returncode == 0, "the npm mermaid parser reads the report's flowchart as drawn (nodes, shapes, edges)",
            r.stdout[-1500:] + r.stderr[-1500:])


if __name__ == "__main__":
    main()
