#!/usr/bin/env python3
"""Retry behaviour of fa2 aws against a misbehaving endpoint double on loopback:
429/ThrottlingException, 500s, connection resets and stalls. Checks that retries happen
with backoff, that the retry count is bounded (AWS_MAX_ATTEMPTS), that the call's
deadline (--timeout) holds and that nothing hangs."""
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402

FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()


class Script:
    def __init__(self):
        self.lock = threading.Lock()
        self.plan = []
        self.times = []

    def set(self, plan):
        with self.lock:
            self.plan = list(plan)
            self.times = []

    def next(self):
        with self.lock:
            self.times.append(time.monotonic())
            return self.plan.pop(0) if len(self.plan) > 1 else self.plan[0]


script = Script()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        step = script.next()
        if step == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if step == "stall":
            time.sleep(30)
            return
        if step == "throttle":
            code, body = 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
        elif step == "429":
            code, body = 429, {"message": "Too Many Requests"}
        elif step == "500":
            code, body = 500, {"__type": "InternalFailure", "message": "boom"}
        else:
            code, body = 200, {"logGroups": [{"logGroupName": "/ok"}]}
        b = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "req-%d" % len(script.times))
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)


def main():
    c = aws_peers.Checks()
    srv = aws_peers.Double(H)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID="AKIDFAULT", AWS_SECRET_ACCESS_KEY="secret",
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=srv.url, AWS_MAX_ATTEMPTS="3")
    try:
        def call(plan, timeout="20", e=env):
            script.set(plan)
            return aws_peers.fa2(FA2, ["aws", "--timeout", timeout, "logs", "DescribeLogGroups", "{}"],
                                 e, timeout=60)

        rc, out, err, dt = call(["throttle", "429", "ok"])
        gaps = [b - a for a, b in zip(script.times, script.times[1:])]
        c.check(rc == 0 and "/ok" in out and len(script.times) == 3,
                "throttled twice (ThrottlingException, 429), then success", f"{rc} {len(script.times)} {err}")
        c.check(sum(gaps) > 0.01, "backoff between retries (%s ms)" % [int(g * 1000) for g in gaps])

        rc, out, err, dt = call(["500"])
        c.check(rc == 1 and len(script.times) == 3 and "InternalFailure" in err and "HTTP 500" in err,
                "500 every time: 3 attempts (AWS_MAX_ATTEMPTS), readable error, exit 1",
                f"{rc} {len(script.times)} {err}")

        rc, out, err, dt = call(["reset", "reset", "ok"])
        c.check(rc == 0 and "/ok" in out and len(script.times) == 3,
                "connection reset twice, then success", f"{rc} {len(script.times)} {err}")

        rc, out, err, dt = call(["stall"], timeout="2")
        c.check(rc == 1 and dt < 5, "a stalled endpoint: the 2 s deadline holds (took %.1f s)" % dt, err)
        c.check("deadline" in err or "timed out" in err.lower() or "timeout" in err.lower(),
                "a stalled endpoint: the error says so", err)

        rc, out, err, dt = call(["throttle"], timeout="2", e=dict(env, AWS_MAX_ATTEMPTS="20"))
        c.check(rc == 1 and dt < 4 and "ThrottlingException" in err and len(script.times) >= 2,
                "throttled forever with 20 attempts allowed: stops at the 2 s deadline (%d attempts, %.1f s)"
                % (len(script.times), dt), err)

        rc, out, err, dt = call(["reset"], timeout="10")
        c.check(rc == 1 and len(script.times) == 3 and dt < 10,
                "resets every time: gives up after 3 attempts (%.1f s)" % dt, err)
    finally:
        srv.stop()
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
