#!/usr/bin/env python3
"""fa2 serve's readiness (/readyz) next to its liveness (/healthz), on loopback.

1. Slack accepts the token, AWS credentials come from a container credentials endpoint:
   /readyz 200 with both checks ok.
2. The token is revoked in the Slack double while serve runs; the next Web API call
   (the form for an alarm) is refused with invalid_auth: /readyz answers 503 at once,
   naming Slack, the error and the call, while /healthz stays 200.
3. With --ready-check-ms 300 the periodic auth.test finds a revoked token by itself, and
   finds it accepted again after it is restored (503 -> 200).
4. The credentials endpoint starts failing and the credentials it gave expire: the
   periodic check makes /readyz 503 naming AWS.
5. store.kind dynamodb with a table endpoint that refuses connections: an alarm event is
   dropped (no form posted, logged), counted in fa2_store_errors_total, and /readyz
   answers 503 naming the store.
"""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_flow as F  # noqa: E402
from slack_double import Double  # noqa: E402


class CredsEndpoint:
    """ECS-style container credentials: JSON with an Expiration; fail=True answers 500."""

    def __init__(self):
        self.fail = False
        self.lifetime_s = 3600
        ep = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if ep.fail:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + ep.lifetime_s))
                b = json.dumps({"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "container-secret",
                                "Token": "container-session-token", "Expiration": exp}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/creds" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def get(port, path):
    try:
        r = urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5)
        return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def main():
    creds = CredsEndpoint()
    d = Double(F.TOKEN)
    # the container endpoint is the credentials' source (no keys in the environment)
    envc = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": creds.url}

    # 1. ready
    p, port = F.start(d, os.path.join(F.TMP, "state1"), env_changes=envc)
    st, r = F.wait_for(lambda: (lambda x: x if x[0] == 200 else None)(get(port, "/readyz")), "/readyz 200", 10)
    if r.get("status") != "ready" or not r["checks"]["slack"]["ok"] or not r["checks"]["aws"]["ok"] or \
            "container" not in r["checks"]["aws"].get("credentials", "") or not r["checks"]["aws"].get("expiresAt"):
        F.fail("/readyz at start: %r" % r)
    print("ok: /readyz 200 at start: %s" % json.dumps(r["checks"]))

    # 2. a call refused for the token -> 503 at once; /healthz stays 200
    d.revoked.add(F.TOKEN)
    F.post(port, F.alarm_event("EvReady1", "%d.000100" % (int(time.time()) - 60)))
    st, r = F.wait_for(lambda: (lambda x: x if x[0] == 503 else None)(get(port, "/readyz")), "/readyz 503", 10)
    s = r["checks"]["slack"]
    if s.get("ok") or s.get("error") != "invalid_auth" or s.get("method") != "chat.postMessage" or \
            r.get("status") != "not ready" or not any("Slack refused the bot token" in x for x in r["problems"]):
        F.fail("/readyz after a refused call: %r" % r)
    if get(port, "/healthz")[0] != 200:
        F.fail("/healthz is not 200 while the token is refused")
    print("ok: a refused Web API call -> /readyz 503 naming Slack: %s" % r["problems"][0])
    d.revoked.discard(F.TOKEN)
    F.stop(p)

    # 3. the periodic auth.test finds a revoked token, and finds it good again
    p, port = F.start(d, os.path.join(F.TMP, "state2"), ["--ready-check-ms", "300"], env_changes=envc)
    F.wait_for(lambda: get(port, "/readyz")[0] == 200, "/readyz 200", 10)
    d.revoked.add(F.TOKEN)
    st, r = F.wait_for(lambda: (lambda x: x if x[0] == 503 else None)(get(port, "/readyz")), "/readyz 503 by auth.test", 5)
    if r["checks"]["slack"].get("method") != "auth.test":
        F.fail("the periodic check did not find the revoked token: %r" % r)
    print("ok: the periodic auth.test -> /readyz 503")
    d.revoked.discard(F.TOKEN)
    F.wait_for(lambda: get(port, "/readyz")[0] == 200, "/readyz 200 again after the token is restored", 5)
    print("ok: the token accepted again -> /readyz 200")

    # 4. AWS credentials that expired and cannot be refreshed -> 503 naming AWS
    F.stop(p)
    creds.lifetime_s = 2  # inside the refresh window at once: every check asks again
    p, port = F.start(d, os.path.join(F.TMP, "state3"), ["--ready-check-ms", "300"], env_changes=envc)
    time.sleep(0.5)
    creds.fail = True
    st, r = F.wait_for(lambda: (lambda x: x if x[0] == 503 else None)(get(port, "/readyz")), "/readyz 503 for AWS", 10)
    a = r["checks"]["aws"]
    if a.get("ok") or not any(x.startswith("AWS: ") for x in r["problems"]) or not r["checks"]["slack"]["ok"]:
        F.fail("/readyz with failing AWS credentials: %r" % r)
    print("ok: expired AWS credentials that cannot be refreshed -> /readyz 503: %s" % a.get("error"))
    F.stop(p)

    # 5. the DynamoDB store cannot answer: the event is dropped, counted, /readyz says so
    cfg = {"env": {"region": "us-east-1"}, "llm": {"provider": "openai", "endpoint": "http://127.0.0.1:9/v1"},
           "store": {"kind": "dynamodb", "table": "fa2-state"}}
    p, port = F.start(d, os.path.join(F.TMP, "state4"), config=cfg)
    r0 = get(port, "/readyz")[1]
    if r0["checks"]["store"].get("kind") != "dynamodb" or not r0["checks"]["store"].get("ok"):
        F.fail("/readyz before any store call: %r" % r0)
    posts = len(d.calls("chat.postMessage"))
    F.post(port, F.alarm_event("EvStore1", "%d.000100" % (int(time.time()) - 60)))
    st, r = F.wait_for(lambda: (lambda x: x if x[0] == 503 and not x[1]["checks"]["store"]["ok"] else None)(
        get(port, "/readyz")), "/readyz 503 for the store", 10)
    if not any("idempotency store (dynamodb)" in x for x in r["problems"]) or r["checks"]["store"]["errors"] < 1:
        F.fail("/readyz with the store down: %r" % r)
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    if "fa2_store_errors_total 1" not in m:
        F.fail("/metrics does not count the dropped request: %s" % m)
    time.sleep(0.5)
    if len(d.calls("chat.postMessage")) != posts:
        F.fail("a form was posted although the store could not tell whether the event was new")
    print("ok: the store down -> event dropped, fa2_store_errors_total 1, /readyz 503: %s" % r["problems"][-1])
    F.stop(p)
    if d.violations():
        F.fail("Slack double violations: %r" % d.violations())
    print("PASS")


if __name__ == "__main__":
    F.run_main(main)
