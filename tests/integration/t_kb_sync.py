#!/usr/bin/env python3
"""fa2 kb list / fa2 kb sync against a strict bedrock-agent double (moto_server has no
data sources or ingestion jobs; bedrock_agent_double.py checks SigV4 with botocore, the
paths, methods and bodies, and answers with the documented shapes): a sync starts one job
with a client token, follows it through STARTING / IN_PROGRESS to COMPLETE printing
progress and the statistics (exit 0); FAILED (reasons printed), COMPLETE with failed
documents, a deadline passed while IN_PROGRESS, a job already running (ConflictException),
a wrong secret and a missing knowledge base id each end with their exit code; a throttled
poll is retried; --job follows an existing job; with two data sources the sample's name
(from envName) picks one, otherwise fa2 asks; listings are paged."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402

try:
    import bedrock_agent_double as B  # noqa: E402  (botocore)
except ImportError as e:
    print("botocore is not installed (%s)" % e)
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
FA2_ASAN = os.environ.get("FA2_ASAN", "")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
AKID, SECRET, REGION = "AKIAKBSYNCTEST000001", "kb-sync-test-secret-0000000000000000000", "ap-northeast-1"


def main():
    c = aws_peers.Checks()
    d = B.Server(AKID, SECRET, REGION)
    d.add_kb("KBDEV00001", "Dev-fa2-knowledge-base", {"DSDEV00001": "dev-fa2-datasoruce"})
    d.add_kb("KBTWO00002", "two-sources", {"DSAAA00001": "docs", "DSBBB00002": "dev-fa2-datasoruce"})
    d.add_kb("KBOLD00003", "Old-kb", {}, status="DELETING")
    d.page_size = 1
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION=REGION,
                              AWS_ENDPOINT_URL_BEDROCK_AGENT=d.url, LANG="C")
    cfg = os.path.join(TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"envName": "Development", "knowledgeBase": True, "knowledgeBaseId": "KBDEV00001"}, f)
    try:
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "list"], env)
        c.check(rc == 0 and "KBDEV00001" in out and "Dev-fa2-knowledge-base" in out and "KBOLD00003" in out
                and "DELETING" in out and "DSBBB00002" in out, "kb list: every knowledge base (paged) and "
                "its data sources", out + err)
        c.check(sum(1 for x in d.calls if x[0] == "ListKnowledgeBases") == 3 and not d.errors,
                "kb list followed nextToken page by page", repr(d.calls[:4]) + repr(d.errors))

        for binary in [FA2] + ([FA2_ASAN] if FA2_ASAN and os.path.exists(FA2_ASAN) else []):
            d.calls.clear()
            d.throttle_gets = 1
            rc, out, err, dt = aws_peers.fa2(binary, ["kb", "sync", "--config", cfg], env, timeout=120)
            name = os.path.basename(binary)
            c.check(rc == 0 and "started ingestion job" in out and "IN_PROGRESS" in out and
                    "done: 5 documents scanned, 2 new, 1 modified, 1 deleted" in out,
                    f"{name}: sync starts a job, prints progress and the final statistics (exit 0)", out + err)
            starts = [x for x in d.calls if x[0] == "StartIngestionJob"]
            gets = [x for x in d.calls if x[0] == "GetIngestionJob"]
            c.check(len(starts) == 1 and starts[0][1] == "/knowledgebases/KBDEV00001/datasources/DSDEV00001/"
                    "ingestionjobs/" and len(starts[0][2].get("clientToken", "")) >= 33,
                    f"{name}: one StartIngestionJob with a client token, the only data source found by "
                    "ListDataSources", repr(starts))
            c.check(len(gets) >= 3 and not d.errors, f"{name}: GetIngestionJob polled (a throttled poll retried), "
                    "every request valid and signed", repr(d.errors))
        c.check(d.verified > 0, "signatures were verified with botocore", str(d.verified))

        # FAILED, with the reasons.
        d.script = [("IN_PROGRESS", B.stats(1), []),
                    ("FAILED", B.stats(1, failed=1), ["The knowledge base storage configuration provided is invalid"])]
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBDEV00001"], env, timeout=60)
        c.check(rc == 1 and "reason: The knowledge base storage configuration provided is invalid" in out and
                "ended FAILED" in out, "a FAILED job: exit 1 with its reasons", out + err)
        # COMPLETE with failed documents.
        d.script = [("COMPLETE", B.stats(4, 3, failed=1), [])]
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBDEV00001"], env, timeout=60)
        c.check(rc == 1 and "1 documents failed" in out, "COMPLETE with a failed document: exit 1", out + err)
        # Still running at the deadline; then a second sync conflicts; --job follows it.
        d.script = [("IN_PROGRESS", B.stats(1), [])]
        rc, out, err, dt = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBDEV00001", "--timeout", "3s"], env, timeout=60)
        c.check(rc == 1 and "still IN_PROGRESS after the deadline" in out and "--job" in out and dt < 15,
                "the deadline passes while IN_PROGRESS: exit 1, says how to follow it", out + err)
        job = [j for j in d.jobs.values() if j["script"][0][0] == "IN_PROGRESS" and len(j["script"]) == 1][0]
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBDEV00001"], env, timeout=60)
        c.check(rc == 1 and "ConflictException" in err and "--job" in err, "a job already running: "
                "ConflictException said plainly", out + err)
        d.errors.clear()
        job["script"].append(("COMPLETE", B.stats(2, 2), []))
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBDEV00001", "--job", job["id"]], env, timeout=60)
        c.check(rc == 0 and "started" not in out and "done: 2 documents scanned" in out,
                "--job follows an existing job to its end", out + err)

        # Two data sources: the sample's name from envName, or a question.
        d.script = [("COMPLETE", B.stats(1, 1), [])]
        with open(cfg, "w") as f:
            json.dump({"envName": "Development", "knowledgeBase": True, "knowledgeBaseId": "KBTWO00002"}, f)
        d.calls.clear()
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--config", cfg], env, timeout=60)
        c.check(rc == 0 and any(x[0] == "StartIngestionJob" and "/DSBBB00002/" in x[1] for x in d.calls),
                "two data sources: the one named like the sample's (dev-fa2-datasoruce) is synced", out + err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBTWO00002"], env, timeout=60)
        c.check(rc == 2 and "DSAAA00001" in err and "--data-source" in err,
                "two data sources and no envName: fa2 asks which (exit 2)", out + err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBNOPE0009"], env, timeout=60)
        c.check(rc == 1 and "ResourceNotFoundException" in err, "an unknown knowledge base: the service's error",
                out + err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync"], env)
        c.check(rc == 2 and "--kb" in err and "fa2 kb list" in err, "no knowledge base id: exit 2 with the fix", err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBDEV00001", "--lang", "ja"], env, timeout=60)
        c.check(rc == 0 and "取り込みジョブ" in out and "完了" in out, "--lang ja: the output in Japanese", out + err)
        d.errors.clear()
        bad = dict(env, AWS_SECRET_ACCESS_KEY="not-the-secret-0000000000000000000000000")
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--kb", "KBDEV00001"], bad, timeout=60)
        c.check(rc == 1 and "InvalidSignatureException" in err and "not-the-secret" not in out + err,
                "a wrong secret: the signature is refused and the secret not echoed", out + err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "sync", "--bogus"], env)
        c.check(rc == 2, "an unknown option: exit 2", err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["kb", "--help"], env)
        c.check(rc == 0 and "ingestion job" in out, "--help", out)
    finally:
        d.stop()
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
