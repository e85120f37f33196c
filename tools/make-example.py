#!/usr/bin/env python3
"""Deterministic generator of fa2 snapshot directories (docs/snapshot.md) for sample
incidents. Python standard library only; the same arguments always give the same bytes.

    tools/make-example.py [--scenario NAME] [--seed N] OUTDIR

Scenarios:
  ecs-dynamodb-sg    (default) an ECS service behind an ALB loses access to DynamoDB
                     after a security-group egress change.
  lambda-bad-config  a Lambda function breaks after a configuration deploy that drops an
                     environment variable.

Each scenario writes the raw AWS API responses a `fa2 snapshot` would save: Logs Insights
GetQueryResults, CloudWatch GetMetricData (with its queries in the manifest), CloudTrail
LookupEvents (CloudTrailEvent as a JSON string) and X-Ray GetTraceSummaries, plus
manifest.json. The incident is buried in a normal day's noise and red herrings, so that a
triage that finds it has to find it for the right reasons.
"""
import argparse
import json
import math
import os
import random
import shutil
import sys
from datetime import datetime, timezone

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
FA2_VERSION = "0.1.0"


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def insights_ts(t):
    """Logs Insights @timestamp: 'YYYY-MM-DD HH:MM:SS.mmm' in UTC."""
    d = datetime.fromtimestamp(int(t), timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % int(round((t - int(t)) * 1000) % 1000)


def ts(t):
    return int(t)


class Gen:
    def __init__(self, seed, start, end):
        self.r = random.Random(seed)
        self.start = start
        self.end = end
        self.lines = []          # (t, message, stream, group)
        self.events = []         # LookupEvents Events[] entries
        self.traces = []
        self.series = []         # (query, values)
        self.ev_seq = 0

    # ---- helpers ----
    def hexid(self, n):
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def uuid(self):
        h = self.hexid(32)
        return "%s-%s-4%s-%s-%s" % (h[:8], h[8:12], h[13:16], "a" + h[17:20], h[20:32])

    def poisson(self, lam):
        if lam <= 0:
            return 0
        if lam > 50:
            return max(0, int(round(self.r.gauss(lam, math.sqrt(lam)))))
        l, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.r.random()
            if p <= l:
                return k
            k += 1

    def log(self, t, msg, stream, group):
        self.lines.append((t, msg, stream, group))

    def event(self, t, name, source, user, read_only, params=None, resources=None,
              response=None, error=None, agent="console.amazonaws.com", identity_type="AssumedRole"):
        self.ev_seq += 1
        eid = "%08x-%04x-4%03x-a%03x-%012x" % (self.r.getrandbits(32), self.r.getrandbits(16),
                                                self.r.getrandbits(12), self.r.getrandbits(12),
                                                self.r.getrandbits(48))
        if identity_type == "AssumedRole":
            arn = "arn:aws:sts::%s:assumed-role/%s" % (ACCOUNT, user)
        else:
            arn = "arn:aws:iam::%s:user/%s" % (ACCOUNT, user)
        ct = {
            "eventVersion": "1.09",
            "userIdentity": {"type": identity_type, "arn": arn, "accountId": ACCOUNT},
            "eventTime": iso(t),
            "eventSource": source,
            "eventName": name,
            "awsRegion": REGION,
            "sourceIPAddress": agent if agent.endswith("amazonaws.com") and self.r.random() < 0.5 else "203.0.113.%d" % self.r.randint(2, 250),
            "userAgent": agent,
            "requestParameters": params,
            "responseElements": response,
            "requestID": self.uuid(),
            "eventID": eid,
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT,
        }
        if error:
            ct["errorCode"] = error
            ct["errorMessage"] = "User is not authorized to perform this operation"
        ev = {
            "EventId": eid,
            "EventName": name,
            "ReadOnly": "true" if read_only else "false",
            "EventTime": ts(t),
            "EventSource": source,
            "Username": user.split("/")[-1],
            "Resources": [{"ResourceType": rt, "ResourceName": rn} for rt, rn in (resources or [])],
            "CloudTrailEvent": json.dumps(ct, separators=(",", ":")),
        }
        self.events.append(ev)

    def metric(self, qid, namespace, name, dims, stat, values, period=60):
        q = {"Id": qid, "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": name,
                                                  "Dimensions": [{"Name": k, "Value": v} for k, v in dims]},
                                       "Period": period, "Stat": stat},
             "ReturnData": True}
        self.series.append((q, name, values, period))

    def describe_flood(self, users, names, per_hour):
        t = self.start
        while t < self.end:
            t += self.r.expovariate(per_hour / 3600.0)
            if t >= self.end:
                break
            src, name = self.r.choice(names)
            self.event(t, name, src, self.r.choice(users), True, params=None,
                       agent="aws-sdk-go/1.44.%d" % self.r.randint(100, 300))

    # ---- writing ----
    def write(self, out, alarm, log_groups, description):
        if os.path.exists(out):
            shutil.rmtree(out)
        for sub in ("logs", "metrics", "cloudtrail", "xray"):
            os.makedirs(os.path.join(out, sub))
        files = []
        # Logs Insights returns at most 10,000 rows per query: one query per hour.
        self.lines.sort(key=lambda x: x[0])
        hour = 3600
        t0 = self.start
        idx = 0
        while t0 < self.end:
            t1 = min(t0 + hour, self.end)
            rows = []
            while idx < len(self.lines) and self.lines[idx][0] < t1:
                t, msg, stream, group = self.lines[idx]
                rows.append([
                    {"field": "@timestamp", "value": insights_ts(t)},
                    {"field": "@message", "value": msg},
                    {"field": "@logStream", "value": stream},
                    {"field": "@log", "value": "%s:%s" % (ACCOUNT, group)},
                ])
                idx += 1
            assert len(rows) <= 10000
            rows.reverse()  # the query sorts by @timestamp desc
            name = "logs/insights-%s.json" % datetime.fromtimestamp(t0, timezone.utc).strftime("%H%M")
            body = {"results": rows, "statistics": {"recordsMatched": float(len(rows)),
                                                      "recordsScanned": float(len(rows) * 3),
                                                      "bytesScanned": float(sum(len(r[1]["value"]) for r in rows) * 3)},
                    "status": "Complete"}
            dump(os.path.join(out, name), body)
            files.append({"path": name, "kind": "logs", "api": "logs:GetQueryResults",
                          "params": {"logGroupNames": log_groups,
                                     "queryString": "fields @timestamp, @message, @logStream, @log | sort @timestamp desc | limit 10000",
                                     "startTime": ts(t0), "endTime": ts(t1)}})
            t0 = t1
        # Metrics: one GetMetricData call, newest first as AWS returns by default.
        results, queries = [], []
        for q, name, values, period in self.series:
            stamps = [self.start + i * period for i in range(len(values))]
            pts = [(s, v) for s, v in zip(stamps, values) if v is not None]
            pts.reverse()
            results.append({"Id": q["Id"], "Label": name, "Timestamps": [s for s, _ in pts],
                            "Values": [round(v, 6) for _, v in pts], "StatusCode": "Complete"})
            queries.append(q)
        dump(os.path.join(out, "metrics/getmetricdata.json"), {"MetricDataResults": results, "Messages": []})
        files.append({"path": "metrics/getmetricdata.json", "kind": "metrics", "api": "monitoring:GetMetricData",
                      "params": {"MetricDataQueries": queries, "StartTime": ts(self.start),
                                 "EndTime": ts(self.end), "ScanBy": "TimestampDescending"}})
        # CloudTrail: LookupEvents pages of 50, newest first.
        self.events.sort(key=lambda e: e["EventTime"], reverse=True)
        pages = [self.events[i:i + 50] for i in range(0, len(self.events), 50)]
        for n, page in enumerate(pages):
            name = "cloudtrail/lookupevents-%03d.json" % (n + 1)
            body = {"Events": page}
            if n + 1 < len(pages):
                body["NextToken"] = "page-%03d" % (n + 2)
            dump(os.path.join(out, name), body)
            params = {"StartTime": ts(self.start), "EndTime": ts(self.end), "MaxResults": 50}
            if n:
                params["NextToken"] = "page-%03d" % (n + 1)
            files.append({"path": name, "kind": "cloudtrail", "api": "cloudtrail:LookupEvents", "params": params})
        # X-Ray: GetTraceSummaries pages.
        self.traces.sort(key=lambda s: s["StartTime"])
        for n in range(0, max(1, len(self.traces)), 500):
            page = self.traces[n:n + 500]
            name = "xray/tracesummaries-%03d.json" % (n // 500 + 1)
            dump(os.path.join(out, name), {"TraceSummaries": page, "ApproximateTime": ts(self.end),
                                           "TracesProcessedCount": len(page)})
            files.append({"path": name, "kind": "xray", "api": "xray:GetTraceSummaries",
                          "params": {"StartTime": ts(self.start), "EndTime": ts(self.end),
                                     "TimeRangeType": "TraceId", "Sampling": False}})
        manifest = {
            "format": "fa2-snapshot", "format_version": 1, "fa2_version": FA2_VERSION,
            "created_by": "tools/make-example.py (synthetic sample incident)",
            "description": description,
            "region": REGION,
            "window": {"from": iso(self.start), "to": iso(self.end)},
            "alarm": alarm, "log_groups": log_groups, "files": files,
        }
        dump(os.path.join(out, "manifest.json"), manifest, indent=1)


def dump(path, obj, indent=None):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent, separators=(",", ":") if indent is None else (",", ": "),
                  ensure_ascii=False)
        f.write("\n")


def trace(g, t, service, stype, url, status, duration, fault=False, error=False, root=None,
          extra_services=()):
    tid = "1-%08x-%s" % (int(t), g.hexid(24))
    s = {
        "Id": tid, "StartTime": round(t, 3), "Duration": round(duration, 3),
        "ResponseTime": round(duration, 3), "HasFault": fault, "HasError": error,
        "HasThrottle": False, "IsPartial": False,
        "Http": {"HttpURL": url, "HttpStatus": status, "HttpMethod": "GET" if "?" in url or status != 201 else "POST",
                 "UserAgent": "Mozilla/5.0", "ClientIp": "198.51.100.%d" % g.r.randint(2, 250)},
        "Annotations": {}, "Users": [],
        "ServiceIds": [{"Name": service, "Names": [service], "AccountId": ACCOUNT, "Type": stype}] +
                      [{"Name": n, "Names": [n], "Type": ty} for n, ty in extra_services],
        "EntryPoint": {"Name": service, "Names": [service], "AccountId": ACCOUNT, "Type": stype},
        "FaultRootCauses": [], "ErrorRootCauses": [], "ResponseTimeRootCauses": [],
        "Revision": 1, "MatchedEventTime": round(t, 3),
    }
    if root:
        entity, exc, msg = root
        s["FaultRootCauses"] = [{"Services": [{
            "Name": service, "Names": [service], "Type": stype, "AccountId": ACCOUNT,
            "EntityPath": [{"Name": service, "Exceptions": [], "Remote": False},
                           {"Name": entity, "Exceptions": [{"Name": exc, "Message": msg}], "Remote": True}],
            "Inferred": False}], "ClientImpacting": True}]
    g.traces.append(s)


# ---------------------------------------------------------------------------------------
# Scenario 1: ECS service loses DynamoDB after a security-group egress change.

def ecs_dynamodb_sg(seed):
    start = 1763604000          # 2025-11-20T02:00:00Z
    end = start + 6 * 3600 + 30 * 60
    change = start + 6 * 3600 + 2 * 60 + 31   # 08:02:31 the egress revoke
    g = Gen(seed, start, end)
    r = g.r
    group = "/ecs/orders-api"
    cluster, service = "prod", "orders-api"
    sg = "sg-0a1b2c3d4e5f60718"
    tasks = [g.hexid(32) for _ in range(3)]
    streams = ["ecs/orders-api/%s" % t for t in tasks]
    lb = "app/orders-alb/5f2c9d1e8a7b6c4d"
    tg = "targetgroup/orders-api-tg/9a8b7c6d5e4f3a2b"
    table = "orders-prod"
    first_err = change + 9

    def load(t):
        # A normal day's curve: traffic rises through the morning.
        h = (t - start) / 3600.0
        return 5.0 + 3.0 * math.sin((h - 1.5) / 6.0 * math.pi)

    def java(t, lvl, thread, logger, msg):
        return "%s %-5s 1 --- [%s] %s : %s" % (
            datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%d %H:%M:%S") +
            ".%03d" % int((t % 1) * 1000), lvl, thread, logger, msg)

    # Application logs: requests are sampled into the log at a fixed rate.
    t = start
    n_exec = 0
    while t < end:
        t += r.expovariate(load(t) / 25.0)
        if t >= end:
            break
        st = r.choice(streams)
        n_exec = (n_exec % 200) + 1
        thread = "http-nio-8080-exec-%d" % n_exec
        rid = g.uuid()
        oid = r.randint(100000, 999999)
        broken = t >= first_err
        p = r.random()
        if p < 0.30:
            g.log(t, java(t, "INFO", thread, "c.e.orders.web.RequestLogger", "GET /api/orders/%d 200 %dms req=%s" % (oid, r.randint(8, 60), rid)) if not broken else
                  java(t, "ERROR", thread, "c.e.orders.web.ErrorHandler", "GET /api/orders/%d 500 %dms req=%s: order lookup failed" % (oid, r.randint(10000, 10400), rid)), st, group)
            if broken:
                g.log(t - 0.01, java(t - 0.01, "ERROR", thread, "c.e.orders.repo.OrderRepository",
                                     "DynamoDB GetItem failed for table %s: SdkClientException: Unable to execute HTTP request: Connect to dynamodb.%s.amazonaws.com:443 [dynamodb.%s.amazonaws.com/52.94.%d.%d] failed: connect timed out" % (table, REGION, REGION, r.randint(0, 30), r.randint(1, 254))), st, group)
                if r.random() < 0.5:
                    g.log(t - 3.3, java(t - 3.3, "WARN", thread, "c.e.orders.repo.RetryPolicy", "retrying DynamoDB call GetItem attempt %d/3 after %dms" % (r.randint(1, 2), r.choice([100, 200, 400]))), st, group)
        elif p < 0.42:
            if not broken:
                g.log(t, java(t, "INFO", thread, "c.e.orders.web.RequestLogger", "POST /api/orders 201 %dms req=%s" % (r.randint(20, 90), rid)), st, group)
                g.log(t - 0.005, java(t - 0.005, "INFO", thread, "c.e.orders.repo.OrderRepository", "PutItem %s id=%d took %dms" % (table, oid, r.randint(4, 25))), st, group)
            else:
                g.log(t, java(t, "ERROR", thread, "c.e.orders.web.ErrorHandler", "POST /api/orders 500 %dms req=%s: order lookup failed" % (r.randint(10000, 10400), rid)), st, group)
                g.log(t - 0.01, java(t - 0.01, "ERROR", thread, "c.e.orders.repo.OrderRepository",
                                     "DynamoDB PutItem failed for table %s: SdkClientException: Unable to execute HTTP request: Connect to dynamodb.%s.amazonaws.com:443 [dynamodb.%s.amazonaws.com/52.94.%d.%d] failed: connect timed out" % (table, REGION, REGION, r.randint(0, 30), r.randint(1, 254))), st, group)
        elif p < 0.55:
            g.log(t, java(t, "INFO", thread, "c.e.orders.cache.OrderCache", "cache hit key=order:%d" % oid), st, group)
        elif p < 0.63:
            g.log(t, java(t, "INFO", thread, "c.e.orders.cache.OrderCache", "cache miss key=order:%d, loading from %s" % (oid, table)), st, group)
            if not broken:
                g.log(t + 0.01, java(t + 0.01, "INFO", thread, "c.e.orders.repo.OrderRepository", "GetItem %s id=%d took %dms" % (table, oid, r.randint(3, 18))), st, group)
        elif p < 0.72:
            g.log(t, java(t, "DEBUG", thread, "c.e.orders.web.HealthController", "health check ok from %s (ELB-HealthChecker/2.0)" % ("10.0.%d.%d" % (r.randint(1, 3), r.randint(10, 250)))), st, group)
        elif p < 0.78:
            g.log(t, java(t, "INFO", thread, "c.e.orders.auth.SessionService", "session created user=%d ttl=1800s" % r.randint(1000, 99999)), st, group)
        elif p < 0.83:
            g.log(t, java(t, "WARN", thread, "c.e.orders.auth.JwtFilter", "expired token from client 198.51.100.%d, rejecting with 401" % r.randint(2, 250)), st, group)
        elif p < 0.87:
            g.log(t, java(t, "INFO", "gc", "jvm.gc", "GC pause (G1 Evacuation Pause) young %dM->%dM(%dM) %.3fms" % (r.randint(300, 500), r.randint(80, 200), 1024, r.uniform(2, 25))), st, group)
        elif p < 0.90:
            g.log(t, java(t, "WARN", thread, "c.e.orders.payment.PaymentClient", "payment gateway slow response %dms for order %d" % (r.randint(1200, 4000), oid)), st, group)
        elif p < 0.92:
            g.log(t, java(t, "ERROR", thread, "c.e.orders.payment.PaymentClient", "payment declined for order %d: card_declined" % oid), st, group)
        elif p < 0.95:
            g.log(t, java(t, "WARN", thread, "c.e.orders.web.RateLimiter", "client 198.51.100.%d approaching rate limit (%d/100 rps)" % (r.randint(2, 250), r.randint(80, 99))), st, group)
        else:
            g.log(t, java(t, "INFO", thread, "c.e.orders.web.RequestLogger", "GET /api/products?page=%d 200 %dms req=%s" % (r.randint(1, 40), r.randint(5, 40), rid)), st, group)
    # Periodic jobs.
    for k in range(int((end - start) / 300)):
        t = start + k * 300 + r.uniform(0, 3)
        g.log(t, java(t, "INFO", "scheduling-1", "c.e.orders.catalog.CatalogRefresher", "refreshed product catalog: %d items in %dms" % (r.randint(4800, 5200), r.randint(300, 900))), streams[0], group)
        g.log(t + 1, java(t + 1, "INFO", "metrics-1", "c.e.orders.metrics.MetricsReporter", "published %d custom metrics to CloudWatch" % r.randint(40, 48)), streams[1], group)
    for k in range(3):
        t = change + 95 + k * 240 + r.uniform(0, 20)
        g.log(t, java(t, "WARN", "resilience4j", "c.e.orders.repo.CircuitBreaker", "circuit 'dynamodb' OPEN after %d failures in 60s" % r.randint(40, 90)), streams[k], group)

    # Metrics (1-minute).
    n = int((end - start) / 60)
    req, e5, rt, ok2, hh, cpu = [], [], [], [], [], []
    other5 = []
    for i in range(n):
        t = start + i * 60
        lam = load(t) * 60
        c = g.poisson(lam)
        broken = t + 60 > first_err
        frac = 0.0
        if broken:
            frac = min(0.88, 0.88 * (t + 60 - first_err) / 60.0) if t < first_err else 0.88
        bad = int(round(c * frac)) + (1 if r.random() < 0.03 else 0)
        req.append(float(c))
        e5.append(float(bad))
        ok2.append(float(max(0, c - bad)))
        rt.append(r.uniform(0.035, 0.06) if not broken else (frac * 10.1 + (1 - frac) * 0.05) * r.uniform(0.93, 1.05))
        hh.append(3.0)
        cpu.append(r.gauss(34.0, 3.0) - (8.0 if broken else 0.0))
        other5.append(float(4 if i == 97 else (1 if r.random() < 0.02 else 0)))
    dims = [("LoadBalancer", lb), ("TargetGroup", tg)]
    g.metric("m1", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dims, "Sum", e5)
    g.metric("m2", "AWS/ApplicationELB", "TargetResponseTime", dims, "Average", rt)
    g.metric("m3", "AWS/ApplicationELB", "RequestCount", dims, "Sum", req)
    g.metric("m4", "AWS/ApplicationELB", "HTTPCode_Target_2XX_Count", dims, "Sum", ok2)
    g.metric("m5", "AWS/ApplicationELB", "HealthyHostCount", dims, "Average", hh)
    g.metric("m6", "AWS/ECS", "CPUUtilization", [("ClusterName", cluster), ("ServiceName", service)], "Average", cpu)
    g.metric("m7", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count",
             [("LoadBalancer", "app/billing-alb/0c1d2e3f4a5b6c7d"), ("TargetGroup", "targetgroup/billing-tg/1f2e3d4c5b6a7988")], "Sum", other5)

    # CloudTrail: a Describe/List flood, STS, log streams, and the changes.
    g.describe_flood(["datadog-integration-role/datadog", "ecs-service-role/ecs-agent", "AWSServiceRoleForECS/ecs-autoscaling"],
                     [("ec2.amazonaws.com", "DescribeInstances"), ("ec2.amazonaws.com", "DescribeSecurityGroups"),
                      ("ec2.amazonaws.com", "DescribeNetworkInterfaces"), ("elasticloadbalancing.amazonaws.com", "DescribeTargetHealth"),
                      ("ecs.amazonaws.com", "DescribeServices"), ("ecs.amazonaws.com", "ListTasks"),
                      ("cloudwatch.amazonaws.com", "GetMetricData"), ("sts.amazonaws.com", "AssumeRole"),
                      ("kms.amazonaws.com", "Decrypt")], 110)
    for k in range(6):
        t = start + 1800 + k * 3600 + r.uniform(0, 600)
        g.event(t, "CreateLogStream", "logs.amazonaws.com", "ecs-task-execution-role/%s" % g.hexid(32), False,
                params={"logGroupName": "/ecs/billing-worker", "logStreamName": "ecs/billing-worker/%s" % g.hexid(32)},
                agent="ecs-agent")
    # An unrelated IAM change hours before.
    g.event(start + 2 * 3600 + 11 * 60, "PutRolePolicy", "iam.amazonaws.com", "PlatformAdmin/alice", False,
            params={"roleName": "reporting-batch-role", "policyName": "s3-export-access",
                    "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":"arn:aws:s3:::reports-export/*"}]}'},
            resources=[("AWS::IAM::Role", "reporting-batch-role")])
    # The morning deployment of orders-api (its network configuration names the SG).
    dep = start + 3 * 3600 + 40 * 60
    g.event(dep - 120, "RegisterTaskDefinition", "ecs.amazonaws.com", "GitHubActionsDeploy/deploy", False,
            params={"family": service, "containerDefinitions": [{"name": service, "image": "%s.dkr.ecr.%s.amazonaws.com/orders-api:2025.11.20-1" % (ACCOUNT, REGION)}]},
            response={"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:%s:%s:task-definition/orders-api:42" % (REGION, ACCOUNT)}},
            agent="aws-cli/2.15.0")
    g.event(dep, "UpdateService", "ecs.amazonaws.com", "GitHubActionsDeploy/deploy", False,
            params={"cluster": cluster, "service": service, "taskDefinition": "orders-api:42",
                    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"],
                                                                     "securityGroups": [sg], "assignPublicIp": "DISABLED"}}},
            resources=[("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/%s" % (REGION, ACCOUNT, cluster, service))],
            agent="aws-cli/2.15.0")
    # Another team's deployment half an hour before the incident.
    g.event(change - 27 * 60, "UpdateService", "ecs.amazonaws.com", "GitHubActionsDeploy/deploy", False,
            params={"cluster": cluster, "service": "billing-worker", "taskDefinition": "billing-worker:17", "forceNewDeployment": False},
            resources=[("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/billing-worker" % (REGION, ACCOUNT, cluster))],
            agent="aws-cli/2.15.0")
    g.event(change - 12 * 60, "PutParameter", "ssm.amazonaws.com", "PlatformAdmin/alice", False,
            params={"name": "/billing/feature-flags/invoice-v2", "type": "String", "overwrite": True},
            resources=[("AWS::SSM::Parameter", "/billing/feature-flags/invoice-v2")])
    # The change: egress tightened to the VPC only, dropping the path to DynamoDB.
    g.event(change - 17, "AuthorizeSecurityGroupEgress", "ec2.amazonaws.com", "NetworkAdmin/bob", False,
            params={"groupId": sg, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                    "ipRanges": {"items": [{"cidrIp": "10.0.0.0/16", "description": "HTTPS to internal services"}]}}]}},
            response={"_return": True, "securityGroupRuleSet": {"items": [{"groupId": sg, "securityGroupRuleId": "sgr-0f1e2d3c4b5a69788", "isEgress": True}]}})
    g.event(change, "RevokeSecurityGroupEgress", "ec2.amazonaws.com", "NetworkAdmin/bob", False,
            params={"groupId": sg, "ipPermissions": {"items": [{"ipProtocol": "-1",
                    "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}},
            response={"_return": True})
    # After the onset: the on-call looks around and restarts the service.
    for k in range(25):
        g.event(change + 420 + k * 7, r.choice(["DescribeSecurityGroups", "DescribeServices", "DescribeTasks"]),
                "ec2.amazonaws.com" if k % 3 == 0 else "ecs.amazonaws.com", "OnCall/carol", True)
    g.event(change + 15 * 60, "UpdateService", "ecs.amazonaws.com", "OnCall/carol", False,
            params={"cluster": cluster, "service": service, "forceNewDeployment": True},
            resources=[("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/%s" % (REGION, ACCOUNT, cluster, service))])
    g.event(start + 4 * 3600, "UpdateSecurityGroupRuleDescriptionsIngress", "ec2.amazonaws.com", "NetworkAdmin/bob", False,
            params={"groupId": "sg-0bastion1122334455", "ipPermissions": {}})  # a benign write

    # X-Ray: sampled requests; after the change the DynamoDB subsegment faults.
    t = start
    while t < end:
        t += r.expovariate(load(t) / 150.0)
        if t >= end:
            break
        url = "https://orders.example.com/api/orders/%d" % r.randint(100000, 999999)
        if t >= first_err and r.random() < 0.88:
            trace(g, t, service, "AWS::ECS::Container", url, 500, r.uniform(10.0, 10.4), fault=True,
                  root=("DynamoDB", "SdkClientException", "Unable to execute HTTP request: Connect to dynamodb.%s.amazonaws.com:443 failed: connect timed out" % REGION),
                  extra_services=[("DynamoDB", "AWS::DynamoDB::Table")])
        elif r.random() < 0.03:
            trace(g, t, service, "AWS::ECS::Container", url, 502, r.uniform(3, 5), fault=True,
                  root=("payments.example.net", "HttpServerErrorException", "502 Bad Gateway"),
                  extra_services=[("payments.example.net", "remote")])
        else:
            trace(g, t, service, "AWS::ECS::Container", url, 200, r.uniform(0.01, 0.08),
                  extra_services=[("DynamoDB", "AWS::DynamoDB::Table")])

    alarm = {"name": "orders-api-target-5xx-high", "state_change_time": iso(change + 60 * 5 + 29),
             "state": "ALARM",
             "reason": "Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (10.0) (minimum 3 datapoints for OK -> ALARM transition).",
             "namespace": "AWS/ApplicationELB", "metric_name": "HTTPCode_Target_5XX_Count",
             "dimensions": [{"Name": k, "Value": v} for k, v in dims]}
    desc = ("ECS service orders-api (cluster prod, behind orders-alb) loses access to DynamoDB "
            "after its security group's egress rules are changed.")
    return g, alarm, [group], desc


# ---------------------------------------------------------------------------------------
# Scenario 2: a Lambda configuration deploy drops an environment variable.

def lambda_bad_config(seed):
    start = 1764309600          # 2025-11-28T06:00:00Z
    end = start + 4 * 3600
    change = start + 3 * 3600 + 10 * 60 + 5
    g = Gen(seed, start, end)
    r = g.r
    fn = "checkout-handler"
    group = "/aws/lambda/%s" % fn
    first_err = change + 21

    def stream(t):
        return "%s/[$LATEST]%s" % (datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y/%m/%d"), g.hexid(32))

    streams = [stream(start) for _ in range(4)]
    t = start
    while t < end:
        t += r.expovariate(0.2)
        if t >= end:
            break
        if t >= first_err and r.random() < 0.2:
            streams[r.randrange(4)] = stream(t)
        st = r.choice(streams)
        rid = g.uuid()
        g.log(t, "START RequestId: %s Version: $LATEST" % rid, st, group)
        if t < first_err:
            g.log(t + 0.01, "[INFO]\t%s\t%s\tprocessing checkout cart=%d items=%d" % (iso(t), rid, r.randint(10000, 99999), r.randint(1, 9)), st, group)
            if r.random() < 0.3:
                g.log(t + 0.02, "[INFO]\t%s\t%s\tcalling payment API https://pay.internal.example.com/v2/charge" % (iso(t), rid), st, group)
            if r.random() < 0.05:
                g.log(t + 0.03, "[WARNING]\t%s\t%s\tinventory cache stale, refreshing (age=%ds)" % (iso(t), rid, r.randint(300, 900)), st, group)
            d = r.uniform(80, 300)
        else:
            g.log(t + 0.01, "[ERROR] KeyError: 'PAYMENT_API_URL'", st, group)
            g.log(t + 0.011, "Traceback (most recent call last):", st, group)
            g.log(t + 0.012, "  File \"/var/task/handler.py\", line %d, in lambda_handler" % 42, st, group)
            g.log(t + 0.013, "    url = os.environ['PAYMENT_API_URL']", st, group)
            d = r.uniform(5, 20)
        g.log(t + d / 1000, "END RequestId: %s" % rid, st, group)
        g.log(t + d / 1000, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: 512 MB\tMax Memory Used: %d MB" % (rid, d, int(d) + 1, r.randint(90, 130)), st, group)

    n = int((end - start) / 60)
    inv, errs, dur, thr, apigw = [], [], [], [], []
    for i in range(n):
        t = start + i * 60
        c = g.poisson(30)
        broken = t >= first_err - 30
        inv.append(float(c))
        errs.append(float(c if broken else (1 if r.random() < 0.02 else 0)))
        dur.append(r.uniform(8, 15) if broken else r.uniform(150, 220))
        thr.append(0.0)
        apigw.append(float(c if broken else 0))
    fdims = [("FunctionName", fn)]
    g.metric("e1", "AWS/Lambda", "Errors", fdims, "Sum", errs)
    g.metric("e2", "AWS/Lambda", "Invocations", fdims, "Sum", inv)
    g.metric("e3", "AWS/Lambda", "Duration", fdims, "Average", dur)
    g.metric("e4", "AWS/Lambda", "Throttles", fdims, "Sum", thr)
    g.metric("e5", "AWS/ApiGateway", "5XXError", [("ApiName", "checkout-api"), ("Stage", "prod")], "Sum", apigw)

    g.describe_flood(["datadog-integration-role/datadog"],
                     [("lambda.amazonaws.com", "GetFunction"), ("lambda.amazonaws.com", "ListFunctions20150331"),
                      ("ec2.amazonaws.com", "DescribeSecurityGroups"), ("sts.amazonaws.com", "AssumeRole")], 90)
    # Red herrings: a security-group change on a bastion, an IAM change, another function.
    g.event(change - 50 * 60, "RevokeSecurityGroupIngress", "ec2.amazonaws.com", "NetworkAdmin/bob", False,
            params={"groupId": "sg-0bastion99887766", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                    "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}},
            response={"_return": True})
    g.event(start + 40 * 60, "AttachRolePolicy", "iam.amazonaws.com", "PlatformAdmin/alice", False,
            params={"roleName": "analytics-etl-role", "policyArn": "arn:aws:iam::aws:policy/AmazonAthenaFullAccess"},
            resources=[("AWS::IAM::Role", "analytics-etl-role")])
    g.event(change - 35 * 60, "UpdateFunctionCode20150331v2", "lambda.amazonaws.com", "GitHubActionsDeploy/deploy", False,
            params={"functionName": "image-resizer", "s3Bucket": "artifacts-%s" % ACCOUNT, "s3Key": "image-resizer/1.8.2.zip"},
            resources=[("AWS::Lambda::Function", "image-resizer")], agent="aws-cli/2.15.0")
    # The change: a config deploy that lost PAYMENT_API_URL.
    g.event(change, "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", "GitHubActionsDeploy/deploy", False,
            params={"functionName": fn, "environment": {"variables": {"LOG_LEVEL": "INFO", "PAYMENT_API_URL_V2": "https://pay.internal.example.com/v3"}},
                    "timeout": 30},
            response={"functionName": fn, "functionArn": "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, fn), "lastUpdateStatus": "InProgress"},
            resources=[("AWS::Lambda::Function", fn)], agent="aws-cli/2.15.0")

    t = start
    while t < end:
        t += r.expovariate(0.1)
        if t >= end:
            break
        url = "https://api.example.com/prod/checkout"
        if t >= first_err:
            trace(g, t, fn, "AWS::Lambda::Function", url, 502, r.uniform(0.01, 0.03), fault=True,
                  root=(fn, "KeyError", "'PAYMENT_API_URL'"))
        else:
            trace(g, t, fn, "AWS::Lambda::Function", url, 200, r.uniform(0.1, 0.3))

    alarm = {"name": "checkout-handler-errors", "state_change_time": iso(change + 4 * 60),
             "state": "ALARM", "reason": "Threshold Crossed: 1 datapoint [29.0] was greater than the threshold (5.0).",
             "namespace": "AWS/Lambda", "metric_name": "Errors",
             "dimensions": [{"Name": "FunctionName", "Value": fn}]}
    desc = "Lambda function checkout-handler fails after a configuration deploy drops PAYMENT_API_URL."
    return g, alarm, [group], desc


SCENARIOS = {"ecs-dynamodb-sg": ecs_dynamodb_sg, "lambda-bad-config": lambda_bad_config}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="ecs-dynamodb-sg", choices=sorted(SCENARIOS))
    ap.add_argument("--seed", type=int, default=20251120)
    ap.add_argument("outdir")
    a = ap.parse_args()
    g, alarm, groups, desc = SCENARIOS[a.scenario](a.seed)
    g.write(a.outdir, alarm, groups, desc)
    print("%s: %d log lines, %d series, %d CloudTrail events, %d traces" % (
        a.outdir, len(g.lines), len(g.series), len(g.events), len(g.traces)), file=sys.stderr)


if __name__ == "__main__":
    main()
