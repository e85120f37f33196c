#!/usr/bin/env python3
"""fa2 serve in Slack Socket Mode, end to end on loopback.

Peers: slack_double.Double (strict Web API double; apps.connections.open only with the
xapp- token) and socket_double.SocketDouble (strict Socket Mode server: masked frames,
acks naming a delivered envelope, within 3 s, payloads only where accepted).

Socket Mode only (no SLACK_SIGNING_SECRET, no --listen): no listening socket at all;
alarm message envelope -> ack, form posted in the alarm's thread; the same event
redelivered (retry_attempt, new envelope id) -> one form; block_actions submit -> form
replaced and one analysis started; slash commands -> ack payloads (refusal, unknown
command), /fa2 -> views.open; view_submission with a bad window -> errors in the ack
payload; disconnect (refresh_requested) -> a new connection to a new URL, made before
the old one is closed; the server resetting the TCP connection -> reconnect; silence
with unanswered pings -> reconnect; SIGTERM -> close frame, exit 0; the app token never
in the log. Then HTTP + Socket Mode side by side: /healthz, /metrics socket counters.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slack_double import Double  # noqa: E402
from socket_double import SocketDouble  # noqa: E402
from t_slack_flow import alarm_event, forms, form_payload, free_port  # noqa: E402

FA2 = os.environ.get("FA2_ASAN") or os.environ.get("FA2", "build/fa2")
if not os.path.exists(FA2):
    FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP", "/tmp")
TOKEN = "xoxb-test-0000-secret-token"
APP_TOKEN = "xapp-1-A0FA2-0000-socketsecret"
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


def wait_for(fn, what, secs=10):
    end = time.time() + secs
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def start(web, state, extra=(), signing=None):
    cfg = os.path.join(TMP, "cfg-socket.json")
    with open(cfg, "w") as f:
        json.dump({"env": {"region": "us-east-1"},
                   "llm": {"provider": "openai", "endpoint": "http://127.0.0.1:9/v1"}}, f)
    env = dict(os.environ, SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
               SLACK_API_URL=web.url, FA2_STATE_DIR=state,
               AWS_ACCESS_KEY_ID="AKIDMOTO", AWS_SECRET_ACCESS_KEY="moto",
               AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_REGION="us-east-1", ASAN_OPTIONS="detect_leaks=1")
    env.pop("SLACK_SIGNING_SECRET", None)
    if signing:
        env["SLACK_SIGNING_SECRET"] = signing
    log = open(os.path.join(TMP, "serve-socket-%d.log" % len(procs)), "w+")
    p = subprocess.Popen([FA2, "serve", "--config", cfg, "--slack-allow-users", "UALICE,UBOB"] + list(extra),
                         stdout=log, stderr=subprocess.STDOUT, env=env)
    p.logfile = log
    procs.append(p)
    return p


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("fa2 serve did not stop on SIGTERM")
    if rc != 0:
        fail("fa2 serve exited %d" % rc)


def listening_sockets(pid):
    """TCP sockets of pid in LISTEN state (from /proc)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            inodes.add(t[8:-1])
    found = []
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:
                found.append(parts[1])
    return found


def command(cmd, user, trigger="13345.98765.abcd"):
    return {"token": "x", "team_id": "T1", "command": cmd, "text": "", "trigger_id": trigger,
            "channel_id": "C0ALARMS", "user_id": user, "user_name": "u", "response_url": "https://hooks.invalid/x"}


def main():
    sd = SocketDouble()
    web = Double(TOKEN, app_token=APP_TOKEN, socket=sd)
    import tempfile
    state = tempfile.mkdtemp(prefix="state-socket-", dir=TMP)
    now = int(time.time())
    p = start(web, state, ["--socket-mode", "--socket-ping-ms", "1500"])
    c1 = sd.wait_conns(1)
    if len(web.calls("apps.connections.open")) != 1:
        fail("apps.connections.open: %r" % web.calls("apps.connections.open"))
    time.sleep(0.3)
    if listening_sockets(p.pid):
        fail("Socket Mode only, yet fa2 listens on %r" % listening_sockets(p.pid))
    print("ok: connected through apps.connections.open (xapp token), no inbound port")

    # alarm message -> ack at once, form in the alarm's thread
    ev = json.loads(alarm_event("EvS001", "%d.000200" % (now - 120)))
    eid = sd.send("events_api", ev)
    a = sd.wait_ack(eid)
    if a["payload"] is not None:
        fail("events_api ack with a payload: %r" % a)
    f = wait_for(lambda: forms(web), "the form")
    if f[0]["args"]["channel"] != "C0ALARMS" or f[0]["args"].get("thread_ts") != "%d.000200" % (now - 120):
        fail("form not in the alarm's thread: %r" % f[0]["args"])
    print("ok: alarm envelope acked in %.1f ms, form posted in thread" % (a["after_s"] * 1000))

    # the same event again (Slack's retry: new envelope, same event_id) -> no second form
    eid = sd.send("events_api", ev, retry=1)
    sd.wait_ack(eid)
    time.sleep(1.0)
    if len(forms(web)) != 1:
        fail("%d forms after a redelivered event" % len(forms(web)))
    print("ok: redelivered event acked, still one form")

    # block_actions submit -> form replaced, one analysis started
    import urllib.parse
    mts = "1700000001.000100"
    pl = json.loads(urllib.parse.unquote(form_payload("UALICE", mts, now - 1800, now - 60)[8:]))
    n_posts = len(web.calls("chat.postMessage"))
    eid = sd.send("interactive", pl)
    if sd.wait_ack(eid)["payload"] is not None:
        fail("block_actions ack with a payload")
    eid = sd.send("interactive", pl)   # double click
    sd.wait_ack(eid)
    wait_for(lambda: [c for c in web.calls("chat.update") if c["args"]["ts"] == mts and
                      "received" in c["args"].get("text", "").lower()], "form replaced by 'request received'")
    wait_for(lambda: [c for c in web.calls("chat.postMessage")[n_posts:] if "Analysing" in c["args"].get("text", "")],
             "progress message")
    time.sleep(0.5)
    if len([c for c in web.calls("chat.postMessage")[n_posts:] if "Analysing" in c["args"].get("text", "")]) != 1:
        fail("double click started a second analysis")
    print("ok: block_actions submit -> request received, one analysis started")

    # slash commands -> ack payloads
    eid = sd.send("slash_commands", command("/fa2", "UMALLORY"))
    a = sd.wait_ack(eid)
    if not a["payload"] or "Sorry" not in a["payload"].get("text", "") or a["after_s"] > 3:
        fail("refusal not in the ack payload: %r" % a)
    if web.calls("views.open"):
        fail("refused user got a modal")
    eid = sd.send("slash_commands", command("/nope", "UALICE"))
    a = sd.wait_ack(eid)
    if not a["payload"] or "Unknown command" not in a["payload"].get("text", ""):
        fail("unknown command: %r" % a)
    eid = sd.send("slash_commands", command("/fa2", "UALICE"))
    a = sd.wait_ack(eid)
    v = web.calls("views.open")
    if len(v) != 1 or v[0]["args"]["trigger_id"] != "13345.98765.abcd" or a["payload"]:
        fail("/fa2: views.open %r, ack %r" % (v, a))
    print("ok: slash commands: refusal and unknown command in the ack payload, /fa2 opens the modal "
          "(ack after %.0f ms)" % (a["after_s"] * 1000))

    # view_submission with a bad window -> errors in the ack payload
    values = {"fa2_desc": {"fa2_desc_input": {"type": "plain_text_input", "value": "checkout slow"}},
              "fa2_start": {"fa2_start_input": {"type": "datetimepicker", "selected_date_time": now - 60}},
              "fa2_end": {"fa2_end_input": {"type": "datetimepicker", "selected_date_time": now - 600}}}
    eid = sd.send("interactive", {"type": "view_submission", "user": {"id": "UALICE"},
                                  "view": {"id": "VS1", "callback_id": "fa2_form", "private_metadata": "C0ALARMS",
                                           "state": {"values": values}}})
    a = sd.wait_ack(eid)
    if not a["payload"] or a["payload"].get("response_action") != "errors" or "fa2_end" not in a["payload"]["errors"]:
        fail("view_submission errors not in the ack payload: %r" % a)
    print("ok: view_submission errors returned in the ack payload")

    # disconnect (refresh_requested) -> new URL, new connection before the old one closes
    n_open = len(web.calls("apps.connections.open"))
    sd.disconnect("refresh_requested", c1)
    c2 = sd.wait_conns(2)
    if c2.ticket == c1.ticket or len(web.calls("apps.connections.open")) != n_open + 1:
        fail("no fresh URL for the new connection")
    wait_for(lambda: not c1.alive, "the old connection to close")
    if c2.live_at_open < 1 or c1.close_code != 1000:
        fail("disconnect: new connection opened with %d live, old closed with code %r"
             % (c2.live_at_open, c1.close_code))
    eid = sd.send("events_api", json.loads(alarm_event("EvS002", "%d.000300" % now)), conn=c2)
    sd.wait_ack(eid)
    wait_for(lambda: len(forms(web)) == 2, "form over the new connection")
    print("ok: disconnect -> reconnected to a new URL (make before break), events flow")

    # abrupt loss (RST) -> reconnect with backoff
    t0 = time.time()
    sd.kill(c2)
    c3 = sd.wait_conns(3, 15)
    print("ok: TCP reset -> reconnected after %.1f s" % (time.time() - t0))
    eid = sd.send("events_api", json.loads(alarm_event("EvS003", "%d.000400" % now)), conn=c3)
    sd.wait_ack(eid)
    wait_for(lambda: len(forms(web)) == 3, "form after the reconnect")

    # silence: pings unanswered -> the link is declared dead, reconnect
    sd.ignore_pings = True
    t0 = time.time()
    c4 = sd.wait_conns(4, 15)
    sd.ignore_pings = False
    if c3.pings < 1:
        fail("no ping before giving up on a silent link")
    print("ok: unanswered pings -> reconnect after %.1f s (%d ping(s))" % (time.time() - t0, c3.pings))

    # Socket Mode alone (no HTTP server in the process): SIGHUP still reloads, SIGTERM drains
    p.send_signal(signal.SIGHUP)
    wait_for(lambda: "SIGHUP: configuration reloaded" in (p.logfile.seek(0) or p.logfile.read()),
             "the SIGHUP reload without an HTTP server")
    print("ok: Socket Mode alone: SIGHUP reloads")
    stop(p)
    if c4.alive:
        wait_for(lambda: not c4.alive, "the connection to close at SIGTERM", 3)
    if c4.close_code != 1000:
        fail("SIGTERM: close code %r" % c4.close_code)
    p.logfile.seek(0)
    logtext = p.logfile.read()
    if "xapp-" in logtext or "socketsecret" in logtext or "ticket=" in logtext:
        fail("the app token or ticket reached the log")
    print("ok: SIGTERM closes the connection, exit 0, no token or ticket in the log")

    # HTTP and Socket Mode side by side, /metrics
    port = free_port()
    p = start(web, state, ["--listen", "127.0.0.1:%d" % port], signing="8f742231b10e8888abcd99yyyzzz85a5")
    sd.wait_conns(5)
    wait_for(lambda: b"ok" in urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2).read(),
             "healthz")
    # (the double counts connections over every process of this test: poll this one's)
    def metrics():
        return urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read().decode()
    wait_for(lambda: "fa2_slack_socket_connected 1" in metrics(), "Socket Mode connected (metrics)")
    m = metrics()
    if "fa2_slack_socket_connections_total 1" not in m or "fa2_slack_socket_connected 1" not in m:
        fail("socket metrics: %s" % m)
    eid = sd.send("events_api", ev, retry=2)   # persisted idempotency also across restarts
    sd.wait_ack(eid)
    time.sleep(0.5)
    if len(forms(web)) != 3:
        fail("redelivery after restart posted a form")
    stop(p)
    print("ok: HTTP and Socket Mode together; /metrics has the socket counters")

    bad = sd.violations() + web.violations()
    if bad:
        fail("protocol violations: %r" % bad)
    sd.close()
    web.close()
    print("PASS")


if __name__ == "__main__":
    try:
        main()
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.kill()
