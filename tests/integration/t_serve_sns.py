#!/usr/bin/env python3
"""fa2 serve's Amazon SNS endpoint (POST /sns, src/serve/sns.c) end to end, on loopback:
a local CA (AWS_CA_BUNDLE) and an HTTPS server playing the SNS host (AWS_ENDPOINT_URL_SNS,
sns_peers.py) serve the signing certificate and answer the SubscribeURL; messages are
signed with Python's cryptography as SNS signs them; the strict Slack Web API double,
moto_server and the scripted Converse / CloudTrail doubles of t_slack_e2e.py stand in
for Slack, AWS and the model.

Two configured topics: "form" posts the analysis form in its channel, "analyze" starts
the analysis at once and posts the report in that channel. Checked: a subscription is
confirmed for a configured topic only; a correctly signed CloudWatch alarm (classic
alarm action, and an EventBridge "CloudWatch Alarm State Change" through SNS) gives
exactly one form with the alarm's name, region and metric; an OK notification gives
none; a redelivery (same MessageId) is answered 200 and gives nothing more; a bad
signature, a certificate URL on another host, an unknown topic, a stale Timestamp and an
oversized body are refused with their status and give nothing; the analyze topic's alarm
is announced in its channel and its report reaches that channel's thread."""
# itest-timeout: 400
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_e2e as E  # noqa: E402  (exits 77 without moto / botocore)
import agent_doubles as D  # noqa: E402

try:
    import sns_peers as P  # noqa: E402  (needs cryptography)
except ImportError as e:
    print("python cryptography is not installed (%s)" % e)
    sys.exit(77)

TOPIC_FORM = "arn:aws:sns:ap-northeast-1:123456789012:fa2-alarms"
TOPIC_AUTO = "arn:aws:sns:us-east-1:123456789012:fa2-auto"
TOPIC_OTHER = "arn:aws:sns:ap-northeast-1:123456789012:someone-else"
CH_FORM, CH_AUTO = "C0SNSFORM", "C0SNSAUTO"


def post_sns(port, m, headers=None, raw=None):
    body = raw if raw is not None else json.dumps(m).encode()
    h = {"Content-Type": "text/plain; charset=UTF-8"}
    if m is not None:
        h.update({"x-amz-sns-message-type": m["Type"], "x-amz-sns-message-id": m["MessageId"],
                  "x-amz-sns-topic-arn": m["TopicArn"]})
    h.update(headers or {})
    req = urllib.request.Request("http://127.0.0.1:%d/sns" % port, data=body, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def forms(sd, channel):
    return [x for x in sd.calls("chat.postMessage") if x["args"].get("channel") == channel and
            any(b.get("type") == "input" for b in x["args"].get("blocks") or [])]


def eventbridge(name, region, account, state="ALARM"):
    now = P.datetime.datetime.now(P.UTC)
    return json.dumps({
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": account, "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region, "resources": ["arn:aws:cloudwatch:%s:%s:alarm:%s" % (region, account, name)],
        "detail": {"alarmName": name, "configuration": {"metrics": [{"id": "m1", "metricStat": {
            "metric": {"dimensions": {"InstanceId": "i-0abc"}, "name": "CPUUtilization", "namespace": "AWS/EC2"},
            "period": 300, "stat": "Average"}, "returnData": True}]},
            "previousState": {"value": "OK", "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.000+0000")},
            "state": {"value": state, "reason": "Threshold Crossed", "timestamp":
                      now.strftime("%Y-%m-%dT%H:%M:%S.000+0000")}}})


def run(c, moto, dbl, cw, sd):
    now = int(time.time())
    E.seed(moto, now)
    dbl.script = {0: D.converse_reply([{"text": "```json\n" + json.dumps(E.REPORT) + "\n```"}], "end_turn")}
    pki = P.Pki(E.TMP)
    host = P.SnsHost(pki)
    host.pems["/certs/good.pem"] = pki.signing_cert()
    cert_url = host.url + "/certs/good.pem"
    state = os.path.join(E.TMP, "state")
    cfg = os.path.join(E.TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": E.MODEL, "env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/fa2/app"],
                   "maxAgentCycles": 3, "stateDir": state,
                   "llm": {"maxRetries": 1, "backoffMs": 200, "timeoutSeconds": 60},
                   "agent": {"timeoutSeconds": 120},
                   "sns": {"topics": [{"topicArn": TOPIC_FORM, "channel": CH_FORM, "action": "form"},
                                      {"topicArn": TOPIC_AUTO, "channel": CH_AUTO, "action": "analyze"}]}}, f)
    env = E.serve_env(moto, dbl, cw, sd)
    env.update(AWS_CA_BUNDLE=pki.ca_pem, AWS_ENDPOINT_URL_SNS=host.url)
    # a bad "sns" object: fa2 check and fa2 serve say the same sentence
    badcfg = os.path.join(E.TMP, "bad.json")
    with open(badcfg, "w") as f:
        json.dump({"sns": {"topics": [{"topicArn": TOPIC_FORM, "channel": "#alerts"}]}}, f)
    r = subprocess.run([E.FA2, "check", "--offline", "--config", badcfg], env=env, capture_output=True, text=True,
                       timeout=30)
    c.check(r.returncode == 1 and "FAIL sns" in r.stdout and "sns.topics[0].channel must be a Slack channel id"
            in r.stdout, "fa2 check fails a bad sns.topics[].channel", r.stdout + r.stderr)
    r = subprocess.run([E.FA2, "serve", "--listen", "127.0.0.1:0", "--config", badcfg], env=env,
                       capture_output=True, text=True, timeout=30)
    c.check(r.returncode == 2 and "sns.topics[0].channel must be a Slack channel id" in r.stderr,
            "fa2 serve refuses to start with it (exit 2)", "%d %s" % (r.returncode, r.stderr[-500:]))
    r = subprocess.run([E.FA2, "check", "--offline", "--config", cfg], env=env, capture_output=True, text=True,
                       timeout=30)
    c.check("ok   sns          POST /sns: topic %s -> analysis form in channel %s" % (TOPIC_FORM, CH_FORM) in r.stdout
            and "-> analysis at once, report in channel %s" % CH_AUTO in r.stdout,
            "fa2 check lists the SNS topics and what they do", r.stdout)
    srv = E.Serve(c, env, cfg)
    try:
        srv.start()
        port = srv.port

        # ---- subscription confirmation: configured topic only ----
        def sub(topic):
            return P.sign({"Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()), "Token": "2336412f37fb",
                           "TopicArn": topic, "Message": "You have chosen to subscribe to the topic " + topic,
                           "SubscribeURL": host.url + "/?Action=ConfirmSubscription&TopicArn=" + topic +
                           "&Token=2336412f37fb", "Timestamp": P.timestamp()}, pki.sign_key, cert_url, 2)
        host.confirm_answer = TOPIC_FORM + ":8a21d249"
        st, body = post_sns(port, sub(TOPIC_FORM))
        gets = [r[1] for r in host.requests if r[0] == "GET" and "ConfirmSubscription" in r[1]]
        c.check(st == 200 and len(gets) == 1 and "TopicArn=" + TOPIC_FORM in gets[0],
                "a SubscriptionConfirmation for a configured topic is confirmed by a GET of its SubscribeURL",
                "%s %s %s" % (st, body, gets) + srv.logtext())
        st, body = post_sns(port, sub(TOPIC_OTHER))
        gets2 = [r[1] for r in host.requests if r[0] == "GET" and "ConfirmSubscription" in r[1]]
        c.check(st == 403 and len(gets2) == 1, "a SubscriptionConfirmation for another topic: 403, not confirmed",
                "%s %s %s" % (st, body, gets2))

        # ---- a correctly signed alarm -> exactly one form in the topic's channel ----
        good = P.sign(P.notification(TOPIC_FORM, P.alarm_message(name="checkout 5xx"), subject='ALARM: "checkout 5xx"'),
                      pki.sign_key, cert_url, 1)
        st, body = post_sns(port, good)
        c.check(st == 200, "a signed alarm notification is accepted (200)", "%s %s" % (st, body) + srv.logtext())
        f = E.wait_for(lambda: forms(sd, CH_FORM), 20)
        c.check(bool(f) and len(f) == 1, "one form is posted in the topic's channel", srv.logtext())
        if f:
            desc = [b["element"]["initial_value"] for b in f[0]["args"]["blocks"]
                    if b.get("type") == "input" and b["block_id"] == "fa2_desc"][0]
            c.check("checkout 5xx" in desc and "ap-northeast-1" in desc and
                    "AWS/ApplicationELB HTTPCode_Target_5XX_Count LoadBalancer=app/checkout/0123" in desc,
                    "the form names the alarm, its region (from the payload) and its metric", desc)
            c.check(not f[0]["args"].get("thread_ts"), "the form is a new message in the channel (no thread)")
            btn = [e for b in f[0]["args"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
            c.check(bool(btn) and "123456789012" in btn[0].get("value", ""),
                    "the form's button carries the alarm (its account)", json.dumps(btn)[:500])

        # ---- redelivery of the same MessageId: 200, nothing more ----
        st, body = post_sns(port, good)
        c.check(st == 200 and "duplicate" in body, "a redelivery (same MessageId) is answered 200 as a duplicate",
                "%s %s" % (st, body))

        # ---- refused: bad signature, other host, unknown topic, stale, oversized ----
        bad = dict(good)
        bad["MessageId"] = str(uuid.uuid4())  # the signature no longer covers it
        st, body = post_sns(port, bad)
        c.check(st == 403 and "bad-signature" in body, "a bad signature is refused (403 bad-signature)",
                "%s %s" % (st, body))
        evil = P.sign(P.notification(TOPIC_FORM, P.alarm_message(name="evil")), pki.sign_key,
                      "https://evil.example.com/SimpleNotificationService-x.pem", 2)
        st, body = post_sns(port, evil)
        c.check(st == 403 and "bad-cert-url" in body, "a certificate URL on another host is refused (403)",
                "%s %s" % (st, body))
        other = P.sign(P.notification(TOPIC_OTHER, P.alarm_message(name="other")), pki.sign_key, cert_url, 2)
        st, body = post_sns(port, other)
        c.check(st == 403 and "unknown-topic" in body, "an unknown topic is refused (403)", "%s %s" % (st, body))
        old = P.sign(P.notification(TOPIC_FORM, P.alarm_message(name="old"), ts=P.timestamp(
            P.datetime.datetime.now(P.UTC) - P.datetime.timedelta(hours=3))), pki.sign_key, cert_url, 2)
        st, body = post_sns(port, old)
        c.check(st == 403 and "stale" in body, "a Timestamp 3 h old is refused (403 stale)", "%s %s" % (st, body))
        st, body = post_sns(port, None, raw=b"{" + b" " * (1100 * 1024) + b"}")
        c.check(st == 413, "an oversized body is refused (413)", "%s" % st)
        st, body = post_sns(port, None, raw=b"not json")
        c.check(st == 400, "a body that is not an SNS message: 400", "%s %s" % (st, body))
        # the refused sender cannot replay a good message under a forged header either
        st, body = post_sns(port, good, headers={"x-amz-sns-topic-arn": TOPIC_OTHER})
        c.check(st == 400, "headers disagreeing with the body: 400", "%s %s" % (st, body))

        # ---- OK state: accepted, no form ----
        okm = P.sign(P.notification(TOPIC_FORM, P.alarm_message(name="back to ok", state="OK")), pki.sign_key,
                     cert_url, 2)
        st, body = post_sns(port, okm)
        c.check(st == 200 and "ignored" in body, "an OK notification is answered 200 and ignored", "%s %s" % (st, body))

        # ---- EventBridge alarm state change delivered through SNS ----
        ev = P.sign(P.notification(TOPIC_FORM, eventbridge("cpu-high", "eu-west-1", "210987654321")), pki.sign_key,
                    cert_url, 2)
        st, body = post_sns(port, ev)
        c.check(st == 200, "an EventBridge alarm state change through SNS is accepted", "%s %s" % (st, body))
        f2 = E.wait_for(lambda: len(forms(sd, CH_FORM)) >= 2 and forms(sd, CH_FORM), 20)
        if f2:
            d2 = [b["element"]["initial_value"] for b in f2[1]["args"]["blocks"]
                  if b.get("type") == "input" and b["block_id"] == "fa2_desc"][0]
            c.check("cpu-high" in d2 and "eu-west-1" in d2, "its form names the alarm and its region", d2)
        else:
            c.check(False, "a form for the EventBridge alarm", srv.logtext())
        time.sleep(1.5)  # anything late from the refused / duplicate / OK deliveries would show now
        descs = [b["element"]["initial_value"] for x in forms(sd, CH_FORM) for b in x["args"]["blocks"]
                 if b.get("type") == "input" and b["block_id"] == "fa2_desc"]
        named = sorted(d.split(" went to ALARM")[0].replace("CloudWatch alarm ", "") for d in descs)
        c.check(named == ["checkout 5xx", "cpu-high"],
                "exactly two forms: nothing for the refused, duplicate or OK deliveries", str(named))

        # ---- analyze topic: announced, analysed, report in the channel's thread ----
        auto = P.sign(P.notification(TOPIC_AUTO, P.alarm_message(name="api-5xx-high", region_name="US East (N. Virginia)",
                                                                 region="us-east-1")), pki.sign_key, cert_url, 2)
        t0 = time.time()
        st, body = post_sns(port, auto)
        c.check(st == 200 and time.time() - t0 < 5, "the analyze topic's alarm is answered at once (%.1fs)" %
                (time.time() - t0), "%s %s" % (st, body))
        ann = E.wait_for(lambda: [x for x in sd.calls("chat.postMessage") if x["args"].get("channel") == CH_AUTO and
                                  not x["args"].get("thread_ts")], 20)
        c.check(bool(ann) and "api-5xx-high" in ann[0]["args"].get("text", "") and
                "us-east-1" in ann[0]["args"].get("text", ""), "the alarm is announced in the analyze channel",
                json.dumps(ann)[:500] + srv.logtext())
        if ann:
            thread = "%d.000100" % (1700000000 + sd.calls("chat.postMessage").index(ann[0]) + 1)
            rep = E.wait_for(lambda: E.report_posts(sd, thread), 90)
            c.check(bool(rep) and E.REPORT["summary"] in json.dumps(rep[0]["args"].get("blocks")) and
                    rep[0]["args"]["channel"] == CH_AUTO,
                    "the report reaches the configured channel, in the announcement's thread", srv.logtext())
            c.check(not forms(sd, CH_AUTO), "no form for the analyze topic")
        c.check(not sd.violations() and not dbl.errors, "no protocol violations (Slack, Converse)",
                "\n".join(sd.violations() + dbl.errors))
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
            mtext = r.read().decode()
        c.check("fa2_sns_alarms_total 3" in mtext and "fa2_sns_duplicates_total 1" in mtext and
                "fa2_sns_confirmed_total 1" in mtext, "/metrics counts SNS alarms, duplicates and confirmations",
                "\n".join(l for l in mtext.splitlines() if "sns" in l))
        # ---- SNS only: a bot token, no signing secret nor app token (no Slack app delivering) ----
        srv.p.terminate()
        srv.p.wait(30)
        env2 = dict(env)
        env2.pop("SLACK_SIGNING_SECRET", None)
        srv2 = E.Serve(c, env2, cfg)
        srv2.start()
        n = len(forms(sd, CH_FORM))
        st, body = post_sns(srv2.port, P.sign(P.notification(TOPIC_FORM, P.alarm_message(name="sns-only")),
                                              pki.sign_key, cert_url, 2))
        c.check(st == 200, "SNS only (no signing secret): the alarm is accepted", "%s %s" % (st, body) + srv2.logtext())
        c.check(bool(E.wait_for(lambda: len(forms(sd, CH_FORM)) > n, 20)), "SNS only: its form is posted",
                srv2.logtext())
        st, body = post_sns(srv2.port, good)
        c.check(st == 200 and "duplicate" in body, "after a restart, a redelivery is still a duplicate (the store)",
                "%s %s" % (st, body))
        req = urllib.request.Request("http://127.0.0.1:%d/slack/events" % srv2.port, data=b"{}")
        try:
            code = urllib.request.urlopen(req, timeout=10).status
        except urllib.error.HTTPError as e:
            code = e.code
        c.check(code == 404, "SNS only: no Slack endpoint is served (404)", str(code))
    finally:
        host.stop()


if __name__ == "__main__":
    E.main(run)
