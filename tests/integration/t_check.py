#!/usr/bin/env python3
"""fa2 check (the doctor) against moto_server with authentication on: a good config and
key pass every check and print the identity; a missing log group, a wrong secret, a bad
config key and a malformed Slack token each fail with a line naming the problem; the
secret never appears in the output; --offline needs no AWS."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402
import agent_doubles as D  # noqa: E402
from slack_double import Double as SlackDouble  # noqa: E402

try:
    import boto3  # noqa: F401
except ImportError:
    print("boto3 is not installed")
    sys.exit(77)
if not any(os.access(os.path.join(d, "moto_server"), os.X_OK) for d in os.environ.get("PATH", "").split(":")):
    print("moto_server is not installed")
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
FA2_ASAN = os.environ.get("FA2_ASAN", "")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()


def lines(out, what):
    return [l for l in out.splitlines() if l.split()[1:2] == [what]]


def run(c, moto):
    slack = SlackDouble("xoxb-1111-2222-abcdefabcdef")
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="/ecs/orders-api")
    logs.create_log_group(logGroupName="/ecs/orders-api-canary")  # same prefix, not the one asked
    cfg = os.path.join(TMP, "config.json")
    with open(cfg, "w") as f:
        json.dump({"language": "en", "cwLogsLogGroups": ["/ecs/orders-api"], "maxAgentCycles": 4}, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
                              SLACK_BOT_TOKEN="xoxb-1111-2222-abcdefabcdef",
                              SLACK_API_URL=slack.url,
                              SLACK_SIGNING_SECRET="8f742231b10e8888abcd99yyyzzz85a5")
    for binary in [FA2] + ([FA2_ASAN] if FA2_ASAN and os.path.exists(FA2_ASAN) else []):
        rc, out, err, _ = aws_peers.fa2(binary, ["check", "--config", cfg], env)
        c.check(rc == 0, f"{os.path.basename(binary)}: all checks pass (exit 0)", out + err)
        ident = lines(out, "credentials")
        c.check(ident and ident[0].startswith("ok") and "arn:aws:" in ident[0],
                "credentials line shows the identity ARN", out)
        c.check(any(l.startswith("ok") and "/ecs/orders-api exists" in l for l in lines(out, "log-group")),
                "the configured log group is found", out)
        c.check(lines(out, "clock") and lines(out, "clock")[0].startswith("ok"), "clock ok", out)
        c.check(moto.secret not in out + err and "abcdefabcdef" not in err, "no secret in the output", out + err)
        c.check(out.rstrip().endswith("0 failed, 0 warning(s)"), "summary line", out)
        c.check(any(l.startswith("ok") and "auth.test" in l and "U0FA2BOT" in l for l in lines(out, "slack")),
                "the bot token is checked with auth.test", out)

    # --model: one short Converse call through the strict double (SigV4 'bedrock' checked
    # with botocore); a model the double refuses fails with the service's message.
    model = "us.anthropic.claude-test-v1:0"
    dbl = D.Doubles(moto.akid, moto.secret, "us-east-1", model)
    try:
        dbl.script = {0: D.converse_reply([{"text": "OK"}], "end_turn")}
        with open(cfg, "w") as f:
            json.dump({"modelId": model, "cwLogsLogGroups": ["/ecs/orders-api"]}, f)
        menv = dict(env, AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url)
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--model", "--config", cfg], menv)
        ml = lines(out, "model")
        c.check(rc == 0 and ml and ml[0].startswith("ok") and model in ml[0] and "answered" in ml[0],
                "--model: the model answers one short call", out + err)
        c.check(len(dbl.converse) == 1 and not dbl.errors, "--model: exactly one valid Converse request",
                "\n".join(dbl.errors))
        with open(cfg, "w") as f:
            json.dump({"modelId": "us.anthropic.not-enabled-v9:0", "cwLogsLogGroups": ["/ecs/orders-api"]}, f)
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--model", "--config", cfg], menv)
        ml = lines(out, "model")
        c.check(rc == 1 and ml and ml[0].startswith("FAIL") and "not-enabled" in ml[0],
                "--model: a model that cannot be called fails by name", out + err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--model"], env)
        c.check(not lines(out, "model") or not lines(out, "model")[0].startswith("ok"),
                "--model without a model endpoint does not pass", out)
    finally:
        dbl.stop()

    # A log group that does not exist (only a longer name with the same prefix does).
    with open(cfg, "w") as f:
        json.dump({"cwLogsLogGroups": ["/ecs/orders"]}, f)
    rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--config", cfg], env)
    c.check(rc == 1 and any(l.startswith("FAIL") and "/ecs/orders does not exist" in l
                            for l in lines(out, "log-group")), "a missing log group fails by name", out)

    # store.kind dynamodb: the table as deploy/dynamodb-store.yaml makes it passes; a
    # missing table, another key schema and TTL off each fail by name.
    ddb = moto.client("dynamodb")

    def table(name, keys, ttl):
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
                         AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k, _ in keys])
        if ttl:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True,
                                                                             "AttributeName": "expires"})
    table("fa2-state", [("pk", "HASH"), ("sk", "RANGE")], True)
    table("fa2-hash-only", [("pk", "HASH")], True)
    table("fa2-no-ttl", [("pk", "HASH"), ("sk", "RANGE")], False)
    for name, want in [("fa2-state", "ok"), ("fa2-missing", "no such table"), ("fa2-hash-only", "key schema"),
                       ("fa2-no-ttl", "TTL is")]:
        with open(cfg, "w") as f:
            json.dump({"cwLogsLogGroups": ["/ecs/orders-api"], "store": {"kind": "dynamodb", "table": name}}, f)
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--config", cfg], env)
        sl = lines(out, "store")
        if want == "ok":
            c.check(rc == 0 and sl and sl[0].startswith("ok") and "TTL ENABLED on expires" in sl[0],
                    "store: the table as the template makes it passes", out + err)
        else:
            c.check(rc == 1 and sl and sl[0].startswith("FAIL") and name in sl[0] and want in sl[0],
                    f"store: {name} fails ({want})", out + err)

    # Wrong secret: SignatureDoesNotMatch, said plainly, no log-group checks attempted.
    bad = dict(env, AWS_SECRET_ACCESS_KEY="not-the-secret-at-all-0000000000000000")
    rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--config", cfg], bad)
    c.check(rc == 1 and "SignatureDoesNotMatch" in out and "not-the-secret" not in out + err,
            "a wrong secret fails with SignatureDoesNotMatch and is not echoed", out + err)

    # A config error names the key; malformed Slack token fails; --offline needs no AWS.
    with open(cfg, "w") as f:
        json.dump({"maxAgentCycles": "lots"}, f)
    off = aws_peers.clean_env(TMP, SLACK_BOT_TOKEN="xoxp-user-token-not-a-bot-token")
    rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--offline", "--config", cfg], off)
    c.check(rc == 1 and "maxAgentCycles" in "".join(lines(out, "config")), "config error names the key", out)
    c.check(any(l.startswith("FAIL") and "SLACK_BOT_TOKEN" in l for l in lines(out, "slack")),
            "a user token in SLACK_BOT_TOKEN fails", out)
    c.check("xoxp-user-token" not in out + err, "the Slack token is not echoed", out + err)
    c.check(any(l.startswith("skip") for l in lines(out, "aws")), "--offline skips AWS", out)

    # language "ja": the lines after the config is read are Japanese (the catalog)
    with open(cfg, "w") as f:
        json.dump({"language": "ja"}, f)
    rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--offline", "--config", cfg], off)
    c.check(any("言語 ja" in l for l in lines(out, "config")) and
            any("リージョン、認証情報、時計、ロググループは確認していません" in l for l in lines(out, "aws")) and
            "失敗 " in out and "件、警告 " in out and "failed," not in out,
            "with language ja, fa2 check answers in Japanese", out)

    rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--bogus"], off)
    c.check(rc == 2, "unknown option exits 2", err)
    rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--help"], off)
    c.check(rc == 0 and "credentials" in out, "--help", out)


def main():
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    try:
        run(c, moto)
    finally:
        moto.stop()
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
