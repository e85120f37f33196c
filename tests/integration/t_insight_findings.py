#!/usr/bin/env python3
"""fa2 insight and fa2 findings-report end to end on loopback.

Peers: moto_server with authentication on (CloudWatch ListMetrics/GetMetricData, seeded
here; Security Hub GetFindings, seeded with BatchImportFindings), the strict doubles of
agent_doubles.py for Bedrock Converse and GuardDuty (SigV4 recomputed with botocore for
signing names "bedrock" and "guardduty"; restJson1 paths and documented shapes).
Checks: the three insight model calls carry the question, the listed metrics and the
summaries; a metric the model invents is dropped; the window is now-days .. now in UTC;
the model-less fallbacks (default namespaces, first metrics, data-only answer); the
GuardDuty call sequence and criteria (not archived, updatedAt DESC, 50), the severity
counts the model receives, Security Hub's 50 cap, the deterministic report when the model
is unavailable, a configured detectorId, slashCommands switches and usage errors."""
import calendar
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if not shutil.which("moto_server"):
    print("moto_server is not installed")
    sys.exit(77)
try:
    import aws_peers
    import agent_doubles as D
except ImportError as e:
    print("botocore/boto3 missing: %s" % e)
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
MODEL = "us.anthropic.claude-test-v1:0"
ANSWER = "## Answer\nThe database CPU of db-1 jumped from about 10% to 85% half an hour ago.\n"
REPORT = "## Overview\nOne high GuardDuty finding needs attention.\n## High Severity Issues\n- crypto mining\n"


def prompt_of(req):
    return "".join(b.get("text", "") for b in req["messages"][0]["content"])


def seed(moto, now):
    cw = moto.client("cloudwatch")
    data = []
    for i in range(30):
        v = 10.0 + (i % 3) if i < 20 else 85.0 + (i % 3)
        data.append({"MetricName": "CPUUtilization", "Value": v, "Timestamp": now - 1800 + i * 60,
                     "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "db-1"}]})
    for k in range(0, 30, 10):
        cw.put_metric_data(Namespace="AWS/RDS", MetricData=data[k:k + 10])
    cw.put_metric_data(Namespace="AWS/RDS", MetricData=[
        {"MetricName": "FreeableMemory", "Value": 1e9, "Timestamp": now - 600,
         "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "db-1"}]}])
    cw.put_metric_data(Namespace="AWS/EC2", MetricData=[
        {"MetricName": "CPUUtilization", "Value": 5.0, "Timestamp": now - 600,
         "Dimensions": [{"Name": "InstanceId", "Value": "i-0abc"}]}])
    cw.put_metric_data(Namespace="FA2/Custom", MetricData=[{"MetricName": "Orders", "Value": 3.0,
                                                             "Timestamp": now - 600}])
    sh = moto.client("securityhub")
    fs = []
    sev = ["CRITICAL", "HIGH"] + ["LOW"] * 53
    for i, label in enumerate(sev):
        fs.append({"SchemaVersion": "2018-10-08", "Id": "sh-%02d" % i,
                   "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
                   "GeneratorId": "aws-foundational/EC2.%d" % i, "AwsAccountId": "123456789012",
                   "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
                   "CreatedAt": "2026-11-20T00:00:00Z", "UpdatedAt": "2026-11-2%dT00:00:00Z" % (i % 5),
                   "Severity": {"Label": label}, "Title": "SH check %02d %s" % (i, label),
                   "Description": "d", "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": "sg-%02d" % i}],
                   "RecordState": "ACTIVE", "Workflow": {"Status": "NEW"}})
    r = sh.batch_import_findings(Findings=fs[:50])
    r2 = sh.batch_import_findings(Findings=fs[50:])
    return r["SuccessCount"] + r2["SuccessCount"]


class Recorder(aws_peers.Double):
    """Forwards requests byte for byte (signed headers included) to moto and records
    the bodies, so that the Security Hub request can be checked against botocore's
    model: moto accepts but ignores Filters and SortCriteria."""

    def __init__(self, target_port):
        import http.client
        import http.server

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.server.requests.append((self.path, body))
                conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=10)
                conn.request("POST", self.path, body=body, headers={k: v for k, v in self.headers.items()})
                r = conn.getresponse()
                data = r.read()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

        super().__init__(H)


def write_cfg(name, **extra):
    path = os.path.join(TMP, name)
    cfg = {"modelId": MODEL, "env": {"region": "us-east-1"}, "stateDir": os.path.join(TMP, "state"),
           "llm": {"maxRetries": 0, "backoffMs": 100, "timeoutSeconds": 30}, "agent": {"timeoutSeconds": 60}}
    cfg.update(extra)
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def main():
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    dbl = D.Doubles(moto.akid, moto.secret, "us-east-1", MODEL)
    rec = Recorder(moto.port)
    try:
        run(c, moto, dbl, rec)
    finally:
        rec.stop()
        dbl.stop()
        moto.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def run(c, moto, dbl, rec):
    now = int(time.time())
    c.check(seed(moto, now) == 55, "Security Hub accepted 55 imported findings")
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
                              AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url, AWS_ENDPOINT_URL_GUARDDUTY=dbl.url,
                              AWS_ENDPOINT_URL_SECURITYHUB=rec.url)
    cfg = write_cfg("fa2.json", architectureDescription="Orders API on ECS with an RDS PostgreSQL db-1")
    seen = []

    def insight_script(req):
        p = prompt_of(req)
        seen.append(p)
        if "Which CloudWatch namespaces" in p:
            return D.converse_reply([{"text": 'Sure:\n```json\n{"namespaces": ["AWS/RDS", "AWS/EC2", "bad\\nname"]}\n```'}],
                                    "end_turn")
        if "Pick at most" in p:
            return D.converse_reply([{"text": json.dumps({"metrics": [
                {"namespace": "AWS/RDS", "metricName": "CPUUtilization",
                 "dimensions": [{"name": "DBInstanceIdentifier", "value": "db-1"}]},
                {"namespace": "AWS/RDS", "metricName": "CPUUtilization",
                 "dimensions": [{"name": "DBInstanceIdentifier", "value": "db-ghost"}]},
                {"namespace": "AWS/RDS", "metricName": "CPUUtilization", "dimensions": []}]})}], "end_turn")
        if "Metric summaries" in p:
            return D.converse_reply([{"text": "```markdown\n" + ANSWER + "```"}], "end_turn")
        return None

    # ---- insight: the scripted run ----
    dbl.script_fn = insight_script
    t0 = time.time()
    rc, out, err, secs = aws_peers.fa2(FA2, ["insight", "--question", "Is db-1 overloaded?", "--days", "3",
                                             "--config", cfg], env, timeout=120)
    c.check(rc == 0, "insight exits 0", out + err)
    print("figure: fa2 insight (3 model calls, ListMetrics x2, GetMetricData) took %.2f s" % secs)
    c.check(not dbl.errors, "no protocol violations seen by the doubles", "\n".join(dbl.errors))
    c.check(len(seen) == 3, "three model calls (%d)" % len(seen), "\n----\n".join(seen)[:3000])
    if len(seen) == 3:
        c.check("Is db-1 overloaded?" in seen[0] and "RDS PostgreSQL db-1" in seen[0],
                "call 1 carries the question and the architecture")
        c.check("AWS/RDS CPUUtilization DBInstanceIdentifier=db-1" in seen[1] and
                "AWS/EC2 CPUUtilization InstanceId=i-0abc" in seen[1] and "FA2/Custom" not in seen[1],
                "call 2 lists the ListMetrics result of the named namespaces only", seen[1][:2000])
        c.check("CPUUtilization DBInstanceIdentifier=db-1" in seen[2] and "change at" in seen[2] and
                "db-ghost" not in seen[2] and "FreeableMemory" not in seen[2] and "Is db-1 overloaded?" in seen[2],
                "call 3 gets the summary of the chosen metric only, with its change point", seen[2][:2000])
        m = re.search(r"Period: (\S+ \S+) \.\. (\S+ \S+) \(UTC, the last 3 days\)", seen[2])
        if m:
            def ep(s):
                return calendar.timegm(time.strptime(s.rstrip("Z"), "%Y-%m-%d %H:%M:%S"))
            f, t = ep(m.group(1)), ep(m.group(2))
            c.check(abs(t - t0) < 120 and t - f == 3 * 86400,
                    "the window is now-3d .. now in UTC (no 9-hour shift): %s .. %s" % m.groups())
        else:
            c.check(False, "call 3 states the window", seen[2][:600])
    c.check(out.startswith(ANSWER) and "AWS/RDS CPUUtilization DBInstanceIdentifier=db-1" in out and
            "db-ghost" not in out, "the answer is the model's (fence removed), with the metric used", out)

    # ---- insight: model unavailable throughout ----
    seen.clear()
    dbl.script_fn = None
    dbl.throttle = True
    rc, out, err, secs = aws_peers.fa2(FA2, ["insight", "--question", "How are we doing?", "--days", "1",
                                             "--config", cfg], env, timeout=120)
    dbl.throttle = False
    c.check(rc == 0 and "model was unavailable" in out and "model was unavailable" in err,
            "insight without a model: exit 0, the metric data, and it says so", out + err)
    c.check("AWS/EC2, AWS/ECS, AWS/RDS, AWS/Lambda, AWS/ApplicationELB" in out,
            "the default namespaces (with the AWS/ prefix) were used", out[-800:])
    c.check("n=" in out and "CPUUtilization" in out, "the first listed metrics were read and summarised", out[:1500])

    # ---- insight: usage and the switch ----
    rc, out, err, _ = aws_peers.fa2(FA2, ["insight", "--question", "x", "--days", "15", "--config", cfg], env)
    c.check(rc == 2 and "1..14" in err, "--days 15 is a usage error", err)
    rc, out, err, _ = aws_peers.fa2(FA2, ["insight", "--days", "2", "--config", cfg], env)
    c.check(rc == 2 and "--question" in err, "--question is required", err)
    off = write_cfg("off.json", slashCommands={"insight": False, "findingsReport": False})
    n = len(dbl.converse)
    rc, out, err, _ = aws_peers.fa2(FA2, ["insight", "--question", "x", "--config", off], env)
    c.check(rc == 2 and "turned off" in err and len(dbl.converse) == n, "slashCommands.insight=false: polite refusal", err)
    rc, out, err, _ = aws_peers.fa2(FA2, ["findings-report", "--config", off], env)
    c.check(rc == 2 and "turned off" in err, "slashCommands.findingsReport=false: polite refusal", err)

    # ---- findings report ----
    dbl.gd_detectors = ["d-1"]
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))  # noqa: E731
    dbl.gd_findings = [
        D.gd_finding("gd-high", 8.5, "EC2 instance i-0abc is mining bitcoin", "CryptoCurrency:EC2/BitcoinTool.B!DNS",
                     iso(now - 100), count=12),
        D.gd_finding("gd-med", 5.0, "Unusual port probe", "Recon:EC2/PortProbeUnprotectedPort", iso(now - 200)),
        D.gd_finding("gd-low", 2.0, "API called from Tor", "UnauthorizedAccess:IAMUser/TorIPCaller", iso(now - 300)),
        D.gd_finding("gd-archived", 8.9, "Old archived backdoor", "Backdoor:EC2/C&CActivity.B", iso(now - 50),
                     archived=True),
    ]
    fseen = []

    def findings_script(req):
        p = prompt_of(req)
        fseen.append(p)
        return D.converse_reply([{"text": REPORT}], "end_turn")

    dbl.script_fn = findings_script
    dbl.gd_calls.clear()
    rc, out, err, secs = aws_peers.fa2(FA2, ["findings-report", "--config", cfg], env, timeout=120)
    print("figure: fa2 findings-report (3 GuardDuty calls, 1 Security Hub call, 1 model call) took %.2f s" % secs)
    c.check(rc == 0 and out == REPORT, "findings-report exits 0 with the model's report", out + err)
    c.check(not dbl.errors, "no protocol violations seen by the doubles", "\n".join(dbl.errors))
    ops = [x[0] for x in dbl.gd_calls]
    c.check(ops == ["ListDetectors", "ListFindings", "GetFindings"], "GuardDuty call sequence", str(ops))
    if len(dbl.gd_calls) == 3:
        lf, gf = dbl.gd_calls[1], dbl.gd_calls[2]
        c.check(lf[1] == "d-1" and lf[2].get("findingCriteria") == {"criterion": {"service.archived": {"eq": ["false"]}}}
                and lf[2].get("sortCriteria") == {"attributeName": "updatedAt", "orderBy": "DESC"}
                and lf[2].get("maxResults") == 50, "ListFindings: not archived, updatedAt DESC, 50", json.dumps(lf[2]))
        c.check(gf[2].get("findingIds") == ["gd-high", "gd-med", "gd-low"], "GetFindings asks for the listed ids",
                json.dumps(gf[2]))
    sh = [json.loads(b) for path, b in rec.requests if path == "/findings"]
    want = {"Filters": {"RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
                        "WorkflowStatus": [{"Value": "NEW", "Comparison": "EQUALS"}]},
            "SortCriteria": [{"Field": "UpdatedAt", "SortOrder": "desc"}], "MaxResults": 50}
    c.check(len(sh) == 1 and sh[0] == want, "Security Hub GetFindings: ACTIVE, NEW, UpdatedAt desc, 50",
            json.dumps(sh))
    if sh:
        import botocore.session
        from botocore.validate import ParamValidator
        shape = botocore.session.get_session().get_service_model("securityhub") \
            .operation_model("GetFindings").input_shape
        report = ParamValidator().validate(sh[0], shape)
        c.check(not report.has_errors(), "the request is valid for botocore's Security Hub model",
                report.generate_report())
    p = fseen[0] if fseen else ""
    c.check("GuardDuty active findings: CRITICAL 0, HIGH 1, MEDIUM 1, LOW 1, INFORMATIONAL 0" in p,
            "the model gets GuardDuty's counts by severity", p[:1500])
    c.check("Security Hub active findings: CRITICAL 1, HIGH 1, MEDIUM 0, LOW 48, INFORMATIONAL 0" in p,
            "the model gets Security Hub's counts (50 of 55: MaxResults reached moto)", p[:1500])
    gd = [ln for ln in p.splitlines() if ln.startswith("- [GuardDuty]")]
    c.check(len(gd) == 3 and "EC2 instance i-0abc is mining bitcoin" in gd[0] and "Instance i-0123456789abcdef0" in gd[0]
            and " x12" in gd[0] and "Old archived backdoor" not in p,
            "GuardDuty findings reach the prompt with resource and count; archived ones do not", "\n".join(gd))
    c.check("SH check 00 CRITICAL — AwsEc2SecurityGroup sg-00" in p and "SH check 50" not in p,
            "Security Hub findings reach the prompt with their resource", p[:1500])

    # ---- findings report without a model, with a configured detector ----
    dbl.throttle = True
    dbl.gd_calls.clear()
    cfg2 = write_cfg("det.json", detectorId="d-1", language="ja")
    rc, out, err, _ = aws_peers.fa2(FA2, ["findings-report", "--config", cfg2, "--lang", "en",
                                          "--out", os.path.join(TMP, "fr.md")], env, timeout=120)
    dbl.throttle = False
    try:
        md = open(os.path.join(TMP, "fr.md")).read()
    except OSError:
        md = ""
    c.check(rc == 0 and "model was unavailable" in md, "without a model: exit 0, a report saying so", md + err)
    c.check(all(h in md for h in ("## Overview", "## High Severity Issues", "## Recommended Actions",
                                  "## Detailed Findings", "## Next Steps")), "the five sections", md)
    c.check("| GuardDuty | 0 | 1 | 1 | 1 | 0 |" in md and "| Security Hub | 1 | 1 | 0 | 48 | 0 |" in md,
            "the counts table", md[:1500])
    hs = md.split("## High Severity Issues")[-1].split("## Recommended")[0]
    c.check("mining bitcoin" in hs and "SH check 00 CRITICAL" in hs and "Unusual port probe" not in hs,
            "high severity issues list critical and high only", hs)
    c.check([x[0] for x in dbl.gd_calls] == ["ListFindings", "GetFindings"], "a configured detectorId skips ListDetectors",
            str(dbl.gd_calls)[:300])

    # ---- the same report as a PDF in Japanese (language "ja"): poppler reads it back ----
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        import glob
        import subprocess
        pdf = os.path.join(TMP, "fr.pdf")
        dbl.throttle = True
        rc, out, err, _ = aws_peers.fa2(FA2, ["findings-report", "--config", cfg2, "--format", "pdf", "--out", pdf],
                                        env, timeout=120)
        dbl.throttle = False
        txt = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True, text=True)
        want = ("セキュリティ検出結果レポート", "概要", "ソース", "重要度の高い問題", "mining bitcoin",
                "推奨アクション", "検出結果の詳細", "次のステップ")
        c.check(rc == 0 and txt.returncode == 0 and txt.stderr == "" and all(w in txt.stdout for w in want),
                "findings-report --format pdf (ja): pdftotext returns the Japanese headings and the findings",
                "missing %s\n%s%s" % ([w for w in want if w not in txt.stdout], txt.stdout[:1500], err + txt.stderr))
        ppm = subprocess.run(["pdftoppm", "-png", "-r", "40", pdf, os.path.join(TMP, "frpage")], capture_output=True,
                             text=True)
        c.check(ppm.returncode == 0 and ppm.stderr == "" and glob.glob(os.path.join(TMP, "frpage-*.png")),
                "pdftoppm renders every page of it with nothing on stderr", ppm.stderr)
    else:
        print("skip: poppler-utils absent (pdftotext, pdftoppm): the PDF checks did not run")

    # ---- GuardDuty unavailable: Security Hub alone ----
    dbl.gd_detectors = []
    dbl.script_fn = findings_script
    fseen.clear()
    rc, out, err, _ = aws_peers.fa2(FA2, ["findings-report", "--config", cfg], env, timeout=120)
    p = fseen[0] if fseen else ""
    c.check(rc == 0 and "GuardDuty: not available (GuardDuty has no detector in this region" in p and
            "Security Hub active findings" in p, "no detector: the report goes on with Security Hub", p[:600] + err)


main()
