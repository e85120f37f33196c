#!/usr/bin/env python3
"""Soak benchmark for fa2 serve (run by bench/soak.sh; loopback only, bounded in time).

fa2 serve runs with its Slack endpoint against the strict Slack Web API double and the
Converse double (tests/integration), while these run side by side for SOAK_MINUTES:
  - signed Slack alarm events (SOAK_EVENTS_PER_S), each a new event id -> a form;
  - signed form submissions every SOAK_SUBMIT_S seconds -> an analysis (the Converse
    double answers with a report; AWS itself is a closed port, so tools fail fast);
  - SOAK_SLOWLORIS connections sending one header byte per second (cut off by the header
    timeout, then reopened);
  - SOAK_PARTIAL connections holding half of a 400 KB body (refused by the request-buffer
    budget or cut off by the body timeout, then reopened);
  - GET /healthz every 100 ms, timed.
Every minute it prints the server's RSS, open descriptors, /healthz latency percentiles
and the traffic counters (posts: chat.postMessage calls, forms and progress messages;
503/408: bodies refused for the request-buffer budget / abusive connections cut off).
Figures only: nothing is asserted.
"""
import hashlib
import hmac
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import agent_doubles as D  # noqa: E402
from slack_double import Double  # noqa: E402

FA2 = os.environ.get("FA2") or os.path.join(ROOT, os.environ.get("BUILD", "build"), "fa2")
MINUTES = float(os.environ.get("SOAK_MINUTES", "3"))
EVENTS_PER_S = float(os.environ.get("SOAK_EVENTS_PER_S", "5"))
SUBMIT_S = float(os.environ.get("SOAK_SUBMIT_S", "10"))
N_SLOW = int(os.environ.get("SOAK_SLOWLORIS", "50"))
N_PARTIAL = int(os.environ.get("SOAK_PARTIAL", "50"))
TMP = os.environ.get("SOAK_TMP") or __import__("tempfile").mkdtemp(prefix="fa2-soak-")
SECRET = "soak-signing-secret-0123456789abcdef"
TOKEN = "xoxb-soak-0000-secret-token"
MODEL = "us.anthropic.claude-soak-v1:0"
REPORT = {"summary": "Soak run: the upstream timed out.",
          "rootCauses": [{"title": "upstream timeout", "severity": "medium", "confidence": "low",
                          "evidence": ["soak double"]}],
          "timeline": [], "actions": ["none: this is a benchmark"]}
stop = threading.Event()
lock = threading.Lock()
counts = {"events": 0, "events_bad": 0, "submits": 0, "submits_bad": 0, "slow_open": 0,
          "slow_cut": 0, "partial_open": 0, "partial_503": 0, "partial_cut": 0}
lat = []  # (monotonic, seconds or None)


def bump(k, n=1):
    with lock:
        counts[k] += n


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def post(port, body, ctype):
    body = body.encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    req = urllib.request.Request("http://127.0.0.1:%d/slack/events" % port, data=body, headers={
        "Content-Type": ctype, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    try:
        return urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def alarm_event(i):
    name = "soak-alarm-%d" % (i % 20)
    text = ("*CloudWatch Alarm | %s | us-east-1 | Account: 123456789012*\nThe alarm %s changed state "
            "from OK to ALARM." % (name, name))
    return json.dumps({"type": "event_callback", "event_id": "EvSoak%08d" % i, "event_time": int(time.time()),
                       "event": {"type": "message", "subtype": "bot_message", "channel": "C0SOAK%d" % (i % 4),
                                 "bot_id": "B0CHATBOT", "app_id": "A6L22LZNH",
                                 "ts": "%d.%06d" % (int(time.time()) - 60, i % 1000000), "text": "",
                                 "attachments": [{"color": "danger", "fallback": text, "text": text}]}})


def submit_payload(i):
    now = int(time.time())
    mts = "1700001%03d.%06d" % (i % 1000, i)
    values = {"fa2_desc": {"fa2_desc_input": {"type": "plain_text_input", "value": "soak %d" % i}},
              "fa2_start": {"fa2_start_input": {"type": "datetimepicker", "selected_date_time": now - 1800}},
              "fa2_end": {"fa2_end_input": {"type": "datetimepicker", "selected_date_time": now - 60}}}
    p = {"type": "block_actions", "user": {"id": "USOAK"}, "channel": {"id": "C0SOAK0"},
         "container": {"type": "message", "message_ts": mts}, "message": {"ts": mts, "thread_ts": mts},
         "state": {"values": values}, "trigger_id": "1.2.%d" % i,
         "actions": [{"type": "button", "action_id": "fa2_submit", "value": "submit",
                      "action_ts": str(time.time())}]}
    return "payload=" + urllib.parse.quote(json.dumps(p))


def events_loop(port):
    i = 0
    while not stop.is_set():
        t0 = time.monotonic()
        st = post(port, alarm_event(i), "application/json")
        bump("events" if st == 200 else "events_bad")
        i += 1
        stop.wait(max(0.0, 1.0 / EVENTS_PER_S - (time.monotonic() - t0)))


def submit_loop(port):
    i = 0
    while not stop.wait(SUBMIT_S):
        st = post(port, submit_payload(i), "application/x-www-form-urlencoded")
        bump("submits" if st == 200 else "submits_bad")
        i += 1


def healthz_loop(port):
    while not stop.is_set():
        t0 = time.monotonic()
        ok = None
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                ok = time.monotonic() - t0
            s.close()
        except OSError:
            pass
        with lock:
            lat.append((time.monotonic(), ok))
        stop.wait(0.1)


def abuse_loop(port):
    """Slowloris heads and stalled half bodies, reopened as the server cuts them off."""
    conns = {}  # fd -> [sock, kind, bytes_sent, next_send]
    slow_head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 4000
    half = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" \
           b"Content-Length: 400000\r\n\r\n" + b"{" * 200000
    poller = select.poll()

    def open_one(kind):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            return
        s.setblocking(False)
        conns[s.fileno()] = [s, kind, 0, 0.0]
        poller.register(s, select.POLLIN)
        bump("slow_open" if kind == "slow" else "partial_open")

    def close_one(fd, answer):
        s, kind = conns[fd][0], conns[fd][1]
        poller.unregister(fd)
        s.close()
        del conns[fd]
        if kind == "slow":
            bump("slow_cut")
        elif answer.startswith(b"HTTP/1.1 503"):
            bump("partial_503")
        else:
            bump("partial_cut")

    while not stop.is_set():
        kinds = [c[1] for c in conns.values()]
        for _ in range(N_SLOW - kinds.count("slow")):
            open_one("slow")
        for _ in range(N_PARTIAL - kinds.count("partial")):
            open_one("partial")
        now = time.monotonic()
        for fd, c in list(conns.items()):
            s, kind, sent, nxt = c
            data = slow_head if kind == "slow" else half
            if sent >= len(data) or now < nxt:
                continue
            try:
                n = s.send(data[sent:sent + (1 if kind == "slow" else 65536)])
                c[2] += n
                c[3] = now + (1.0 if kind == "slow" else 0.0)
            except BlockingIOError:
                pass
            except OSError:
                close_one(fd, b"")
        for fd, ev in poller.poll(200):
            if fd not in conns:
                continue
            try:
                b = conns[fd][0].recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if ev & (select.POLLHUP | select.POLLERR) or not b or b.startswith(b"HTTP/"):
                close_one(fd, b)
    for fd in list(conns):
        conns[fd][0].close()


def proc_stats(pid):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss / 1024.0, len(os.listdir("/proc/%d/fd" % pid))


def metrics(port):
    m = {}
    try:
        out = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    except OSError:
        return m
    for line in out.splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            try:
                m[k] = float(v)
            except ValueError:
                pass
    return m


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] * 1000


def main():
    if not os.path.exists(FA2):
        print("bench/soak: %s not built (make)" % FA2)
        return 1
    sd = Double(TOKEN)
    dbl = D.Doubles("AKIDSOAK", "soak-secret-key", "us-east-1", MODEL)
    dbl.script_fn = lambda req: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}],
                                                 "end_turn")
    state = os.path.join(TMP, "state")
    cfg = os.path.join(TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "maxAgentCycles": 2, "stateDir": state,
                   "llm": {"maxRetries": 0, "timeoutSeconds": 30}}, f)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=TMP, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.path.join(TMP, "none"),
               AWS_SHARED_CREDENTIALS_FILE=os.path.join(TMP, "none"), AWS_ACCESS_KEY_ID="AKIDSOAK",
               AWS_SECRET_ACCESS_KEY="soak-secret-key", AWS_REGION="us-east-1",
               AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url,
               SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=sd.url, FA2_STATE_DIR=state)
    log = open(os.path.join(TMP, "serve.log"), "w")
    p = subprocess.Popen([FA2, "serve", "--listen", "127.0.0.1:%d" % port, "--config", cfg,
                          "--header-timeout-ms", "10000", "--body-timeout-ms", "30000", "--workers", "2"],
                         stdout=log, stderr=subprocess.STDOUT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    rss0, fds0 = proc_stats(p.pid)
    print("soak: fa2 serve pid %d on 127.0.0.1:%d for %.1f min; idle RSS %.1f MB, %d fds; "
          "%g events/s, a submit every %g s, %d slowloris, %d partial bodies"
          % (p.pid, port, MINUTES, rss0, fds0, EVENTS_PER_S, SUBMIT_S, N_SLOW, N_PARTIAL))
    print("%4s %8s %5s %8s %8s %8s %8s %6s %7s %6s %8s %9s %8s"
          % ("min", "RSS MB", "fds", "p50 ms", "p90 ms", "p99 ms", "max ms", "fail", "events", "posts",
             "analyses", "503/408", "buffered"))
    sys.stdout.flush()
    ths = [threading.Thread(target=f, args=(port,), daemon=True)
           for f in (events_loop, submit_loop, healthz_loop, abuse_loop)]
    for t in ths:
        t.start()
    t_start = time.monotonic()
    minute = 0
    peak_rss = rss0
    try:
        while minute < MINUTES and p.poll() is None:
            minute_end = t_start + 60 * (minute + 1)
            left = min(minute_end, t_start + 60 * MINUTES) - time.monotonic()
            if left > 0:
                time.sleep(left)
            minute += 1
            rss, fds = proc_stats(p.pid)
            peak_rss = max(peak_rss, rss)
            lo = time.monotonic() - 60
            with lock:
                window = [x for t, x in lat if t >= lo]
                c = dict(counts)
            ok = [x for x in window if x is not None]
            m = metrics(port)
            analyses = m.get('fa2_analyses_total{outcome="ok"}', 0) + m.get('fa2_analyses_total{outcome="failed"}', 0)
            refused = m.get('fa2_http_rejected_total{reason="buffer_budget"}', 0)
            print("%4d %8.1f %5d %8.1f %8.1f %8.1f %8.1f %6d %7d %6d %8d %4d/%-4d %8d"
                  % (minute, rss, fds, pct(ok, 50), pct(ok, 90), pct(ok, 99), (max(ok) * 1000 if ok else 0),
                     len(window) - len(ok), c["events"], len(sd.calls("chat.postMessage")), analyses,
                     int(refused), c["slow_cut"] + c["partial_cut"], m.get("fa2_http_buffered_bytes", 0)))
            sys.stdout.flush()
    finally:
        stop.set()
        for t in ths:
            t.join(5)
    alive = p.poll() is None
    m = metrics(port)
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(40)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = -9
    with lock:
        c = dict(counts)
    print("soak: served %d events (%d refused), %d submits (%d refused); slowloris %d opened / %d cut; "
          "partial bodies %d opened, %d got 503, %d cut off" % (c["events"], c["events_bad"], c["submits"],
                                                               c["submits_bad"], c["slow_open"], c["slow_cut"],
                                                               c["partial_open"], c["partial_503"], c["partial_cut"]))
    print("soak: analyses ok %d, failed %d; forms posted %d (chat.postMessage calls, progress included: %d)"
          % (m.get('fa2_analyses_total{outcome="ok"}', 0), m.get('fa2_analyses_total{outcome="failed"}', 0),
             m.get("fa2_slack_forms_posted_total", 0), len(sd.calls("chat.postMessage"))))
    print("soak: peak RSS %.1f MB (idle %.1f MB); fa2 serve %s the run and exited %d on SIGTERM; "
          "Slack double protocol violations: %d; log %s"
          % (peak_rss, rss0, "survived" if alive else "DIED during", rc, len(sd.violations()),
             os.path.join(TMP, "serve.log")))
    sd.close()
    dbl.stop()
    return 0 if alive and rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
