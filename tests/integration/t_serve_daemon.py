#!/usr/bin/env python3
"""fa2 serve as a daemon: Slack credentials from Secrets Manager (moto_server, auth on),
auth.test at start (strict Slack double), users' time zones (users.info, cached) in the
"Request received" text, the alarm form's state-change time, and SIGHUP reloads.

- Bot token (plain SecretString) and signing secret (JSON object SecretString) are read
  through slackAppTokenKey / slackSigningSecretKey; requests signed with the secret pass,
  others get 401; neither value reaches the log.
- auth.test is called at start with the token; the bot's own messages are ignored even
  when its id is listed as an alarm source; SLACK_BOT_TOKEN wins over the secret, and a
  token Slack refuses stops serve at start with a clear message; a missing secret names
  AWS's error.
- block_actions submit -> "Request received: <user's zone> (<UTC>)" for a +09:00 user
  and a -05:00 user, computed independently here; a second submit reuses the cached zone.
- SIGHUP with a wider allow-list lets a refused user in; a broken file keeps the old
  configuration; reloads while an analysis runs do not disturb it (run on the ASan
  build when present: a use-after-free would abort it).
- fa2 check reads the secrets and reports auth.test.
"""
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_flow as F  # noqa: E402
from slack_double import Double, BOT_USER, BOT_ID  # noqa: E402

if not shutil.which("moto_server"):
    print("moto_server not installed")
    sys.exit(77)
import aws_peers  # noqa: E402

TMP = F.TMP
FA2 = os.environ.get("FA2", "build/fa2")
ASAN = os.environ.get("FA2_ASAN", "")
BIN = ASAN if ASAN and os.path.exists(ASAN) else FA2
TOKEN = "xoxb-2222-3333-fromsecretsmanager"
SECRET = "c0ffee0ddba11feedfacedeadbeef123"
REVOKED = "xoxb-9999-revoked-token-000"
procs = []


def fail(msg):
    print("FAIL: " + msg)
    for p in procs:
        if p.poll() is None:
            p.kill()
        try:
            p.logfile.seek(0)
            print(p.logfile.read()[-5000:])
        except Exception:
            pass
    sys.exit(1)


def ok(msg):
    print("ok: " + msg)
    sys.stdout.flush()


def write_cfg(path, allow_users, extra=None, raw=None):
    with open(path, "w") as f:
        if raw is not None:
            f.write(raw)
            return
        c = {"env": {"region": "us-east-1"}, "timeZone": "+09:00",
             "llm": {"provider": "openai", "endpoint": "http://127.0.0.1:9/v1"},
             "slackAppTokenKey": "fa2/slack-bot-token", "slackSigningSecretKey": "fa2/slack-signing",
             "slack": {"allowUsers": allow_users, "alarmIds": ["A6L22LZNH", BOT_ID, "B0OTHER"]}}
        c.update(extra or {})
        json.dump(c, f)


def log_text(p):
    p.logfile.flush()
    with open(p.logfile.name) as f:
        return f.read()


def start(env, cfg, binary=BIN, expect_up=True):
    port = aws_peers.free_port()
    log = open(os.path.join(TMP, "serve-%d.log" % len(procs)), "w+")
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:%d" % port, "--config", cfg],
                         stdout=log, stderr=subprocess.STDOUT, env=env)
    p.logfile = log
    procs.append(p)
    if not expect_up:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            fail("fa2 serve kept running")
        return p, port
    for _ in range(300):
        if p.poll() is not None:
            fail("fa2 serve exited %d at start" % p.returncode)
        try:
            F.urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1).read()
            return p, port
        except Exception:
            time.sleep(0.05)
    fail("fa2 serve did not start")


def sign_post(port, body, ctype="application/json", secret=SECRET):
    return F.post(port, body, ctype=ctype, secret=secret)


def submit(port, user, mts, start_s, end_s):
    values = {"fa2_desc": {"fa2_desc_input": {"type": "plain_text_input", "value": "orders API slow"}},
              "fa2_start": {"fa2_start_input": {"type": "datetimepicker", "selected_date_time": start_s}},
              "fa2_end": {"fa2_end_input": {"type": "datetimepicker", "selected_date_time": end_s}}}
    p = {"type": "block_actions", "user": {"id": user}, "channel": {"id": "C0ALARMS"},
         "container": {"type": "message", "message_ts": mts}, "message": {"ts": mts},
         "state": {"values": values}, "trigger_id": "1.2.3",
         "actions": [{"type": "button", "action_id": "fa2_submit", "value": "submit"}]}
    return sign_post(port, "payload=" + urllib.parse.quote(json.dumps(p)), "application/x-www-form-urlencoded")


def expected_window(start_s, end_s, off_s, name):
    """The text fa2 should show, computed here with Python's datetime."""
    def rng(off):
        tz = datetime.timezone(datetime.timedelta(seconds=off))
        a = datetime.datetime.fromtimestamp(start_s, tz)
        b = datetime.datetime.fromtimestamp(end_s, tz)
        if a.date() == b.date():
            return "%s\u2013%s" % (a.strftime("%Y-%m-%d %H:%M"), b.strftime("%H:%M"))
        return "%s\u2013%s" % (a.strftime("%Y-%m-%d %H:%M"), b.strftime("%Y-%m-%d %H:%M"))
    return "Request received: %s %s (%s UTC)" % (rng(off_s), name, rng(0))


def received(d, mts):
    return [c for c in d.calls("chat.update") if c["args"].get("ts") == mts and
            c["args"].get("text", "").startswith("Request received")]


def refused(d, user):
    return [c for c in d.calls("chat.postEphemeral") if c["args"].get("user") == user]


def hup_and_wait(p, what):
    n = log_text(p).count("SIGHUP:")
    p.send_signal(signal.SIGHUP)
    F.wait_for(lambda: log_text(p).count("SIGHUP:") > n, what)
    return log_text(p).split("SIGHUP:")[-1].splitlines()[0]


def stop(p, secs=60):
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(secs)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("fa2 serve did not stop on SIGTERM")
    text = log_text(p)
    if "AddressSanitizer" in text or "runtime error" in text:
        fail("sanitizer report in the serve log")
    if rc != 0:
        fail("fa2 serve exited %d" % rc)


def main():
    moto = aws_peers.Moto(TMP)
    d = Double(TOKEN, users={"UBOB": ("America/New_York", -18000)}, revoked=[REVOKED])
    try:
        sm = moto.client("secretsmanager")
        sm.create_secret(Name="fa2/slack-bot-token", SecretString=TOKEN + "\n")
        sm.create_secret(Name="fa2/slack-signing",
                         SecretString=json.dumps({"SlackSigningSecret": SECRET, "comment": "fa2 test"}))
        state = os.path.join(TMP, "state")
        env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                                  AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
                                  SLACK_API_URL=d.url, FA2_STATE_DIR=state,
                                  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1")
        cfg = os.path.join(TMP, "cfg.json")
        write_cfg(cfg, ["UALICE"])

        # 1. credentials from Secrets Manager, auth.test at start
        p, port = start(env, cfg)
        auth = d.calls("auth.test")
        if len(auth) != 1:
            fail("auth.test calls at start: %r" % auth)
        text = log_text(p)
        if "bot user %s" % BOT_USER not in text or "Secrets Manager secret fa2/slack-bot-token" not in text:
            fail("start log does not name the bot user / token source")
        st, body = sign_post(port, json.dumps({"type": "url_verification", "challenge": "c1"}))
        if st != 200 or json.loads(body)["challenge"] != "c1":
            fail("request signed with the secret from Secrets Manager: %d %r" % (st, body))
        if sign_post(port, json.dumps({"type": "url_verification", "challenge": "c1"}), secret="x" * 32)[0] != 401:
            fail("a request signed with another secret was accepted")
        ok("token and signing secret from Secrets Manager (plain and JSON), auth.test at start")

        # 2. the bot's own messages are ignored, even from a listed alarm id
        now = int(time.time())
        own = json.loads(F.alarm_event("EvOwn1", "%d.000100" % (now - 60)))
        own["event"].update({"bot_id": BOT_ID, "app_id": "AFA2SELF", "user": BOT_USER})
        other = json.loads(F.alarm_event("EvOther1", "%d.000200" % (now - 60)))
        other["event"].update({"bot_id": "B0OTHER", "app_id": "AOTHER"})
        sign_post(port, json.dumps(own))
        sign_post(port, json.dumps(other))
        forms = F.wait_for(lambda: F.forms(d), "the form for the other bot's alarm")
        time.sleep(0.5)
        forms = F.forms(d)
        if len(forms) != 1 or forms[0]["args"].get("thread_ts") != "%d.000200" % (now - 60):
            fail("own message not ignored / other not handled: %r" % [f["args"].get("thread_ts") for f in forms])
        ctx = [e["text"] for b in forms[0]["args"]["blocks"] if b["type"] == "context" for e in b["elements"]]
        t = now - 60
        want = "The alarm changed state at %s UTC (%s UTC+09:00)." % (
            datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            datetime.datetime.fromtimestamp(t, datetime.timezone(datetime.timedelta(hours=9))).strftime("%Y-%m-%d %H:%M"))
        if want not in ctx:
            fail("alarm form does not show the state-change time: %r, want %r" % (ctx, want))
        ok("own messages ignored; alarm form shows the state change in UTC and timeZone")

        # 3. users' time zones
        s0, e0 = now - 3600 - 17 * 60, now - 1200
        submit(port, "UALICE", "1700000100.000100", s0, e0)
        r = F.wait_for(lambda: received(d, "1700000100.000100"), "Request received for UALICE")
        want = expected_window(s0, e0, 32400, "Asia/Tokyo")
        if r[0]["args"]["text"] != want:
            fail("UALICE: %r, want %r" % (r[0]["args"]["text"], want))
        submit(port, "UBOB", "1700000100.000200", s0, e0)
        F.wait_for(lambda: refused(d, "UBOB"), "refusal for UBOB")
        submit(port, "UALICE", "1700000100.000300", s0 - 7200, e0)
        F.wait_for(lambda: received(d, "1700000100.000300"), "second Request received for UALICE")
        ui = [c for c in d.calls("users.info") if c["args"]["user"] == "UALICE"]
        if len(ui) != 1:
            fail("users.info for UALICE called %d times (want 1: cached)" % len(ui))
        ok("Request received in the user's zone: %s (users.info cached)" % want)

        # 4. SIGHUP: wider allow-list; analyses running meanwhile keep their settings
        write_cfg(cfg, ["UALICE", "UBOB"])
        line = hup_and_wait(p, "reload")
        if "reloaded" not in line or "UBOB" not in line:
            fail("reload log: %r" % line)
        submit(port, "UBOB", "1700000100.000400", s0, e0)
        r = F.wait_for(lambda: received(d, "1700000100.000400"), "Request received for UBOB after reload")
        want = expected_window(s0, e0, -18000, "America/New_York")
        if r[0]["args"]["text"] != want:
            fail("UBOB: %r, want %r" % (r[0]["args"]["text"], want))
        # analyses are running now (the model endpoint refuses and retries): reload under them
        write_cfg(cfg, ["UBOB"])
        hup_and_wait(p, "second reload")
        write_cfg(cfg, None, raw='{"slack": {"allowUsers": [')
        line = hup_and_wait(p, "broken reload")
        if "reload failed" not in line or "keeping the previous configuration" not in line:
            fail("broken config reload log: %r" % line)
        write_cfg(cfg, None, raw=json.dumps({"slack": {"allowUsers": 42}}))
        line = hup_and_wait(p, "invalid reload")
        if "slack.allowUsers" not in line:
            fail("invalid config reload does not name the key: %r" % line)
        n_ref = len(refused(d, "UALICE"))
        submit(port, "UBOB", "1700000100.000500", s0, e0)
        submit(port, "UALICE", "1700000100.000600", s0, e0)
        F.wait_for(lambda: received(d, "1700000100.000500"), "UBOB still allowed after a broken reload")
        F.wait_for(lambda: len(refused(d, "UALICE")) > n_ref, "UALICE refused under the kept configuration")
        F.wait_for(lambda: len([c for c in d.calls("chat.update") if ":x:" in c["args"].get("text", "")]) >= 3,
                   "the analyses to end", secs=60)
        stop(p)
        text = log_text(p)
        # an analysis started before the second reload and ended after it (it ran on the
        # settings that reload dropped)
        at = text.index("(reload 2)")
        before = set(re.findall(r"agent: session (\S+)", text[:at]))
        after_end = set(re.findall(r"agent: analysis \w+ in session (\S+):", text[at:]))
        if not before & after_end:
            fail("no analysis was running across the reload: %r / %r" % (before, after_end))
        for s in (TOKEN, SECRET):
            if s in text:
                fail("a Slack secret reached the log")
        if d.violations():
            fail("Slack API violations: %r" % d.violations())
        ok("SIGHUP: allow-list reloaded, broken files kept the old one, analyses undisturbed "
           "(%s build)" % ("ASan" if BIN == ASAN else "plain"))

        # 5. SLACK_BOT_TOKEN wins, and a refused token is fatal at start
        write_cfg(cfg, ["UALICE"])
        bad_env = dict(env, SLACK_BOT_TOKEN=REVOKED)
        p, _ = start(bad_env, cfg, expect_up=False)
        text = log_text(p)
        if p.returncode != 1 or "not valid" not in text or "invalid_auth" not in text or REVOKED in text:
            fail("revoked token: exit %r, log %r" % (p.returncode, text[-800:]))
        refused_calls = [c for c in d.calls("auth.test") if c.get("refused")]
        if len(refused_calls) != 1:
            fail("the environment's token was not the one tried")
        ok("SLACK_BOT_TOKEN wins over the secret; a refused token stops serve at start")

        # 6. a missing secret names the secret and AWS's error
        write_cfg(cfg, ["UALICE"], extra={"slackSigningSecretKey": "fa2/nope"})
        p, _ = start(env, cfg, expect_up=False)
        text = log_text(p)
        if p.returncode != 1 or "fa2/nope" not in text or "ResourceNotFoundException" not in text:
            fail("missing secret: exit %r, log %r" % (p.returncode, text[-800:]))
        ok("a missing secret is a clear error at start")

        # 7. fa2 check reads the secrets and runs auth.test
        write_cfg(cfg, ["UALICE"])
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--config", cfg], env)
        sl = [l for l in out.splitlines() if l.split()[1:2] == ["slack"]]
        if rc != 0 or not any("auth.test" in l and l.startswith("ok") for l in sl) or \
                not any("read from Secrets Manager secret fa2/slack-signing" in l for l in sl) or \
                TOKEN in out + err or SECRET in out + err:
            fail("fa2 check: rc %d\n%s%s" % (rc, out, err))
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--config", cfg], dict(env, SLACK_BOT_TOKEN=REVOKED))
        if rc != 1 or not any(l.startswith("FAIL") and "invalid_auth" in l
                              for l in out.splitlines() if l.split()[1:2] == ["slack"]):
            fail("fa2 check with a refused token: rc %d\n%s" % (rc, out))
        ok("fa2 check: secrets read, auth.test valid / refused")
    finally:
        for q in procs:
            if q.poll() is None:
                q.kill()
        d.close()
        moto.stop()


if __name__ == "__main__":
    main()
