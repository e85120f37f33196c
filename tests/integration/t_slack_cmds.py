#!/usr/bin/env python3
"""/insight and /findings-report through fa2 serve end to end on loopback.

Peers: the strict Slack Web API double (slack_double.py), moto_server with
authentication on (CloudWatch metrics, Security Hub findings), the strict Converse and
GuardDuty doubles (agent_doubles.py). Flow: signed /insight -> views.open with the modal
(question, 1-14 day select) -> signed view_submission -> "working" message in the
channel -> chat.update with the summary -> files upload v2 of the Markdown answer in
that message's thread; /findings-report from a DM the bot cannot post in -> ephemeral
acknowledgement, the report in the user's DM with the bot (conversations.open); with
language "ja", /findings-report answers in Japanese and the PDF it uploads to Slack
reads back in Japanese with pdftotext (headings and findings) and renders with pdftoppm
(poppler-utils, installed by tools/setup-deps.sh); an AWS
failure -> the working message says why; slashCommands off -> polite refusal and no
modal."""
import hashlib
import hmac
import json
import os
import shutil
import socket
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
except ImportError as e:
    print("botocore/boto3 missing: %s" % e)
    sys.exit(77)
from slack_double import Double  # noqa: E402

FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-0000-secret-token"
MODEL = "us.anthropic.claude-test-v1:0"
ANSWER = "## Answer\nThe database CPU of db-1 jumped from about 10% to 85% half an hour ago.\n"
REPORT = "## Overview\nOne high GuardDuty finding needs attention.\n"
REPORT_JA = ("# セキュリティ検出結果レポート\n\n## 概要\n\n重大度の高い GuardDuty の検出結果が 1 件あり、対応が必要です。\n\n"
             "## 推奨する対応\n\n1. i-1 を隔離して調査してください。\n")
procs = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(env, cfg):
    port = free_port()
    log = open(os.path.join(TMP, "serve-cmds-%d.log" % len(procs)), "w+")
    p = subprocess.Popen([FA2, "serve", "--listen", "127.0.0.1:%d" % port, "--config", cfg],
                         stdout=log, stderr=subprocess.STDOUT, env=env)
    p.logfile = log
    procs.append(p)
    for _ in range(200):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1).read()
            return p, port
        except Exception:
            time.sleep(0.05)
    raise RuntimeError("fa2 serve did not start")


def post(port, body, ctype="application/x-www-form-urlencoded"):
    body = body.encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    req = urllib.request.Request("http://127.0.0.1:%d/slack/events" % port, data=body,
                                 headers={"Content-Type": ctype, "X-Slack-Request-Timestamp": ts,
                                          "X-Slack-Signature": sig})
    try:
        r = urllib.request.urlopen(req, timeout=10)
        return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(fn, secs=60):
    end = time.time() + secs
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return None


def command(cmd, channel, user, trigger):
    return urllib.parse.urlencode({"command": cmd, "text": "", "trigger_id": trigger, "channel_id": channel,
                                   "user_id": user, "team_id": "T1", "response_url": "http://127.0.0.1:9/x"})


def submission(channel, user, question, days, vid):
    return "payload=" + urllib.parse.quote(json.dumps({
        "type": "view_submission", "user": {"id": user}, "trigger_id": "5.5.5",
        "view": {"id": vid, "callback_id": "fa2_insight", "private_metadata": channel,
                 "state": {"values": {"fa2_question": {"fa2_question_input": {"type": "plain_text_input",
                                                                              "value": question}},
                                      "fa2_days": {"fa2_days_input": {"type": "static_select",
                                                                      "selected_option": {"value": str(days)}}}}}}}))


def main():
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    dbl = D.Doubles(moto.akid, moto.secret, "us-east-1", MODEL)
    slack = Double(TOKEN)
    try:
        run(c, moto, dbl, slack)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
            if c.failed:
                p.logfile.seek(0)
                print(p.logfile.read()[-3000:])
        slack.close()
        dbl.stop()
        moto.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def run(c, moto, dbl, slack):
    now = int(time.time())
    cw = moto.client("cloudwatch")
    cw.put_metric_data(Namespace="AWS/RDS", MetricData=[
        {"MetricName": "CPUUtilization", "Value": 10.0 + i % 3 if i < 20 else 85.0 + i % 3, "Timestamp": now - 1800 + i * 60,
         "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "db-1"}]} for i in range(30)])
    moto.client("securityhub").batch_import_findings(Findings=[{
        "SchemaVersion": "2018-10-08", "Id": "sh-1", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "GeneratorId": "g", "AwsAccountId": "123456789012", "Types": ["t"], "CreatedAt": "2026-11-20T00:00:00Z",
        "UpdatedAt": "2026-11-20T00:00:00Z", "Severity": {"Label": "HIGH"}, "Title": "Security group open to the world",
        "Description": "d", "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": "sg-1"}]}])
    dbl.gd_detectors = ["d-1"]
    dbl.gd_findings = [D.gd_finding("gd-1", 8.0, "Bitcoin mining on i-1", "CryptoCurrency:EC2/BitcoinTool.B",
                                    "2026-11-25T00:00:00.000Z")]
    prompts = []

    def script(req):
        p = "".join(b.get("text", "") for b in req["messages"][0]["content"])
        prompts.append(p)
        if "Which CloudWatch namespaces" in p:
            return D.converse_reply([{"text": '{"namespaces": ["AWS/RDS"]}'}], "end_turn")
        if "Pick at most" in p:
            return D.converse_reply([{"text": json.dumps({"metrics": [{"namespace": "AWS/RDS",
                "metricName": "CPUUtilization", "dimensions": [{"name": "DBInstanceIdentifier", "value": "db-1"}]}]})}],
                "end_turn")
        if "Metric summaries" in p:
            return D.converse_reply([{"text": ANSWER}], "end_turn")
        if "security findings report" in p:
            return D.converse_reply([{"text": REPORT}], "end_turn")
        if "セキュリティ検出結果レポート" in p:
            return D.converse_reply([{"text": REPORT_JA}], "end_turn")
        return None

    dbl.script_fn = script
    cfg = os.path.join(TMP, "cmds.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"},
                   "llm": {"maxRetries": 0, "timeoutSeconds": 30}, "agent": {"timeoutSeconds": 60}}, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
                              AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url, AWS_ENDPOINT_URL_GUARDDUTY=dbl.url,
                              SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack.url,
                              FA2_STATE_DIR=os.path.join(TMP, "state-cmds"))
    p, port = start(env, cfg)

    # ---- /insight: modal ----
    st, body = post(port, command("/insight", "C0OPS", "UALICE", "111.222.abc"))
    c.check(st == 200 and not body.strip(), "/insight answers 200 with an empty body", body.decode(errors="replace"))
    v = wait_for(lambda: slack.calls("views.open"), 10)
    view = v[0]["args"]["view"] if v else {}
    c.check(v and v[0]["args"]["trigger_id"] == "111.222.abc" and view.get("callback_id") == "fa2_insight" and
            view.get("private_metadata") == "C0OPS", "views.open with the /insight modal and the trigger id",
            json.dumps(v)[:800])
    blocks = view.get("blocks", [])
    c.check(len(blocks) == 2 and blocks[0]["element"].get("multiline") is True and
            [o["value"] for o in blocks[1]["element"]["options"]] == [str(d) for d in range(1, 15)],
            "the modal has a multiline question and a 1..14 day select", json.dumps(blocks)[:600])

    # ---- /insight: submission ----
    st, body = post(port, submission("C0OPS", "UALICE", "Is db-1 overloaded?", 2, "V100"))
    c.check(st == 200 and not body.strip(), "view_submission closes the modal (200, empty)", body.decode(errors="replace"))
    done = wait_for(lambda: [x for x in slack.calls("files.completeUploadExternal")
                             if x["args"].get("channel_id") == "C0OPS"], 60)
    posts = [x for x in slack.calls("chat.postMessage") if x["args"]["channel"] == "C0OPS"]
    c.check(len(posts) == 1 and "Is db-1 overloaded?" in posts[0]["args"]["text"] and "2 days" in posts[0]["args"]["text"],
            "one working message in the channel, naming the question and period", json.dumps(posts)[:600])
    c.check(bool(done), "the insight file was uploaded in the channel")
    if done and posts:
        a = done[0]["args"]
        fid = a["files"][0]["id"]
        data = slack.uploads.get(fid, {}).get("data", b"").decode()
        c.check(a.get("thread_ts") == "%d.000100" % slack.ts or a.get("thread_ts", "").endswith(".000100"),
                "the file goes in the working message's thread", json.dumps(a))
        c.check(data.startswith(ANSWER) and "AWS/RDS CPUUtilization DBInstanceIdentifier=db-1" in data,
                "the uploaded Markdown is the model's answer with the metric used", data[:600])
        c.check(slack.uploads[fid]["filename"] == "insight.md", "the file is insight.md")
        ups = slack.calls("chat.update")
        c.check(any(u["args"]["channel"] == "C0OPS" and "The database CPU of db-1 jumped" in u["args"]["text"]
                    for u in ups), "the working message is updated with a short summary", json.dumps(ups)[-600:])
    c.check(len(prompts) == 3 and "Is db-1 overloaded?" in prompts[0] and "change at" in prompts[2],
            "three model calls carrying the question and the data", str(len(prompts)))
    # Slack retrying the same submission starts nothing new
    n = len(slack.calls("chat.postMessage"))
    post(port, submission("C0OPS", "UALICE", "Is db-1 overloaded?", 2, "V100"))
    time.sleep(0.5)
    c.check(len(slack.calls("chat.postMessage")) == n, "a retried view_submission starts nothing")

    # ---- /findings-report from a DM the bot cannot post in ----
    slack.unreachable.add("DPEOPLE")
    prompts.clear()
    st, body = post(port, command("/findings-report", "DPEOPLE", "UBOB", "333.444.def"))
    ack = json.loads(body or b"{}")
    c.check(st == 200 and ack.get("response_type") == "ephemeral" and "Working on" in ack.get("text", ""),
            "/findings-report is acknowledged at once (ephemeral)", body.decode(errors="replace"))
    done = wait_for(lambda: [x for x in slack.calls("files.completeUploadExternal")
                             if x["args"].get("channel_id") == "DUBOB"], 60)
    c.check(bool(done), "the report went to the user's DM with the bot (conversations.open)",
            json.dumps(slack.calls("files.completeUploadExternal"))[-600:])
    c.check(any(x["args"]["users"] == "UBOB" for x in slack.calls("conversations.open")), "conversations.open users=UBOB")
    if done:
        fid = done[0]["args"]["files"][0]["id"]
        c.check(slack.uploads[fid]["data"].decode() == REPORT and slack.uploads[fid]["filename"] == "findings-report.md",
                "the uploaded report is the model's")
        # the same report as a PDF in the same thread; poppler reads its text back
        pdfs = wait_for(lambda: [slack.uploads[f["id"]] for x in slack.calls("files.completeUploadExternal")
                                 if x["args"].get("channel_id") == "DUBOB" for f in x["args"]["files"]
                                 if slack.uploads.get(f["id"], {}).get("filename") == "findings-report.pdf"
                                 and "data" in slack.uploads[f["id"]]], 30)
        c.check(bool(pdfs), "the report is uploaded as findings-report.pdf too")
        if pdfs:
            data = pdfs[0]["data"]
            c.check(data.startswith(b"%PDF-"), "the PDF upload is a PDF file", repr(data[:20]))
            pdf_path = os.path.join(os.environ["FA2_TMP"], "findings-report.pdf")
            with open(pdf_path, "wb") as f:
                f.write(data)
            txt = subprocess.run(["pdftotext", pdf_path, "-"], capture_output=True, text=True).stdout
            c.check("Overview" in txt and "One high GuardDuty finding needs attention." in txt,
                    "pdftotext reads the report's heading and text from the PDF", txt[:400])
    c.check(prompts and "Bitcoin mining on i-1" in prompts[0] and "Security group open to the world" in prompts[0],
            "the model got both sources' findings", prompts[0][:800] if prompts else "")

    # ---- /findings-report in Japanese (language "ja"): the PDF uploaded to Slack reads back
    # in Japanese (pdftotext) and renders (pdftoppm) ----
    cfg_ja = os.path.join(TMP, "cmds-ja.json")
    with open(cfg_ja, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "language": "ja",
                   "llm": {"maxRetries": 0, "timeoutSeconds": 30}, "agent": {"timeoutSeconds": 60}}, f)
    env_ja = dict(env, FA2_STATE_DIR=os.path.join(TMP, "state-cmds-ja"))
    p_ja, port_ja = start(env_ja, cfg_ja)
    st, body = post(port_ja, command("/findings-report", "C0JAOPS", "UALICE", "555.666.ja"))
    ack = json.loads(body or b"{}")
    c.check(st == 200 and "セキュリティ検出結果レポートを作成しています" in ack.get("text", ""),
            "/findings-report (ja) is acknowledged in Japanese", body.decode(errors="replace"))
    pdfs = wait_for(lambda: [(f, slack.uploads[f["id"]]) for x in slack.calls("files.completeUploadExternal")
                             if x["args"].get("channel_id") == "C0JAOPS" for f in x["args"]["files"]
                             if slack.uploads.get(f["id"], {}).get("filename") == "findings-report.pdf"
                             and "data" in slack.uploads[f["id"]]], 60)
    c.check(bool(pdfs) and pdfs[0][1]["data"].startswith(b"%PDF-") and "セキュリティ検出結果レポート" in pdfs[0][0].get("title", ""),
            "the ja report is uploaded to Slack as findings-report.pdf, titled in Japanese",
            json.dumps([f for f, _ in pdfs], ensure_ascii=False) if pdfs else "no PDF upload")
    if pdfs:
        pdf_ja = os.path.join(TMP, "findings-report-ja.pdf")
        with open(pdf_ja, "wb") as f:
            f.write(pdfs[0][1]["data"])
        txt = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf_ja, "-"], capture_output=True, text=True)
        want = ["セキュリティ検出結果レポート", "概要", "重大度の高い GuardDuty の検出結果が 1 件あり", "推奨する対応",
                "i-1 を隔離して調査してください"]
        c.check(txt.returncode == 0 and all(w in txt.stdout for w in want),
                "pdftotext of the Slack PDF (ja) returns the Japanese headings and findings",
                "missing %s\n%s%s" % ([w for w in want if w not in txt.stdout], txt.stdout[:1200], txt.stderr))
        ppm = subprocess.run(["pdftoppm", "-png", "-r", "40", pdf_ja, os.path.join(TMP, "slack-ja-page")],
                             capture_output=True, text=True)
        pages = [n for n in os.listdir(TMP) if n.startswith("slack-ja-page") and n.endswith(".png")]
        c.check(ppm.returncode == 0 and ppm.stderr == "" and bool(pages),
                "pdftoppm renders the Slack PDF (ja) with nothing on stderr (%d page(s))" % len(pages), ppm.stderr)
    p_ja.terminate()
    p_ja.wait(10)

    # ---- an AWS failure reaches the user ----
    moto.stop()
    post(port, submission("C0OPS", "UALICE", "And now?", 1, "V200"))
    fail = wait_for(lambda: [u for u in slack.calls("chat.update")
                             if u["args"]["channel"] == "C0OPS" and "The insight failed" in u["args"]["text"]], 90)
    c.check(bool(fail) and "ListMetrics" in fail[0]["args"]["text"],
            "the working message is updated with the reason of the failure", json.dumps(fail)[:600])
    c.check(not slack.violations(), "no Slack API violations", "\n".join(slack.violations()))
    c.check(not dbl.errors, "no AWS protocol violations", "\n".join(dbl.errors))

    # ---- switched off ----
    off = os.path.join(TMP, "cmds-off.json")
    with open(off, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"},
                   "slashCommands": {"insight": False, "findingsReport": False}}, f)
    p2, port2 = start(env, off)
    nv = len(slack.calls("views.open"))
    st, body = post(port2, command("/insight", "C0OPS", "UALICE", "9.9.9"))
    c.check(st == 200 and "turned off" in body.decode() and len(slack.calls("views.open")) == nv,
            "/insight switched off: polite answer, no modal", body.decode(errors="replace"))
    st, body = post(port2, command("/findings-report", "C0OPS", "UALICE", "9.9.8"))
    c.check(st == 200 and "turned off" in body.decode(), "/findings-report switched off: polite answer",
            body.decode(errors="replace"))


main()
