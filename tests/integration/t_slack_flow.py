#!/usr/bin/env python3
"""fa2 serve's Slack endpoint end to end on loopback, against a strict Web API double.

Signed alarm message event -> form in the alarm's thread (window around the alarm);
the same event retried (X-Slack-Retry-Num) -> no second form, also after a restart
(persisted idempotency); OK / INSUFFICIENT_DATA alarms -> no form; bad signature,
stale timestamp, missing headers -> 401; oversize body -> 413; url_verification;
block_actions submit -> form replaced, one progress message, then (the analysis cannot
run offline in this build) that progress message updated in place with the failure
reason and how to retry; a double click -> nothing new; an invalid window -> inline
error in the form; /fa2 -> views.open with the trigger id; a user outside the
allow-list -> polite ephemeral refusal; a 429 with Retry-After is honoured.
"""
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slack_double import Double  # noqa: E402

FA2 = os.environ.get("FA2_ASAN") or os.environ.get("FA2", "build/fa2")
if not os.path.exists(FA2):
    FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP", "/tmp")
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-0000-secret-token"
procs = []


def fail(msg):
    print("FAIL: " + msg)
    for p in procs:
        if p.poll() is None:
            p.terminate()
        try:
            p.logfile.seek(0)
            print(p.logfile.read()[-4000:])
        except Exception:
            pass
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(double, state, extra=(), aws_endpoint="http://127.0.0.1:9", config=None, users="UALICE,UBOB",
          env_changes=None):
    """Starts fa2 serve against double; config: the fa2 configuration (default: a model
    endpoint that refuses connections); env_changes: variables to set (None: remove)."""
    port = free_port()
    cfg = os.path.join(TMP, "cfg.json")
    with open(cfg, "w") as f:
        json.dump(config or {"env": {"region": "us-east-1"},
                             "llm": {"provider": "openai", "endpoint": "http://127.0.0.1:9/v1"}}, f)
    env = dict(os.environ, SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN=TOKEN,
               SLACK_API_URL=double.url, FA2_STATE_DIR=state,
               AWS_ACCESS_KEY_ID="AKIDMOTO", AWS_SECRET_ACCESS_KEY="moto",
               AWS_ENDPOINT_URL=aws_endpoint, AWS_REGION="us-east-1", ASAN_OPTIONS="detect_leaks=1")
    for k, v in (env_changes or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    log = open(os.path.join(TMP, "serve-%d.log" % len(procs)), "w+")
    p = subprocess.Popen([FA2, "serve", "--listen", "127.0.0.1:%d" % port, "--config", cfg,
                          "--slack-allow-users", users] + list(extra),
                         stdout=log, stderr=subprocess.STDOUT, env=env)
    p.logfile = log
    procs.append(p)
    for _ in range(100):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1).read()
            return p, port
        except Exception:
            time.sleep(0.05)
    fail("fa2 serve did not start")


def stop(p):
    p.terminate()
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("fa2 serve did not stop on SIGTERM")
    if rc != 0:
        fail("fa2 serve exited %d" % rc)


def sign(body, ts=None, secret=SECRET):
    ts = str(int(time.time()) if ts is None else ts)
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return ts, "v0=" + mac


def post(port, body, ctype="application/json", ts=None, sig=None, secret=SECRET, headers=None):
    if isinstance(body, str):
        body = body.encode()
    t, s = sign(body, ts, secret)
    h = {"Content-Type": ctype, "X-Slack-Request-Timestamp": t, "X-Slack-Signature": sig or s}
    h.update(headers or {})
    h = {k: v for k, v in h.items() if v is not None}
    req = urllib.request.Request("http://127.0.0.1:%d/slack/events" % port, data=body, headers=h)
    try:
        r = urllib.request.urlopen(req, timeout=10)
        return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(fn, what, secs=10):
    end = time.time() + secs
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def alarm_event(eid, ts, state="ALARM", name="api-5xx-high"):
    text = ("*CloudWatch Alarm | %s | us-east-1 | Account: 123456789012*\n"
            "The alarm %s changed state from OK to %s. "
            "<https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/%s|View>"
            % (name, name, state, name))
    return json.dumps({
        "token": "x", "team_id": "T1", "api_app_id": "AFA2", "type": "event_callback",
        "event_id": eid, "event_time": int(time.time()),
        "event": {"type": "message", "subtype": "bot_message", "channel": "C0ALARMS",
                  "bot_id": "B0CHATBOT", "app_id": "A6L22LZNH", "ts": ts, "text": "",
                  "attachments": [{"color": "danger", "fallback": text, "text": text}]}})


def forms(d):
    """Forms posted for alarms (not the retry form posted after a failed analysis)."""
    return [c for c in d.calls("chat.postMessage") if c["args"].get("blocks") and
            any(b.get("type") == "input" for b in c["args"]["blocks"]) and
            not any(b.get("block_id") == "fa2_retry" for b in c["args"]["blocks"])]


def form_payload(user, mts, start, end, desc="API 5xx after deploy"):
    values = {"fa2_desc": {"fa2_desc_input": {"type": "plain_text_input", "value": desc}},
              "fa2_start": {"fa2_start_input": {"type": "datetimepicker", "selected_date_time": start}},
              "fa2_end": {"fa2_end_input": {"type": "datetimepicker", "selected_date_time": end}}}
    p = {"type": "block_actions", "user": {"id": user}, "channel": {"id": "C0ALARMS"},
         "container": {"type": "message", "message_ts": mts},
         "message": {"ts": mts, "thread_ts": "1700000000.000100"},
         "state": {"values": values}, "trigger_id": "1.2.3",
         "actions": [{"type": "button", "action_id": "fa2_submit", "value": "submit",
                      "action_ts": str(time.time())}]}
    return "payload=" + urllib.parse.quote(json.dumps(p))


def main():
    d = Double(TOKEN)
    state = os.path.join(TMP, "state")
    p, port = start(d, state)
    now = int(time.time())

    # url_verification
    st, body = post(port, json.dumps({"token": "t", "challenge": "ch4ll3nge", "type": "url_verification"}))
    if st != 200 or json.loads(body).get("challenge") != "ch4ll3nge":
        fail("url_verification: %d %r" % (st, body))

    # rejections
    ev = alarm_event("Ev0001", "%d.000200" % (now - 120))
    if post(port, ev, sig="v0=" + "0" * 64)[0] != 401:
        fail("bad signature accepted")
    if post(port, ev, ts=now - 301)[0] != 401:
        fail("stale timestamp accepted")
    if post(port, ev, ts=now + 400)[0] != 401:
        fail("future timestamp accepted")
    if post(port, ev, secret="wrong")[0] != 401:
        fail("wrong secret accepted")
    if post(port, ev, headers={"X-Slack-Signature": None})[0] != 401:
        fail("missing signature accepted")
    st, _ = post(port, "x" * (600 * 1024), ctype="application/x-www-form-urlencoded")
    if st != 413:
        fail("oversize body: %d" % st)
    time.sleep(0.3)
    if forms(d):
        fail("a rejected request posted a form")

    # the alarm -> form in thread
    t0 = time.time()
    st, _ = post(port, ev)
    if st != 200:
        fail("alarm event: %d" % st)
    ack = time.time() - t0
    f = wait_for(lambda: forms(d), "the form")
    a = f[0]["args"]
    if a["channel"] != "C0ALARMS" or a.get("thread_ts") != "%d.000200" % (now - 120):
        fail("form not in the alarm's thread: %r" % a)
    pick = {b["block_id"]: b["element"] for b in a["blocks"] if b["type"] == "input"}
    s0, e0 = pick["fa2_start"].get("initial_date_time"), pick["fa2_end"].get("initial_date_time")
    if s0 != now - 120 - 30 * 60 or e0 > now + 2 or e0 < now - 120:
        fail("form window %r..%r for alarm at %d" % (s0, e0, now - 120))
    if "api-5xx-high" not in pick["fa2_desc"].get("initial_value", ""):
        fail("description not prefilled: %r" % pick["fa2_desc"])
    print("ok: alarm -> form in thread (ack %.1f ms)" % (ack * 1000))

    # retry with the same event id -> nothing new
    st, _ = post(port, ev, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    if st != 200:
        fail("retry: %d" % st)
    # OK and INSUFFICIENT_DATA -> no form
    post(port, alarm_event("Ev0002", "%d.000300" % now, state="OK"))
    post(port, alarm_event("Ev0003", "%d.000400" % now, state="INSUFFICIENT_DATA"))
    # an ordinary user message -> nothing
    post(port, json.dumps({"type": "event_callback", "event_id": "Ev0004",
                           "event": {"type": "message", "channel": "C0ALARMS", "user": "UALICE",
                                     "ts": "1.2", "text": "The alarm x changed state to ALARM"}}))
    time.sleep(1.0)
    if len(forms(d)) != 1:
        fail("%d forms after retry/OK/INSUFFICIENT_DATA/user message" % len(forms(d)))
    print("ok: retry, OK, INSUFFICIENT_DATA and user messages post no form")

    # invalid window -> inline error
    mts = "1700000001.000100"
    st, _ = post(port, form_payload("UALICE", mts, now - 600, now - 1200), "application/x-www-form-urlencoded")
    u = wait_for(lambda: [c for c in d.calls("chat.update") if c["args"]["ts"] == mts], "inline error")
    txt = json.dumps(u[-1]["args"]["blocks"])
    if "end time must be after" not in txt:
        fail("no inline error: %s" % txt[:300])
    st, _ = post(port, form_payload("UALICE", mts, now - 3600 * 48, now - 60), "application/x-www-form-urlencoded")
    wait_for(lambda: any("longer than allowed" in json.dumps(c["args"].get("blocks"))
                         for c in d.calls("chat.update")), "too-long inline error")
    st, _ = post(port, form_payload("UALICE", mts, now + 7200, now + 9000), "application/x-www-form-urlencoded")
    wait_for(lambda: any("in the future" in json.dumps(c["args"].get("blocks"))
                         for c in d.calls("chat.update")), "future inline error")
    print("ok: invalid windows get inline errors")

    # valid submit -> progress message, updated in place with the outcome
    n_posts = len(d.calls("chat.postMessage"))
    st, _ = post(port, form_payload("UALICE", mts, now - 1800, now - 60), "application/x-www-form-urlencoded")
    if st != 200:
        fail("submit: %d" % st)
    post(port, form_payload("UBOB", mts, now - 1800, now - 60), "application/x-www-form-urlencoded")  # double click
    prog = wait_for(lambda: [c for c in d.calls("chat.postMessage")[n_posts:]
                             if "Analysing" in c["args"].get("text", "")], "progress message")
    # the progress message is updated in place (cycle, tools, elapsed), then with the outcome
    # the outcome, not a progress line such as "3 tool calls done (some failed)"
    def is_outcome(c):
        t = c["args"].get("text", "")
        return t.startswith(":x:") or t.startswith(":white_check_mark:")
    wait_for(lambda: [c for c in d.calls("chat.update") if is_outcome(c)],
             "progress update with the outcome", 40)
    time.sleep(1.0)
    if len(prog) != 1 or len([c for c in d.calls("chat.postMessage")[n_posts:] if "Analysing" in c["args"].get("text", "")]) != 1:
        fail("double click started a second analysis")
    if prog[0]["args"].get("thread_ts") != "1700000000.000100":
        fail("progress not in the form's thread: %r" % prog[0]["args"])
    outcome = [c for c in d.calls("chat.update") if is_outcome(c)]
    if not outcome:
        fail("no outcome")
    if "failed" in outcome[-1]["args"]["text"]:
        if "retry" not in outcome[-1]["args"]["text"]:
            fail("failure message does not say how to retry")
        print("ok: submit -> one progress message, updated in place with the failure: %s"
              % outcome[-1]["args"]["text"][:120].replace("\n", " "))
    else:
        if not d.calls("files.completeUploadExternal"):
            fail("report file not uploaded")
        print("ok: submit -> progress, report and file")
    recv = [c for c in d.calls("chat.update") if c["args"]["ts"] == mts and "received" in c["args"].get("text", "").lower()]
    if not recv:
        fail("form not replaced by 'request received'")

    # refusal for a user outside the allow-list
    post(port, "command=%2Ffa2&text=&trigger_id=9.9.9&channel_id=C0ALARMS&user_id=UMALLORY", "application/x-www-form-urlencoded")
    st, body = post(port, "command=%2Ffa2&text=&trigger_id=9.9.9&channel_id=C0ALARMS&user_id=UMALLORY",
                    "application/x-www-form-urlencoded")
    if st != 200 or "Sorry" not in body.decode():
        fail("no polite refusal: %d %r" % (st, body))
    if d.calls("views.open"):
        fail("refused user got a modal")
    # /fa2 -> modal
    d.ratelimit["views.open"] = 1
    t0 = time.time()
    st, body = post(port, "command=%2Ffa2&text=&trigger_id=12345.98765.abcd&channel_id=C0ALARMS&user_id=UALICE",
                    "application/x-www-form-urlencoded")
    if st != 200:
        fail("/fa2: %d %r" % (st, body))
    v = d.calls("views.open")
    if len(v) != 2 or v[-1]["args"]["trigger_id"] != "12345.98765.abcd":
        fail("views.open not retried after 429: %r" % v)
    if time.time() - t0 < 0.9:
        fail("Retry-After not honoured")
    print("ok: /fa2 opens the modal (after a 429 + Retry-After), refusal for others")

    # the modal's submission: errors come back in the response, a valid one runs
    def view_payload(start, end, vid="V0001"):
        values = {"fa2_desc": {"fa2_desc_input": {"type": "plain_text_input", "value": "checkout slow"}},
                  "fa2_start": {"fa2_start_input": {"type": "datetimepicker", "selected_date_time": start}},
                  "fa2_end": {"fa2_end_input": {"type": "datetimepicker", "selected_date_time": end}}}
        return "payload=" + urllib.parse.quote(json.dumps({
            "type": "view_submission", "user": {"id": "UALICE"},
            "view": {"id": vid, "callback_id": "fa2_form", "private_metadata": "C0ALARMS",
                     "state": {"values": values}}}))
    st, body = post(port, view_payload(now - 60, now - 600), "application/x-www-form-urlencoded")
    r = json.loads(body)
    if r.get("response_action") != "errors" or "fa2_end" not in r.get("errors", {}):
        fail("modal error not returned inline: %r" % body)
    n0 = len(d.calls("chat.postMessage"))
    st, body = post(port, view_payload(now - 900, now - 60), "application/x-www-form-urlencoded")
    if st != 200 or body.strip():
        fail("valid modal submission: %d %r" % (st, body))
    post(port, view_payload(now - 900, now - 60), "application/x-www-form-urlencoded")  # retried
    wait_for(lambda: [c for c in d.calls("chat.postMessage")[n0:] if "Analysing" in c["args"].get("text", "")],
             "progress for the modal's analysis")
    time.sleep(0.5)
    new = d.calls("chat.postMessage")[n0:]
    if len([c for c in new if c["args"].get("text", "").startswith("Request received: ")]) != 1 or \
            len([c for c in new if "Analysing" in c["args"].get("text", "")]) != 1:
        fail("modal submission: %r" % [c["args"].get("text") for c in new])
    print("ok: modal submission validated inline, then one analysis in the channel")

    stop(p)
    # restart: the persisted idempotency keys survive
    n = len(forms(d))
    p, port = start(d, state)
    post(port, ev, headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})
    time.sleep(1.0)
    if len(forms(d)) != n:
        fail("retry after restart posted a second form")
    # and a new alarm still works
    post(port, alarm_event("Ev0100", "%d.000900" % now))
    wait_for(lambda: len(forms(d)) == n + 1, "form after restart")
    print("ok: idempotency persisted across a restart")
    # the counter goes up after chat.postMessage returns, so the double may see the form first
    def metrics_ok():
        m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port).read().decode()
        return "fa2_slack_duplicates_total 1" in m and "fa2_slack_forms_posted_total 1" in m
    if not wait_for(metrics_ok, "metrics fa2_slack_duplicates_total 1, fa2_slack_forms_posted_total 1", 5):
        fail("metrics")
    stop(p)
    for line in open(os.path.join(TMP, "serve-0.log")):
        if TOKEN in line or SECRET in line:
            fail("a secret reached the log: " + line)
    if d.violations():
        fail("Web API double violations: %r" % d.violations())
    d.close()
    print("PASS")


def run_main(fn):
    """Runs fn; whatever happens, no fa2 serve this test started survives it."""
    try:
        fn()
    finally:
        for q in procs:
            if q.poll() is None:
                q.kill()


if __name__ == "__main__":
    run_main(main)
