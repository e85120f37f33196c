#!/usr/bin/env python3
"""Failures of an analysis, as users see them (analysis API, agent/run.h), on loopback:

1. Slack, language ja: the strict Converse double answers 403 AccessDeniedException
   (and echoes the session token in its message). The thread's progress message says
   so in Japanese with the model id, the region, the error code and the fix; a
   prefilled form is posted in the thread; pressing its button (with the model
   answering again) runs the analysis and posts the report. No "exit code" and no
   secret in anything sent to Slack (messages, blocks, uploaded files).
2. Secrets echoed by peers: a 403 body with the AWS session token, a 401 body with the
   OpenAI-compatible API key, each also inside a line longer than 8191 bytes with the
   secret across byte 8191: the secret (or its first 10 bytes) appears in no log line
   (trace level), no output, no session file.
3. A session write that fails (a file size limit, SIGXFSZ ignored, as a full disk
   would): fa2 analyze exits 1 naming the cause, and the session's summary says failed
   with the reason; the same run without the limit exits 0. In fa2 serve, the thread is
   told in Japanese and the session is marked failed."""
import hashlib
import hmac
import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import aws_peers
    import agent_doubles as D
except ImportError as e:
    print("botocore missing: %s" % e)
    sys.exit(77)
from slack_double import Double  # noqa: E402

FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
MODEL = "apac.anthropic.claude-denied-v1:0"
REGION = "ap-northeast-1"
AKID, SKEY = "AKIDFA2TESTFAILURES", "fa2-test-secret-key-0123456789abcdef"
STOKEN = "FQoGZXIvYXdzEXAMPLEsessionTOKEN0123456789abcdefSECRET"
APIKEY = "sk-fa2-test-APIKEY-0123456789abcdefghijklmnop"
SIGNING = "failures-signing-secret-0123456789abcdef"
BOT = "xoxb-failures-0000-token"
REPORT = {"summary": "The checkout service ran out of database connections.",
          "rootCauses": [{"title": "Connection pool exhausted", "severity": "high", "confidence": "medium",
                          "evidence": ["logs: 'too many connections'"]}],
          "actions": ["raise the pool size"]}
procs = []


def final_reply(text=None):
    return D.converse_reply([{"text": text or "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn")


def long_echo(secret):
    """A message with the secret early (inside the 256 bytes kept of an error message),
    again across byte 255 (the cut of a kept error message) and across byte 8191 (the old
    cut of a log record) of a line longer than 8 KiB."""
    m = "request rejected for token %s; " % secret
    m += "x" * (240 - len(m)) + secret
    m += "x" * (8180 - len(m)) + secret
    return m + "y" * 300


def sign(body):
    ts = str(int(time.time()))
    return ts, "v0=" + hmac.new(SIGNING.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()


def post(port, body):
    body = body.encode()
    ts, sig = sign(body)
    req = urllib.request.Request("http://127.0.0.1:%d/slack/events" % port, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig})
    try:
        return urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


def submit(port, mts, thread, desc, start, end, value="submit"):
    values = {"fa2_desc": {"fa2_desc_input": {"type": "plain_text_input", "value": desc}},
              "fa2_start": {"fa2_start_input": {"type": "datetimepicker", "selected_date_time": start}},
              "fa2_end": {"fa2_end_input": {"type": "datetimepicker", "selected_date_time": end}}}
    p = {"type": "block_actions", "user": {"id": "UALICE"}, "channel": {"id": "C0ALARMS"},
         "message": {"ts": mts, "thread_ts": thread}, "state": {"values": values}, "trigger_id": "1.2.3",
         "actions": [{"type": "button", "action_id": "fa2_submit", "value": value}]}
    return post(port, "payload=" + urllib.parse.quote(json.dumps(p)))


def wait_for(fn, secs=30):
    end = time.time() + secs
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return None


def tree_text(root):
    """Every file under root, as text."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            try:
                with open(p, "rb") as fh:
                    out[p] = fh.read().decode("utf-8", "replace")
            except FileNotFoundError:  # a running fa2 replaced or removed it meanwhile
                pass
    return out


def no_secret(c, what, texts, secret):
    leaks = [k for k, v in texts.items() if secret in v or secret[:10] in v]
    c.check(not leaks, "%s: the secret is in none of %d texts" % (what, len(texts)), str(leaks))


def base_env(dbl, **extra):
    return aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SKEY, AWS_SESSION_TOKEN=STOKEN,
                               AWS_REGION=REGION, AWS_ENDPOINT_URL="http://127.0.0.1:9",
                               AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url, FA2_LOG_LEVEL="trace", **extra)


def write_cfg(name, **extra):
    cfg = {"modelId": MODEL, "env": {"region": REGION}, "cwLogsLogGroups": [], "maxAgentCycles": 3,
           "stateDir": os.path.join(TMP, "state-" + name),
           "llm": {"maxRetries": 0, "backoffMs": 100, "timeoutSeconds": 20}}
    cfg.update(extra)
    path = os.path.join(TMP, name + ".json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path, cfg["stateDir"]


def limit_files(limit_bytes):
    """A preexec_fn: file size limit with SIGXFSZ ignored (ignored signals survive exec),
    so a write beyond it fails with EFBIG as on a full disk."""
    def pre():
        if limit_bytes:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return pre


def start_serve(c, cfg, env, limit_bytes=None):
    port = aws_peers.free_port()
    log = open(os.path.join(TMP, "serve-%d.log" % len(procs)), "w+")
    p = subprocess.Popen([FA2, "serve", "--listen", "127.0.0.1:%d" % port, "--config", cfg],
                         stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=limit_files(limit_bytes))
    procs.append(p)

    def healthy():
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1).read()
            return True
        except Exception:
            return False
    c.check(bool(wait_for(healthy, 15)), "fa2 serve started")
    return port, log


def slack_part(c, dbl):
    sd = Double(BOT)
    try:
        cfg, state = write_cfg("slack", language="ja")
        env = base_env(dbl, SLACK_SIGNING_SECRET=SIGNING, SLACK_BOT_TOKEN=BOT, SLACK_API_URL=sd.url)
        port, log = start_serve(c, cfg, env)
        denied = "You don't have access to the model with the specified model ID. (request %s)" % STOKEN
        dbl.fail_reply = (403, {"message": denied + " " + long_echo(STOKEN)}, "AccessDeniedException")
        now = int(time.time())
        thread = "%d.000300" % (now - 120)
        c.check(submit(port, thread, thread, "checkout errors", now - 1800, now - 60) == 200, "submit acknowledged")
        prog = wait_for(lambda: [x for x in sd.calls("chat.postMessage") if x["args"].get("thread_ts") == thread
                                 and "分析しています" in x["args"].get("text", "")], 20)
        c.check(bool(prog), "a Japanese progress message in the thread")
        if not prog:
            return
        pts = "%d.000100" % (1700000000 + sd.calls("chat.postMessage").index(prog[0]) + 1)
        fail = wait_for(lambda: [x["args"]["text"] for x in sd.calls("chat.update")
                                 if x["args"].get("ts") == pts and "失敗" in x["args"].get("text", "")], 40)
        c.check(bool(fail), "the progress message becomes the failure", log.name)
        if not fail:
            return
        t = fail[-1]
        for want in ("分析に失敗しました", "モデルが fa2 のアクセスを拒否しました", MODEL, REGION,
                     "AccessDeniedException", "HTTP 403", "対処:", "Amazon Bedrock コンソール", "[REDACTED]"):
            c.check(want in t, "the failure text names %r" % want, t)
        form = wait_for(lambda: [x for x in sd.calls("chat.postMessage") if x["args"].get("thread_ts") == thread and
                                 any(b.get("type") == "actions" for b in x["args"].get("blocks") or [])], 10)
        c.check(bool(form), "a retry form is posted in the thread")
        if not form:
            return
        f = form[-1]
        c.check(f["args"]["blocks"][0].get("block_id") == "fa2_retry", "the retry form is marked as such")
        c.check("再実行" in f["args"].get("text", ""), "the retry form says what it is for, in Japanese",
                f["args"].get("text", ""))
        pick = {b["block_id"]: b["element"] for b in f["args"]["blocks"] if b["type"] == "input"}
        fts = "%d.000100" % (1700000000 + sd.calls("chat.postMessage").index(f) + 1)
        btn = [e for b in f["args"]["blocks"] if b["type"] == "actions" for e in b["elements"]][0]
        # the cause is fixed: the model answers; the form's button runs the analysis again
        dbl.fail_reply = None
        dbl.script = {0: final_reply()}
        n = len(sd.calls("chat.postMessage"))
        c.check(submit(port, fts, thread, pick["fa2_desc"]["initial_value"], pick["fa2_start"]["initial_date_time"],
                       pick["fa2_end"]["initial_date_time"], btn["value"]) == 200, "retry submitted")
        prog2 = wait_for(lambda: [x for x in sd.calls("chat.postMessage")[n:] if x["args"].get("thread_ts") == thread
                                  and "分析しています" in x["args"].get("text", "")], 20)
        c.check(bool(prog2), "the retry starts a new analysis in the same thread")
        rep = wait_for(lambda: [x for x in sd.calls("chat.postMessage")[n:] if x["args"].get("thread_ts") == thread and
                                REPORT["summary"] in json.dumps(x["args"], ensure_ascii=False)], 40)
        c.check(bool(rep), "the retried analysis posts its report", open(log.name).read()[-2000:])
        done = wait_for(lambda: [x for x in sd.calls("chat.update") if "分析が完了しました" in x["args"].get("text", "")], 10)
        c.check(bool(done), "the retried analysis ends with the Japanese completion line")
        everything = json.dumps(sd.calls(), ensure_ascii=False)
        c.check("exit code" not in everything, "no 'exit code' anywhere in Slack")
        texts = {"slack calls": everything}
        for fid, u in sd.uploads.items():
            texts["upload " + fid] = json.dumps(u, ensure_ascii=False, default=str)
        log.flush()
        texts.update(tree_text(state))
        with open(log.name) as fh:
            texts["serve log"] = fh.read()
        no_secret(c, "Slack, serve log and session files", texts, STOKEN)
        c.check(not sd.violations(), "no Slack API violations", str(sd.violations()))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        sd.close()


def cli(args, env, limit_bytes=None):
    p = subprocess.run([FA2] + args, env=env, capture_output=True, text=True, timeout=90,
                       preexec_fn=limit_files(limit_bytes))
    return p.returncode, p.stdout, p.stderr


def secrets_part(c, dbl):
    # Bedrock: a 403 that echoes the session token
    cfg, state = write_cfg("bedrock-echo")
    dbl.fail_reply = (403, {"message": long_echo(STOKEN)}, "AccessDeniedException")
    texts = {}
    for fmt in ("md", "json"):
        rc, out, err = cli(["analyze", "--from", "-1h", "--event", "checkout errors", "--config", cfg,
                            "--format", fmt], base_env(dbl))
        c.check(rc == 1, "bedrock echo (%s): a partial report, exit 1 (%d)" % (fmt, rc), err[-1500:])
        texts["stdout " + fmt], texts["stderr " + fmt] = out, err
    c.check("[REDACTED]" in texts["stderr md"], "the echoed token is shown redacted", texts["stderr md"][-1500:])
    texts.update(tree_text(state))
    no_secret(c, "Bedrock 403 echo: stdout, stderr (trace), session files", texts, STOKEN)
    # OpenAI-compatible: a 401 that echoes the API key
    cfg, state = write_cfg("openai-echo", llm={"provider": "openai", "endpoint": dbl.url + "/v1",
                                               "apiKeyEnv": "FA2_TEST_API_KEY", "maxRetries": 0})
    dbl.openai_key = APIKEY
    dbl.fail_reply = (401, {"error": {"message": "Incorrect API key provided: " + long_echo(APIKEY),
                                      "type": "invalid_request_error", "code": "invalid_api_key"}}, None)
    rc, out, err = cli(["analyze", "--from", "-1h", "--event", "checkout errors", "--config", cfg, "--lang", "en"],
                       base_env(dbl, FA2_TEST_API_KEY=APIKEY))
    c.check(rc == 1, "openai echo: exit 1 (%d)" % rc, err[-1500:])
    c.check("no valid credentials" in err and "llm.apiKeyEnv" in err and "invalid_api_key" in err,
            "openai echo: the failure names the credentials and the fix", err[-1500:])
    texts = {"stdout": out, "stderr": err}
    texts.update(tree_text(state))
    no_secret(c, "OpenAI 401 echo: stdout, stderr (trace), session files", texts, APIKEY)
    dbl.fail_reply = None


def storage_part(c, dbl):
    big = dict(REPORT, summary="The pool ran dry. " + "Evidence line. " * 4000)  # a ~60 KB answer
    dbl.script = {0: final_reply("```json\n" + json.dumps(big) + "\n```")}
    cfg, state = write_cfg("disk")
    rc, out, err = cli(["analyze", "--from", "-1h", "--event", "checkout errors", "--config", cfg], base_env(dbl))
    c.check(rc == 0, "without a size limit the analysis completes (%d)" % rc, err[-1500:])
    cfg, state = write_cfg("disk-full")
    rc, out, err = cli(["analyze", "--from", "-1h", "--event", "checkout errors", "--config", cfg], base_env(dbl),
                       limit_bytes=32 * 1024)
    c.check(rc == 1, "a failed session write: exit 1 (%d)" % rc, err[-1500:])
    c.check("could not save the analysis" in err and "What to do:" in err, "the failure names the cause and fix",
            err[-1500:])
    sums = [json.loads(v) for k, v in tree_text(state).items() if k.endswith("summary.json")]
    c.check(len(sums) == 1 and sums[0].get("status") == "failed" and "storage" in sums[0].get("failure", ""),
            "the session is marked failed with the reason", json.dumps(sums))
    c.check(not [k for k in tree_text(state) if k.endswith("/reserve")], "the reserve is given back")
    if sums:
        rc, out, err = cli(["sessions", "show", sums[0]["id"], "--config", cfg], base_env(dbl))
        c.check(rc == 0 and "status:   failed" in out and "failure:  storage:" in out,
                "fa2 sessions show names the failure", out[:800])
    tmpfs_part(c, dbl)


def tmpfs_part(c, dbl):
    """The state directory on a tiny tmpfs (a real full disk: ENOSPC), where mounting is
    permitted (root in a container that allows it); otherwise said and skipped."""
    mnt = os.path.join(TMP, "tiny")
    os.makedirs(mnt, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        print("     tiny tmpfs not mounted here (%s): the RLIMIT_FSIZE runs above stand for it"
              % (r.stderr.strip() or r.returncode))
        return
    try:
        cfg, _ = write_cfg("tmpfs")
        with open(cfg) as f:
            conf = json.load(f)
        conf["stateDir"] = os.path.join(mnt, "state")
        with open(cfg, "w") as f:
            json.dump(conf, f)
        rc, out, err = cli(["analyze", "--from", "-1h", "--event", "checkout errors", "--config", cfg], base_env(dbl))
        c.check(rc == 1 and "could not save the analysis" in err,
                "a tiny tmpfs as the state directory: exit 1, the failure names the cause (%d)" % rc, err[-1500:])
        sums = [json.loads(v) for k, v in tree_text(conf["stateDir"]).items() if k.endswith("summary.json")]
        c.check(len(sums) == 1 and sums[0].get("status") == "failed",
                "on the full tmpfs the session says failed", json.dumps(sums)[:800])
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def slack_storage_part(c, dbl):
    """fa2 serve whose session writes fail: the thread hears it, in Japanese."""
    big = dict(REPORT, summary="The pool ran dry. " + "Evidence line. " * 4000)
    dbl.script = {0: final_reply("```json\n" + json.dumps(big) + "\n```")}
    sd = Double(BOT)
    try:
        cfg, state = write_cfg("slack-disk", language="ja")
        env = base_env(dbl, SLACK_SIGNING_SECRET=SIGNING, SLACK_BOT_TOKEN=BOT, SLACK_API_URL=sd.url)
        port, log = start_serve(c, cfg, env, limit_bytes=32 * 1024)
        now = int(time.time())
        thread = "%d.000400" % (now - 120)
        c.check(submit(port, thread, thread, "checkout errors", now - 1800, now - 60) == 200, "submit acknowledged")
        fail = wait_for(lambda: [x["args"]["text"] for x in sd.calls("chat.update")
                                 if "保存できませんでした" in x["args"].get("text", "")], 40)
        log.flush()
        c.check(bool(fail), "Slack: the thread is told the analysis could not be saved, in Japanese",
                open(log.name).read()[-2000:])
        if fail:
            c.check("journal.jsonl" in fail[-1] and "対処:" in fail[-1] and "exit code" not in fail[-1],
                    "Slack: the failure names the file and the fix", fail[-1])
        def summaries():
            return [json.loads(v) for k, v in tree_text(state).items() if k.endswith("summary.json")]
        wait_for(lambda: [x for x in summaries() if x.get("status") == "failed"], 10)
        sums = summaries()
        c.check(len(sums) == 1 and sums[0].get("status") == "failed", "Slack: the session is marked failed",
                json.dumps(sums, ensure_ascii=False)[:1500])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        sd.close()


def main():
    c = aws_peers.Checks()
    dbl = D.Doubles(AKID, SKEY, REGION, MODEL)
    try:
        slack_part(c, dbl)
        secrets_part(c, dbl)
        storage_part(c, dbl)
        slack_storage_part(c, dbl)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        dbl.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
