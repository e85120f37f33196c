#!/usr/bin/env python3
"""fa2 analyze --source DIR: the agent's tools answered from a snapshot, offline.

A copy of examples/ecs-dynamodb-sg with a runbooks folder added; the strict Converse
double of agent_doubles.py (SigV4 checked with botocore) scripts one call of every tool
(and one malformed Logs Insights query), then the OpenAI-compatible chat double does the
same. AWS_ENDPOINT_URL points at a loopback listener that records every connection: the
tools must never contact it. Checks what the observations hold: the security-group
change (CloudTrail), the DynamoDB errors (logs, X-Ray), the 5xx metric shift, the
runbook passage; the window and the event default to the snapshot's; a window outside the
snapshot is a usage error for analyze and triage alike."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import aws_peers
    import agent_doubles as D
except ImportError as e:
    print("botocore missing: %s" % e)
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
ROOT = os.environ.get("FA2_ROOT", os.getcwd())
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
MODEL = "us.anthropic.claude-test-v1:0"
REPORT = {"summary": "orders-api lost DynamoDB access after its security group egress was revoked.",
          "rootCauses": [{"title": "Security group egress revoked", "severity": "high", "confidence": "high",
                          "evidence": ["audit_log_tool: RevokeSecurityGroupEgress"]}],
          "timeline": [{"time": "08:00", "event": "egress rule removed"}],
          "actions": ["restore the egress rule"]}
TOOLS = [("tu-logs", "logs_tool", {"filter": "@message like /(?i)dynamodb/ and @message like /ERROR/"}),
         ("tu-met", "metrics_tool", {"namespace": "AWS/ApplicationELB", "metricName": "HTTPCode_Target_5XX_Count"}),
         ("tu-ct", "audit_log_tool", {"eventSource": "ec2.amazonaws.com"}),
         ("tu-xray", "xray_tool", {"filterExpression": "fault = true"}),
         ("tu-kb", "kb_tool", {"query": "DynamoDB security group egress", "numberOfResults": 1}),
         ("tu-bin", "logs_tool", {"filter": "@message like /ERROR/ | stats count(*) by bin(30m)"}),
         ("tu-bad", "logs_tool", {"filter": "@message like /x/ | parse @message 'a * b' as c"})]


class Poison:
    """A loopback listener standing in for every AWS endpoint: counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stopped = False
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            c.close()

    def stop(self):
        self.stopped = True
        self.sock.close()


def tool_results(req):
    out = {}
    for b in req["messages"][-1]["content"]:
        if "toolResult" in b:
            tr = b["toolResult"]
            out[tr["toolUseId"]] = (tr["status"], "".join(x["text"] for x in tr["content"]))
    return out


def check_observations(c, obs, via):
    st, t = obs.get("tu-logs", ("", ""))
    c.check(st == "success" and "[ERROR] x" in t and "DynamoDB" in t and "snapshot" in t,
            via + ": logs_tool finds the DynamoDB errors as templates", t[:1500])
    st, t = obs.get("tu-met", ("", ""))
    c.check(st == "success" and "HTTPCode_Target_5XX_Count" in t and "change at 2025-11-20 08:" in t,
            via + ": metrics_tool shows the 5xx shift at 08:xx", t[:1500])
    st, t = obs.get("tu-ct", ("", ""))
    c.check(st == "success" and "WRITE ec2.amazonaws.com" in t and "SecurityGroupEgress" in t,
            via + ": audit_log_tool shows the security-group change", t[:1500])
    st, t = obs.get("tu-xray", ("", ""))
    c.check(st == "success" and "FAULT orders-api/DynamoDB" in t and "connect timed out" in t,
            via + ": xray_tool gives the DynamoDB root cause", t[:1500])
    st, t = obs.get("tu-kb", ("", ""))
    c.check(st == "success" and "runbooks/dynamodb.md" in t and "egress" in t and "2. score" not in t,
            via + ": kb_tool ranks the DynamoDB runbook first (one result)", t[:1500])
    st, t = obs.get("tu-bin", ("", ""))
    c.check(st == "success" and "2025-11-20 08:00:00Z  " in t and "matching lines" in t,
            via + ": stats count(*) by bin(30m) gives counts per bin", t[:1500])
    st, t = obs.get("tu-bad", ("", ""))
    c.check(st == "error" and "supported:" in t and "parse" in t,
            via + ": an unsupported query is an error that lists the subset", t[:1500])


def main():
    c = aws_peers.Checks()
    snap = os.path.join(TMP, "snap")
    shutil.copytree(os.path.join(ROOT, "examples", "ecs-dynamodb-sg"), snap)
    os.makedirs(os.path.join(snap, "runbooks"))
    with open(os.path.join(snap, "runbooks", "dynamodb.md"), "w") as f:
        f.write("# DynamoDB unreachable from ECS tasks\n\nCheck the task security group's egress rules "
                "(port 443 to the DynamoDB prefix list) and the VPC endpoint policy.\n\n"
                "# Unrelated\n\nRenew the TLS certificate every year.\n")
    with open(os.path.join(snap, "runbooks", "payments.md"), "w") as f:
        f.write("# Payment gateway slow\n\nPage the payments team when responses exceed 3 s.\n")
    poison = Poison()
    dbl = D.Doubles("AKIDSNAPSOURCE0001", "snap-source-secret", "us-east-1", MODEL)
    try:
        run(c, snap, poison, dbl)
    finally:
        dbl.stop()
        poison.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def run(c, snap, poison, dbl):
    state = os.path.join(TMP, "state")
    cfg = os.path.join(TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "maxAgentCycles": 5, "stateDir": state,
                   "llm": {"maxRetries": 0, "timeoutSeconds": 30}, "agent": {"toolParallelism": 4}}, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID="AKIDSNAPSOURCE0001", AWS_SECRET_ACCESS_KEY="snap-source-secret",
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL="http://127.0.0.1:%d" % poison.port,
                              AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url)
    dbl.script = {
        0: D.converse_reply([{"text": "Reading the snapshot."}] +
                            [D.tool_use(i, n, x) for i, n, x in TOOLS[:4]], "tool_use"),
        1: D.converse_reply([D.tool_use(i, n, x) for i, n, x in TOOLS[4:]], "tool_use"),
        2: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn"),
    }

    # ---- 1. Bedrock Converse double; window and event from the snapshot ----
    rc, out, err, secs = aws_peers.fa2(FA2, ["analyze", "--source", snap, "--config", cfg, "--format", "json"],
                                       env, timeout=120)
    c.check(rc == 0, "analyze --source exits 0 (%.1f s)" % secs, out + err)
    c.check(not dbl.errors, "no protocol violations seen by the Converse double", "\n".join(dbl.errors))
    c.check(len(dbl.converse) == 3, "three Converse calls", str(len(dbl.converse)))
    c.check(poison.hits == 0, "no AWS endpoint was contacted (%d connections)" % poison.hits)
    try:
        rep = json.loads(out)
    except ValueError:
        rep = {}
    c.check(rep.get("summary") == REPORT["summary"] and rep.get("status") == "complete",
            "the report is the model's, status complete", out[-600:])
    if dbl.converse:
        first = json.dumps(dbl.converse[0][2]["messages"][0])
        c.check("orders-api-target-5xx-high" in first and "2025-11-20" in first,
                "the event and window default to the snapshot's alarm and window", first[:1500])
        c.check("Triage digest" in first and "SecurityGroupEgress" in first,
                "the first message holds the triage digest of the snapshot (its egress change)", first[:4000])
        names = sorted(t["toolSpec"]["name"] for t in dbl.converse[0][2]["toolConfig"]["tools"])
        c.check(names == ["audit_log_tool", "kb_tool", "logs_tool", "metrics_tool", "xray_tool"],
                "the five tools are offered under their usual names", str(names))
    if len(dbl.converse) == 3:
        obs = tool_results(dbl.converse[1][2])
        obs.update(tool_results(dbl.converse[2][2]))
        check_observations(c, obs, "converse")

    # ---- 1b. kill -9 mid-analysis, then sessions resume --source: the rest runs offline ----
    dbl.converse.clear()
    dbl.hold_turn, dbl.hold_s = 1, 20
    dbl.held.clear()
    sessions = os.path.join(state, "sessions")
    before = set(os.listdir(sessions))
    p = subprocess.Popen([FA2, "analyze", "--source", snap, "--config", cfg, "--format", "json"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    c.check(dbl.held.wait(60), "the offline analysis reached its second model call")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    dbl.hold_turn = None
    new = sorted(set(os.listdir(sessions)) - before)
    c.check(len(new) == 1, "one interrupted session", str(new))
    if new:
        n_conv = len(dbl.converse)
        rc, out, err, _ = aws_peers.fa2(FA2, ["sessions", "resume", new[0], "--source", snap, "--config", cfg,
                                              "--format", "json"], env, timeout=120)
        c.check(rc == 0 and REPORT["summary"] in out, "sessions resume --source finishes the analysis", out[-400:] + err)
        later = dbl.converse[n_conv:]
        c.check([t for _, t, _ in later] == [1, 2], "resume asked the model for turns 1 and 2 only",
                str([t for _, t, _ in later]))
        if len(later) == 2:
            obs = tool_results(later[1][2])
            c.check("runbooks/dynamodb.md" in obs.get("tu-kb", ("", ""))[1] and
                    "supported:" in obs.get("tu-bad", ("", ""))[1],
                    "the resumed turn's tools ran against the snapshot", json.dumps(obs)[:800])
        rc, out, err, _ = aws_peers.fa2(FA2, ["sessions", "resume", new[0], "--source",
                                              os.path.join(ROOT, "examples", "ecs-dynamodb-sg"), "--config", cfg,
                                              "--format", "json"], env, timeout=60)
        c.check(rc == 0, "resuming a finished session returns its report", err)
    c.check(poison.hits == 0, "no AWS endpoint contacted by the resumed analysis")
    c.check(not dbl.errors, "no protocol violations on resume", "\n".join(dbl.errors))

    # ---- 1c. the same analysis under ASan/UBSan (tools run concurrently on one snapshot) ----
    asan = os.environ.get("FA2_ASAN", "")
    if asan and os.access(asan, os.X_OK):
        n_conv = len(dbl.converse)
        rc, out, err, secs = aws_peers.fa2(asan, ["analyze", "--source", snap, "--config", cfg, "--format", "json"],
                                           dict(env, ASAN_OPTIONS="detect_leaks=1"), timeout=180)
        c.check(rc == 0 and "AddressSanitizer" not in err and "runtime error" not in err and
                len(dbl.converse) - n_conv == 3, "the ASan/UBSan build runs the offline analysis cleanly (%.1f s)" % secs,
                err[-1500:])
    else:
        print("(no ASan build at %r: ASan run skipped)" % asan)

    # ---- 2. the same with the OpenAI-compatible double (the air-gapped set-up) ----
    dbl.openai_key = "sk-local-snap-1"
    calls = [{"id": i, "type": "function", "function": {"name": n, "arguments": json.dumps(x)}} for i, n, x in TOOLS]
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    dbl.chat_script = {
        0: {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": calls},
                         "finish_reason": "tool_calls"}], "usage": usage},
        1: {"choices": [{"message": {"role": "assistant", "content": json.dumps(REPORT)}, "finish_reason": "stop"}],
            "usage": usage},
    }
    ocfg = os.path.join(TMP, "openai.json")
    with open(ocfg, "w") as f:
        json.dump({"modelId": "local-model", "env": {"region": "us-east-1"}, "stateDir": state, "maxAgentCycles": 5,
                   "llm": {"provider": "openai", "endpoint": dbl.url + "/v1", "apiKeyEnv": "FA2_TEST_LLM_KEY",
                           "maxRetries": 0}}, f)
    oenv = dict(env, FA2_TEST_LLM_KEY=dbl.openai_key)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"):
        oenv.pop(k, None)
    n_errs = len(dbl.errors)
    rc, out, err, secs = aws_peers.fa2(FA2, ["analyze", "--source", snap, "--from", "2025-11-20T07:00:00Z",
                                             "--event", "orders API 5xx", "--config", ocfg], oenv, timeout=120)
    c.check(rc == 0 and REPORT["summary"] in out, "analyze --source with an OpenAI-compatible server, no AWS "
            "credentials", out[-600:] + err[-600:])
    c.check(len(dbl.chat) == 2 and len(dbl.errors) == n_errs, "chat double: shape and tool_call ids",
            "\n".join(dbl.errors[n_errs:]))
    c.check(poison.hits == 0, "still no AWS endpoint contacted")
    if len(dbl.chat) == 2:
        obs = {}
        for m in dbl.chat[1]["messages"]:
            if m["role"] == "tool":
                txt = m["content"]
                obs[m["tool_call_id"]] = ("error" if "supported:" in txt and "rejected" in txt else "success", txt)
        check_observations(c, obs, "openai")
        t = obs.get("tu-logs", ("", ""))[1]
        c.check("window 2025-11-20 07:00:00Z .. 2025-11-20 08:30:00Z" in t,
                "--from narrows the window; --to defaults to the snapshot's end", t[:400])

    # ---- 3. windows outside the snapshot are usage errors (analyze and triage) ----
    n_conv, n_chat = len(dbl.converse), len(dbl.chat)
    rc, out, err, _ = aws_peers.fa2(FA2, ["analyze", "--source", snap, "--from", "2025-11-20T01:00:00Z",
                                          "--config", cfg], env, timeout=30)
    c.check(rc == 2 and "not inside the snapshot's window" in err and "2025-11-20T02:00:00Z" in err,
            "analyze: a window starting before the snapshot is a clear usage error", err)
    rc, out, err, _ = aws_peers.fa2(FA2, ["analyze", "--source", snap, "--from", "2025-11-20T03:00:00Z",
                                          "--to", "2025-11-21T00:00:00Z", "--config", cfg], env, timeout=30)
    c.check(rc == 2 and "not inside the snapshot's window" in err, "analyze: a window ending after it too", err)
    c.check(len(dbl.converse) == n_conv and len(dbl.chat) == n_chat, "no model call for a rejected window")
    rc, out, err, _ = aws_peers.fa2(FA2, ["triage", "--source", snap, "--from", "2025-11-19T00:00:00Z"], env,
                                    timeout=30)
    c.check(rc == 2 and "not inside the snapshot's window" in err, "triage: the same rule", err)
    rc, out, err, _ = aws_peers.fa2(FA2, ["triage", "--source", snap, "--from", "2025-11-20T07:00:00Z"], env,
                                    timeout=60)
    c.check(rc == 0 and out.strip(), "triage: a window inside the snapshot still works", err)
    nomanifest = os.path.join(TMP, "empty")
    os.makedirs(nomanifest)
    rc, out, err, _ = aws_peers.fa2(FA2, ["analyze", "--source", nomanifest, "--config", cfg], env, timeout=30)
    c.check(rc == 2 and "manifest.json" in err, "analyze: a directory without a manifest is a usage error", err)

    # ---- 4. --alarm with --source: the snapshot's own alarm, nothing read from AWS ----
    rc, out, err, _ = aws_peers.fa2(FA2, ["analyze", "--source", snap, "--alarm", "another-alarm", "--config", cfg],
                                    env, timeout=30)
    c.check(rc == 2 and "taken for alarm orders-api-target-5xx-high, not another-alarm" in err,
            "analyze --source --alarm: another alarm's name is a usage error naming the snapshot's", err)
    rc, out, err, _ = aws_peers.fa2(FA2, ["analyze", "--source", snap, "--alarm", "x", "--before", "5",
                                          "--config", cfg], env, timeout=30)
    c.check(rc == 2 and "do not go with --source" in err, "analyze --source --alarm --before: a usage error", err)
    dbl.converse.clear()
    dbl.script = {0: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn")}
    rc, out, err, _ = aws_peers.fa2(FA2, ["analyze", "--source", snap, "--alarm", "orders-api-target-5xx-high",
                                          "--config", cfg, "--format", "json"], env, timeout=120)
    c.check(rc == 0, "analyze --source --alarm NAME exits 0", out[-600:] + err[-1500:])
    if dbl.converse:
        first = "".join(b.get("text", "") for b in dbl.converse[0][2]["messages"][0]["content"])
        mark = "Start from the alarm's metric"
        al_txt = first[first.index(mark):] if mark in first else ""
        c.check("Triage digest" in first and "HTTPCode_Target_5XX_Count" in al_txt and "change at" in al_txt,
                "the first message: the digest, then metrics_tool on the snapshot's alarm metric", first[-3000:])
    try:
        calls = json.loads(out).get("agent", {}).get("toolCalls", [])
    except ValueError:
        calls = []
    c.check([(x.get("tool"), x.get("cycle")) for x in calls] == [("triage_digest", 0), ("metrics_tool", 0)],
            "the digest and the alarm's metric ran before the model, as calls of cycle 0", json.dumps(calls)[:600])
    c.check(poison.hits == 0, "no AWS endpoint contacted in any run")


if __name__ == "__main__":
    main()
