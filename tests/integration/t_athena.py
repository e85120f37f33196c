#!/usr/bin/env python3
"""The Athena paths of the agent tools against moto_server (authentication on), driven
end to end through `fa2 analyze` with the strict Converse double scripting toolUse:
- alb_log_tool and audit_log_tool (Athena path) over seeded result sets (moto's
  /moto-api/static/athena/query-results queue): the report is produced, the observations
  the model receives hold the seeded data, and the SQL fa2 sent (as moto recorded it,
  read back with boto3 GetQueryExecution) has the filters, a quoted value with a quote
  in it, the database context, the workgroup and the output location;
- a FAILED query (a forwarding proxy in front of moto rewrites the status of one query
  to FAILED with a StateChangeReason and AthenaError): the reason reaches the model;
- GetQueryResults paged by the proxy (three pages, NextToken followed);
- the deadline path: executions held in QUEUED (moto's state manager), a 4 s tool
  deadline: fa2 gives up in time and StopQueryExecution leaves the query CANCELLED."""
import http.client
import http.server
import json
import os
import shutil
import sys
import threading
import time
import urllib.request

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
REPORT = {"summary": "Payments returned 502 after a Lambda change by o'brien.",
          "rootCauses": [{"title": "Lambda timeout lowered", "severity": "high", "confidence": "medium",
                          "evidence": ["alb_log_tool: 502 on /api/pay", "audit_log_tool: UpdateFunctionConfiguration"]}],
          "timeline": [{"time": "08:10", "event": "configuration change"}],
          "actions": ["restore the timeout"]}
FAIL_MARK = "fa2-fail-me"


def rs(cols, rows):
    """A moto query-results entry: header row first, like a SELECT result."""
    data = [{"Data": [{"VarCharValue": c} for c in cols]}]
    for r in rows:
        data.append({"Data": [{} if v is None else {"VarCharValue": str(v)} for v in r]})
    return {"rows": data, "column_info": [{"Name": c, "Type": "varchar"} for c in cols]}


def seed_results(moto, results):
    req = urllib.request.Request(moto.url + "/moto-api/static/athena/query-results",
                                 data=json.dumps({"region": "us-east-1", "results": results}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 201, r.status


def set_transition(moto, transition):
    path = "/moto-api/state-manager/%s" % ("set-transition" if transition else "unset-transition")
    body = {"model_name": "athena::execution"}
    if transition:
        body["transition"] = transition
    req = urllib.request.Request(moto.url + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 201), r.status


class FailProxy(http.server.ThreadingHTTPServer):
    """Forwards every request to moto unchanged (Host header included, so the SigV4
    signature still verifies); GetQueryExecution replies for a query whose text has
    FAIL_MARK are rewritten to the FAILED state Athena reports."""
    daemon_threads = True

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.rewritten = 0
        self.page_rows = 0       # > 0: GetQueryResults served in pages of this many rows
        self.results_calls = []  # GetQueryResults inputs seen while paging
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                conn = http.client.HTTPConnection("127.0.0.1", outer.upstream_port, timeout=10)
                hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
                conn.request("POST", self.path, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
                target = self.headers.get("X-Amz-Target", "")
                if resp.status == 200 and target == "AmazonAthena.GetQueryResults" and outer.page_rows:
                    # Serve moto's full result set in pages of page_rows rows, as
                    # Athena does with MaxResults / NextToken.
                    req = json.loads(body)
                    outer.results_calls.append(req)
                    doc = json.loads(data)
                    rows = doc["ResultSet"]["Rows"]
                    off = int(req.get("NextToken", "p0")[1:])
                    doc["ResultSet"]["Rows"] = rows[off:off + outer.page_rows]
                    if off + outer.page_rows < len(rows):
                        doc["NextToken"] = "p%d" % (off + outer.page_rows)
                    data = json.dumps(doc).encode()
                if resp.status == 200 and target == "AmazonAthena.GetQueryExecution":
                    doc = json.loads(data)
                    qe = doc.get("QueryExecution", {})
                    if FAIL_MARK in qe.get("Query", ""):
                        qe["Status"]["State"] = "FAILED"
                        qe["Status"]["StateChangeReason"] = ("TABLE_NOT_FOUND: line 1:400: Table "
                                                             "'awsdatacatalog.ct_db.ct_logs' does not exist")
                        qe["Status"]["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1301, "Retryable": False,
                                                       "ErrorMessage": "Table does not exist"}
                        data = json.dumps(doc).encode()
                        outer.rewritten += 1
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

        super().__init__(("127.0.0.1", 0), H)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


def tool_results(req):
    out = {}
    for b in req["messages"][-1]["content"]:
        if "toolResult" in b:
            tr = b["toolResult"]
            out[tr["toolUseId"]] = (tr["status"], "".join(x["text"] for x in tr["content"]))
    return out


def executions(athena):
    """QueryExecution of every query moto saw, in no particular order."""
    ids = athena.list_query_executions()["QueryExecutionIds"]
    return [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]


def main():
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    dbl = D.Doubles(moto.akid, moto.secret, "us-east-1", MODEL)
    proxy = FailProxy(moto.port)
    try:
        run(c, moto, dbl, proxy)
    finally:
        proxy.stop()
        dbl.stop()
        moto.stop()
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def analyze(moto, dbl, now, cfg_extra, athena_url, timeout=90):
    state = os.path.join(TMP, "state")
    cfg = os.path.join(TMP, "fa2.json")
    conf = {"modelId": MODEL, "env": {"region": "us-east-1"}, "maxAgentCycles": 5, "stateDir": state,
            "databaseName": "ct_db", "cloudTrailLogTableName": "ct_logs", "albAccessLogTableName": "alb_logs",
            "athenaOutputLocation": "s3://fa2-athena-results/q/",
            "llm": {"maxRetries": 1, "backoffMs": 100, "timeoutSeconds": 30},
            "agent": {"toolParallelism": 1, "timeoutSeconds": 120}}
    conf.update(cfg_extra)
    with open(cfg, "w") as f:
        json.dump(conf, f)
    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url,
                              AWS_ENDPOINT_URL_ATHENA=athena_url,
                              AWS_ENDPOINT_URL_BEDROCK_RUNTIME=dbl.url)
    frm = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 1800))
    to = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    args = ["analyze", "--from", frm, "--to", to, "--event", "ALB 5xx on app/web", "--config", cfg,
            "--format", "json"]
    return aws_peers.fa2(FA2, args, env, timeout=timeout)


def run(c, moto, dbl, proxy):
    now = int(time.time())
    athena = moto.client("athena")
    t_iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 600))

    # ---- 1. alb_log_tool then audit_log_tool over seeded results ----
    seed_results(moto, [
        rs(["requests", "elb_5xx", "elb_4xx", "target_5xx", "target_no_response", "target_p50", "target_p90",
            "target_p99", "target_max", "request_p99", "response_p99"],
           [[12345, 321, 45, 300, 21, "0.012", "0.2", "3.012", "29.9", "0.001", "0.0"]]),
        rs(["elb_status_code", "target_status_code", "requests"],
           [[200, "200", 11900], [502, "-", 300], [504, None, 21], [404, "404", 45]]),
        rs(["request_verb", "path", "requests", "elb_5xx", "elb_4xx", "target_p99"],
           [["POST", "/api/pay", 800, 310, 2, "3.5"], ["GET", "/api/items", 9000, 11, 40, "0.05"]]),
        rs(["minute", "requests", "elb_5xx", "elb_4xx", "target_p99"],
           [[t_iso[:16], 400, 1, 2, "0.04"], [t_iso[:14] + "59", 420, 97, 1, "3.2"]]),
        rs(["time", "client_ip", "target_ip", "elb_status_code", "target_status_code", "request_verb",
            "request_url", "target_processing_time", "user_agent", "target_group_arn", "trace_id"],
           [[t_iso + ".123456Z", "203.0.113.7:5123", "10.0.1.9:8080", 502, "-", "POST",
             "https://web.example.com:443/api/pay?id=1", "-1", "curl/8.5",
             "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/pay-tg/abc", "Root=1-abc-def"]]),
        rs(["eventtime", "eventsource", "eventname", "awsregion", "sourceipaddress", "principal", "errorcode",
            "errormessage", "readonly", "resource_arns", "request_parameters", "total", "total_errors", "total_writes"],
           [[t_iso + "Z", "iam.amazonaws.com", "PutRolePolicy", "us-east-1", "198.51.100.4",
             "arn:aws:iam::123456789012:user/o'brien", "AccessDenied", "not authorized", "false", None,
             '{"roleName":"pay-role"}', 2, 1, 1],
            [t_iso + "Z", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", "us-east-1",
             "198.51.100.4", "arn:aws:iam::123456789012:user/o'brien", None, None, "false",
             "arn:aws:lambda:us-east-1:123456789012:function:pay-fn", '{"timeout":3}', 2, 1, 1]]),
    ])
    alb_in = {"statusCodes": [502, 504], "paths": ["/api/pay"], "targetGroups": ["pay-tg"]}
    audit_in = {"services": ["lambda", "iam.amazonaws.com"], "users": ["o'brien"],
                "eventNames": ["UpdateFunctionConfiguration20150331v2", "PutRolePolicy"],
                "resources": ["pay-fn"]}
    dbl.script = {
        0: D.converse_reply([D.tool_use("tu-alb-1", "alb_log_tool", alb_in)], "tool_use"),
        1: D.converse_reply([D.tool_use("tu-audit-1", "audit_log_tool", audit_in)], "tool_use"),
        2: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn"),
    }
    rc, out, err, secs = analyze(moto, dbl, now, {}, moto.url)
    c.check(rc == 0, "analyze with alb_log_tool and audit_log_tool (Athena) exits 0", out + err)
    c.check(not dbl.errors, "no protocol violations seen by the Converse double", "\n".join(dbl.errors))
    try:
        rep = json.loads(out)
    except ValueError:
        rep = {}
    c.check(rep.get("summary") == REPORT["summary"] and rep.get("status") == "complete",
            "the report is produced, status complete", out[-600:])
    tools0 = [t["toolSpec"]["name"] for t in dbl.converse[0][2].get("toolConfig", {}).get("tools", [])] \
        if dbl.converse else []
    c.check("alb_log_tool" in tools0 and "audit_log_tool" in tools0,
            "alb_log_tool is offered when albAccessLogTableName is set", str(tools0))
    spec = [t["toolSpec"] for t in dbl.converse[0][2]["toolConfig"]["tools"]
            if t["toolSpec"]["name"] == "audit_log_tool"] if dbl.converse else []
    c.check(spec and "users" in json.dumps(spec[0]["inputSchema"]),
            "audit_log_tool offers the Athena input schema (lists)", json.dumps(spec)[:400])
    alb = tool_results(dbl.converse[1][2]).get("tu-alb-1", ("", "")) if len(dbl.converse) > 1 else ("", "")
    c.check(alb[0] == "success", "alb_log_tool result is a success", alb[1][:800])
    for want in ["requests=12345", "elb_5xx=321", "p99=3012ms", "max=29900ms", "502/-:300", "504/-:21",
                 "POST /api/pay requests=800 5xx=310", t_iso[:16] + " 400/1/2/40ms", "203.0.113.7:5123",
                 "target_time=none", "pay-tg", "Root=1-abc-def"]:
        c.check(want in alb[1], "alb observation holds %r" % want, alb[1][:1500])
    audit = tool_results(dbl.converse[2][2]).get("tu-audit-1", ("", "")) if len(dbl.converse) > 2 else ("", "")
    c.check(audit[0] == "success", "audit_log_tool result is a success", audit[1][:800])
    lines = audit[1].splitlines()
    c.check(len(lines) >= 3 and "2 events (1 errors, 1 mutating)" in lines[0],
            "audit observation header counts the seeded events", audit[1][:800])
    c.check(len(lines) >= 3 and " ERROR iam.amazonaws.com PutRolePolicy user=arn:aws:iam::123456789012:user/o'brien" in lines[1]
            and "error=AccessDenied: not authorized" in lines[1]
            and " WRITE lambda.amazonaws.com UpdateFunctionConfiguration20150331v2" in lines[2]
            and "res=arn:aws:lambda:us-east-1:123456789012:function:pay-fn" in lines[2],
            "audit observation: the error first, then the write, same line shape as LookupEvents", audit[1][:800])

    exe = executions(athena)
    c.check(len(exe) == 6, "moto recorded six queries (five ALB, one CloudTrail)", str(len(exe)))
    sqls = [e["Query"] for e in exe]
    ct = [s for s in sqls if '"ct_db"."ct_logs"' in s]
    albq = [s for s in sqls if '"ct_db"."alb_logs"' in s]
    c.check(len(ct) == 1 and len(albq) == 5, "five queries on the ALB table, one on the CloudTrail table",
            "\n".join(sqls)[:2000])
    q = ct[0] if ct else ""
    c.check("strpos(coalesce(useridentity.arn, '')" in q and "'o''brien'" in q and "o'brien'" not in q.replace("o''brien'", ""),
            "the user with a quote is sent as the literal 'o''brien'", q)
    c.check("eventsource IN ('lambda.amazonaws.com', 'iam.amazonaws.com')" in q
            and "eventname IN ('UpdateFunctionConfiguration20150331v2', 'PutRolePolicy')" in q
            and "'pay-fn') > 0" in q, "the CloudTrail query filters services, event names and resources", q)
    frm = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 1800))
    to = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now + 1))
    c.check("eventtime >= '%s' AND eventtime < '%s'" % (frm, to) in q, "the CloudTrail query has the window", q)
    c.check("ORDER BY CASE WHEN errorcode IS NOT NULL" in q and "readonly = 'false'" in q,
            "errors and writes are ranked first in SQL", q)
    c.check(all("elb_status_code IN (502, 504)" in s and "'/api/pay') > 0" in s and "'pay-tg') > 0" in s
                and "time >= '%s'" % frm in s for s in albq), "every ALB query has the filters and the window",
            "\n".join(albq)[:2000])
    c.check(any("approx_percentile(" in s for s in albq) and any("GROUP BY 1, 2" in s for s in albq),
            "ALB queries aggregate (GROUP BY, approx_percentile)", "\n".join(albq)[:1500])
    c.check(all(e.get("QueryExecutionContext", {}).get("Database") == "ct_db" and e.get("WorkGroup") == "primary"
                and e.get("ResultConfiguration", {}).get("OutputLocation", "").startswith("s3://fa2-athena-results/q/")
                for e in exe), "database context, workgroup primary and output location are sent",
            json.dumps([{k: e.get(k) for k in ("QueryExecutionContext", "WorkGroup", "ResultConfiguration")} for e in exe])[:800])

    # ---- 2. a FAILED query: the reason reaches the model ----
    dbl.converse.clear()
    dbl.script = {
        0: D.converse_reply([D.tool_use("tu-fail-1", "audit_log_tool", {"eventNames": [FAIL_MARK]})], "tool_use"),
        1: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn"),
    }
    rc, out, err, secs = analyze(moto, dbl, now, {}, proxy.url)
    c.check(rc == 0 and proxy.rewritten >= 1, "analyze completes when a query FAILED (proxy rewrote %d)" % proxy.rewritten,
            out[-500:] + err[-1500:])
    res = tool_results(dbl.converse[1][2]).get("tu-fail-1", ("", "")) if len(dbl.converse) > 1 else ("", "")
    c.check(res[0] == "error" and "FAILED" in res[1] and "TABLE_NOT_FOUND" in res[1]
            and "category 2 type 1301" in res[1],
            "the FAILED state's StateChangeReason and AthenaError reach the model as an error", str(res)[:800])

    # ---- 3. GetQueryResults over several pages (the proxy pages moto's result) ----
    ev = lambda i: [t_iso + "Z", "ec2.amazonaws.com", "TerminateInstances", "us-east-1", "10.0.0.%d" % i,
                    "arn:aws:iam::123456789012:role/ops-%d" % i, None, None, "false", None, None, 5, 0, 5]
    seed_results(moto, [rs(["eventtime", "eventsource", "eventname", "awsregion", "sourceipaddress", "principal",
                            "errorcode", "errormessage", "readonly", "resource_arns", "request_parameters",
                            "total", "total_errors", "total_writes"], [ev(i) for i in range(5)])])
    proxy.page_rows = 2
    dbl.converse.clear()
    dbl.script = {
        0: D.converse_reply([D.tool_use("tu-pages-1", "audit_log_tool", {"eventNames": ["TerminateInstances"]})], "tool_use"),
        1: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn"),
    }
    rc, out, err, secs = analyze(moto, dbl, now, {}, proxy.url)
    proxy.page_rows = 0
    res = tool_results(dbl.converse[1][2]).get("tu-pages-1", ("", "")) if len(dbl.converse) > 1 else ("", "")
    calls = proxy.results_calls
    c.check(rc == 0 and len(calls) == 3 and all(x.get("MaxResults") == 1000 for x in calls)
            and [x.get("NextToken") for x in calls] == [None, "p2", "p4"],
            "GetQueryResults is read over three pages (MaxResults 1000, NextToken followed)", json.dumps(calls)[:600])
    c.check(res[0] == "success" and all("role/ops-%d" % i in res[1] for i in range(5))
            and "5 events (0 errors, 5 mutating)" in res[1] and "user=eventtime" not in res[1],
            "every row of every page reaches the model, the header row only once", res[1][:1200])

    # ---- 4. the deadline: queries held QUEUED, StopQueryExecution sent ----
    set_transition(moto, {"progression": "manual", "times": 100000})
    try:
        before = set(athena.list_query_executions()["QueryExecutionIds"])
        dbl.converse.clear()
        dbl.script = {
            0: D.converse_reply([D.tool_use("tu-slow-1", "audit_log_tool", {"eventNames": ["RunInstances"]})], "tool_use"),
            1: D.converse_reply([{"text": "```json\n" + json.dumps(REPORT) + "\n```"}], "end_turn"),
        }
        rc, out, err, secs = analyze(moto, dbl, now, {"agent": {"toolParallelism": 1, "timeoutSeconds": 120,
                                                                "toolTimeoutSeconds": 4}}, moto.url)
        c.check(rc == 0, "analyze completes when a query outlives the tool deadline", out[-500:] + err[-1500:])
        res = tool_results(dbl.converse[1][2]).get("tu-slow-1", ("", "")) if len(dbl.converse) > 1 else ("", "")
        c.check(res[0] == "error" and "StopQueryExecution" in res[1] and "QUEUED" in res[1],
                "the model is told the query was stopped at the deadline", str(res)[:800])
        new = [i for i in athena.list_query_executions()["QueryExecutionIds"] if i not in before]
        st = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Status"]["State"] for i in new]
        c.check(st == ["CANCELLED"], "moto shows the held query CANCELLED by StopQueryExecution", str(st))
        print("deadline result:", res[1][:600])
        c.check(3 <= secs < 15, "the tool gave up at its deadline, not before (analysis %.1f s)" % secs)
    finally:
        set_transition(moto, None)


if __name__ == "__main__":
    main()
