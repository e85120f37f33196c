#!/usr/bin/env python3
"""Our request verifier agrees with Slack's own (@slack/bolt's isValidSlackRequest).

Random signing secrets (one fa2 serve per secret), random bodies (JSON and form, ASCII and
UTF-8), random timestamps and signature variants (valid, tampered body, wrong secret,
truncated, upper-case hex, wrong version, missing) are sent to fa2 serve's Slack endpoint
and given to Bolt's verifier; accept/reject must match on every case. One documented
difference is asserted as such: a timestamp more than 5 minutes in the FUTURE is rejected
by fa2 (Slack's guide: "differs from now by more than five minutes") while Bolt only
rejects old timestamps.
"""
import hashlib
import hmac
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.environ.get("FA2_ROOT", os.getcwd())
NODE_DIR = os.path.join(ROOT, "tests", "node")
FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP", "/tmp")


def skip(why):
    print(why)
    sys.exit(77)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def bolt(cases):
    r = subprocess.run(["node", os.path.join(NODE_DIR, "bolt_verify.js")], input=json.dumps(cases),
                       capture_output=True, text=True, cwd=NODE_DIR, timeout=60)
    if r.returncode != 0:
        print(r.stderr)
        sys.exit(1)
    return json.loads(r.stdout)


def mac(secret, ts, body):
    return hmac.new(secret.encode(), ("v0:%s:" % ts).encode() + body.encode(), hashlib.sha256).hexdigest()


def rand_body(rng):
    k = rng.randrange(4)
    if k == 0:
        return json.dumps({"type": "url_verification", "challenge": secrets.token_urlsafe(rng.randrange(1, 40))})
    if k == 1:
        return "command=%2Ffa2&text=" + secrets.token_hex(rng.randrange(0, 30))
    if k == 2:
        return "".join(rng.choice("abc xyz{}\":,=&%+ éü日本") for _ in range(rng.randrange(0, 200)))
    return ""


def main():
    if not shutil.which("node") or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@slack", "bolt")):
        skip("@slack/bolt not installed (tools/setup-deps.sh runs npm ci in tests/node)")
    rng = random.Random(int(os.environ.get("FA2_SEED", str(int(time.time())))))
    total = agree = future = 0
    for round_ in range(3):
        secret = secrets.token_hex(rng.randrange(8, 40))
        port = free_port()
        log = open(os.path.join(TMP, "serve-%d.log" % round_), "w")
        env = dict(os.environ, SLACK_SIGNING_SECRET=secret, FA2_STATE_DIR=os.path.join(TMP, "st%d" % round_))
        env.pop("SLACK_BOT_TOKEN", None)
        p = subprocess.Popen([FA2, "serve", "--listen", "127.0.0.1:%d" % port], stdout=log,
                             stderr=subprocess.STDOUT, env=env)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1)
                    break
                except Exception:
                    time.sleep(0.05)
            cases = []
            now = int(time.time())
            for _ in range(120):
                body = rand_body(rng)
                off = rng.choice([0, -10, -200, -290, -310, -1000, 100, 250, 400, 5000, rng.randrange(-280, 280)])
                ts = str(now + off)
                good = "v0=" + mac(secret, ts, body)
                v = rng.randrange(8)
                sig = {0: good, 1: good, 2: "v0=" + mac(secret, ts, body + "x"),
                       3: "v0=" + mac(secret + "1", ts, body), 4: good[:-2], 5: good.upper().replace("V0=", "v0="),
                       6: "v1=" + good[3:], 7: None}[v]
                cases.append({"secret": secret, "ts": ts, "sig": sig, "body": body, "off": off})
            verdicts = bolt(cases)
            for c, b in zip(cases, verdicts):
                h = {"Content-Type": "application/json" if c["body"].startswith("{") else
                     "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": c["ts"]}
                if c["sig"] is not None:
                    h["X-Slack-Signature"] = c["sig"]
                req = urllib.request.Request("http://127.0.0.1:%d/slack/events" % port,
                                             data=c["body"].encode(), headers=h)
                try:
                    st = urllib.request.urlopen(req, timeout=10).status
                except urllib.error.HTTPError as e:
                    st = e.code
                ours = st != 401
                total += 1
                if c["off"] > 300 and b and not ours:
                    future += 1  # the documented difference
                    continue
                if ours != b:
                    print("FAIL: disagreement: fa2 %s (HTTP %d), Bolt %s for %r" %
                          ("accepts" if ours else "rejects", st, "accepts" if b else "rejects", c))
                    sys.exit(1)
                agree += 1
        finally:
            p.terminate()
            p.wait(10)
    accepted = total  # printed for the log
    print("fa2 and @slack/bolt agree on %d of %d random requests; %d future-dated ones "
          "(>300 s ahead) rejected by fa2 only, as designed" % (agree, accepted, future))
    if future == 0 or agree < total // 2:
        print("FAIL: the random cases did not cover both paths")
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
