#!/usr/bin/env python3
# itest-timeout: 400
"""Three `fa2 serve` instances sharing one DynamoDB table (moto_server, auth on) as their
idempotency store (store.kind dynamodb), each with its own state directory, in front of
the same Slack double and the same scripted model / CloudTrail doubles (t_slack_e2e's).

1. An alarm message event sent to instance A, then its Slack retries (X-Slack-Retry-Num)
   to B and C -> exactly one form in the alarm's thread.
2. Another alarm event sent to A, B and C at the same moment (three connections of one
   app) -> exactly one form.
3. One submit to A and its double click on B and C at once -> exactly one progress
   message, one analysis (model turns 0, 1, 2 asked once each; the model's two
   audit_log_tool calls reached CloudTrail once each), one report and one Markdown file.
4. DynamoDB throttles (ThrottlingException from a proxy in front of moto for the first two
   PutItems of a new event): the instance retries within its deadline, one form.
   The table not answering (503 from the proxy): the event is answered 503 and no form is
   posted; Slack's retry on another instance, once the table answers: one form.
5. The table holds one item per idempotency key with its TTL (boto3 reads it back), the
   sessions' journal and summary items and one lease per analysis, posted.
6. kill -9 of the instance running an analysis (held at the model's report turn): after its
   lease (store.leaseSeconds 6) expires, exactly one other instance takes it over, rebuilds
   the session from the table and resumes it: only the report turn is asked again, no
   CloudTrail lookup is repeated, the report is posted once in the same progress message.
7. `fa2 sessions list` lists the table's sessions with their lease (both posted, the
   second taken over once); `fa2 sessions pull ID` copies one into an empty state
   directory, where `fa2 sessions show ID` prints its report.
The same run with store.kind flat (each instance its own files) posts three forms: the
test's checks are the ones that fail then (FA2_STORE_MULTI_KIND=flat shows it)."""
import http.client
import http.server
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_e2e as E  # noqa: E402  (exits 77 without moto_server / botocore)

KIND = os.environ.get("FA2_STORE_MULTI_KIND", "dynamodb")
TABLE = "fa2-state"


def post_to(port, body, ctype="application/json", retry=0):
    """A signed POST like Slack's; retry > 0 adds Slack's retry headers."""
    body = body.encode()
    ts, sig = E.sign(body)
    h = {"Content-Type": ctype, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
    if retry:
        h["X-Slack-Retry-Num"] = str(retry)
        h["X-Slack-Retry-Reason"] = "http_timeout"
    req = urllib.request.Request("http://127.0.0.1:%d/slack/events" % port, data=body, headers=h)
    t0 = time.monotonic()
    try:
        st = urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as e:
        st = e.code
    return st, time.monotonic() - t0


class DdbProxy(http.server.ThreadingHTTPServer):
    """Forwards DynamoDB requests to moto unchanged (Host included: moto checks SigV4);
    answers ThrottlingException to the next `throttle` PutItems. Counts PutItems."""
    daemon_threads = True

    def __init__(self, upstream):
        super().__init__(("127.0.0.1", 0), DdbProxyHandler)
        self.upstream = upstream.split("//", 1)[1]
        self.lock = threading.Lock()
        self.throttle = 0
        self.down = False       # every request answered 503 ServiceUnavailable
        self.throttled = 0
        self.puts = 0
        self.ops = {}           # X-Amz-Target operation -> count
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class DdbProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        s = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        target = self.headers.get("X-Amz-Target", "")
        with s.lock:
            op = target.rpartition(".")[2]
            s.ops[op] = s.ops.get(op, 0) + 1
        if s.down:
            out = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ServiceUnavailable",
                              "message": "Service unavailable"}).encode()
            self.send_response(503)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
            return
        if target.endswith(".PutItem"):
            with s.lock:
                s.puts += 1
                thr = s.throttle > 0
                if thr:
                    s.throttle -= 1
                    s.throttled += 1
            if thr:
                out = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                                  "message": "Rate of requests exceeds the allowed throughput."}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
                return
        conn = http.client.HTTPConnection(s.upstream, timeout=10)
        conn.request("POST", self.path, body, {k: v for k, v in self.headers.items()
                                               if k.lower() not in ("connection", "content-length")})
        r = conn.getresponse()
        out = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "content-length", "transfer-encoding", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
        conn.close()


def at_once(fns):
    """Runs each fn in its own thread, released together; returns their results."""
    go = threading.Event()
    out = [None] * len(fns)

    def one(i, fn):
        go.wait()
        out[i] = fn()
    ts = [threading.Thread(target=one, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in ts:
        t.start()
    go.set()
    for t in ts:
        t.join(30)
    return out


def forms(sd, thread):
    return [x for x in sd.calls("chat.postMessage") if x["args"].get("thread_ts") == thread and
            any(b.get("type") == "input" for b in x["args"].get("blocks") or [])]


def submit_body(sd, f, thread):
    pick = {b["block_id"]: b["element"] for b in f["args"]["blocks"] if b["type"] == "input"}
    mts = "%d.000100" % (1700000000 + sd.calls("chat.postMessage").index(f) + 1)  # as the double answered
    btn = [e for b in f["args"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    values = {"fa2_desc": {"fa2_desc_input": {"type": "plain_text_input", "value": pick["fa2_desc"]["initial_value"]}},
              "fa2_start": {"fa2_start_input": {"type": "datetimepicker",
                                                "selected_date_time": pick["fa2_start"]["initial_date_time"]}},
              "fa2_end": {"fa2_end_input": {"type": "datetimepicker",
                                            "selected_date_time": pick["fa2_end"]["initial_date_time"]}}}
    p = {"type": "block_actions", "user": {"id": "UALICE"}, "channel": {"id": "C0ALARMS"},
         "message": {"ts": mts, "thread_ts": thread}, "state": {"values": values}, "trigger_id": "1.2.3",
         "actions": [{"type": "button", "action_id": "fa2_submit", "value": btn[0].get("value", "submit")}]}
    return "payload=" + urllib.parse.quote(json.dumps(p))


def run(c, moto, dbl, cw, sd):
    now = int(time.time())
    E.seed(moto, now)
    dbl.ct_events = [E.D.ct_event("UpdateFunctionConfiguration", now - 1200, "lambda.amazonaws.com", "alice",
                                  resource="pay-fn"),
                     E.D.ct_event("PutRolePolicy", now - 1100, "iam.amazonaws.com", "bob", error="AccessDenied")]
    E.script(dbl)
    ddb = moto.client("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}])
    ddb.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    env = E.serve_env(moto, dbl, cw, sd)
    proxy = DdbProxy(moto.url)
    env["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.url
    srv = []
    for name in "ABC":
        cfg = os.path.join(E.TMP, "fa2-%s.json" % name)
        with open(cfg, "w") as f:
            json.dump({"modelId": E.MODEL, "env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/fa2/app"],
                       "maxAgentCycles": 5, "stateDir": os.path.join(E.TMP, "state-" + name),
                       "slackResumeMaxAgeMinutes": 30,
                       "store": {"kind": KIND, "table": TABLE, "leaseSeconds": 6} if KIND == "dynamodb" else {"kind": "flat"},
                       "llm": {"maxRetries": 1, "backoffMs": 200, "timeoutSeconds": 60},
                       "agent": {"toolParallelism": 4, "timeoutSeconds": 120}}, f)
        s = E.Serve(c, env, cfg)
        s.start()
        srv.append(s)
    if c.failed:
        return
    c.check(all("idempotency keys and analysis sessions in DynamoDB table " + TABLE in s.logtext() for s in srv) or KIND != "dynamodb",
            "each instance uses the DynamoDB table", srv[0].logtext())
    a, b, cc = (s.port for s in srv)

    # ---- 1. the event on A, Slack's retries on B and C ----
    thread1 = "%d.000200" % (now - 60)
    ev1 = E.alarm_event("EvMulti1", thread1, "api-5xx-high")
    st = [post_to(a, ev1), post_to(b, ev1, retry=1), post_to(cc, ev1, retry=2)]
    c.check([x[0] for x in st] == [200, 200, 200], "the event and its retries are acknowledged", str(st))
    c.check(all(x[1] < 3.0 for x in st), "each acknowledged within Slack's 3 s (%s)" %
            ", ".join("%.0f ms" % (x[1] * 1000) for x in st))
    E.wait_for(lambda: forms(sd, thread1), 20)
    time.sleep(2)
    f1 = forms(sd, thread1)
    c.check(len(f1) == 1, "event on A, retries on B and C: exactly one form (%d)" % len(f1),
            "\n".join(s.logtext()[-800:] for s in srv))

    # ---- 2. one event on A, B and C at once ----
    thread2 = "%d.000300" % (now - 30)
    ev2 = E.alarm_event("EvMulti2", thread2, "api-5xx-second")
    st = at_once([lambda p=p, r=r: post_to(p, ev2, retry=r) for p, r in ((a, 0), (b, 1), (cc, 2))])
    c.check([x[0] for x in st] == [200, 200, 200], "the same event on three instances at once: acknowledged", str(st))
    E.wait_for(lambda: forms(sd, thread2), 20)
    time.sleep(2)
    c.check(len(forms(sd, thread2)) == 1, "the same event on three instances at once: exactly one form (%d)"
            % len(forms(sd, thread2)))

    # ---- 3. submit on A, double click on B and C ----
    if not f1:
        return
    n_post = len(sd.calls("chat.postMessage"))
    n_ct = len(dbl.cloudtrail)
    dbl.converse.clear()
    body = submit_body(sd, f1[0], thread1)
    ctype = "application/x-www-form-urlencoded"
    st = at_once([lambda p=p: post_to(p, body, ctype) for p in (a, b, cc)])
    c.check([x[0] for x in st] == [200, 200, 200], "the submit and its double clicks are acknowledged", str(st))
    prog = E.wait_for(lambda: [x for x in sd.calls("chat.postMessage")[n_post:] if x["args"].get("thread_ts") == thread1
                               and "Analysing" in x["args"].get("text", "")], 20)
    c.check(bool(prog), "a progress message in the thread")
    if not prog:
        return
    pts = "%d.000100" % (1700000000 + sd.calls("chat.postMessage").index(prog[0]) + 1)
    done = E.wait_for(lambda: [t for t in E.updates(sd, pts) if E.is_outcome(t)], 90)
    c.check(bool(done) and "Analysis complete" in done[-1], "the analysis completes",
            str(E.updates(sd, pts)) + "\n".join(s.logtext()[-1500:] for s in srv))
    E.wait_for(lambda: E.report_posts(sd, thread1), 20)
    time.sleep(3)
    progs = [x for x in sd.calls("chat.postMessage")[n_post:] if x["args"].get("thread_ts") == thread1 and
             "Analysing" in x["args"].get("text", "")]
    c.check(len(progs) == 1, "submit on A, double clicks on B and C: one progress message (%d)" % len(progs))
    turns = sorted(t for _, t, _ in dbl.converse)
    c.check(turns == [0, 1, 2], "one analysis: model turns 0, 1, 2 asked once each %s" % turns)
    t_first = min(t for t, _, _ in dbl.converse) if dbl.converse else 0
    model_ct = [r for t, r in dbl.cloudtrail[n_ct:] if t > t_first]
    c.check(len(model_ct) == 2, "the model's two audit_log_tool calls reached CloudTrail once each (%d)" % len(model_ct),
            json.dumps(model_ct)[:600])
    check_one_report(c, sd, dbl, thread1, "")

    # ---- 4. DynamoDB throttles the first two PutItems of a new event ----
    if KIND == "dynamodb":
        thread3 = "%d.000400" % (now - 20)
        proxy.throttle = 2
        n_puts = proxy.puts
        st = post_to(b, E.alarm_event("EvMulti3", thread3, "api-5xx-high"))
        c.check(st[0] == 200 and st[1] < 3.0, "throttled store: the event is acknowledged in %.0f ms" % (st[1] * 1000))
        E.wait_for(lambda: forms(sd, thread3), 20)
        st = post_to(cc, E.alarm_event("EvMulti3", thread3, "api-5xx-high"), retry=1)
        time.sleep(2)
        c.check(proxy.throttled == 2 and proxy.puts - n_puts >= 3,
                "the proxy throttled two PutItems (%d) and the instance retried (%d PutItems)"
                % (proxy.throttled, proxy.puts - n_puts))
        c.check(len(forms(sd, thread3)) == 1, "throttled store: one form after the retries (%d)"
                % len(forms(sd, thread3)), srv[1].logtext())

        # the table does not answer: the event is answered 503 (Slack retries), no form;
        # Slack's retry on another instance once it answers again: one form
        thread4 = "%d.000450" % (now - 15)
        ev4 = E.alarm_event("EvMulti4", thread4, "api-5xx-high")
        proxy.down = True
        st = post_to(a, ev4)
        proxy.down = False
        c.check(st[0] == 503 and st[1] < 3.0, "store outage: the event is answered 503 within Slack's 3 s "
                "(%d in %.0f ms), so Slack retries it" % (st[0], st[1] * 1000))
        time.sleep(1)
        c.check(not forms(sd, thread4), "store outage: no form posted")
        st = post_to(b, ev4, retry=1)
        E.wait_for(lambda: forms(sd, thread4), 20)
        time.sleep(1)
        c.check(st[0] == 200 and len(forms(sd, thread4)) == 1, "store back: Slack's retry on B posts one form (%d)"
                % len(forms(sd, thread4)))

    # ---- 5. what the table holds ----
    if KIND == "dynamodb":
        items = ddb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
        keys = sorted(it["pk"]["S"] for it in items if it["sk"]["S"] == "idem")
        c.check(all("idem#ev:EvMulti%d" % k in keys for k in (1, 2, 3, 4)) and
                len([k for k in keys if k.startswith("idem#act:fa2_submit:")]) == 1,
                "the table: one item per event id and one for the submit", repr(keys))
        c.check(len(keys) == 5, "five idempotency items in all (%d)" % len(keys), repr(keys))
        c.check(all(int(it["expires"]["N"]) > now for it in items if it["sk"]["S"] == "idem"),
                "every idempotency item has its TTL in the future", repr(items[:2]))
        sess = [it for it in items if it["pk"]["S"].startswith("sess#")]
        leases = [it for it in items if it["pk"]["S"] == "lease"]
        c.check(len(leases) == 1 and leases[0].get("posted") == {"BOOL": True} and
                leases[0]["takeovers"]["N"] == "0", "one lease for the analysis, posted, never taken over",
                repr(leases))
        sid = leases[0]["sk"]["S"] if leases else ""
        jr = sorted(it["sk"]["S"] for it in sess if it["pk"]["S"] == "sess#" + sid and it["sk"]["S"].startswith("j#"))
        c.check(len(jr) >= 4 and jr[0] == "j#0000000000#000" and
                any(it["sk"]["S"] == "summary#000" for it in sess) and
                any(it["sk"]["S"] == "file#report.md#000" for it in sess),
                "the session in the table: journal records from 0, summary, report.md (%d journal items)" % len(jr),
                repr(jr[:5]))
        c.check(all(len(it["d"]["B"]) <= 300 * 1024 for it in sess), "every session item within its part size")

    # ---- 6. kill -9 of the instance running an analysis: another takes it over ----
    if KIND == "dynamodb":
        takeover(c, sd, dbl, srv, thread2)
        sessions_cli(c, env, srv[1].cfg)
    for s in srv:
        if s.p.poll() is None:
            s.p.terminate()
    c.check(all(s.p.wait(15) == 0 for s in srv if s.p.returncode != -signal.SIGKILL),
            "the remaining instances stop cleanly")
    proxy.shutdown()
    proxy.server_close()


def check_one_report(c, sd, dbl, thread, what):
    reps = E.report_posts(sd, thread)
    mds = [f for x in sd.calls("files.completeUploadExternal") if x["args"].get("thread_ts") == thread
           for f in x["args"]["files"] if sd.uploads[f["id"]]["filename"] == "fa2-report.md"]
    c.check(len(reps) == 1 and len(mds) == 1, what + "one report and one Markdown file (%d, %d)" % (len(reps), len(mds)))
    c.check(not sd.violations() and not dbl.errors, what + "no protocol violations (Slack, Converse, CloudTrail)",
            "\n".join(sd.violations() + dbl.errors))


def sessions_cli(c, env, cfg):
    import subprocess
    fa2 = lambda *a: subprocess.run([E.FA2, "sessions"] + list(a) + ["--config", cfg], env=env,
                                    capture_output=True, text=True, timeout=60)
    p = fa2("list", "--json")
    try:
        rows = [r for r in json.loads(p.stdout) if r.get("store") == "dynamodb"]
    except ValueError:
        rows = []
    c.check(p.returncode == 0 and len(rows) == 2 and all(r["posted"] for r in rows) and
            sorted(r["takeovers"] for r in rows) == [0, 1], "fa2 sessions list: the table's two sessions, posted, "
            "one taken over", p.stdout[-1500:] + p.stderr)
    p = fa2("list")
    c.check(p.returncode == 0 and "in DynamoDB table " + TABLE in p.stdout and p.stdout.count("posted") >= 2,
            "fa2 sessions list: a table section", p.stdout[-1500:] + p.stderr)
    if not rows:
        return
    sid = [r["id"] for r in rows if r["takeovers"] == 1][0]
    empty = os.path.join(E.TMP, "state-pulled")
    p = fa2("pull", sid, "--state-dir", empty)
    c.check(p.returncode == 0 and os.path.exists(os.path.join(empty, "sessions", sid, "journal.jsonl")),
            "fa2 sessions pull: the session copied into an empty state directory", p.stdout + p.stderr)
    p = fa2("show", sid, "--state-dir", empty)
    c.check(p.returncode == 0 and "status:   done" in p.stdout and E.REPORT["summary"] in p.stdout,
            "fa2 sessions show on the pulled copy: its status and report", p.stdout[-1500:] + p.stderr)
    p = fa2("pull", sid, "--state-dir", empty)
    c.check(p.returncode == 1 and "exists already" in p.stderr, "fa2 sessions pull refuses to overwrite", p.stderr)


def takeover(c, sd, dbl, srv, thread):
    f = forms(sd, thread)
    if not f:
        return
    n_post = len(sd.calls("chat.postMessage"))
    dbl.converse.clear()
    dbl.hold_turn, dbl.hold_s = 2, 15
    dbl.held.clear()
    a = srv[0]
    c.check(post_to(a.port, submit_body(sd, f[0], thread), "application/x-www-form-urlencoded")[0] == 200,
            "take-over: submit on A acknowledged")
    c.check(dbl.held.wait(60), "take-over: A's analysis reached the model's report turn")
    n_ct = len(dbl.cloudtrail)
    t_kill = time.time()
    os.kill(a.p.pid, signal.SIGKILL)
    a.p.wait()
    progs = [x for x in sd.calls("chat.postMessage")[n_post:] if x["args"].get("thread_ts") == thread and
             "Analysing" in x["args"].get("text", "")]
    c.check(len(progs) == 1, "take-over: one progress message before the kill")
    if not progs:
        return
    n_conv = len(dbl.converse)
    pts = "%d.000100" % (1700000000 + sd.calls("chat.postMessage").index(progs[0]) + 1)
    done = E.wait_for(lambda: [t for t in E.updates(sd, pts) if E.is_outcome(t)], 60)
    took = time.time() - t_kill
    c.check(bool(done) and "Analysis complete" in done[-1],
            "take-over: the analysis completes in the same progress message %.1f s after the kill" % took,
            str(E.updates(sd, pts)) + "\n".join(s.logtext()[-1500:] for s in srv[1:]))
    # the lease runs from its last renewal (every quarter lease, 1.5 s), which came before the kill
    c.check(took >= 6.0 - 1.5, "take-over: not before the lease (6 s from its last renewal) expired (%.1f s after the kill)" % took)
    took_by = [s for s in srv[1:] if "taken over from an instance" in s.logtext()]
    c.check(len(took_by) == 1, "take-over: exactly one instance took the session over (%d)" % len(took_by))
    c.check([t for _, t, _ in dbl.converse[n_conv:]] == [2], "take-over: only the report turn asked again %s"
            % [t for _, t, _ in dbl.converse[n_conv:]])
    c.check(len(dbl.cloudtrail) == n_ct, "take-over: no CloudTrail lookup repeated (%d new)" % (len(dbl.cloudtrail) - n_ct))
    time.sleep(3)
    check_one_report(c, sd, dbl, thread, "take-over: ")


if __name__ == "__main__":
    E.main(run)
