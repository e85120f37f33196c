#!/usr/bin/env python3
"""fa2 config import: the sample README's own parameter.ts (knowledgeBase: true, no id)
imports; the knowledge base is found by the sample's name through Bedrock
ListKnowledgeBases (moto_server, authentication on); `fa2 check` then passes with only
the AWS-side values in place (the log groups, the Slack secrets in Secrets Manager, the
knowledge base: moto; auth.test: the Slack double). Without the lookup, `fa2 check` fails
naming knowledgeBaseId, where to find it and the sample's knowledge base name; with the id
added by hand it passes. Several parameter objects, --name, syntax errors, --force and the
Japanese report are covered too."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402
from slack_double import Double as SlackDouble  # noqa: E402
import bedrock_agent_double as B  # noqa: E402

try:
    import boto3
except ImportError:
    print("boto3 is not installed")
    sys.exit(77)
if not any(os.access(os.path.join(d, "moto_server"), os.X_OK) for d in os.environ.get("PATH", "").split(":")):
    print("moto_server is not installed")
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
FA2_ASAN = os.environ.get("FA2_ASAN", "")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
BOT = "xoxb-1111-2222-abcdefabcdef"

# The example of the sample's README (Setting parameters), with the file's type header.
README_EXAMPLE = '''import { Environment } from "aws-cdk-lib";

export type Language = "ja" | "en";
export type SlashCommands = {
  insight: boolean;
  findingsReport: boolean;
};

export interface AppParameter {
  env?: Environment;
  language: Language;
  envName: string;
  modelId: string;
  slackAppTokenKey: string;
  slackSigningSecretKey: string;
  architectureDescription: string;
  cwLogsLogGroups: string[];
  cwLogsInsightQuery: string;
  xrayTrace: boolean;
  slashCommands: SlashCommands;
  knowledgeBase: boolean;
  embeddingModelId?: string;
  maxAgentCycles?: number;
}

// Example: Settings for the Slack App version when using Claude 3.7 Sonnet and using CloudWatch Logs as search targets
export const devParameter: AppParameter = {
  env: {
    account: "123456789012",
    region: "us-west-2",
  },
  language: "ja",
  envName: "Development",
  modelId: "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
  slackAppTokenKey: "SlackAppToken",
  slackSigningSecretKey: "SlackSigningSecret",
  architectureDescription: "The workload you are responsible for consists of ALB, EC2, and Aurora, and Spring applications are deployed on EC2.",
  cwLogsLogGroups: [
    "/ec2/demoapp",
    "/ec2/messages",
    "/aws/application-signals/data",
  ],
  cwLogsInsightQuery: "fields @message | limit 100",
  xrayTrace: false,
  slashCommands: {
    insight: true,
    findingsReport: true
  },
  knowledgeBase: true,
  embeddingModelId: "amazon.titan-embed-text-v2:0",
  maxAgentCycles: 5 // Maximum number of cycles for ReAct agent
};
'''


def lines(out, what):
    return [l for l in out.splitlines() if l.split()[1:2] == [what]]


def main():
    c = aws_peers.Checks()
    ts = os.path.join(TMP, "parameter.ts")
    with open(ts, "w") as f:
        f.write(README_EXAMPLE)
    moto = aws_peers.Moto(TMP)
    slack = SlackDouble(BOT)
    kbd = None
    try:
        def client(svc):
            return boto3.client(svc, endpoint_url=moto.url, region_name="us-west-2",
                                aws_access_key_id=moto.akid, aws_secret_access_key=moto.secret)
        # The AWS side the sample's deployment left behind.
        for g in ("/ec2/demoapp", "/ec2/messages", "/aws/application-signals/data"):
            client("logs").create_log_group(logGroupName=g)
        client("secretsmanager").create_secret(Name="SlackAppToken", SecretString=BOT)
        client("secretsmanager").create_secret(Name="SlackSigningSecret", SecretString="8f742231b10e8888abcd99yyyzzz85a5")
        kb_id = client("bedrock-agent").create_knowledge_base(
            name="Dev-fa2-knowledge-base", roleArn="arn:aws:iam::123456789012:role/kb",
            knowledgeBaseConfiguration={"type": "VECTOR"}, storageConfiguration={"type": "RDS"})["knowledgeBase"]["knowledgeBaseId"]
        client("bedrock-agent").create_knowledge_base(
            name="Prod-fa2-knowledge-base", roleArn="arn:aws:iam::123456789012:role/kb",
            knowledgeBaseConfiguration={"type": "VECTOR"}, storageConfiguration={"type": "RDS"})
        env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                                  AWS_ENDPOINT_URL=moto.url, SLACK_API_URL=slack.url, LANG="C.UTF-8")

        out_json = os.path.join(TMP, "fa2.json")
        for binary in [FA2] + ([FA2_ASAN] if FA2_ASAN and os.path.exists(FA2_ASAN) else []):
            name = os.path.basename(binary)
            rc, out, err, _ = aws_peers.fa2(binary, ["config", "import", "--force", "-o", out_json, ts], env)
            c.check(rc == 0 and "imported devParameter" in out and "wrote " + out_json in out,
                    f"{name}: the README's parameter.ts imports", out + err)
            conf = json.load(open(out_json))
            c.check(conf.get("knowledgeBaseId") == kb_id and "found the sample's knowledge base" in out,
                    f"{name}: knowledgeBase: true -> the id found by the sample's name (ListKnowledgeBases)", out)
            c.check(conf.get("cwLogsLogGroups") == ["/ec2/demoapp", "/ec2/messages", "/aws/application-signals/data"]
                    and conf.get("env") == {"account": "123456789012", "region": "us-west-2"} and
                    conf.get("maxAgentCycles") == 5 and conf.get("slashCommands") == {"insight": True, "findingsReport": True},
                    f"{name}: values carried over", json.dumps(conf))
            c.check("needs    slackAppTokenKey: the Secrets Manager secret 'SlackAppToken'" in out,
                    f"{name}: says what fa2 needs (the Slack secrets)", out)

        # moto 5 refuses its own SigV4 on bedrock-agent GETs (boto3's GetKnowledgeBase too):
        # GetKnowledgeBase goes to the strict double, which knows moto's knowledge base.
        kbd = B.Server(moto.akid, moto.secret, "us-west-2")
        kbd.add_kb(kb_id, "Dev-fa2-knowledge-base", {"DSDEV00001": "dev-fa2-datasoruce"})
        env["AWS_ENDPOINT_URL_BEDROCK_AGENT"] = kbd.url
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--config", out_json], env)
        # The sample's own query ("fields @message | limit 100") is carried over as it is;
        # fa2 check passes and warns (once) that its limit caps each logs_tool call. The
        # sample's language is ja, so fa2 check speaks Japanese once it has read the config.
        c.check(rc == 0 and out.rstrip().endswith("失敗 0 件、警告 1 件") and
                "warn logs-query" in out and "'limit 100'" in out,
                "fa2 check passes on the import (one warning: the sample's query limit)", out + err)
        c.check(len([l for l in lines(out, "log-group") if l.startswith("ok")]) == 3, "the three log groups exist", out)
        c.check(any(l.startswith("ok") and kb_id in l for l in lines(out, "knowledge-base")) and
                [x[0] for x in kbd.calls] == ["GetKnowledgeBase"] and not kbd.errors,
                "the knowledge base is checked (GetKnowledgeBase, signed)", out + repr(kbd.errors))
        c.check(any(l.startswith("ok") and "auth.test" in l for l in lines(out, "slack")),
                "the bot token from Secrets Manager passes auth.test", out)

        # No lookup: check asks for the id with the exact fix; added by hand, it passes.
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", "--no-lookup", "--force", "-o", out_json, ts], env)
        c.check(rc == 0 and "needs    knowledgeBaseId:" in out and "Dev-fa2-knowledge-base" in out,
                "--no-lookup: the report says knowledgeBaseId is needed and the name to look for", out + err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--config", out_json], env)
        cl = " ".join(lines(out, "config"))
        c.check(rc == 1 and cl.startswith("FAIL") and '"knowledgeBaseId": "<id>"' in cl and out_json in cl and
                "fa2 kb list" in cl and '"Dev-fa2-knowledge-base"' in cl,
                "fa2 check names the key, the file, where to find the id and the sample's name", out)
        conf = json.load(open(out_json))
        conf["knowledgeBaseId"] = kb_id
        json.dump(conf, open(out_json, "w"))
        rc, out, err, _ = aws_peers.fa2(FA2, ["check", "--config", out_json], env)
        c.check(rc == 0, "with the id added by hand, fa2 check passes", out + err)

        # Lookup without AWS: the import still succeeds and says why the id is missing.
        noaws = aws_peers.clean_env(TMP, AWS_REGION="us-west-2", AWS_ENDPOINT_URL="http://127.0.0.1:9")
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", ts], noaws, timeout=60)
        c.check(rc == 0 and json.loads(out)["knowledgeBase"] is True and "ListKnowledgeBases" in err and
                "needs    knowledgeBaseId" in err, "without AWS access: JSON on stdout, the report on stderr "
                "says the lookup failed", out[-300:] + err)

        # Several parameter objects, --name, errors, --force, Japanese.
        multi = os.path.join(TMP, "multi.ts")
        with open(multi, "w") as f:
            f.write("export const stageParameter: AppParameter = { envName: 'Stage', modelId: 'm1', "
                    "cwLogsLogGroups: ['/s'], xrayTrace: true, topicArn: 'arn:aws:sns:us-east-1:123456789012:t', };\n"
                    "export const prodParameter: AppParameter = { envName: 'Production', modelId: 'm2', xrayTrace: false };\n"
                    "export const devParameter = stageParameter;\n")
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", "--no-lookup", multi], env)
        c.check(rc == 0 and json.loads(out)["modelId"] == "m1" and "same object as stageParameter" in err and
                "--name" in err and "dropped  topicArn" in err, "several objects: devParameter (= stageParameter) "
                "picked and the others named; topicArn dropped with why", err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", "--no-lookup", "--name", "prodParameter", multi], env)
        c.check(rc == 0 and json.loads(out)["modelId"] == "m2", "--name picks another object", err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", "--name", "qa", multi], env)
        c.check(rc == 2 and "qa" in err and "stageParameter" in err, "an unknown --name lists the objects", err)
        bad = os.path.join(TMP, "bad.ts")
        with open(bad, "w") as f:
            f.write("export const devParameter = {\n  language: 'ja,\n};\n")
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", bad], env)
        c.check(rc == 2 and bad + ":2:13:" in err, "a syntax error names the line and column (exit 2)", err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", "-o", out_json, ts], env)
        c.check(rc == 2 and "--force" in err, "an existing output file needs --force", err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", "--no-lookup", "--lang", "ja", ts], env)
        c.check(rc == 0 and "devParameter を取り込みました" in err and "必要" in err, "the report in Japanese", err)
        over = os.path.join(TMP, "over.ts")
        with open(over, "w") as f:
            f.write("export const devParameter = { maxAgentCycles: 500, language: 'en' };\n")
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "import", "--no-lookup", over], env)
        c.check(rc == 2 and "maxAgentCycles" in err and "would refuse" in err,
                "a value fa2 would refuse is reported (exit 2)", err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["config", "--help"], env)
        c.check(rc == 0 and "parameter.ts" in out, "--help", out)
    finally:
        slack.close()
        if kbd:
            kbd.stop()
        moto.stop()
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
