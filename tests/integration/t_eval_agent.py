#!/usr/bin/env python3
# itest-timeout: 600
"""fa2 eval --agent: the agent (the configured model, here the strict Converse double of
agent_doubles.py, SigV4 checked with botocore) runs over each scenario's snapshot and its
report's first root cause is judged against the scenario's answer key.

Two generated scenarios (tools/make-corpus.py): a change-caused one (an IAM policy
detached from the service's role) and a no-change one (a disk filling up). The double
reads which scenario it is serving from the first message (the event and the triage
digest) and answers as a scripted analyst: one audit_log_tool call, then the report.
- a double that names the right cause scores 2/2, and the per-scenario lines and the
  totals say so, next to triage's unchanged results;
- a double that names a decoy (another service's deployment; a parameter change in the
  no-change incident) scores 0/2; so does one that names the right API call on another
  role (the judgement needs the call and the resource it acted on);
- a failing model (a partial report, assembled by fa2) is an agent error on the
  scenario's line, not a failed run;
- --config without --agent is a usage error."""
import json
import os
import shutil
import subprocess
import sys

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
AKID, SECRET = "AKIDEVALAGENT000001", "eval-agent-secret"
SCENARIOS = ["d01-iam-detach-dynamodb", "d23-disk-full-ec2"]


def gen(corpus):
    for name in SCENARIOS:
        out = os.path.join(TMP, "gen-" + name)
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make-corpus.py"), "--only", name, "--jobs", "1",
                            out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        if p.returncode:
            raise SystemExit("generator failed: " + p.stderr.decode()[-2000:])
        shutil.copytree(os.path.join(out, "dev", name), os.path.join(corpus, "dev", name))


def report(title, description):
    return {"summary": title, "rootCauses": [{"title": title, "description": description, "severity": "high",
                                              "confidence": "medium", "evidence": ["audit_log_tool"]}],
            "timeline": [], "actions": ["fix it"]}


def answers(kind):
    """Per scenario (by the service named in the first message): the report's root cause."""
    if kind == "right":
        return {"payments-api": report("IAM policy detached from the task role",
                                       "DetachRolePolicy removed payments-api-dynamodb-access from "
                                       "payments-api-task-role; DynamoDB calls are denied."),
                "report-builder": report("Disk full on the report-builder hosts",
                                         "The spool filled the volume: No space left on device.")}
    if kind == "decoy":
        return {"payments-api": report("Deployment of fraud-rules",
                                       "UpdateService of fraud-rules shortly before the onset broke the API."),
                "report-builder": report("Feature flag changed",
                                         "PutParameter /email-sender/prod/feature/new-export turned on a broken "
                                         "export path.")}
    return {"payments-api": report("IAM policy detached",
                                   "DetachRolePolicy on thumbnailer-role removed its access."),
            "report-builder": report("Disk full", "The spool filled the volume: No space left on device.")}


def make_script(dbl, kind):
    rep = answers(kind)

    def fn(req):
        first = json.dumps(req["messages"][0])
        svc = next((s for s in rep if s in first), None)
        turn = sum(1 for m in req["messages"] if m["role"] == "assistant")
        if svc is None:
            return None
        if turn == 0:
            return D.converse_reply([D.tool_use("tu-ct", "audit_log_tool", {})], "tool_use")
        return D.converse_reply([{"text": "```json\n" + json.dumps(rep[svc]) + "\n```"}], "end_turn")
    dbl.script_fn = fn


def eval_json(c, corpus, cfg, env, what):
    rc, out, err, secs = aws_peers.fa2(FA2, ["eval", "--corpus", corpus, "--agent", "--config", cfg,
                                             "--format", "json"], env, timeout=400)
    c.check(rc == 0, "%s: fa2 eval --agent exits 0 (%.1f s)" % (what, secs), out[-800:] + err[-2000:])
    try:
        return json.loads(out)
    except ValueError:
        return {"scenarios": [], "totals": {}}


def main():
    c = aws_peers.Checks()
    corpus = os.path.join(TMP, "corpus")
    gen(corpus)
    dbl = D.Doubles(AKID, SECRET, "us-east-1", MODEL)
    try:
        run(c, corpus, dbl)
    finally:
        dbl.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def run(c, corpus, dbl):
    state = os.path.join(TMP, "state")
    cfg = os.path.join(TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "maxAgentCycles": 4, "stateDir": state,
                   "llm": {"maxRetries": 0, "timeoutSeconds": 30}}, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION="us-east-1",
                              AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url)

    # Triage alone, for comparison: --agent must not change its results.
    rc, out, err, _ = aws_peers.fa2(FA2, ["eval", "--corpus", corpus, "--format", "json"], env, timeout=120)
    base = json.loads(out) if rc == 0 else {"scenarios": []}
    tri = {s["name"]: (s["top1"], s["top3"], s["rank"]) for s in base["scenarios"]}
    c.check(sorted(tri) == sorted(SCENARIOS) and "agent" not in json.dumps(base["totals"]),
            "without --agent: triage only, no agent fields", out[-600:])

    # ---- right answers ----
    make_script(dbl, "right")
    doc = eval_json(c, corpus, cfg, env, "right")
    by = {s["name"]: s for s in doc["scenarios"]}
    c.check(not dbl.errors, "no protocol violations at the Converse double", "\n".join(dbl.errors))
    c.check(all(by.get(n, {}).get("agent", {}).get("top1") is True for n in SCENARIOS),
            "the right causes score top-1 on both scenarios", json.dumps(doc)[:3000])
    c.check(doc["totals"].get("all", doc["totals"].get("dev", {})).get("agent_top1") == 2 and
            doc["totals"].get("dev", {}).get("agent_errors") == 0, "totals: agent top-1 2, no errors",
            json.dumps(doc["totals"]))
    c.check(by.get("d01-iam-detach-dynamodb", {}).get("agent", {}).get("root_cause") ==
            "IAM policy detached from the task role", "the first root cause's title is reported",
            json.dumps(by.get("d01-iam-detach-dynamodb")))
    c.check({n: (s["top1"], s["top3"], s["rank"]) for n, s in by.items()} == tri,
            "triage's results are the same with --agent", json.dumps(doc)[:2000])
    firsts = [json.dumps(r["messages"][0]) for _, t, r in dbl.converse if t == 0]
    c.check(len(firsts) == 2 and all("Triage digest" in f for f in firsts),
            "each scenario's analysis began with its triage digest", str([f[:300] for f in firsts]))
    obs = [b["toolResult"] for _, t, r in dbl.converse if t == 1 for b in r["messages"][-1]["content"]
           if "toolResult" in b]
    c.check(len(obs) == 2 and any("DetachRolePolicy" in x["content"][0]["text"] for x in obs),
            "the tools read the scenario's snapshot (audit_log_tool shows the detach)",
            json.dumps(obs)[:1500])
    sessions = os.listdir(os.path.join(state, "sessions")) if os.path.isdir(os.path.join(state, "sessions")) else []
    c.check(len(sessions) == 2 and all(by[n]["agent"]["session"] in sessions for n in SCENARIOS),
            "one session per scenario, named in the results", str(sessions))

    # Text output: per-scenario agent columns and the agent totals next to triage's.
    rc, out, err, _ = aws_peers.fa2(FA2, ["eval", "--corpus", corpus, "--agent", "--config", cfg], env, timeout=400)
    lines = {n: next((l for l in out.splitlines() if n in l), "") for n in SCENARIOS}
    c.check(rc == 0 and all(" pass  pass  " in l for l in lines.values()) and
            "Disk full on the report-builder hosts" in lines["d23-disk-full-ec2"],
            "text: each line has the agent's top-1/top-3 and its first root cause", out[-2500:] + err[-500:])
    c.check("agent top-1 2/2, top-3 2/2" in out and "agent time:" in out, "text: agent totals", out[-1500:])

    # ---- a decoy named: judged wrong ----
    make_script(dbl, "decoy")
    doc = eval_json(c, corpus, cfg, env, "decoy")
    by = {s["name"]: s for s in doc["scenarios"]}
    c.check(all(by.get(n, {}).get("agent", {}).get("top1") is False and by[n]["agent"]["error"] is None
                for n in SCENARIOS) and doc["totals"]["dev"]["agent_top1"] == 0,
            "a double naming decoys scores 0/2 (judged, not errors)", json.dumps(doc)[:3000])

    # ---- the right call on the wrong resource: judged wrong (the no-change one is right) ----
    make_script(dbl, "wrong_resource")
    doc = eval_json(c, corpus, cfg, env, "wrong resource")
    by = {s["name"]: s for s in doc["scenarios"]}
    c.check(by.get("d01-iam-detach-dynamodb", {}).get("agent", {}).get("top1") is False and
            by.get("d23-disk-full-ec2", {}).get("agent", {}).get("top1") is True,
            "DetachRolePolicy on another role is wrong; the disk cause is right", json.dumps(doc)[:3000])

    # ---- a failing model: an agent error per scenario, the run goes on ----
    dbl.fail_reply = (403, {"message": "User is not authorized to invoke this model"}, "AccessDeniedException")
    doc = eval_json(c, corpus, cfg, env, "failing model")
    dbl.fail_reply = None
    errs = [s.get("agent", {}).get("error") or "" for s in doc["scenarios"]]
    c.check(len(errs) == 2 and all("partial report" in e and "AccessDenied" in e for e in errs) and
            doc["totals"]["dev"]["agent_errors"] == 2 and doc["totals"]["dev"]["top1"] ==
            sum(1 for v in tri.values() if v[0]),
            "a failing model: agent errors on each line, triage still measured", json.dumps(doc)[:2000])

    # ---- a configuration the agent cannot run with: usage error, not N failed lines ----
    bad = os.path.join(TMP, "bad.json")
    with open(bad, "w") as f:
        json.dump({"modelId": MODEL, "env": {"region": "us-east-1"}, "stateDir": state,
                   "promptsDir": os.path.join(TMP, "no-such-prompts")}, f)
    n_conv = len(dbl.converse)
    rc, out, err, _ = aws_peers.fa2(FA2, ["eval", "--corpus", corpus, "--agent", "--config", bad], env, timeout=120)
    c.check(rc == 2 and "--agent:" in err and "no-such-prompts" in err and len(dbl.converse) == n_conv,
            "an unusable configuration (prompts) is a usage error before any model call", err[-800:])

    # ---- usage ----
    rc, out, err, _ = aws_peers.fa2(FA2, ["eval", "--corpus", corpus, "--config", cfg], env)
    c.check(rc == 2 and "--agent" in err, "--config without --agent is a usage error", err)


if __name__ == "__main__":
    main()
