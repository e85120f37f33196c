#!/usr/bin/env python3
"""Deterministic generator of the fa2 evaluation corpus: incident scenarios written as
snapshot directories (docs/snapshot.md), each with an answer key (expected.json).
Python standard library only; the same specs always give the same bytes.

    tools/make-corpus.py [--specs DIR] [--only SUBSTRING] [--replicas N] [--jobs N]
                         [--anchor EPOCH] [--max-lines-per-hour N] OUTDIR

The specs (tests/scenarios/dev.json and heldout.json, one scenario per entry) pick an
incident kind, a variant of its vocabulary, the platform and log format of the service,
the timing (cause to onset, step or gradual onset, cause-first or symptom-first) and the
decoys. Everything else (names, volumes, noise, routine writes) is drawn from the
scenario's seed. OUTDIR gets one directory per set (dev/, heldout/) with one snapshot
directory per scenario, and index.json listing them. docs/eval.md describes the corpus
and how `fa2 eval` judges it.

--replicas N writes N draws of every spec (NAME, NAME-r2, ...: the same incident with
other names, volumes, noise and decoy times), so that a score is not the luck of one draw.
--anchor moves a scenario in time so that its window ends at EPOCH (seconds); the
fidelity test uses it to seed moto_server with data near the present.
--max-lines-per-hour caps the log volume per hour of window (lowest-priority lines, the
sampled normal traffic, are thinned first): for captures that a single Logs Insights
query per hour must hold.
"""
import argparse
import json
import math
import os
import random
import shutil
import sys
from datetime import datetime, timezone

FA2_VERSION = "0.1.0"
LOGS_QUERY = "fields @timestamp, @message, @logStream, @log | sort @timestamp desc | limit 10000"
ROWS_PER_QUERY = 10000   # Logs Insights returns at most this many rows per query


# ---------------------------------------------------------------------------------------
# Time helpers.

def iso(t):
    return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(t):
    d = datetime.fromtimestamp(int(t), timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % int((t - int(t)) * 1000)


def insights_ts(t):
    d = datetime.fromtimestamp(int(t), timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % int((t - int(t)) * 1000)


def parse_iso(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def dt(t):
    return datetime.fromtimestamp(int(t), timezone.utc)


# ---------------------------------------------------------------------------------------
# Names. Dev and held-out scenarios draw from disjoint pools, so the held-out set never
# shares a service, a table or a decoy with the dev set.

POOLS = {
    "dev": {
        "services": [("orders-api", "order"), ("checkout-service", "cart"), ("inventory-api", "item"),
                     ("catalog-api", "product"), ("profile-service", "profile"), ("search-api", "query"),
                     ("cart-service", "cart"), ("payments-api", "payment"), ("pricing-engine", "quote"),
                     ("recommendations", "recommendation"), ("report-builder", "report"),
                     ("notification-worker", "notification"), ("auth-gateway", "session"),
                     ("image-resizer", "image"), ("coupon-service", "coupon"), ("reviews-api", "review")],
        "others": ["billing-worker", "email-sender", "analytics-etl", "audit-exporter", "sitemap-builder",
                   "warehouse-sync", "newsletter", "thumbnailer", "index-refresher", "fraud-rules"],
        "deps": ["inventory-service", "shipping-rates", "tax-calculator", "user-directory", "loyalty-service"],
        "external": ["api.pay-gateway.example.com", "partner.shipco.example.net", "sms.notify-hub.example.org"],
        "users": ["PlatformAdmin/alice", "NetworkAdmin/bob", "OnCall/carol", "Developer/dave",
                  "GitHubActionsDeploy/deploy", "TerraformApply/terraform"],
        "domain": "example.com", "internal": "internal.example.com", "account": "123456789012",
        "clusters": ["prod", "prod-main", "shop-prod"],
    },
    "heldout": {
        "services": [("ledger-writer", "entry"), ("telemetry-ingest", "batch"), ("shipment-tracker", "shipment"),
                     ("kyc-verifier", "applicant"), ("quote-engine", "quote"), ("media-transcoder", "job"),
                     ("fraud-scoring", "score"), ("loyalty-points", "member"), ("booking-api", "booking"),
                     ("claims-processor", "claim"), ("geo-lookup", "location"), ("invoice-renderer", "invoice"),
                     ("tenant-admin", "tenant"), ("feed-aggregator", "feed")],
        "others": ["crm-export", "dwh-loader", "pdf-archiver", "sso-bridge", "ml-feature-store",
                   "partner-webhooks", "clickstream-etl", "backup-verifier"],
        "deps": ["risk-engine", "address-validator", "currency-rates", "entitlements", "doc-store"],
        "external": ["api.kyc-provider.example.net", "edge.maps-vendor.example.org", "hooks.crm-saas.example.com"],
        "users": ["SRE/hiro", "NetOps/mei", "Release/ci-bot", "DBA/kenji", "Contractor/sam",
                  "Pulumi/automation", "AWSReservedSSO_Admin/yuki"],
        "domain": "example.jp", "internal": "svc.corp.example.jp", "account": "210987654321",
        "clusters": ["core", "platform-prod", "k8s-prod"],
    },
}

REGIONS = ["ap-northeast-1", "us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"]
GLOBAL_SOURCES = ("iam.amazonaws.com", "route53.amazonaws.com", "cloudfront.amazonaws.com")


class Exc:
    """An exception as a language prints it: type, message, frames, optional cause."""

    def __init__(self, etype, message, frames=None, cause=None):
        self.etype, self.message, self.frames, self.cause = etype, message, frames or [], cause


# ---------------------------------------------------------------------------------------
# The service whose logs we write: names, language, log format.

LANG_OF_FORMAT = {
    "spring": "java", "spring-split": "java", "logback-json": "java",
    "lambda-python": "python", "lambda-node": "node", "lambda-json": "python",
    "pino": "node", "node-json": "node", "logfmt": "go", "zap": "go", "pylog": "python",
    "dotnet": "dotnet", "syslog": "python", "syslog-java": "java",
    "k8s-json": "go", "cri-pylog": "python",
}


class Svc:
    def __init__(self, sc, name, noun, platform, fmt, group=None):
        r = sc.r
        self.sc, self.name, self.noun, self.platform, self.fmt = sc, name, noun, platform, fmt
        self.lang = LANG_OF_FORMAT[fmt]
        base = name.replace("-", "")
        self.pkg = "com.example.%s" % base[:12]
        self.cls = "".join(p.capitalize() for p in noun.split("-"))
        self.pid = r.randint(900, 32000)
        self.hosts = ["ip-10-%d-%d-%d" % (r.randint(0, 3), r.randint(0, 15), r.randint(2, 250)) for _ in range(3)]
        self.instances = ["i-0%s" % sc.hexid(16) for _ in range(3)]
        self.fn = name
        if platform == "lambda":
            self.group = group or "/aws/lambda/%s" % name
        elif platform == "ecs":
            self.group = group or "/ecs/%s" % name
        elif platform == "eks":
            self.group = group or "/aws/containerinsights/%s/application" % sc.cluster
        else:
            self.group = group or "/%s/%s/app" % (sc.r.choice(["ec2", "var/log", "app"]), name)
        self.tasks = [sc.hexid(32) for _ in range(3)]
        self.pods = ["%s-%s-%s" % (name, sc.hexid(10, "bcdfghjklmnpqrstvwxz2456789"),
                                   sc.hexid(5, "bcdfghjklmnpqrstvwxz2456789")) for _ in range(3)]
        self.lambda_streams = []
        self.thread_n = 0
        self.path = "/api/%ss" % noun if sc.set == "dev" else "/v%d/%ss" % (r.randint(1, 3), noun)
        self.table = "%s-%s" % (noun + "s", sc.r.choice(["prod", "live", "main"]))

    def stream(self, t=None):
        sc, r = self.sc, self.sc.r
        if self.platform == "lambda":
            if not self.lambda_streams or r.random() < 0.01:
                day = dt(t if t else sc.start).strftime("%Y/%m/%d")
                self.lambda_streams.append("%s/[$LATEST]%s" % (day, sc.hexid(32)))
                if len(self.lambda_streams) > 4:
                    self.lambda_streams.pop(0)
            return r.choice(self.lambda_streams)
        if self.platform == "ecs":
            return "%s/app/%s" % (self.name, r.choice(self.tasks))
        if self.platform == "eks":
            p = r.choice(self.pods)
            return "%s.%s-application.log" % (p, "prod")
        return r.choice(self.instances)

    def thread(self):
        self.thread_n = self.thread_n % 200 + 1
        return "http-nio-8080-exec-%d" % self.thread_n


# ---------------------------------------------------------------------------------------
# Exceptions per language: frames that look like each runtime's.

def java_frames(svc, lib, depth):
    libs = {
        "aws": ["software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)",
                "software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleResponse(CombinedResponseHandler.java:82)",
                "software.amazon.awssdk.core.internal.http.pipeline.stages.RetryableStage.execute(RetryableStage.java:93)",
                "software.amazon.awssdk.core.client.handler.BaseSyncClientHandler.execute(BaseSyncClientHandler.java:162)"],
        "jdbc": ["org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:346)",
                 "org.postgresql.core.ConnectionFactory.openConnection(ConnectionFactory.java:54)",
                 "com.zaxxer.hikari.pool.PoolBase.newConnection(PoolBase.java:359)",
                 "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)"],
        "net": ["java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:546)",
                "java.base/java.net.Socket.connect(Socket.java:751)",
                "org.apache.http.impl.conn.DefaultHttpClientConnectionOperator.connect(DefaultHttpClientConnectionOperator.java:142)"],
        "ssl": ["java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)",
                "java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:378)",
                "java.base/sun.security.ssl.CertificateMessage$T13CertificateConsumer.checkServerCerts(CertificateMessage.java:1300)",
                "java.base/sun.security.ssl.SSLSocketImpl.startHandshake(SSLSocketImpl.java:451)"],
        "io": ["java.base/java.io.FileOutputStream.writeBytes(Native Method)",
               "java.base/java.io.FileOutputStream.write(FileOutputStream.java:367)",
               "java.base/java.io.BufferedOutputStream.flushBuffer(BufferedOutputStream.java:125)"],
        "web": ["org.springframework.web.client.DefaultResponseErrorHandler.handleError(DefaultResponseErrorHandler.java:168)",
                "org.springframework.web.client.RestTemplate.handleResponse(RestTemplate.java:819)",
                "org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:777)"],
        "none": [],
    }
    cls = svc.cls
    app = ["%s.repo.%sRepository.save(%sRepository.java:%d)" % (svc.pkg, cls, cls, 60 + depth),
           "%s.service.%sService.handle(%sService.java:%d)" % (svc.pkg, cls, cls, 40 + depth * 3),
           "%s.web.%sController.post(%sController.java:%d)" % (svc.pkg, cls, cls, 30 + depth),
           "java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)",
           "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)",
           "org.apache.tomcat.util.threads.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:659)",
           "java.base/java.lang.Thread.run(Thread.java:1583)"]
    return libs.get(lib, []) + app


def render_exc(lang, svc, e, lib="none"):
    """The exception as text, lines joined with \\n."""
    if lang == "java":
        out = ["%s: %s" % (e.etype, e.message) if e.message else e.etype]
        out += ["\tat " + f for f in (e.frames or java_frames(svc, lib, len(e.message) % 17))]
        if e.cause:
            out.append("Caused by: %s: %s" % (e.cause.etype, e.cause.message))
            out += ["\tat " + f for f in (e.cause.frames or java_frames(svc, lib, 3)[:3])]
            out.append("\t... %d common frames omitted" % (20 + len(e.message) % 9))
        return "\n".join(out)
    if lang == "python":
        mod = svc.name.replace("-", "_")
        out = ["Traceback (most recent call last):",
               '  File "/var/task/%s/handler.py", line %d, in handle' % (mod, 40 + len(e.message) % 30),
               "    result = process(event)",
               '  File "/var/task/%s/service.py", line %d, in process' % (mod, 80 + len(e.etype) % 40),
               "    return self.client.%s(**params)" % ("call" if lib != "io" else "write")]
        if lib == "aws":
            out += ['  File "/var/lang/lib/python3.12/site-packages/botocore/client.py", line 565, in _api_call',
                    "    return self._make_api_call(operation_name, kwargs)",
                    '  File "/var/lang/lib/python3.12/site-packages/botocore/client.py", line 1021, in _make_api_call',
                    "    raise error_class(parsed_response, operation_name)"]
        out.append("%s: %s" % (e.etype, e.message) if e.message else e.etype)
        return "\n".join(out)
    if lang == "node":
        first = "%s: %s" % (e.etype, e.message) if e.message else e.etype
        mod = svc.name
        return "\n".join([first,
                          "    at %s.handle (/app/src/%s.js:%d:%d)" % (svc.cls, svc.noun, 40 + len(e.message) % 50, 11),
                          "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
                          "    at async /app/src/routes/%s.js:%d:18" % (mod, 20 + len(e.etype) % 30)])
    if lang == "dotnet":
        first = "%s: %s" % (e.etype, e.message)
        ns = "".join(p.capitalize() for p in svc.name.split("-"))
        return "\n".join([first,
                          "   at %s.Services.%sService.HandleAsync(%sRequest request) in /src/%s/Services/%sService.cs:line %d" %
                          (ns, svc.cls, svc.cls, ns, svc.cls, 50 + len(e.message) % 60),
                          "   at %s.Controllers.%sController.Post(%sRequest request) in /src/%s/Controllers/%sController.cs:line %d" %
                          (ns, svc.cls, svc.cls, ns, svc.cls, 20 + len(e.etype) % 30),
                          "   at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.TaskOfIActionResultExecutor.Execute(ActionContext actionContext)"])
    # go: errors are strings; a panic prints goroutines.
    return "%s: %s" % (e.etype, e.message) if e.etype else e.message


# ---------------------------------------------------------------------------------------
# Log formats. Each renders one application record (level, logger, message, exception)
# as the lines a real runtime writes; a "split" format writes a stack trace as one log
# event per line, a joined one as a single multi-line event.

LEVELS = ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")
PINO_LEVEL = {"DEBUG": 20, "INFO": 30, "WARN": 40, "ERROR": 50, "FATAL": 60}
DOTNET_LEVEL = {"DEBUG": "dbug", "INFO": "info", "WARN": "warn", "ERROR": "fail", "FATAL": "crit"}
LOGBACK_VALUE = {"DEBUG": 10000, "INFO": 20000, "WARN": 30000, "ERROR": 40000, "FATAL": 50000}


def jdump(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def short_logger(logger):
    parts = logger.split(".")
    return ".".join([p[0] for p in parts[:-1]] + parts[-1:])


def render_record(svc, t, level, msg, exc=None, lib="none", logger=None, fields=None, rid=None):
    """Lines (t, text) of one application record in svc.fmt."""
    fmt, lang = svc.fmt, svc.lang
    logger = logger or "%s.service.%sService" % (svc.pkg, svc.cls)
    fields = fields or {}
    etext = render_exc(lang, svc, exc, lib) if exc else None
    if fmt in ("spring", "spring-split", "syslog-java"):
        head = "%s.%03d %5s %d --- [%s] %-40s : %s" % (
            dt(t).strftime("%Y-%m-%d %H:%M:%S"), int((t % 1) * 1000), level, 1, svc.thread(),
            short_logger(logger)[:40], msg)
        if not etext:
            return [(t, head)]
        if fmt == "spring":
            return [(t, head + "\n" + etext)]
        return [(t, head)] + [(t + 0.0001 * (i + 1), ln) for i, ln in enumerate(etext.split("\n"))]
    if fmt == "logback-json":
        o = {"@timestamp": iso_ms(t), "@version": "1", "message": msg, "logger_name": logger,
             "thread_name": svc.thread(), "level": level, "level_value": LOGBACK_VALUE[level]}
        o.update(fields)
        if etext:
            o["stack_trace"] = etext
        return [(t, jdump(o))]
    if fmt == "lambda-python":
        lv = "WARNING" if level == "WARN" else level
        if exc and fields.get("unhandled"):
            # The runtime reports an unhandled exception as one event, lines joined by \r.
            return [(t, "[ERROR] %s: %s\r%s" % (exc.etype, exc.message, etext.replace("\n", "\r")))]
        line = "[%s]\t%s\t%s\t%s" % (lv, iso_ms(t), rid or "-", msg)
        if etext:
            line += "\n" + etext
        return [(t, line)]
    if fmt == "lambda-node":
        if exc and fields.get("unhandled"):
            o = {"errorType": exc.etype, "errorMessage": exc.message, "stack": etext.split("\n")}
            return [(t, "%s\t%s\tERROR\tInvoke Error \t%s" % (iso_ms(t), rid, jdump(o)))]
        line = "%s\t%s\t%s\t%s" % (iso_ms(t), rid or "undefined", level, msg)
        if etext:
            line += " " + etext
        return [(t, line)]
    if fmt == "lambda-json":
        o = {"timestamp": iso_ms(t), "level": level if level != "WARN" else "WARNING", "message": msg,
             "logger": "root", "requestId": rid}
        o.update({k: v for k, v in fields.items() if k != "unhandled"})
        if exc:
            o["errorType"] = exc.etype
            o["errorMessage"] = exc.message
            o["stackTrace"] = etext.split("\n")[1:-1]
        return [(t, jdump(o))]
    if fmt in ("pino", "node-json"):
        o = {"level": PINO_LEVEL[level], "time": int(t * 1000), "pid": svc.pid,
             "hostname": svc.hosts[int(t) % len(svc.hosts)]}
        o.update(fields)
        o["msg"] = msg
        if exc:
            o["err"] = {"type": exc.etype, "message": exc.message, "stack": etext}
        return [(t, jdump(o))]
    if fmt == "logfmt":
        parts = ["time=%s" % iso_ms(t), "level=%s" % level.lower().replace("warn", "warn"),
                 'msg="%s"' % msg.replace('"', '\\"')]
        for k, v in fields.items():
            v = str(v)
            parts.append('%s=%s' % (k, ('"%s"' % v.replace('"', '\\"')) if (" " in v or not v) else v))
        if exc:
            parts.append('err="%s"' % render_exc("go", svc, exc).replace('"', '\\"'))
        parts.append("svc=%s" % svc.name)
        return [(t, " ".join(parts))]
    if fmt == "zap":
        o = {"level": level.lower(), "ts": round(t, 4),
             "caller": "%s/%s.go:%d" % (svc.noun, svc.noun, 40 + len(msg) % 90), "msg": msg}
        o.update(fields)
        if exc:
            o["error"] = render_exc("go", svc, exc)
            if level in ("ERROR", "FATAL"):
                o["stacktrace"] = ("main.(*%sHandler).Serve\n\t/app/internal/%s/handler.go:%d\nnet/http.HandlerFunc.ServeHTTP\n"
                                   "\t/usr/local/go/src/net/http/server.go:2171" % (svc.cls, svc.noun, 100 + len(msg) % 50))
        return [(t, jdump(o))]
    if fmt == "k8s-json":
        inner = {"level": level.lower(), "msg": msg, "time": iso(t)}
        inner.update(fields)
        if exc:
            inner["error"] = render_exc("go", svc, exc)
        return [(t, wrap_k8s(svc, t, jdump(inner), "stderr" if level in ("WARN", "ERROR", "FATAL") else "stdout"))]
    if fmt in ("pylog", "cri-pylog"):
        lv = "WARNING" if level == "WARN" else ("CRITICAL" if level == "FATAL" else level)
        head = "%s,%03d %s [%s] %s" % (dt(t).strftime("%Y-%m-%d %H:%M:%S"), int((t % 1) * 1000), lv,
                                       svc.name.replace("-", "_") + "." + svc.noun, msg)
        out = [(t, head)] + ([(t + 0.0001 * (i + 1), ln) for i, ln in enumerate(etext.split("\n"))] if etext else [])
        if fmt == "cri-pylog":
            out = [(u, "%s.%09dZ stderr F %s" % (dt(u).strftime("%Y-%m-%dT%H:%M:%S"), int((u % 1) * 1e9), ln)) for u, ln in out]
        return out
    if fmt == "dotnet":
        ns = "".join(p.capitalize() for p in svc.name.split("-"))
        cat = logger if "." in logger and logger[0].isupper() else "%s.Services.%sService" % (ns, svc.cls)
        text = "%s: %s[%d]\n      %s" % (DOTNET_LEVEL[level], cat, 0 if level != "ERROR" else 1001, msg)
        if etext:
            text += "\n" + "\n".join("      " + ln for ln in etext.split("\n"))
        return [(t, text)]
    if fmt == "syslog":
        host = svc.hosts[int(t) // 7 % len(svc.hosts)]
        head = "%s %s %s[%d]: %s %s" % (dt(t).strftime("%b %d %H:%M:%S").replace(" 0", "  ", 1) if dt(t).day < 10 else dt(t).strftime("%b %d %H:%M:%S"),
                                         host, svc.name, svc.pid, level if level != "WARN" else "WARNING", msg)
        out = [(t, head)]
        if etext:
            out += [(t + 0.0001 * (i + 1), "%s %s %s[%d]: %s" % (dt(t).strftime("%b %d %H:%M:%S"), host, svc.name, svc.pid, ln))
                    for i, ln in enumerate(etext.split("\n"))]
        return out
    raise ValueError("unknown format %s" % fmt)


def wrap_k8s(svc, t, inner, stream):
    pod = svc.pods[int(t * 13) % len(svc.pods)]
    return jdump({"log": inner + "\n", "stream": stream, "time": iso_ms(t).replace("Z", "%03dZ" % (int(t * 1e6) % 1000)),
                  "kubernetes": {"pod_name": pod, "namespace_name": "prod", "container_name": svc.name,
                                 "host": svc.hosts[int(t) % len(svc.hosts)] + ".ec2.internal",
                                 "labels": {"app": svc.name}, "container_image": "%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (
                                     svc.sc.account, svc.sc.region, svc.name, svc.sc.version_tag)}})


def syslog_date(t):
    d = dt(t)
    return "%s %2d %s" % (d.strftime("%b"), d.day, d.strftime("%H:%M:%S"))


NOISE = [
    ("WARN", "expired token from client {ip}, rejecting with 401"),
    ("ERROR", "payment declined for {noun} {id}: card_declined"),
    ("WARN", "slow query took {ms}ms: SELECT * FROM {table} WHERE customer_id = ?"),
    ("ERROR", "failed to send email to customer {id}: 550 5.1.1 mailbox unavailable"),
    ("WARN", "retrying call to {dep} after connection reset by peer (attempt 1/3)"),
    ("ERROR", "request validation failed: field 'email' must be a well-formed email address"),
    ("WARN", "deprecated API version v1 called by client app-{n}"),
    ("ERROR", "AccessDenied: upload to s3://{bucket}/private/{id} refused for anonymous user"),
    ("WARN", "{dep} responded in {ms}ms, over the 2000ms budget"),
    ("ERROR", "webhook delivery to https://hooks.partner{n}.example.net/notify failed: 404 Not Found"),
    ("WARN", "circuit breaker '{dep}' half-open, probing"),
    ("ERROR", "job {id} failed: invalid input row {n}: unexpected end of CSV"),
    ("WARN", "rate limiter: client {ip} over its share (120/100 rps), dropping"),
    ("INFO", "errors=0 warnings=0 processed={n} in last 60s"),
    ("WARN", "Exception ignored while closing idle connection: Broken pipe"),
    ("ERROR", "unexpected error in background task: NullPointerException in ReportFormatter.pad (report {id})"),
]

NOISE_HELDOUT = [
    ("WARN", "jwt verification failed for subject {id}: token is expired (401)"),
    ("ERROR", "charge {id} refused by acquirer: do_not_honor"),
    ("WARN", "query exceeded slow threshold ({ms} ms): UPDATE {table} SET state = $1 WHERE id = $2"),
    ("ERROR", "SMTP 451 4.7.1 greylisted, will retry delivery to member {id}"),
    ("WARN", "upstream {dep} reset the stream (RST_STREAM), retry 1 of 2"),
    ("ERROR", "schema validation: /body/postcode does not match pattern"),
    ("WARN", "client sdk-{n} still uses the v1 endpoint; sunset date passed"),
    ("ERROR", "presigned upload for {bucket}/tmp/{id} rejected: signature does not match"),
    ("WARN", "{dep} p99 at {ms} ms, above the 1500 ms objective"),
    ("ERROR", "callback to partner {n} returned 410 Gone"),
    ("INFO", "health summary: failures=0 retries={n} window=1m"),
    ("WARN", "idle connection {id} closed by peer (EOF)"),
]

STRAYS_HELDOUT = [
    ("ERROR", "sftp upload to partner-drop.{domain} failed: handshake timeout"),
    ("WARN", "reconciliation run {id} lagging by {ms} ms"),
    ("ERROR", "token endpoint returned 502 while refreshing client credentials"),
    ("WARN", "kafka consumer group {topic}-cg rebalancing ({n} members)"),
    ("ERROR", "archive job {id}: multipart upload aborted (RequestTimeout)"),
    ("WARN", "deadlock detected on {table}, transaction retried"),
]

STRAYS = [
    ("ERROR", "failed to connect to smtp relay mail.{domain}:587: connection timed out"),
    ("WARN", "batch {id} took {ms}ms, exceeding the 30s SLA"),
    ("ERROR", "could not refresh OAuth token for partner API: 503 Service Unavailable"),
    ("WARN", "consumer lag on topic {topic} is {id} messages"),
    ("ERROR", "export to s3://{bucket}/exports/{id}.csv failed: SlowDown, retrying"),
    ("WARN", "lock wait timeout exceeded on table {table}; try restarting transaction"),
    ("WARN", "DNS lookup for metrics.{domain} took {ms}ms"),
    ("ERROR", "worker crashed: unhandled rejection in task {id}, restarting"),
]


# ---------------------------------------------------------------------------------------
# One scenario under construction.

STATE_DEFAULTS = dict(rate=1.0, fail=0.0, lb_fail=0.0, throttle=0.0, lat=0.0, fail_lat=None, cpu=0.0,
                      mem=None, disk=None, conns=None, healthy=1.0, silent=0.0, tasks=1.0)


class Sc:
    def __init__(self, spec, setname, shift=0):
        self.spec, self.set, self.shift = spec, setname, shift
        self.name = spec["name"]
        self.r = random.Random(spec["seed"])
        self.pool = POOLS[setname]
        self.account = self.pool["account"]
        self.region = spec.get("region") or self.r.choice(REGIONS)
        self.cluster = spec.get("cluster") or self.r.choice(self.pool["clusters"])
        self.version_tag = "%d.%d.%d" % (self.r.randint(1, 9), self.r.randint(0, 40), self.r.randint(0, 20))
        # The onset (first symptom) anchors the scenario; every draw below depends only on
        # times relative to it, so a shifted scenario (--anchor) has the same content.
        day = parse_iso(spec.get("date", "2025-11-%02dT00:00:00Z" % self.r.randint(3, 27)))
        tod = spec.get("onset_tod_min", self.r.randint(60, 22 * 60)) * 60 + self.r.randint(0, 59)
        self.tod0 = tod
        self.O = day + tod + shift
        self.C = None            # cause time (change-caused kinds)
        self.trend0 = None       # start of a gradual trend
        self.lines = []          # (t, text, stream, group, prio)
        self.events = []         # (t, ct dict, lookup wrapper dict)
        self.series = []         # (query, label, values)
        self.traces = []
        self.groups = []
        self.used = set()
        self.state_fn = lambda t: {}
        self.expected = {"schema": "fa2.eval.expected/1", "name": self.name, "set": setname,
                         "kind": spec["kind"], "variant": spec.get("variant", ""),
                         "decoys": []}
        self.alarm = None
        self.alarm_rule = None   # (qid, threshold, periods, name, reason_fmt)
        self.has_access_log = False
        self.noise_keywords = []
        self.extra_minute = []   # functions (t, S) -> None, called once per minute
        self.trace_root = None   # (service, entity, exception, message) of failing traces
        self.xray = spec.get("xray", False)
        self.skew = 0.0          # seconds the service's clock runs behind (symptom_first)

    # ---- random helpers ----
    def hexid(self, n, alphabet="0123456789abcdef"):
        if alphabet == "0123456789abcdef":
            return "%0*x" % (n, self.r.getrandbits(4 * n))
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def uuid(self):
        h = self.hexid(32)
        return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], self.r.choice("89ab"), h[17:20], h[20:32])

    def poisson(self, lam):
        if lam <= 0:
            return 0
        if lam > 40:
            return max(0, int(round(self.r.gauss(lam, math.sqrt(lam)))))
        lim, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.r.random()
            if p <= lim:
                return k
            k += 1

    def take(self, pool, want=None):
        if want:
            self.used.add(want if isinstance(want, str) else want[0])
            return want
        items = [x for x in self.pool[pool] if (x if isinstance(x, str) else x[0]) not in self.used]
        x = self.r.choice(items)
        self.used.add(x if isinstance(x, str) else x[0])
        return x

    def diurnal(self, t):
        h = ((t - self.O) + self.tod0) / 3600.0
        return 1.0 + 0.35 * math.sin((h - 9.0) / 24.0 * 2 * math.pi)

    def S(self, t):
        s = dict(STATE_DEFAULTS)
        s.update(self.state_fn(t))
        return s

    # ---- data ----
    def add_group(self, g):
        if g not in self.groups:
            self.groups.append(g)

    def log(self, group, stream, t, text, prio=1):
        self.lines.append((t, text, stream, group, prio))

    def rec(self, svc, t, level, msg, exc=None, lib="none", logger=None, fields=None, rid=None, prio=1, stream=None):
        st = stream or svc.stream(t)
        if svc is getattr(self, "svc", None):
            t -= self.skew
        for u, text in render_record(svc, t, level, msg, exc, lib, logger, fields, rid):
            self.log(svc.group, st, u, text, prio)

    def ct(self, t, name, source, user, readonly=False, params=None, resources=None, response=None,
           error=None, agent=None, invoked_by=None, itype="AssumedRole", force=False):
        """One CloudTrail management event; returns its eventID, or None when the event
        would not show in this region's LookupEvents (global services outside us-east-1)."""
        if source in GLOBAL_SOURCES and self.region != "us-east-1" and not force:
            return None
        eid = self.uuid()
        if invoked_by:
            ident = {"type": "AWSService", "invokedBy": invoked_by}
            arn, uname = None, invoked_by
        elif itype == "AssumedRole":
            role, sess = (user.split("/", 1) + ["session"])[:2]
            arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (self.account, role, sess)
            ident = {"type": "AssumedRole", "principalId": "AROA%s:%s" % (self.hexid(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), sess),
                     "arn": arn, "accountId": self.account,
                     "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::%s:role/%s" % (self.account, role),
                                                          "accountId": self.account, "userName": role},
                                        "attributes": {"creationDate": iso(t - self.r.randint(60, 3000)), "mfaAuthenticated": "false"}}}
            uname = sess
        else:
            arn = "arn:aws:iam::%s:user/%s" % (self.account, user)
            ident = {"type": "IAMUser", "arn": arn, "accountId": self.account, "userName": user}
            uname = user
        region = "us-east-1" if source in GLOBAL_SOURCES else self.region
        ev = {"eventVersion": "1.09", "userIdentity": ident, "eventTime": iso(t), "eventSource": source,
              "eventName": name, "awsRegion": region,
              "sourceIPAddress": invoked_by or ("AWS Internal" if agent == "internal" else "%d.%d.%d.%d" % (
                  self.r.choice([198, 203]), self.r.choice([51, 0]), self.r.choice([100, 113]), self.r.randint(2, 250))),
              "userAgent": invoked_by or agent or "aws-cli/2.17.%d Python/3.12.6 Linux/6.1 exe/x86_64" % self.r.randint(1, 60),
              "requestParameters": params, "responseElements": response,
              "requestID": self.uuid(), "eventID": eid, "readOnly": bool(readonly),
              "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": self.account,
              "eventCategory": "Management"}
        if resources:
            ev["resources"] = [{"ARN": rn, "accountId": self.account, "type": rt} for rt, rn in resources if rn.startswith("arn:")]
        if error:
            ev["errorCode"] = error
            ev["errorMessage"] = "User: %s is not authorized to perform this operation" % (arn or user)
            ev["responseElements"] = None
        wrap = {"EventId": eid, "EventName": name, "ReadOnly": "true" if readonly else "false",
                "AccessKeyId": "ASIA" + self.hexid(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                "EventTime": int(t), "EventSource": source, "Username": uname,
                "Resources": [{"ResourceType": rt, "ResourceName": rn} for rt, rn in (resources or [])]}
        self.events.append((t, ev, wrap))
        return eid

    def metric(self, qid, ns, name, dims, stat, values):
        q = {"Id": qid, "MetricStat": {"Metric": {"Namespace": ns, "MetricName": name,
                                                  "Dimensions": [{"Name": k, "Value": v} for k, v in dims]},
                                       "Period": 60, "Stat": stat}, "ReturnData": True}
        self.series.append((q, name, values))
        return qid

    def series_values(self, qid):
        for q, _, v in self.series:
            if q["Id"] == qid:
                return v
        raise KeyError(qid)

    # ---- the primary service ----
    def primary(self, platform, fmt, access=None):
        spec = self.spec
        name, noun = self.take("services", tuple(spec["service"]) if spec.get("service") else None)
        svc = Svc(self, name, noun, spec.get("platform", platform), spec.get("format", fmt))
        self.svc = svc
        self.add_group(svc.group)
        acc = spec.get("access", access)
        svc.access = None
        if acc:
            grp = {"nginx": "/ec2/%s/nginx/access" % name, "alb": "/alb/%s-alb/access" % name,
                   "envoy": "/mesh/%s/envoy-access" % name, "apigw": "/aws/apigateway/%s-api/access" % name}[acc]
            svc.access = (acc, grp)
            self.add_group(grp)
        if svc.platform == "lambda":
            svc.log_rpm = spec.get("log_rpm", self.r.uniform(8, 18))
            self.base_rpm = svc.log_rpm * self.r.uniform(3, 12)
        elif acc:
            svc.log_rpm = spec.get("log_rpm", self.r.uniform(30, 70))
            self.base_rpm = svc.log_rpm
        else:
            svc.log_rpm = spec.get("log_rpm", self.r.uniform(15, 35))
            self.base_rpm = svc.log_rpm * self.r.uniform(8, 40)
        self.base_lat = self.r.uniform(0.025, 0.14)
        self.lb = "app/%s-alb/%s" % (name, self.hexid(16))
        self.tg = "targetgroup/%s-tg/%s" % (name[:20], self.hexid(16))
        self.n_targets = self.r.choice([2, 3, 3, 4, 6])
        self.sg_app = "sg-0%s" % self.hexid(16)
        self.dep_fail_entity = None
        return svc

    def window(self, pre_min=None, post_min=None):
        """The window: from before the earliest of cause / trend start / onset, to after
        the alarm (set later); generation runs to end_gen."""
        r = self.r
        first = min(x for x in (self.C, self.trend0, self.O) if x is not None)
        pre = self.spec.get("pre_min", pre_min if pre_min is not None else r.randint(35, 110)) * 60
        self.start = (int(first) - pre) // 60 * 60
        self.end_gen = (int(self.O) + self.spec.get("gen_after_min", 75) * 60) // 60 * 60
        self.post = self.spec.get("post_min", post_min if post_min is not None else r.randint(10, 30)) * 60

    # ---- requests and the lines they leave ----
    def traffic(self, svc):
        r = self.r
        t = self.start + r.uniform(0, 2)
        lam0 = svc.log_rpm / 60.0
        while True:
            S = self.S(t)
            lam = lam0 * self.diurnal(t) * S["rate"]
            t += r.expovariate(lam) if lam > 0 else 30
            if lam <= 0 and t < self.end_gen:
                continue
            if t >= self.end_gen:
                break
            S = self.S(t)
            u = r.random()
            if u < S["lb_fail"]:
                outcome = "lb"
            elif u < S["lb_fail"] + S["throttle"]:
                outcome = "throttle"
            elif u < S["lb_fail"] + S["throttle"] + S["fail"]:
                outcome = "fail"
            else:
                outcome = "ok"
            self.serve(svc, t, outcome, S)

    def new_req(self, svc, t):
        r = self.r
        m = r.choice(["GET", "GET", "GET", "POST", "PUT"])
        oid = r.randint(100000, 999999)
        path = "%s/%d" % (svc.path, oid) if m != "POST" else svc.path
        return {"method": m, "path": path, "id": oid, "rid": self.uuid(), "client": "198.51.100.%d" % r.randint(2, 250)}

    def request_record(self, svc, t, req, status, ms, rid=None):
        """The service's own request log line (None for Lambda, which logs per invocation)."""
        lvl = "INFO" if status < 500 else "ERROR"
        f = svc.fmt
        if getattr(svc, "worker", False):
            self.rec(svc, t, lvl, "processed message %s from %s-jobs in %d ms" % (req["rid"], svc.noun, ms), prio=0)
            return
        if f in ("spring", "spring-split", "syslog-java"):
            self.rec(svc, t, lvl, "%s %s %d %dms req=%s" % (req["method"], req["path"], status, ms, req["rid"]),
                     logger="%s.web.RequestLogger" % svc.pkg, prio=0)
        elif f == "logback-json":
            self.rec(svc, t, lvl, "request completed", logger="%s.web.RequestLogger" % svc.pkg, prio=0,
                     fields={"http_method": req["method"], "uri": req["path"], "status": status, "duration_ms": ms,
                             "trace_id": req["rid"].replace("-", "")[:32]})
        elif f in ("pino", "node-json"):
            self.rec(svc, t, "INFO" if status < 500 else "ERROR", "request completed", prio=0,
                     fields={"req": {"id": req["rid"], "method": req["method"], "url": req["path"]},
                             "res": {"statusCode": status}, "responseTime": ms})
        elif f == "logfmt":
            self.rec(svc, t, lvl, "request", prio=0, fields={"method": req["method"], "path": req["path"], "status": status,
                                                             "dur": "%.1fms" % ms, "req_id": req["rid"][:8]})
        elif f == "zap":
            self.rec(svc, t, "INFO" if status < 500 else "ERROR", "handled request", prio=0,
                     fields={"method": req["method"], "path": req["path"], "status": status, "latency": "%.3fms" % ms})
        elif f == "k8s-json":
            self.rec(svc, t, lvl, "request handled", prio=0,
                     fields={"method": req["method"], "path": req["path"], "status": status, "duration_ms": ms})
        elif f in ("pylog", "cri-pylog"):
            self.rec(svc, t, lvl, "%s %s -> %d (%d ms)" % (req["method"], req["path"], status, ms), prio=0)
        elif f == "dotnet":
            self.rec(svc, t, "INFO", "Request finished HTTP/1.1 %s http://%s%s - %d - application/json %.4fms" % (
                req["method"], svc.name, req["path"], status, ms + 0.1234),
                logger="Microsoft.AspNetCore.Hosting.Diagnostics", prio=0)
        elif f == "syslog":
            self.rec(svc, t, lvl, "%s %s %d %dms" % (req["method"], req["path"], status, ms), prio=0)

    def side_record(self, svc, t, req, rid=None):
        r = self.r
        p = r.random()
        n, noun = req["id"], svc.noun
        if p < 0.25:
            self.rec(svc, t - 0.004, "INFO" if r.random() < 0.7 else "DEBUG", "cache %s key=%s:%d" % (r.choice(["hit", "hit", "miss"]), noun, n),
                     logger="%s.cache.%sCache" % (svc.pkg, svc.cls), rid=rid, prio=0)
        elif p < 0.45:
            self.rec(svc, t - 0.003, "INFO", "loaded %s %d from %s in %dms" % (noun, n, svc.table, r.randint(2, 30)),
                     logger="%s.repo.%sRepository" % (svc.pkg, svc.cls), rid=rid, prio=0)
        elif p < 0.55:
            self.rec(svc, t + 0.002, "INFO", "published %sUpdated event for %s %d" % (svc.cls, noun, n),
                     logger="%s.events.Publisher" % svc.pkg, rid=rid, prio=0)

    def access_line(self, svc, t, req, status, ms):
        kind, grp = svc.access
        r = self.r
        size = r.randint(180, 4200) if status < 400 else r.randint(90, 400)
        path = req["path"]
        if kind == "nginx":
            line = '%s - - [%s +0000] "%s %s HTTP/1.1" %d %d "-" "%s" rt=%.3f uct="%s" urt="%s"' % (
                req["client"], dt(t - self.skew).strftime("%d/%b/%Y:%H:%M:%S"), req["method"], path, status, size,
                r.choice(["Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "okhttp/4.12.0", "python-requests/2.32.3", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)"]),
                ms / 1000.0, "0.001" if status != 504 else "-", ("%.3f" % (ms / 1000.0)) if status not in (502, 503, 504) or ms > 1000 else "-")
        elif kind == "alb":
            tp = "-1" if status in (502, 503) else "%.3f" % (ms / 1000.0)
            line = ('https %s %s %s:%d %s %s %s %s %d %s %d %d "%s https://%s.%s:443%s HTTP/1.1" "%s" '
                    'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:%s:%s:%s "Root=1-%08x-%s" "%s.%s" '
                    '"arn:aws:acm:%s:%s:certificate/%s" 0 %s "forward" "-" "-" "%s" "%s" "-" "-"') % (
                iso_ms(t).replace("Z", "%03dZ" % r.randint(0, 999)), self.lb, req["client"], r.randint(1024, 65000),
                "-" if status == 503 else "10.0.%d.%d:8080" % (r.randint(0, 3), r.randint(10, 250)),
                "0.000", tp, "0.000", status, "-" if status == 503 else str(status), r.randint(200, 900), size,
                req["method"], svc.name, self.pool["domain"], path, "okhttp/4.12.0",
                self.region, self.account, self.tg, int(t), self.hexid(24), svc.name, self.pool["domain"],
                self.region, self.account, self.alb_cert_id if hasattr(self, "alb_cert_id") else self.uuid(),
                iso_ms(t - ms / 1000.0), "-" if status == 503 else "10.0.1.5:8080", "-" if status == 503 else str(status))
        elif kind == "envoy":
            flags = {503: "UF,URX", 504: "UT", 502: "UC"}.get(status, "-")
            line = '[%s] "%s %s HTTP/1.1" %d %s 0 %d %d %s "%s" "%s" "%s" "%s" "%s"' % (
                iso_ms(t), req["method"], path, status, flags, size, int(ms), int(ms * 0.9) if status < 500 else 0,
                req["client"], "okhttp/4.12.0", req["rid"], "%s.%s:8080" % (svc.name, self.pool["internal"]),
                "10.1.%d.%d:8080" % (r.randint(0, 3), r.randint(2, 250)) if status < 500 else "-")
        else:  # apigw (HTTP API access log, JSON)
            o = {"requestId": self.hexid(14, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") + "=",
                 "ip": req["client"], "requestTime": dt(t).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                 "httpMethod": req["method"], "routeKey": "%s %s" % (req["method"], svc.path + ("/{id}" if req["method"] != "POST" else "")),
                 "status": str(status), "protocol": "HTTP/1.1", "responseLength": str(size),
                 "integrationLatency": str(int(ms)) if status != 429 else "-",
                 "integrationErrorMessage": getattr(self, "apigw_error", {}).get(status, "-")}
            line = jdump(o)
        self.log(grp, "%s-%s" % (kind, svc.name) if kind != "apigw" else self.hexid(32), t + ms / 1000.0 - (self.skew if kind == "nginx" else 0), line, prio=0)

    def serve(self, svc, t, outcome, S):
        r = self.r
        req = self.new_req(svc, t)
        lat = self.base_lat * r.lognormvariate(0, 0.35) + S["lat"]
        if svc.platform == "lambda":
            self.lambda_invoke(svc, t, req, outcome, S, lat)
            return
        status, ms = 200 if req["method"] != "POST" else 201, lat * 1000
        if outcome == "ok":
            if r.random() < 0.03:
                status = r.choice([404, 400, 401, 304])
            self.side_record(svc, t, req)
            self.request_record(svc, t, req, status, int(ms))
        elif outcome == "fail":
            status, fail_ms = self.on_fail(svc, t, req, S)
            ms = fail_ms if fail_ms is not None else ms
            if status:
                self.request_record(svc, t + ms / 1000.0, req, status, int(ms))
        elif outcome == "throttle":
            status = 429
            self.request_record(svc, t, req, status, int(ms))
        else:
            status, ms = self.lb_status(svc, t, req, S)
        if svc.access:
            self.access_line(svc, t, req, status or 500, ms)
        if self.xray and r.random() < self.xray_rate:
            self.trace(svc, t, req, outcome, status or 500, ms)

    def lb_status(self, svc, t, req, S):
        return 503, self.r.uniform(0.2, 2.0)

    def lambda_invoke(self, svc, t, req, outcome, S, lat):
        r = self.r
        if outcome in ("lb", "throttle"):
            if svc.access:
                self.access_line(svc, t, req, 429 if outcome == "throttle" else 502, r.uniform(5, 30))
            return
        rid = self.uuid()
        st = svc.stream(t)
        json_fmt = svc.fmt == "lambda-json"
        if json_fmt:
            self.log(svc.group, st, t, jdump({"time": iso_ms(t), "type": "platform.start", "record": {"requestId": rid, "version": "$LATEST"}}), prio=0)
        else:
            self.log(svc.group, st, t, "START RequestId: %s Version: $LATEST" % rid, prio=0)
        dur = lat * 1000 * r.uniform(1.5, 4)
        status = "success"
        err_type = None
        mem_used = int(self.lambda_mem * r.uniform(0.35, 0.55)) if hasattr(self, "lambda_mem") else r.randint(80, 140)
        if outcome == "ok":
            self.rec(svc, t + 0.001, "INFO", "processing %s %d" % (svc.noun, req["id"]), rid=rid, prio=0, stream=st)
            if r.random() < 0.4:
                self.rec(svc, t + 0.002, "INFO", "loaded %s %d from %s in %dms" % (svc.noun, req["id"], svc.table, r.randint(3, 40)), rid=rid, prio=0, stream=st)
            http = 200
        else:
            res = self.on_fail(svc, t, req, S, rid=rid, stream=st)
            http, d2 = res[0], res[1]
            if d2 is not None:
                dur = d2
            status = res[2] if len(res) > 2 else "error"
            err_type = res[3] if len(res) > 3 else None
            if len(res) > 4 and res[4]:
                mem_used = res[4]
        end = t + dur / 1000.0
        if json_fmt:
            rec = {"requestId": rid, "metrics": {"durationMs": round(dur, 2), "billedDurationMs": int(math.ceil(dur)),
                                                 "memorySizeMB": getattr(self, "lambda_mem", 512), "maxMemoryUsedMB": mem_used},
                   "status": status}
            if err_type:
                rec["errorType"] = err_type
            self.log(svc.group, st, end, jdump({"time": iso_ms(end), "type": "platform.report", "record": rec}), prio=0)
        else:
            self.log(svc.group, st, end, "END RequestId: %s" % rid, prio=0)
            extra = "" if status in ("success", "error") and not err_type else \
                "\tStatus: %s" % status + ("\tError Type: %s" % err_type if err_type else "")
            self.log(svc.group, st, end, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB%s" % (
                rid, dur, int(math.ceil(dur)), getattr(self, "lambda_mem", 512), mem_used, extra), prio=0)
        if svc.access:
            self.access_line(svc, t, req, http, dur)
        if self.xray and r.random() < self.xray_rate:
            self.trace(svc, t, req, outcome, http, dur)

    def on_fail(self, svc, t, req, S, rid=None, stream=None):
        """Kind-specific: write the symptom lines of one failing request; return (HTTP
        status, duration ms or None[, lambda status, error type, memory used])."""
        raise NotImplementedError

    # ---- X-Ray ----
    def trace(self, svc, t, req, outcome, status, ms):
        r = self.r
        fault = status >= 500
        stype = {"lambda": "AWS::Lambda::Function", "ecs": "AWS::ECS::Container", "eks": "AWS::EKS::Container"}.get(svc.platform, "AWS::EC2::Instance")
        s = {"Id": "1-%08x-%s" % (int(t), self.hexid(24)), "StartTime": round(t, 3), "Duration": round(ms / 1000.0, 3),
             "ResponseTime": round(ms / 1000.0, 3), "HasFault": fault, "HasError": 400 <= status < 500,
             "HasThrottle": status == 429, "IsPartial": False,
             "Http": {"HttpURL": "https://%s.%s%s" % (svc.name, self.pool["domain"], req["path"]), "HttpStatus": status,
                      "HttpMethod": req["method"], "ClientIp": req["client"]},
             "ServiceIds": [{"Name": svc.name, "Names": [svc.name], "AccountId": self.account, "Type": stype}],
             "EntryPoint": {"Name": svc.name, "Names": [svc.name], "AccountId": self.account, "Type": stype},
             "FaultRootCauses": [], "ErrorRootCauses": [], "ResponseTimeRootCauses": [], "Revision": 1}
        root = None
        if fault and outcome == "fail" and self.trace_root:
            root = self.trace_root
        elif fault:
            root = (svc.name, svc.name, None, None)
        elif r.random() < 0.015:
            # Steady background: a flaky dependency faults now and then all window long.
            flaky = getattr(self, "flaky_dep", None)
            if flaky:
                s["HasFault"] = True
                s["Http"]["HttpStatus"] = 502
                root = (svc.name, flaky, "HttpServerErrorException", "502 Bad Gateway")
        if root:
            rsvc, entity, exc, msg = root
            path = [{"Name": svc.name, "Exceptions": [], "Remote": False}]
            if rsvc != svc.name:
                # The fault is inside another instrumented service.
                path = [{"Name": entity, "Exceptions": [{"Name": exc, "Message": msg}] if exc else [], "Remote": False}]
                s["ServiceIds"].append({"Name": rsvc, "Names": [rsvc], "AccountId": self.account, "Type": "AWS::ECS::Container"})
            elif entity != svc.name:
                path.append({"Name": entity, "Exceptions": [{"Name": exc, "Message": msg}] if exc else [], "Remote": True})
                s["ServiceIds"].append({"Name": entity, "Names": [entity], "Type": "remote"})
            else:
                path[0]["Exceptions"] = [{"Name": exc or "InternalServerError", "Message": msg or "Internal Server Error"}]
            s["FaultRootCauses"] = [{"Services": [{"Name": rsvc, "Names": [rsvc], "Type": stype if rsvc == svc.name else "remote",
                                                   "AccountId": self.account, "EntityPath": path, "Inferred": False}],
                                     "ClientImpacting": True}]
        self.traces.append(s)

    # ---- background lines: periodic jobs, steady noise, other services' stray warnings ----
    def fill(self, text, svc=None):
        r = self.r
        svc = svc or self.svc
        return text.format(ip="203.0.113.%d" % r.randint(2, 250), noun=svc.noun, id=r.randint(10000, 999999),
                           ms=r.randint(1200, 9000), table=svc.table, dep=self.pool["deps"][r.randint(0, 1)],
                           bucket="%s-uploads-%s" % (svc.noun, self.account[-4:]), n=r.randint(2, 60),
                           domain=self.pool["internal"], topic="%s-events" % svc.noun)

    def keyword_free(self, text):
        low = text.lower()
        return not any(k.lower() in low for k in self.expected.get("keywords", []) + self.noise_keywords)

    def background(self):
        r, svc = self.r, self.svc
        # Periodic jobs (a steady rhythm every few minutes).
        if self.set == "dev":
            jobs = [("INFO", "refreshed %s catalog: {n}0 entries in {ms}ms" % svc.noun, 300),
                    ("INFO", "flushed {n} metrics to CloudWatch", 60),
                    ("DEBUG", "scheduler heartbeat ok", 120)]
        else:
            jobs = [("INFO", "reloaded %s rules ({n} active) in {ms} ms" % svc.noun, 240),
                    ("INFO", "emitted {n} EMF records", 90),
                    ("DEBUG", "lease renewed for shard {n}", 30)]
        if svc.lang == "java":
            jobs.append(("INFO", "GC pause (G1 Evacuation Pause) young {n}0M->{n}M(1024M) 7.%03dms" % r.randint(0, 999), 45))
        for lvl, text, every in jobs:
            if svc.platform == "lambda":
                continue
            t = self.start + r.uniform(0, every)
            while t < self.end_gen:
                self.rec(svc, t, lvl, self.fill(text), logger="%s.jobs.Scheduler" % svc.pkg)
                t += every + r.uniform(-2, 2)
        # Steady noise: error and warning templates present all window long.
        n_noise = self.spec.get("noise", r.randint(3, 6))
        pool = [x for x in (NOISE if self.set == "dev" else NOISE_HELDOUT) if self.keyword_free(x[1])]
        r.shuffle(pool)
        for lvl, text in pool[:n_noise]:
            per_h = r.uniform(4, 40)
            t = self.start + r.expovariate(per_h / 3600.0)
            while t < self.end_gen:
                self.rec(svc, t, lvl, self.fill(text), rid=self.uuid() if svc.platform == "lambda" else None)
                t += r.expovariate(per_h / 3600.0)
        # Another service: steady logs in its own group and format, and a burst of new
        # warnings or errors before the real onset (and before the cause, often).
        for k in range(self.spec.get("strays", 1)):
            self.stray_service(k)

    def stray_service(self, k):
        r = self.r
        name = self.take("others")
        fmts = ["logback-json", "spring", "syslog", "k8s-json"] if self.set == "dev" else ["pino", "logfmt", "pylog", "zap"]
        osvc = Svc(self, name, "task", r.choice(["ecs", "ec2"]), r.choice(fmts))
        osvc.group = "/%s/%s" % ("ecs" if osvc.platform == "ecs" else "ec2", name)
        self.add_group(osvc.group)
        per_min = r.uniform(1, 4)
        t = self.start
        while t < self.end_gen:
            t += r.expovariate(per_min / 60.0)
            self.rec(osvc, t, "INFO", self.fill(r.choice(["processed batch {n} ({id} records) in {ms}ms",
                                                          "poll: {n} messages received", "checkpoint saved at offset {id}"]), osvc))
        pool = [x for x in (STRAYS if self.set == "dev" else STRAYS_HELDOUT) if self.keyword_free(x[1])]
        lvl, text = r.choice(pool)
        first = min(x for x in (self.C, self.O) if x is not None)
        b0 = self.O - r.uniform(12, 50) * 60 if k == 0 else first - r.uniform(5, 40) * 60
        b0 = max(self.start + 300, b0)
        n = r.randint(8, 35)
        span = r.uniform(60, 600)
        for i in range(n):
            u = b0 + span * i / n + r.uniform(0, 5)
            self.rec(osvc, u, lvl, self.fill(text, osvc))
        self.expected["decoys"].append("stray %s burst in %s from %s (%d lines)" % (lvl, osvc.group, iso(b0), n))


    # ---- CloudTrail background: reads, routine writes, unrelated changes, reactions ----
    def ct_reads(self):
        r = self.r
        reads = [("ec2.amazonaws.com", "DescribeInstances"), ("ec2.amazonaws.com", "DescribeSecurityGroups"),
                 ("ec2.amazonaws.com", "DescribeNetworkInterfaces"), ("elasticloadbalancing.amazonaws.com", "DescribeTargetHealth"),
                 ("ecs.amazonaws.com", "DescribeServices"), ("ecs.amazonaws.com", "ListTasks"),
                 ("monitoring.amazonaws.com", "GetMetricData"), ("monitoring.amazonaws.com", "DescribeAlarms"),
                 ("sts.amazonaws.com", "AssumeRole"), ("kms.amazonaws.com", "Decrypt"), ("kms.amazonaws.com", "GenerateDataKey"),
                 ("ssm.amazonaws.com", "GetParameters"), ("secretsmanager.amazonaws.com", "GetSecretValue"),
                 ("lambda.amazonaws.com", "ListFunctions20150331"), ("logs.amazonaws.com", "DescribeLogGroups"),
                 ("s3.amazonaws.com", "ListBuckets"), ("ssm.amazonaws.com", "ListInstanceAssociations")]
        users = ["datadog-integration-role/datadog", "ecs-task-execution-role/%s" % self.hexid(32),
                 "%s-role/%s" % (self.svc.name, self.hexid(12)), "AWSServiceRoleForConfig/config-recorder"]
        per_h = self.spec.get("reads_per_hour", r.uniform(40, 160))
        t = self.start
        while True:
            t += r.expovariate(per_h / 3600.0)
            if t >= self.end_gen:
                break
            src, name = r.choice(reads)
            self.ct(t, name, src, r.choice(users), readonly=True,
                    params={"maxResults": 100} if name.startswith(("Describe", "List")) else None,
                    agent="aws-sdk-go-v2/1.30.%d" % r.randint(0, 9))

    def ct_routine(self):
        r, svc = self.r, self.svc
        kinds = self.spec.get("routine")
        if kinds is None:
            kinds = ["ssm", "createlogstream"]
            if svc.platform in ("ec2", "eks"):
                kinds += ["putinventory", "heartbeat"]
            if svc.platform == "eks":
                kinds.append("eni")
            if svc.platform == "ecs":
                kinds.append("targets")
            if r.random() < 0.5:
                kinds.append("grants")
        instances = list(svc.instances) if svc.platform in ("ec2", "eks") else []
        instances.append("i-0%s" % self.hexid(16))  # a bastion host runs the SSM agent too
        az = self.region + r.choice("abc")
        for k in kinds:
            if k == "ssm":
                for iid in instances:
                    t = self.start + r.uniform(0, 300)
                    ip = "10.0.%d.%d" % (r.randint(0, 3), r.randint(2, 250))
                    while t < self.end_gen:
                        self.ct(t, "UpdateInstanceInformation", "ssm.amazonaws.com", "AmazonSSMRoleForInstancesQuickSetup/%s" % iid,
                                params={"instanceId": iid, "agentVersion": "3.3.987.0", "agentStatus": "Active",
                                        "platformType": "Linux", "platformName": "Amazon Linux", "platformVersion": "2023",
                                        "iPAddress": ip, "computerName": "ip-%s.ec2.internal" % ip.replace(".", "-"),
                                        "agentName": "amazon-ssm-agent", "availabilityZone": az},
                                agent="aws-sdk-go/1.50.8 (go1.22.4; linux; amd64) amazon-ssm-agent/3.3.987.0")
                        t += 300 + r.uniform(-3, 3)
            elif k == "putinventory":
                for iid in instances:
                    t = self.start + r.uniform(0, 1800)
                    while t < self.end_gen:
                        self.ct(t, "PutInventory", "ssm.amazonaws.com", "AmazonSSMRoleForInstancesQuickSetup/%s" % iid,
                                params={"instanceId": iid, "items": [{"typeName": "AWS:InstanceInformation", "schemaVersion": "1.0",
                                                                      "captureTime": iso(t)}]},
                                agent="aws-sdk-go/1.50.8 amazon-ssm-agent/3.3.987.0")
                        t += 1800 + r.uniform(-5, 5)
            elif k == "createlogstream":
                per_h = r.uniform(3, 14)
                t = self.start
                while True:
                    t += r.expovariate(per_h / 3600.0)
                    if t >= self.end_gen:
                        break
                    grp = r.choice(self.groups)
                    if grp.startswith("/aws/lambda/"):
                        stream = "%s/[$LATEST]%s" % (dt(t).strftime("%Y/%m/%d"), self.hexid(32))
                        user = "%s-role-%s/%s" % (grp.split("/")[-1][:40], self.hexid(8), grp.split("/")[-1])
                    else:
                        stream = "%s/app/%s" % (grp.split("/")[-1], self.hexid(32))
                        user = "ecsTaskExecutionRole/%s" % self.hexid(32)
                    self.ct(t, "CreateLogStream", "logs.amazonaws.com", user,
                            params={"logGroupName": grp, "logStreamName": stream},
                            resources=[("AWS::Logs::LogGroup", grp)], agent="aws-sdk-go/1.44.%d" % r.randint(100, 300))
            elif k == "heartbeat":
                asg = "%s-asg" % (self.take("others"))
                for _ in range(r.randint(2, 4)):
                    t = r.uniform(self.start, self.end_gen - 900)
                    iid = "i-0%s" % self.hexid(16)
                    for j in range(r.randint(6, 14)):
                        self.ct(t + j * 60, "RecordLifecycleActionHeartbeat", "autoscaling.amazonaws.com",
                                "%s-instance-role/%s" % (asg, iid),
                                params={"lifecycleHookName": "drain-on-terminate", "autoScalingGroupName": asg,
                                        "instanceId": iid, "lifecycleActionToken": self.uuid()},
                                resources=[("AWS::AutoScaling::AutoScalingGroup", asg)])
            elif k == "eni":
                t = self.start
                while True:
                    t += r.expovariate(8 / 3600.0)
                    if t >= self.end_gen:
                        break
                    eni = "eni-0%s" % self.hexid(16)
                    user = "%s-aws-node-role/%s" % (self.cluster, self.hexid(19, "0123456789"))
                    self.ct(t, "CreateNetworkInterface", "ec2.amazonaws.com", user,
                            params={"subnetId": "subnet-0%s" % self.hexid(16), "description": "aws-K8S-%s" % r.choice(svc.instances),
                                    "groupSet": {"items": [{"groupId": "sg-0%s" % self.hexid(16)}]}},
                            response={"networkInterface": {"networkInterfaceId": eni}}, agent="amazon-vpc-cni-k8s")
                    self.ct(t + r.uniform(2, 6), "AttachNetworkInterface", "ec2.amazonaws.com", user,
                            params={"networkInterfaceId": eni, "instanceId": r.choice(svc.instances), "deviceIndex": r.randint(1, 3)},
                            agent="amazon-vpc-cni-k8s")
            elif k == "targets":
                for _ in range(r.randint(2, 5)):
                    t = r.uniform(self.start, self.end_gen)
                    self.ct(t, r.choice(["RegisterTargets", "DeregisterTargets"]), "elasticloadbalancing.amazonaws.com", "",
                            invoked_by="ecs.amazonaws.com",
                            params={"targetGroupArn": "arn:aws:elasticloadbalancing:%s:%s:%s" % (self.region, self.account, self.tg),
                                    "targets": [{"id": "10.0.%d.%d" % (r.randint(0, 3), r.randint(2, 250)), "port": 8080}]})
            elif k == "grants":
                t = self.start
                while True:
                    t += r.expovariate(r.uniform(2, 6) / 3600.0)
                    if t >= self.end_gen:
                        break
                    key = "arn:aws:kms:%s:%s:key/%s" % (self.region, self.account, self.uuid())
                    gid = self.hexid(64)
                    self.ct(t, "CreateGrant", "kms.amazonaws.com", "", invoked_by=r.choice(["ec2.amazonaws.com", "rds.amazonaws.com"]),
                            params={"keyId": key, "granteePrincipal": "ec2.%s.amazonaws.com" % self.region,
                                    "operations": ["Decrypt", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom"]},
                            response={"grantId": gid}, resources=[("AWS::KMS::Key", key)])
                    self.ct(t + r.uniform(30, 900), "RetireGrant", "kms.amazonaws.com", "", invoked_by="ec2.amazonaws.com",
                            params={"keyId": key, "grantId": gid}, resources=[("AWS::KMS::Key", key)])
        self.expected["routine"] = kinds

    def ct_decoys(self):
        """Unrelated changes; some before the onset and closer to it than the cause."""
        r = self.r
        specs = self.spec.get("decoys")
        if specs is None:
            names = [d for d in DECOYS if d not in HELDOUT_DECOYS] if self.set == "dev" else [d for d in DECOYS if d != "tag_same"]
            r.shuffle(names)
            specs = []
            for i, d in enumerate(names[:r.randint(3, 5)]):
                if i == 0:
                    at = -r.uniform(2, 12)
                elif i == 1:
                    at = -r.uniform(15, 90)
                else:
                    at = r.uniform(-240, 10)
                specs.append("%s@%.1f" % (d, at))
        for s in specs:
            name, at = s.split("@")
            t = self.O + float(at) * 60
            if t <= self.start + 60:
                t = self.start + 60 + r.uniform(0, 120)
            what = DECOYS[name](self, t)
            if what:
                self.expected["decoys"].append("%s at %s (%+.0f min from onset)" % (what, iso(t), (t - self.O) / 60))

    # helpers for decoys
    def other_role(self):
        return "%s-role" % self.take("others")


def _d_deploy_other(sc, t):
    o = sc.take("others")
    rev = sc.r.randint(5, 80)
    sc.ct(t - sc.r.uniform(40, 90), "RegisterTaskDefinition", "ecs.amazonaws.com", "GitHubActionsDeploy/deploy" if sc.set == "dev" else "Release/ci-bot",
          params={"family": o, "containerDefinitions": [{"name": o, "image": "%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (sc.account, sc.region, o, sc.hexid(7))}],
                  "networkMode": "awsvpc", "cpu": "512", "memory": "1024"},
          response={"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:%s:%s:task-definition/%s:%d" % (sc.region, sc.account, o, rev), "revision": rev}})
    sc.ct(t, "UpdateService", "ecs.amazonaws.com", "GitHubActionsDeploy/deploy" if sc.set == "dev" else "Release/ci-bot",
          params={"cluster": sc.cluster, "service": o, "taskDefinition": "%s:%d" % (o, rev), "forceNewDeployment": False},
          resources=[("AWS::ECS::Cluster", sc.cluster), ("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/%s" % (sc.region, sc.account, sc.cluster, o))])
    return "deployment of another service %s (UpdateService)" % o


def _d_lambda_other(sc, t):
    o = sc.take("others")
    sc.ct(t, "UpdateFunctionCode20150331v2", "lambda.amazonaws.com", "GitHubActionsDeploy/deploy" if sc.set == "dev" else "Release/ci-bot",
          params={"functionName": o, "s3Bucket": "artifacts-%s" % sc.account, "s3Key": "%s/%s.zip" % (o, sc.hexid(7)), "publish": False},
          response={"functionName": o, "functionArn": "arn:aws:lambda:%s:%s:function:%s" % (sc.region, sc.account, o), "lastUpdateStatus": "InProgress"},
          resources=[("AWS::Lambda::Function", o)])
    return "code deploy of another function %s" % o


def _d_sg_bastion(sc, t):
    sg = "sg-0%s" % sc.hexid(16)
    sc.ct(t, sc.r.choice(["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"]), "ec2.amazonaws.com",
          "NetworkAdmin/bob" if sc.set == "dev" else "NetOps/mei",
          params={"groupId": sg, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "groups": {},
                  "ipRanges": {"items": [{"cidrIp": "203.0.113.%d/32" % sc.r.randint(2, 250), "description": "office vpn"}]}}]}},
          response={"_return": True}, resources=[("AWS::EC2::SecurityGroup", sg)])
    return "SSH rule change on a bastion security group %s" % sg


def _d_sg_other(sc, t):
    o = sc.take("others")
    sg = "sg-0%s" % sc.hexid(16)
    port = sc.r.choice([9090, 9100, 8125, 2049])
    sc.ct(t, "RevokeSecurityGroupIngress", "ec2.amazonaws.com", "NetworkAdmin/bob" if sc.set == "dev" else "NetOps/mei",
          params={"groupId": sg, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": port, "toPort": port,
                  "groups": {"items": [{"groupId": "sg-0%s" % sc.hexid(16), "description": "%s monitoring" % o}]}, "ipRanges": {}}]}},
          response={"_return": True}, resources=[("AWS::EC2::SecurityGroup", sg)])
    return "ingress revoke on %s's security group %s port %d" % (o, sg, port)


def _d_iam_other(sc, t):
    role = sc.other_role()
    ok = sc.ct(t, sc.r.choice(["AttachRolePolicy", "DetachRolePolicy"]), "iam.amazonaws.com", "PlatformAdmin/alice" if sc.set == "dev" else "SRE/hiro",
               params={"roleName": role, "policyArn": "arn:aws:iam::aws:policy/%s" % sc.r.choice(["AmazonS3ReadOnlyAccess", "CloudWatchAgentServerPolicy", "AmazonAthenaFullAccess"])},
               resources=[("AWS::IAM::Role", role)])
    return ok and "IAM policy attachment change on another role %s" % role


def _d_ssm_other(sc, t):
    o = sc.take("others")
    name = "/%s/%s/%s" % (o, sc.r.choice(["prod", "live"]), sc.r.choice(["batch_size", "feature/new-export", "log_level", "max_workers"]))
    sc.ct(t, "PutParameter", "ssm.amazonaws.com", "PlatformAdmin/alice" if sc.set == "dev" else "SRE/hiro",
          params={"name": name, "type": "String", "overwrite": True, "value": "HIDDEN_DUE_TO_SECURITY_REASONS"},
          response={"version": sc.r.randint(2, 40), "tier": "Standard"}, resources=[("AWS::SSM::Parameter", name)])
    return "parameter change %s" % name


def _d_cfn_other(sc, t):
    o = sc.take("others")
    stack = "%s-stack" % o
    sc.ct(t, "UpdateStack", "cloudformation.amazonaws.com", "TerraformApply/terraform" if sc.set == "dev" else "Pulumi/automation",
          params={"stackName": stack, "usePreviousTemplate": False, "capabilities": ["CAPABILITY_IAM"]},
          response={"stackId": "arn:aws:cloudformation:%s:%s:stack/%s/%s" % (sc.region, sc.account, stack, sc.uuid())},
          resources=[("AWS::CloudFormation::Stack", stack)])
    return "stack update %s" % stack


def _d_asg_other(sc, t):
    asg = "%s-asg" % sc.take("others")
    sc.ct(t, "UpdateAutoScalingGroup", "autoscaling.amazonaws.com", "PlatformAdmin/alice" if sc.set == "dev" else "SRE/hiro",
          params={"autoScalingGroupName": asg, "minSize": 2, "maxSize": 10, "desiredCapacity": sc.r.randint(3, 6)},
          resources=[("AWS::AutoScaling::AutoScalingGroup", asg)])
    return "capacity change of another group %s" % asg


def _d_dns_other(sc, t):
    name = "%s.%s." % (sc.r.choice(["www", "campaign", "status", "docs"]), sc.pool["domain"])
    ok = sc.ct(t, "ChangeResourceRecordSets", "route53.amazonaws.com", "PlatformAdmin/alice" if sc.set == "dev" else "SRE/hiro",
               params={"hostedZoneId": "Z0%s" % sc.hexid(19, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
                       "changeBatch": {"changes": [{"action": "UPSERT", "resourceRecordSet": {
                           "name": name, "type": "CNAME", "tTL": 300, "resourceRecords": [{"value": "d%s.cloudfront.net" % sc.hexid(13)}]}}]}},
               response={"changeInfo": {"id": "/change/C0%s" % sc.hexid(19, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), "status": "PENDING", "submittedAt": iso(t)}})
    return ok and "DNS record change %s" % name


def _d_kms_other(sc, t):
    key = "arn:aws:kms:%s:%s:key/%s" % (sc.region, sc.account, sc.uuid())
    sc.ct(t, sc.r.choice(["EnableKeyRotation", "TagResource"]), "kms.amazonaws.com", "PlatformAdmin/alice" if sc.set == "dev" else "SRE/hiro",
          params={"keyId": key}, resources=[("AWS::KMS::Key", key)])
    return "KMS housekeeping on another key"


def _d_rds_other(sc, t):
    db = "%s-replica-1" % sc.take("others")
    sc.ct(t, "ModifyDBInstance", "rds.amazonaws.com", "PlatformAdmin/alice" if sc.set == "dev" else "DBA/kenji",
          params={"dBInstanceIdentifier": db, "dBInstanceClass": "db.r6g.large", "applyImmediately": True},
          resources=[("AWS::RDS::DBInstance", "arn:aws:rds:%s:%s:db:%s" % (sc.region, sc.account, db))])
    return "instance class change on a reporting replica %s" % db


def _d_s3_policy(sc, t):
    b = "%s-exports-%s" % (sc.take("others"), sc.account[-4:])
    sc.ct(t, "PutBucketPolicy", "s3.amazonaws.com", "PlatformAdmin/alice" if sc.set == "dev" else "SRE/hiro",
          params={"bucketName": b, "Host": "%s.s3.%s.amazonaws.com" % (b, sc.region), "policy": ""},
          resources=[("AWS::S3::Bucket", b)])
    return "bucket policy change %s" % b


def _d_ddb_other(sc, t):
    tb = "%s-state" % sc.take("others")
    sc.ct(t, "UpdateTable", "dynamodb.amazonaws.com", "TerraformApply/terraform" if sc.set == "dev" else "Pulumi/automation",
          params={"tableName": tb, "billingMode": "PAY_PER_REQUEST"}, resources=[("AWS::DynamoDB::Table", tb)])
    return "table setting change %s" % tb


def _d_failed_write(sc, t):
    sc.ct(t, sc.r.choice(["DeleteBucket", "PutBucketAcl", "CreateUser", "StopInstances"]),
          sc.r.choice(["s3.amazonaws.com", "ec2.amazonaws.com"]), "Contractor/scanner" if sc.set == "dev" else "Contractor/sam",
          params={"bucketName": "legacy-%s" % sc.hexid(6)}, error="AccessDenied")
    return "failed write (AccessDenied)"


def _d_conc_other(sc, t):
    o = sc.take("others")
    sc.ct(t, "PutFunctionConcurrency20171031", "lambda.amazonaws.com", "PlatformAdmin/alice" if sc.set == "dev" else "SRE/hiro",
          params={"functionName": o, "reservedConcurrentExecutions": sc.r.choice([5, 20, 50])},
          response={"reservedConcurrentExecutions": 20}, resources=[("AWS::Lambda::Function", o)])
    return "reserved concurrency change on another function %s" % o


def _d_events_other(sc, t):
    o = sc.take("others")
    sc.ct(t, "PutRule", "events.amazonaws.com", "TerraformApply/terraform" if sc.set == "dev" else "Pulumi/automation",
          params={"name": "%s-nightly" % o, "scheduleExpression": "cron(0 3 * * ? *)", "state": "ENABLED"},
          response={"ruleArn": "arn:aws:events:%s:%s:rule/%s-nightly" % (sc.region, sc.account, o)})
    return "schedule rule %s-nightly" % o


def _d_tag_same(sc, t):
    svc = sc.svc
    arn = "arn:aws:ecs:%s:%s:service/%s/%s" % (sc.region, sc.account, sc.cluster, svc.name) if svc.platform == "ecs" else \
        "arn:aws:lambda:%s:%s:function:%s" % (sc.region, sc.account, svc.name)
    sc.ct(t, "TagResource", "ecs.amazonaws.com" if svc.platform == "ecs" else "lambda.amazonaws.com",
          "FinOps/tagger" if sc.set == "dev" else "Contractor/sam",
          params={"resourceArn": arn, "tags": [{"key": "cost-center", "value": "cc-%d" % sc.r.randint(100, 999)}]},
          resources=[("AWS::ECS::Service" if svc.platform == "ecs" else "AWS::Lambda::Function", arn)])
    return "cost-center tag added to %s itself (harmless)" % svc.name


HELDOUT_DECOYS = ("sg_other", "tag_same", "conc_other", "events_other")   # never drawn for dev scenarios
DECOYS = {"deploy_other": _d_deploy_other, "lambda_other": _d_lambda_other, "sg_bastion": _d_sg_bastion,
          "sg_other": _d_sg_other, "iam_other": _d_iam_other, "ssm_other": _d_ssm_other, "cfn_other": _d_cfn_other,
          "asg_other": _d_asg_other, "dns_other": _d_dns_other, "kms_other": _d_kms_other, "rds_other": _d_rds_other,
          "s3_policy": _d_s3_policy, "ddb_other": _d_ddb_other, "failed_write": _d_failed_write,
          "conc_other": _d_conc_other, "events_other": _d_events_other, "tag_same": _d_tag_same}


# ---------------------------------------------------------------------------------------
# Metrics: per-minute series derived from the same incident state as the logs.

def binom(sc, n, p):
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    v = n * p + sc.r.gauss(0, math.sqrt(n * p * (1 - p)))
    return int(max(0, min(n, round(v))))


def build_metrics(sc):
    r, svc = sc.r, sc.svc
    n = int((sc.end_gen - sc.start) // 60)
    mins = [sc.start + 60 * i for i in range(n)]
    states = [sc.S(m + 30) for m in mins]
    cols = {k: [] for k in ("req", "lb5", "t5", "thr", "lat", "cpu", "mem", "healthy", "conc", "dur", "tasks")}
    base_cpu = r.uniform(18, 45)
    base_mem = r.uniform(30, 60)
    for m, s in zip(mins, states):
        c = sc.poisson(sc.base_rpm * sc.diurnal(m) * s["rate"])
        nlb = binom(sc, c, s["lb_fail"])
        nthr = binom(sc, c - nlb, s["throttle"])
        nf = binom(sc, c - nlb - nthr, s["fail"]) + (1 if r.random() < 0.03 else 0)
        share = nf / max(1, c - nlb - nthr)
        lat = sc.base_lat * r.uniform(0.92, 1.1) + s["lat"]
        if s["fail_lat"] is not None:
            lat = lat * (1 - share) + s["fail_lat"] * share
        cols["req"].append(float(c))
        cols["lb5"].append(float(nlb + (1 if r.random() < 0.01 else 0)))
        cols["t5"].append(float(nf))
        cols["thr"].append(float(nthr))
        cols["lat"].append(lat)
        cols["cpu"].append(max(1.0, min(100.0, base_cpu * (0.8 + 0.2 * sc.diurnal(m)) * min(s["rate"], 3.5) ** 0.5 + s["cpu"] + r.gauss(0, 2.0))))
        cols["mem"].append(max(1.0, min(100.0, (s["mem"] if s["mem"] is not None else base_mem) + r.gauss(0, 0.8))))
        cols["healthy"].append(float(round(sc.n_targets * s["healthy"] * s["tasks"])))
        cols["tasks"].append(float(round(sc.n_targets * s["tasks"])))
        cols["conc"].append(float(max(1, round(c / 60.0 * lat * 3 + r.uniform(0, 2)))))
        cols["dur"].append(lat * 1000 * r.uniform(1.8, 2.6))
    alb = [("LoadBalancer", sc.lb), ("TargetGroup", sc.tg)]
    if svc.platform == "lambda":
        fd = [("FunctionName", svc.name)]
        sc.metric("lInv", "AWS/Lambda", "Invocations", fd, "Sum", [a - b for a, b in zip(cols["req"], cols["thr"])])
        sc.metric("lErr", "AWS/Lambda", "Errors", fd, "Sum", cols["t5"])
        sc.metric("lDur", "AWS/Lambda", "Duration", fd, "Average", cols["dur"])
        sc.metric("lThr", "AWS/Lambda", "Throttles", fd, "Sum", cols["thr"])
        sc.metric("lCon", "AWS/Lambda", "ConcurrentExecutions", fd, "Maximum", cols["conc"])
        if svc.access and svc.access[0] == "apigw":
            ad = [("ApiId", sc.hexid(10, "abcdefghijklmnopqrstuvwxyz0123456789")), ("Stage", "$default")]
            sc.metric("aCnt", "AWS/ApiGateway", "Count", ad, "Sum", cols["req"])
            sc.metric("a5xx", "AWS/ApiGateway", "5xx", ad, "Sum", [a + b for a, b in zip(cols["t5"], cols["lb5"])])
            sc.metric("a4xx", "AWS/ApiGateway", "4xx", ad, "Sum", [t + float(r.randint(0, 3)) for t in cols["thr"]])
            sc.metric("aLat", "AWS/ApiGateway", "Latency", ad, "Average", [d * 1.1 + 15 for d in cols["dur"]])
    else:
        sc.metric("mReq", "AWS/ApplicationELB", "RequestCount", alb, "Sum", cols["req"])
        sc.metric("m5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb, "Sum", cols["t5"])
        sc.metric("mElb", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", alb, "Sum", cols["lb5"])
        sc.metric("mLat", "AWS/ApplicationELB", "TargetResponseTime", alb, "Average", cols["lat"])
        sc.metric("mHh", "AWS/ApplicationELB", "HealthyHostCount", alb, "Average", cols["healthy"])
        sc.metric("mUh", "AWS/ApplicationELB", "UnHealthyHostCount", alb, "Average",
                  [max(0.0, t - h) for t, h in zip(cols["tasks"], cols["healthy"])])
        if svc.platform == "ecs":
            ed = [("ClusterName", sc.cluster), ("ServiceName", svc.name)]
            sc.metric("eCpu", "AWS/ECS", "CPUUtilization", ed, "Average", cols["cpu"])
            sc.metric("eMem", "AWS/ECS", "MemoryUtilization", ed, "Average", cols["mem"])
            sc.metric("eRun", "ECS/ContainerInsights", "RunningTaskCount", ed, "Average", cols["tasks"])
        elif svc.platform == "eks":
            pd = [("ClusterName", sc.cluster), ("Namespace", "prod"), ("PodName", svc.name)]
            sc.metric("kCpu", "ContainerInsights", "pod_cpu_utilization", pd, "Average", cols["cpu"])
            sc.metric("kMem", "ContainerInsights", "pod_memory_utilization", pd, "Average", cols["mem"])
        else:
            asg = "%s-asg" % svc.name
            sc.metric("cCpu", "AWS/EC2", "CPUUtilization", [("AutoScalingGroupName", asg)], "Average", cols["cpu"])
            sc.metric("cIns", "AWS/AutoScaling", "GroupInServiceInstances", [("AutoScalingGroupName", asg)], "Average", cols["tasks"])
            sc.metric("cMem", "CWAgent", "mem_used_percent", [("InstanceId", svc.instances[0]), ("AutoScalingGroupName", asg)],
                      "Average", cols["mem"])
    # Kind-specific series.
    for qid, ns, name, dims, stat, fn in getattr(sc, "extra_series", []):
        sc.metric(qid, ns, name, dims, stat, [fn(m, s) for m, s in zip(mins, states)])
    # Unrelated series: another load balancer with a short 5xx burst, another service's CPU.
    o = sc.take("others")
    spike = r.randint(0, max(1, n - 10))
    sc.metric("xOth", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count",
              [("LoadBalancer", "app/%s-alb/%s" % (o, sc.hexid(16))), ("TargetGroup", "targetgroup/%s-tg/%s" % (o[:20], sc.hexid(16)))],
              "Sum", [float(r.randint(6, 25) if spike <= i < spike + 3 else (1 if r.random() < 0.03 else 0)) for i in range(n)])
    sc.metric("xCpu", "AWS/ECS", "CPUUtilization", [("ClusterName", sc.cluster), ("ServiceName", o)], "Average",
              [max(1.0, 30 + 10 * math.sin(i / 50.0) + r.gauss(0, 3)) for i in range(n)])
    sc.mins = mins


def default_alarm(sc):
    svc = sc.svc
    if svc.platform == "lambda":
        return {"qid": "lErr", "periods": r_choice(sc, [1, 2, 3]), "cmp": ">"}
    return {"qid": "m5xx", "periods": r_choice(sc, [2, 3]), "cmp": ">"}


def r_choice(sc, xs):
    return sc.r.choice(xs)


def compute_alarm(sc):
    rule = dict(default_alarm(sc))
    rule.update(sc.alarm_rule or {})
    vals = sc.series_values(rule["qid"])
    q = [x for x in sc.series if x[0]["Id"] == rule["qid"]][0][0]
    first = min(x for x in (sc.C, sc.trend0, sc.O) if x is not None)
    base = [v for m, v in zip(sc.mins, vals) if m + 60 <= first] or vals[:10]
    thr = rule.get("threshold")
    if thr is None:
        thr = max(base) * 1.5 + rule.get("floor", 5)
        thr = float(int(thr) + 1) if thr > 5 else round(thr, 3)
    k = rule["periods"]
    hit = None
    for i in range(len(vals) - k + 1):
        if sc.mins[i] + 60 < sc.O - 120:
            continue
        w = vals[i:i + k]
        if all((v > thr) if rule["cmp"] == ">" else (v < thr) for v in w):
            hit = i + k - 1
            break
    if hit is None:
        raise RuntimeError("%s: the alarm metric %s never crosses %s" % (sc.name, q["MetricStat"]["Metric"]["MetricName"], thr))
    A = sc.mins[hit] + 60 + sc.r.uniform(15, 55)
    sc.A = A
    m = q["MetricStat"]["Metric"]
    word = "greater than" if rule["cmp"] == ">" else "less than"
    dp = ", ".join("%s (%s)" % (round(vals[j], 3), dt(sc.mins[j]).strftime("%d/%m/%y %H:%M:%S")) for j in range(hit, hit - k, -1))
    sc.alarm = {"name": rule.get("name") or "%s-%s" % (sc.svc.name, m["MetricName"].lower().replace("_", "-")[:30]),
                "state": "ALARM", "state_change_time": iso(A),
                "reason": "Threshold Crossed: %d out of the last %d datapoints [%s] was %s the threshold (%s) (minimum %d datapoint%s for OK -> ALARM transition)." % (
                    k, k, dp, word, thr, k, "s" if k > 1 else ""),
                "namespace": m["Namespace"], "metric_name": m["MetricName"], "dimensions": m["Dimensions"]}
    end = (int(A + sc.post) + 59) // 60 * 60
    sc.end = min(end, sc.end_gen)
    if not sc.spec.get("alarm", True):
        sc.alarm = None


# ---------------------------------------------------------------------------------------
# Writing a snapshot directory.

def dump(path, obj, indent=None):
    text = json.dumps(obj, indent=indent, separators=(",", ":") if indent is None else (",", ": "), ensure_ascii=False)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def thin(sc, cap):
    """Drops sampled normal-traffic lines (priority 0) so that no hour slice of the
    window holds more than cap lines; deterministic."""
    rr = random.Random(sc.spec["seed"] * 7 + 1)
    out, t0 = [], sc.start
    lines = sorted(sc.lines, key=lambda x: x[0])
    i = 0
    while t0 < sc.end:
        t1 = t0 + 3600
        sl = []
        while i < len(lines) and lines[i][0] < t1:
            sl.append(lines[i])
            i += 1
        if len(sl) > cap:
            keep = [x for x in sl if x[4]]
            low = [x for x in sl if not x[4]]
            room = max(0, cap - len(keep))
            if len(keep) > cap:
                raise RuntimeError("%s: %d high-priority lines in one hour exceed the cap %d" % (sc.name, len(keep), cap))
            low = rr.sample(low, room) if room < len(low) else low
            sl = keep + low
        out += sl
        t0 = t1
    sc.lines = out


def write_snapshot(sc, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    for sub in ("logs", "metrics", "cloudtrail") + (("xray",) if sc.traces else ()):
        os.makedirs(os.path.join(out, sub))
    files = []
    lines = sorted((x for x in sc.lines if sc.start <= x[0] < sc.end), key=lambda x: (x[0], x[1]))
    # Logs: one query per hour; a slice whose result would hit the row cap is split in
    # halves until it does not (as a capture that keeps every row does).
    def slices(a, b, lo, hi):
        if hi - lo <= ROWS_PER_QUERY or b - a <= 60:
            return [(a, b, lo, hi)]
        mid = (a + b) // 2 // 60 * 60 if (b - a) > 120 else (a + b) // 2
        k = lo
        while k < hi and lines[k][0] < mid:
            k += 1
        return slices(a, mid, lo, k) + slices(mid, b, k, hi)
    idx, t0 = 0, sc.start
    while t0 < sc.end:
        t1 = min(t0 + 3600, sc.end)
        j = idx
        while j < len(lines) and lines[j][0] < t1:
            j += 1
        for a, b, lo, hi in slices(t0, t1, idx, j):
            rows = [[{"field": "@timestamp", "value": insights_ts(t)}, {"field": "@message", "value": msg},
                     {"field": "@logStream", "value": stream}, {"field": "@log", "value": "%s:%s" % (sc.account, group)}]
                    for t, msg, stream, group, _ in lines[lo:hi]]
            rows.reverse()
            name = "logs/insights-%s.json" % dt(a).strftime("%m%d-%H%M%S")
            dump(os.path.join(out, name), {"results": rows, "statistics": {
                "recordsMatched": float(len(rows)), "recordsScanned": float(len(rows) * 4),
                "bytesScanned": float(sum(len(x[1]) for x in lines[lo:hi]) * 4)}, "status": "Complete"})
            files.append({"path": name, "kind": "logs", "api": "logs:GetQueryResults",
                          "params": {"logGroupNames": sc.groups, "queryString": LOGS_QUERY, "startTime": a, "endTime": b}})
        idx, t0 = j, t1
    # Metrics: one GetMetricData call, newest first, points inside the window.
    res, queries = [], []
    for q, label, vals in sc.series:
        pts = [(m, v) for m, v in zip(sc.mins, vals) if v is not None and sc.start <= m < sc.end]
        pts.reverse()
        res.append({"Id": q["Id"], "Label": label, "Timestamps": [m for m, _ in pts],
                    "Values": [round(v, 6) for _, v in pts], "StatusCode": "Complete"})
        queries.append(q)
    dump(os.path.join(out, "metrics/getmetricdata.json"), {"MetricDataResults": res, "Messages": []})
    files.append({"path": "metrics/getmetricdata.json", "kind": "metrics", "api": "monitoring:GetMetricData",
                  "params": {"MetricDataQueries": queries, "StartTime": sc.start, "EndTime": sc.end,
                             "ScanBy": "TimestampDescending"}})
    # CloudTrail: LookupEvents pages of 50, newest first.
    evs = sorted((e for e in sc.events if sc.start <= e[0] < sc.end), key=lambda e: -e[0])
    pages = [evs[i:i + 50] for i in range(0, len(evs), 50)] or [[]]
    for k, page in enumerate(pages):
        name = "cloudtrail/lookupevents-%03d.json" % (k + 1)
        body = {"Events": [dict(w, CloudTrailEvent=jdump(ev)) for _, ev, w in page]}
        if k + 1 < len(pages):
            body["NextToken"] = "tok-%s-%03d" % (sc.hexid(12), k + 2)
        dump(os.path.join(out, name), body)
        params = {"StartTime": sc.start, "EndTime": sc.end, "MaxResults": 50}
        if k:
            params["NextToken"] = "(previous page's NextToken)"
        files.append({"path": name, "kind": "cloudtrail", "api": "cloudtrail:LookupEvents", "params": params})
    # X-Ray.
    tr = sorted((s for s in sc.traces if sc.start <= s["StartTime"] < sc.end), key=lambda s: s["StartTime"])
    for k in range(0, len(tr), 500):
        name = "xray/tracesummaries-%03d.json" % (k // 500 + 1)
        dump(os.path.join(out, name), {"TraceSummaries": tr[k:k + 500], "ApproximateTime": sc.end,
                                       "TracesProcessedCount": len(tr[k:k + 500])})
        files.append({"path": name, "kind": "xray", "api": "xray:GetTraceSummaries",
                      "params": {"StartTime": sc.start, "EndTime": sc.end, "TimeRangeType": "TraceId", "Sampling": False}})
    man = {"format": "fa2-snapshot", "format_version": 1, "fa2_version": FA2_VERSION,
           "created_by": "tools/make-corpus.py (synthetic evaluation scenario %s)" % sc.name,
           "description": sc.spec.get("description", "%s (%s): %s since about %s UTC" % (
               sc.svc.name, sc.svc.platform, "errors and failed requests reported" if not sc.alarm else "alarm %s" % sc.alarm["name"],
               dt(sc.A - 60).strftime("%H:%M"))),
           "region": sc.region, "window": {"from": iso(sc.start), "to": iso(sc.end)}}
    if sc.alarm:
        man["alarm"] = sc.alarm
    man["log_groups"] = sc.groups
    man["files"] = files
    dump(os.path.join(out, "manifest.json"), man, indent=1)
    exp = dict(sc.expected)
    exp.update({"window": {"from": iso(sc.start), "to": iso(sc.end)}, "onset": iso(sc.O),
                "alarm_time": iso(sc.A) if sc.alarm else None, "platform": sc.svc.platform, "format": sc.svc.fmt,
                "service": sc.svc.name, "log_groups": sc.groups,
                "volume": {"log_lines": len(lines), "events": len(evs), "series": len(sc.series), "traces": len(tr)}})
    if sc.skew:
        exp["clock_skew_s"] = round(sc.skew, 1)
    if sc.C is not None:
        exp["cause_time"] = iso(sc.C)
        exp["cause_to_alarm_s"] = int(sc.A - sc.C)
    dump(os.path.join(out, "expected.json"), exp, indent=1)
    return exp


def build(spec, setname, shift=0, cap=None):
    sc = Sc(spec, setname, shift)
    KINDS[spec["kind"]](sc, spec.get("variant", ""))
    if not hasattr(sc, "start"):
        sc.window()
    sc.xray_rate = spec.get("xray_rate", 0.25 if sc.xray else 0)
    sc.traffic(sc.svc)
    for fn in sc.extra_minute:
        t = sc.start
        while t < sc.end_gen:
            fn(t, sc.S(t + 30))
            t += 60
    sc.background()
    if spec.get("resolver_logs") and spec["kind"] != "dns":
        # Route 53 Resolver query logs of the VPC: every answer "rcode":"NOERROR".
        resolver_logs(sc, ["%s.%s" % (x, sc.pool["internal"]) for x in sc.pool["deps"]] +
                      ["%s.%s.amazonaws.com" % (x, sc.region) for x in ("sts", "logs", "dynamodb", "sqs")])
    sc.ct_reads()
    sc.ct_routine()
    sc.ct_decoys()
    for fn in getattr(sc, "after", []):
        fn()
    build_metrics(sc)
    compute_alarm(sc)
    for fn in getattr(sc, "reactions", []):
        fn()
    if cap:
        thin(sc, cap)
    return sc


def make_one(w):
    """Builds and writes one scenario (a worker of main's pool): returns its summary line."""
    setname, spec, outdir, anchor, cap = w
    shift = 0
    if anchor:
        sc0 = build(spec, setname)
        shift = (anchor - sc0.end) // 60 * 60
    sc = build(spec, setname, shift, cap or None)
    exp = write_snapshot(sc, os.path.join(outdir, setname, spec["name"]))
    return ("%-8s %-40s %-14s %6d lines %5d events %s" % (setname, spec["name"], spec["kind"], exp["volume"]["log_lines"],
                                                         exp["volume"]["events"], "alarm" if sc.alarm else "no alarm"), bool(sc.alarm))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--specs", default=os.path.join(here, "..", "tests", "scenarios"))
    ap.add_argument("--only", default="", help="only scenarios whose name contains this")
    ap.add_argument("--anchor", type=int, default=0, help="move each scenario so its window ends at this epoch")
    ap.add_argument("--max-lines-per-hour", type=int, default=0)
    ap.add_argument("outdir")
    ap.add_argument("--replicas", type=int, default=1,
                    help="draws per spec: the first as specified, the others NAME-rK with other seeds")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="scenarios generated in parallel")
    a = ap.parse_args()
    work = []
    for setname in ("dev", "heldout"):
        path = os.path.join(a.specs, "%s.json" % setname)
        with open(path) as f:
            specs = json.load(f)["scenarios"]
        names = [s["name"] for s in specs]
        if len(set(names)) != len(names):
            sys.exit("%s: duplicate scenario names" % path)
        for k in range(a.replicas):
            for spec in specs:
                if k:
                    # Another draw of the same incident: every random choice differs.
                    spec = dict(spec, name="%s-r%d" % (spec["name"], k + 1), seed=spec["seed"] + 7919 * k)
                if not a.only or a.only in spec["name"]:
                    work.append((setname, spec, a.outdir, a.anchor, a.max_lines_per_hour))
    if a.jobs > 1 and len(work) > 1:
        import multiprocessing
        with multiprocessing.Pool(a.jobs) as pool:
            done = pool.map(make_one, work, chunksize=1)
    else:
        done = [make_one(w) for w in work]
    index = []
    for (setname, spec, _, _, _), (line, alarm) in zip(work, done):
        index.append({"name": spec["name"], "set": setname, "kind": spec["kind"], "path": os.path.join(setname, spec["name"])})
        print(line, file=sys.stderr)
    os.makedirs(a.outdir, exist_ok=True)
    dump(os.path.join(a.outdir, "index.json"), {"schema": "fa2.eval.index/1", "scenarios": index}, indent=1)


KINDS = {}


def kind(name):
    def reg(fn):
        KINDS[name] = fn
        return fn
    return reg


# ---------------------------------------------------------------------------------------
# Incident kinds. Each sets the names, the timing (cause C, onset O), the incident state
# over time, the symptom lines of a failing request, the cause's CloudTrail events and the
# answer key. A variant picks the mechanism and its vocabulary.

def ramp(t, t0, dur):
    if t < t0:
        return 0.0
    if dur <= 0:
        return 1.0
    return min(1.0, (t - t0) / float(dur))


def timing(sc, delay_s, ramp_s=0):
    """C = cause; O = first symptom. cause_first: the symptom follows by delay_s.
    symptom_first: the service's clock runs a little behind (or the metric period starts
    before the change), so its first error lines carry times before the CloudTrail record."""
    spec, r = sc.spec, sc.r
    order = spec.get("ordering", "cause_first")
    delay = spec.get("delay_s", delay_s)
    if order == "symptom_first":
        # The effect is immediate (AWS clock), but the hosts' clocks run behind: every
        # line the service writes carries a time skew seconds early, so its first error
        # lines precede the CloudTrail record. Lambda has no host clock of its own.
        delay = r.uniform(1, 4)
        if sc.svc.platform != "lambda":
            sc.skew = r.uniform(delay + 8, delay + 45)
    sc.C = sc.O - delay
    sc.ramp_s = spec.get("ramp_s", ramp_s)
    sc.expected["ordering"] = order
    sc.expected["shape"] = "step" if sc.ramp_s <= 120 else "gradual"


def no_change(sc, shape):
    sc.expected["ordering"] = "no_change"
    sc.expected["shape"] = shape
    sc.expected["expect"] = "no_change"


def expect_change(sc, primary, *also, what=""):
    ids = [x for x in (primary,) + also if x]
    sc.expected["expect"] = "change"
    sc.expected["event_ids"] = ids
    sc.expected["cause"] = what


def aws_exc(sc, svc, api, op, code, message, status=400, java_cls=None, dotnet_cls=None):
    rid = sc.hexid(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    lang = svc.lang
    if lang == "java":
        jn = {"DynamoDB": "DynamoDb", "Secrets Manager": "SecretsManager", "SQS": "Sqs", "KMS": "Kms", "STS": "Sts",
              "SSM": "Ssm", "S3": "S3", "Kinesis": "Kinesis"}.get(api, api.replace(" ", ""))
        return Exc(java_cls or "software.amazon.awssdk.services.%s.model.%sException" % (jn.lower(), jn),
                   "%s (Service: %s, Status Code: %d, Request ID: %s)" % (message, api.replace(" ", ""), status, rid))
    if lang == "python":
        return Exc("botocore.exceptions.ClientError", "An error occurred (%s) when calling the %s operation: %s" % (code, op, message))
    if lang == "node":
        return Exc(code, message)
    if lang == "go":
        return Exc("", "operation error %s: %s, https response error StatusCode: %d, RequestID: %s, api error %s: %s" % (
            api, op, status, rid, code, message))
    return Exc(dotnet_cls or "Amazon.%s.Amazon%sException" % (api.replace(" ", ""), api.replace(" ", "")), message)


def fail_rec(sc, svc, t, req, msg, exc, lib="none", rid=None, stream=None, level="ERROR", unhandled=None):
    """The error record of a failing request; Lambda reports unhandled errors its own way."""
    if svc.platform == "lambda":
        un = svc.fmt != "lambda-json" if unhandled is None else unhandled
        sc.rec(svc, t + 0.01, level, msg if not un else "", exc, lib, rid=rid, stream=stream,
               fields={"unhandled": True} if un else None)
    else:
        sc.rec(svc, t, level, msg, exc, lib, logger="%s.service.%sService" % (svc.pkg, svc.cls))


def role_of(sc, svc):
    if svc.platform == "lambda":
        return "%s-role-%s" % (svc.name, sc.hexid(8, "abcdefghijklmnopqrstuvwxyz0123456789"))
    if svc.platform == "eks":
        return "%s-%s-irsa" % (sc.cluster, svc.name)
    if svc.platform == "ec2":
        return "%s-instance-role" % svc.name
    return "%s-task-role" % svc.name


def session_of(sc, svc):
    if svc.platform == "lambda":
        return svc.name
    if svc.platform == "ec2":
        return svc.instances[0]
    if svc.platform == "eks":
        return "botocore-session-%d" % sc.r.randint(1700000000, 1799999999)
    return svc.tasks[0]


AWS_TARGETS = {
    "dynamodb": ("DynamoDB", "PutItem", "dynamodb:PutItem", "AccessDeniedException", 400),
    "s3": ("S3", "GetObject", "s3:GetObject", "AccessDenied", 403),
    "sqs": ("SQS", "SendMessage", "sqs:sendmessage", "AccessDenied", 403),
    "secrets": ("Secrets Manager", "GetSecretValue", "secretsmanager:GetSecretValue", "AccessDeniedException", 400),
}


def target_arn(sc, svc, target):
    if target == "dynamodb":
        return "arn:aws:dynamodb:%s:%s:table/%s" % (sc.region, sc.account, svc.table)
    if target == "s3":
        return "arn:aws:s3:::%s-%s-assets/%s/%d.json" % (svc.noun, sc.account[-4:], svc.noun, sc.r.randint(1000, 9999))
    if target == "sqs":
        return "arn:aws:sqs:%s:%s:%s-events" % (sc.region, sc.account, svc.noun)
    return "arn:aws:secretsmanager:%s:%s:secret:%s/db-credentials-%s" % (sc.region, sc.account, svc.name, sc.hexid(6, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def react_restart(sc):
    svc = sc.svc
    t = sc.A + sc.r.uniform(120, max(180, sc.post - 60))
    if svc.platform == "ecs":
        sc.ct(t, "UpdateService", "ecs.amazonaws.com", sc.pool["users"][2],
              params={"cluster": sc.cluster, "service": svc.name, "forceNewDeployment": True},
              resources=[("AWS::ECS::Cluster", sc.cluster), ("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/%s" % (sc.region, sc.account, sc.cluster, svc.name))])
    elif svc.platform == "ec2":
        sc.ct(t, "RebootInstances", "ec2.amazonaws.com", sc.pool["users"][2], params={"instancesSet": {"items": [{"instanceId": svc.instances[0]}]}},
              resources=[("AWS::EC2::Instance", svc.instances[0])])
    elif svc.platform == "lambda":
        sc.ct(t, "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", sc.pool["users"][2],
              params={"functionName": svc.name, "description": "on-call: force cold start"}, resources=[("AWS::Lambda::Function", svc.name)])
    reads = [("ecs.amazonaws.com", "DescribeServices"), ("ecs.amazonaws.com", "DescribeTasks"), ("ec2.amazonaws.com", "DescribeSecurityGroups"),
             ("cloudtrail.amazonaws.com", "LookupEvents"), ("monitoring.amazonaws.com", "GetMetricData"), ("logs.amazonaws.com", "StartQuery")]
    for k in range(sc.r.randint(8, 25)):
        src, name = sc.r.choice(reads)
        sc.ct(sc.A + sc.r.uniform(30, sc.post), name, src, sc.pool["users"][2], readonly=True)
    sc.expected["decoys"].append("on-call reaction after the alarm (restart and reads)")


def add_reactions(sc, rollback=None):
    sc.reactions = []
    if sc.spec.get("restart", True):
        sc.reactions.append(lambda: react_restart(sc))
    if rollback and sc.spec.get("rollback", sc.r.random() < 0.5):
        def rb():
            t = sc.A + sc.r.uniform(200, max(260, sc.post - 30))
            rollback(t)
            sc.expected["decoys"].append("rollback of the cause after the alarm at %s" % iso(t))
        sc.reactions.append(rb)


@kind("iam")
def k_iam(sc, v):
    r, spec = sc.r, sc.spec
    if not spec.get("region"):
        sc.region = "us-east-1"     # IAM events show in us-east-1's LookupEvents only
    svc = sc.primary("ecs", "spring")
    v = v or "detach"
    target = spec.get("target", r.choice(sorted(AWS_TARGETS)))
    api, op, action, code, status = AWS_TARGETS[target]
    role = role_of(sc, svc)
    sess = session_of(sc, svc)
    res = target_arn(sc, svc, target)
    if v == "trust":
        # The service assumes a second role; the change drops it from that role's trust
        # policy. Running sessions keep working until their credentials expire (1 h).
        trole = spec.get("assumed_role", "%s-%s-writer" % (svc.name.split("-")[0], target if target != "secrets" else "vault"))
        timing(sc, r.uniform(46, 58) * 60, ramp_s=r.uniform(420, 900))
        msg = "User: arn:aws:sts::%s:assumed-role/%s/%s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::%s:role/%s" % (
            sc.account, role, sess, sc.account, trole)
        api, op, code, status, action = "STS", "AssumeRole", "AccessDenied", 403, "sts:AssumeRole"
    else:
        timing(sc, r.uniform(4, 30), ramp_s=r.uniform(0, 60))
        msg = "User: arn:aws:sts::%s:assumed-role/%s/%s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action" % (
            sc.account, role, sess, action, res, action)
    fail = spec.get("fail", r.uniform(0.45, 0.95))
    sc.state_fn = lambda t: {"fail": fail * ramp(t, sc.O, sc.ramp_s)}
    verb = {"dynamodb": "store", "s3": "load", "sqs": "publish", "secrets": "read credentials for"}[target]

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        fail_rec(sc, svc_, t, req, "failed to %s %s %d" % (verb, svc_.noun, req["id"]),
                 aws_exc(sc, svc_, api, op, code, msg, status), "aws", rid, stream)
        return 500, None
    sc.on_fail = on_fail
    user = sc.pool["users"][0] if sc.set == "dev" else sc.pool["users"][6]
    pol = "arn:aws:iam::%s:policy/%s-%s-access" % (sc.account, svc.name, target)
    if v == "detach":
        eid = sc.ct(sc.C, "DetachRolePolicy", "iam.amazonaws.com", user, params={"roleName": role, "policyArn": pol},
                    resources=[("AWS::IAM::Policy", pol), ("AWS::IAM::Role", role)], force=True)
        undo = lambda t: sc.ct(t, "AttachRolePolicy", "iam.amazonaws.com", sc.pool["users"][2], params={"roleName": role, "policyArn": pol},
                               resources=[("AWS::IAM::Policy", pol), ("AWS::IAM::Role", role)], force=True)
        what = "DetachRolePolicy %s from %s" % (pol, role)
    elif v in ("inline", "delete_inline"):
        pname = "%s-runtime" % svc.name
        if v == "inline":
            other = [a for a in ("dynamodb:GetItem", "s3:PutObject", "sqs:ReceiveMessage", "logs:PutLogEvents") if a.split(":")[0] != action.split(":")[0]]
            doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": other[:2], "Resource": "*"}]}
            eid = sc.ct(sc.C, "PutRolePolicy", "iam.amazonaws.com", user,
                        params={"roleName": role, "policyName": pname, "policyDocument": jdump(doc)},
                        resources=[("AWS::IAM::Role", role)], force=True)
            what = "PutRolePolicy %s on %s narrowed the policy" % (pname, role)
        else:
            eid = sc.ct(sc.C, "DeleteRolePolicy", "iam.amazonaws.com", user, params={"roleName": role, "policyName": pname},
                        resources=[("AWS::IAM::Role", role)], force=True)
            what = "DeleteRolePolicy %s on %s" % (pname, role)
        undo = lambda t: sc.ct(t, "PutRolePolicy", "iam.amazonaws.com", sc.pool["users"][2],
                               params={"roleName": role, "policyName": pname, "policyDocument": jdump({"Version": "2012-10-17", "Statement": [
                                   {"Effect": "Allow", "Action": [action], "Resource": res}]})},
                               resources=[("AWS::IAM::Role", role)], force=True)
    else:
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:role/%s" % (sc.account, sc.other_role())},
                                                       "Action": "sts:AssumeRole"}]}
        eid = sc.ct(sc.C, "UpdateAssumeRolePolicy", "iam.amazonaws.com", user,
                    params={"roleName": trole, "policyDocument": jdump(doc)}, resources=[("AWS::IAM::Role", trole)], force=True)
        undo = None
        what = "UpdateAssumeRolePolicy on %s dropped %s from its trust policy" % (trole, role)
    expect_change(sc, eid, what=what)
    sc.window()
    add_reactions(sc, undo)


def db_endpoint(sc, svc, engine):
    if engine == "redis":
        return "%s-cache.%s.ng.0001.%s.cache.amazonaws.com" % (svc.noun, sc.hexid(6), sc.region.replace("-", "")[:6]), 6379
    port = 5432 if engine == "postgres" else 3306
    return "%ss-db.cluster-%s.%s.rds.amazonaws.com" % (svc.noun, sc.hexid(12, "abcdefghijklmnopqrstuvwxyz0123456789"), sc.region), port


def connect_timeout_exc(sc, svc, host, port, ip, engine):
    lang = svc.lang
    if lang == "java":
        if engine == "redis":
            return Exc("io.lettuce.core.RedisConnectionException", "Unable to connect to %s/<unresolved>:%d" % (host, port),
                       cause=Exc("io.netty.channel.ConnectTimeoutException", "connection timed out after 10000 ms: %s/%s:%d" % (host, ip, port))), "net"
        if engine == "https":
            return Exc("org.apache.http.conn.ConnectTimeoutException", "Connect to %s:%d [%s/%s] failed: Connect timed out" % (host, port, host, ip)), "net"
        return Exc("org.postgresql.util.PSQLException" if engine == "postgres" else "com.mysql.cj.jdbc.exceptions.CommunicationsException",
                   "The connection attempt failed." if engine == "postgres" else "Communications link failure",
                   cause=Exc("java.net.SocketTimeoutException", "Connect timed out")), "jdbc"
    if lang == "python":
        if engine == "https":
            return Exc("requests.exceptions.ConnectTimeout", "HTTPSConnectionPool(host='%s', port=%d): Max retries exceeded with url: /v1/charges (Caused by ConnectTimeoutError(<urllib3.connection.HTTPSConnection object at 0x7f%s>, 'Connection to %s timed out. (connect timeout=5)'))" % (host, port, sc.hexid(9), host)), "none"
        if engine == "redis":
            return Exc("redis.exceptions.TimeoutError", "Timeout connecting to server"), "none"
        return Exc("psycopg2.OperationalError" if engine == "postgres" else "pymysql.err.OperationalError",
                   'connection to server at "%s" (%s), port %d failed: Connection timed out' % (host, ip, port) if engine == "postgres"
                   else "(2003, \"Can't connect to MySQL server on '%s' (timed out)\")" % host), "none"
    if lang == "node":
        return Exc("Error", "connect ETIMEDOUT %s:%d" % (ip, port)), "none"
    if lang == "go":
        if engine == "https":
            return Exc("", 'Post "https://%s/v1/charges": dial tcp %s:%d: i/o timeout' % (host, ip, port)), "none"
        return Exc("", "dial tcp %s:%d: i/o timeout" % (ip, port)), "none"
    return Exc("System.TimeoutException", "Connection to %s:%d timed out after 15000ms" % (host, port)), "none"


@kind("sg")
def k_sg(sc, v):
    r, spec = sc.r, sc.spec
    svc = sc.primary("ecs", "logback-json")
    v = v or "db_ingress"
    engine = spec.get("engine", "https" if v == "egress" else r.choice(["postgres", "mysql", "redis"]))
    if engine == "https":
        host, port = r.choice(sc.pool["external"]), 443
        ip = "52.%d.%d.%d" % (r.randint(0, 99), r.randint(0, 255), r.randint(1, 254))
    else:
        host, port = db_endpoint(sc, svc, engine)
        ip = "10.0.%d.%d" % (r.randint(16, 31), r.randint(2, 250))
    if v == "db_ingress" or v == "modify":
        timing(sc, r.uniform(30, 150), ramp_s=r.uniform(180, 600))   # pooled connections survive, new ones fail
    else:
        timing(sc, r.uniform(3, 20), ramp_s=r.uniform(0, 60))
    fail = spec.get("fail", r.uniform(0.4, 0.9))
    sc.state_fn = lambda t: {"fail": fail * ramp(t, sc.O, sc.ramp_s), "fail_lat": 10.0 if engine != "redis" else 5.0}
    what_call = "call %s" % host if engine == "https" else "query %s" % engine
    # With X-Ray, the failing calls' root cause is the unreachable endpoint.
    sc.trace_root = (svc.name, host if engine == "https" else host.split(".")[0], "ConnectTimeoutException", "connect timed out")
    sc.flaky_dep = sc.pool["external"][-1]

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        exc, lib = connect_timeout_exc(sc, svc_, host, port, ip, engine)
        fail_rec(sc, svc_, t + 10, req, "could not %s for %s %d" % (what_call, svc_.noun, req["id"]), exc, lib, rid, stream)
        return (504 if engine == "https" else 500), 10000 + r.uniform(0, 400)
    sc.on_fail = on_fail
    db_sg = "sg-0%s" % sc.hexid(16)
    user = sc.pool["users"][1] if sc.set == "dev" else sc.pool["users"][1]
    also = None
    if v == "db_ingress":
        perm = {"items": [{"ipProtocol": "tcp", "fromPort": port, "toPort": port,
                           "groups": {"items": [{"groupId": sc.sg_app, "description": "%s tasks" % svc.name}]}, "ipRanges": {}}]}
        eid = sc.ct(sc.C, "RevokeSecurityGroupIngress", "ec2.amazonaws.com", user, params={"groupId": db_sg, "ipPermissions": perm},
                    response={"_return": True}, resources=[("AWS::EC2::SecurityGroup", db_sg)])
        what = "RevokeSecurityGroupIngress on the %s security group %s (port %d from %s)" % (engine, db_sg, port, sc.sg_app)
        undo = lambda t: sc.ct(t, "AuthorizeSecurityGroupIngress", "ec2.amazonaws.com", sc.pool["users"][2],
                               params={"groupId": db_sg, "ipPermissions": perm}, response={"_return": True},
                               resources=[("AWS::EC2::SecurityGroup", db_sg)])
    elif v == "modify":
        rule = "sgr-0%s" % sc.hexid(16)
        eid = sc.ct(sc.C, "ModifySecurityGroupRules", "ec2.amazonaws.com", user,
                    params={"ModifySecurityGroupRulesRequest": {"GroupId": db_sg, "SecurityGroupRule": {"tag": 1, "SecurityGroupRuleId": rule,
                            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": port + 1, "ToPort": port + 1,
                                                  "ReferencedGroupId": sc.sg_app, "Description": "%s tasks" % svc.name}}}},
                    response={"ModifySecurityGroupRulesResponse": {"return": True}}, resources=[("AWS::EC2::SecurityGroup", db_sg)])
        what = "ModifySecurityGroupRules moved the %s rule on %s from port %d to %d" % (engine, db_sg, port, port + 1)
        undo = None
    else:
        also = sc.ct(sc.C - r.uniform(8, 40), "AuthorizeSecurityGroupEgress", "ec2.amazonaws.com", user,
                     params={"groupId": sc.sg_app, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                             "ipRanges": {"items": [{"cidrIp": "10.0.0.0/8", "description": "internal only"}]}}]}},
                     response={"_return": True}, resources=[("AWS::EC2::SecurityGroup", sc.sg_app)])
        eid = sc.ct(sc.C, "RevokeSecurityGroupEgress", "ec2.amazonaws.com", user,
                    params={"groupId": sc.sg_app, "ipPermissions": {"items": [{"ipProtocol": "-1", "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}},
                    response={"_return": True}, resources=[("AWS::EC2::SecurityGroup", sc.sg_app)])
        what = "RevokeSecurityGroupEgress 0.0.0.0/0 on %s's security group %s" % (svc.name, sc.sg_app)
        undo = None
    expect_change(sc, eid, also, what=what)
    sc.window()
    if spec.get("context_deploy", True):
        # The service's own earlier deployment names its security group (a real link).
        t = sc.start + r.uniform(300, max(400, (sc.C - sc.start) * 0.6))
        if svc.platform == "ecs":
            sc.ct(t, "UpdateService", "ecs.amazonaws.com", sc.pool["users"][4],
                  params={"cluster": sc.cluster, "service": svc.name, "taskDefinition": "%s:%d" % (svc.name, r.randint(20, 90)),
                          "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0%s" % sc.hexid(16)], "securityGroups": [sc.sg_app], "assignPublicIp": "DISABLED"}}},
                  resources=[("AWS::ECS::Cluster", sc.cluster), ("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/%s" % (sc.region, sc.account, sc.cluster, svc.name))])
            sc.expected["decoys"].append("the service's own earlier deployment (names its security group) at %s" % iso(t))
    add_reactions(sc, undo)


BUGS = {
    "java": lambda sc, svc: Exc("java.lang.NullPointerException", 'Cannot invoke "%s.model.%s.getCurrency()" because "%s" is null' % (svc.pkg, svc.cls, svc.noun)),
    "python": lambda sc, svc: Exc("KeyError", "'%s_region'" % svc.noun),
    "node": lambda sc, svc: Exc("TypeError", "Cannot read properties of undefined (reading '%sId')" % svc.noun),
    "go": lambda sc, svc: Exc("", "runtime error: invalid memory address or nil pointer dereference"),
    "dotnet": lambda sc, svc: Exc("System.NullReferenceException", "Object reference not set to an instance of an object."),
}


@kind("deploy")
def k_deploy(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "ecs_bug"
    plat = {"ecs_bug": "ecs", "ecs_crash": "ecs", "lambda_code": "lambda", "lambda_canary": "lambda", "eks_addon": "eks",
            "codedeploy": "ecs", "leak": "ecs"}[v]
    fmt = {"ecs": "spring-split", "lambda": "lambda-python", "eks": "k8s-json"}[plat]
    svc = sc.primary(plat, fmt)
    user = sc.pool["users"][4]
    old_rev, new_rev = r.randint(30, 300), None
    new_rev = old_rev + 1
    tag = sc.version_tag
    ecs_arn = "arn:aws:ecs:%s:%s:service/%s/%s" % (sc.region, sc.account, sc.cluster, svc.name)
    ecs_res = [("AWS::ECS::Cluster", sc.cluster), ("AWS::ECS::Service", ecs_arn)]
    also = []
    bug = BUGS[svc.lang](sc, svc)
    p_bug = spec.get("fail", r.uniform(0.3, 0.85))

    def register(t):
        return sc.ct(t, "RegisterTaskDefinition", "ecs.amazonaws.com", user,
                     params={"family": svc.name, "taskRoleArn": "arn:aws:iam::%s:role/%s-task-role" % (sc.account, svc.name),
                             "containerDefinitions": [{"name": svc.name, "image": "%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (sc.account, sc.region, svc.name, tag),
                                                       "portMappings": [{"containerPort": 8080}], "essential": True}],
                             "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "1024", "memory": "2048"},
                     response={"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:%s:%s:task-definition/%s:%d" % (sc.region, sc.account, svc.name, new_rev),
                                                  "family": svc.name, "revision": new_rev, "status": "ACTIVE"}})

    if v in ("ecs_bug", "codedeploy"):
        timing(sc, r.uniform(60, 200), ramp_s=r.uniform(120, 420))
        sc.state_fn = lambda t: {"fail": p_bug * ramp(t, sc.O, sc.ramp_s)}

        def on_fail(svc_, t, req, S, rid=None, stream=None):
            if svc_.lang == "go":
                sc.rec(svc_, t, "ERROR", "http: panic serving %s:%d: %s" % (req["client"], r.randint(30000, 60000), bug.message))
            else:
                fail_rec(sc, svc_, t, req, "unhandled error processing %s %d" % (svc_.noun, req["id"]), bug, "none", rid, stream)
            return 500, None
        sc.on_fail = on_fail
        if v == "ecs_bug":
            also.append(register(sc.C - r.uniform(30, 120)))
            eid = sc.ct(sc.C, "UpdateService", "ecs.amazonaws.com", user,
                        params={"cluster": sc.cluster, "service": svc.name, "taskDefinition": "%s:%d" % (svc.name, new_rev), "forceNewDeployment": False},
                        response={"service": {"serviceName": svc.name, "serviceArn": ecs_arn, "taskDefinition": "arn:aws:ecs:%s:%s:task-definition/%s:%d" % (sc.region, sc.account, svc.name, new_rev),
                                              "desiredCount": sc.n_targets, "deployments": [{"status": "PRIMARY", "rolloutState": "IN_PROGRESS"}]}},
                        resources=ecs_res)
            what = "UpdateService %s to task definition %s:%d (image %s)" % (svc.name, svc.name, new_rev, tag)
        else:
            also.append(register(sc.C - r.uniform(30, 120)))
            eid = sc.ct(sc.C, "CreateDeployment", "codedeploy.amazonaws.com", user,
                        params={"applicationName": "AppECS-%s-%s" % (sc.cluster, svc.name), "deploymentGroupName": "DgpECS-%s-%s" % (sc.cluster, svc.name),
                                "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": jdump({"version": 0.0, "Resources": [{"TargetService": {
                                    "Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": "arn:aws:ecs:%s:%s:task-definition/%s:%d" % (sc.region, sc.account, svc.name, new_rev),
                                                                                 "LoadBalancerInfo": {"ContainerName": svc.name, "ContainerPort": 8080}}}}]})}}},
                        response={"deploymentId": "d-%s" % sc.hexid(9, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")})
            what = "CodeDeploy CreateDeployment of %s (task definition %s:%d)" % (svc.name, svc.name, new_rev)
        # The new tasks announce their version when they start.
        for k in range(sc.n_targets):
            t = sc.C + r.uniform(25, 60) + k * min(sc.ramp_s, sc.O - sc.C) / max(1, sc.n_targets)
            sc.rec(svc, t, "INFO", "Started %sApplication in %.3f seconds (process running for %.3f) version=%s" % (
                svc.cls, r.uniform(8, 20), r.uniform(9, 22), tag) if svc.lang == "java" else "server started version=%s port=8080" % tag)
    elif v == "ecs_crash":
        timing(sc, r.uniform(60, 150), ramp_s=r.uniform(120, 300))
        share = spec.get("fail", r.uniform(0.5, 1.0))
        sc.state_fn = lambda t: {"lb_fail": share * ramp(t, sc.O, sc.ramp_s), "healthy": 1 - share * ramp(t, sc.O, sc.ramp_s)}
        sc.on_fail = lambda *a, **k: (500, None)
        sc.alarm_rule = {"qid": "mElb"}
        also.append(register(sc.C - r.uniform(30, 120)))
        eid = sc.ct(sc.C, "UpdateService", "ecs.amazonaws.com", user,
                    params={"cluster": sc.cluster, "service": svc.name, "taskDefinition": "%s:%d" % (svc.name, new_rev),
                            "deploymentConfiguration": {"minimumHealthyPercent": 0, "maximumPercent": 100}},
                    resources=ecs_res)
        what = "UpdateService %s to %s:%d, whose tasks crash at start" % (svc.name, svc.name, new_rev)

        def crashes(t, S):
            if t >= sc.O - 30 and r.random() < 0.5 * share:
                if svc.lang == "java":
                    sc.rec(svc, t + r.uniform(0, 50), "ERROR", "Application run failed",
                           Exc("org.springframework.beans.factory.BeanCreationException",
                               "Error creating bean with name '%sClient': Injection of autowired dependencies failed" % svc.noun,
                               cause=Exc("java.lang.IllegalArgumentException", "Could not resolve placeholder '%s.endpoint' in value \"${%s.endpoint}\"" % (svc.noun, svc.noun))),
                           logger="org.springframework.boot.SpringApplication")
                else:
                    sc.rec(svc, t + r.uniform(0, 50), "FATAL", "startup failed", Exc("Error", "Cannot find module '/app/dist/server.js'"))
        sc.extra_minute.append(crashes)
    elif v in ("lambda_code", "lambda_canary"):
        timing(sc, r.uniform(2, 15), ramp_s=0 if v == "lambda_code" else 0)
        w = 0.1 if v == "lambda_canary" else 1.0
        full = sc.C + r.uniform(600, 1200) if v == "lambda_canary" else sc.C
        sc.state_fn = lambda t: {"fail": p_bug * (w if t < full else 1.0) * ramp(t, sc.O, 0)}
        if v == "lambda_canary":
            bug = Exc("Runtime.ImportModuleError", "Error: Cannot find module 'aws-sdk'\nRequire stack:\n- /var/task/index.js\n- /var/runtime/index.mjs")
            p_bug = 1.0
        ver = r.randint(12, 140)

        def on_fail(svc_, t, req, S, rid=None, stream=None):
            fail_rec(sc, svc_, t, req, "", bug, "none", rid, stream, unhandled=True)
            return 502, r.uniform(3, 40), "error", None
        sc.on_fail = on_fail
        fn_arn = "arn:aws:lambda:%s:%s:function:%s" % (sc.region, sc.account, svc.name)
        code = sc.ct(sc.C - r.uniform(40, 120), "UpdateFunctionCode20150331v2", "lambda.amazonaws.com", user,
                     params={"functionName": svc.name, "s3Bucket": "artifacts-%s-%s" % (sc.account, sc.region), "s3Key": "%s/%s.zip" % (svc.name, tag), "publish": False},
                     response={"functionName": svc.name, "functionArn": fn_arn, "version": "$LATEST", "lastUpdateStatus": "InProgress"},
                     resources=[("AWS::Lambda::Function", svc.name)])
        pub = sc.ct(sc.C - r.uniform(10, 35), "PublishVersion20150331", "lambda.amazonaws.com", user,
                    params={"functionName": svc.name, "description": "release %s" % tag},
                    response={"functionName": svc.name, "functionArn": fn_arn + ":%d" % ver, "version": str(ver)},
                    resources=[("AWS::Lambda::Function", svc.name)])
        if v == "lambda_code":
            eid = sc.ct(sc.C, "UpdateAlias20150331", "lambda.amazonaws.com", user,
                        params={"functionName": svc.name, "name": "live", "functionVersion": str(ver)},
                        response={"aliasArn": fn_arn + ":live", "name": "live", "functionVersion": str(ver)},
                        resources=[("AWS::Lambda::Function", svc.name)])
            also += [code, pub]
            what = "release %s of %s (UpdateFunctionCode, PublishVersion %d, UpdateAlias live)" % (tag, svc.name, ver)
        else:
            eid = sc.ct(sc.C, "UpdateAlias20150331", "lambda.amazonaws.com", user,
                        params={"functionName": svc.name, "name": "live", "functionVersion": str(ver - 1),
                                "routingConfig": {"additionalVersionWeights": {str(ver): 0.1}}},
                        resources=[("AWS::Lambda::Function", svc.name)])
            full_id = sc.ct(full, "UpdateAlias20150331", "lambda.amazonaws.com", user,
                            params={"functionName": svc.name, "name": "live", "functionVersion": str(ver), "routingConfig": {"additionalVersionWeights": {}}},
                            resources=[("AWS::Lambda::Function", svc.name)])
            also += [code, pub, full_id]
            what = "canary of version %d of %s (UpdateAlias with 10%% weight, then 100%%)" % (ver, svc.name)
    elif v == "eks_addon":
        timing(sc, r.uniform(40, 120), ramp_s=r.uniform(60, 240))
        ns_ip = "172.20.0.10"
        dep = r.choice(sc.pool["deps"])
        p = spec.get("fail", r.uniform(0.4, 0.9))
        sc.state_fn = lambda t: {"fail": p * ramp(t, sc.O, sc.ramp_s)}

        def on_fail(svc_, t, req, S, rid=None, stream=None):
            sc.rec(svc_, t + 5, "ERROR", "call to %s failed" % dep,
                   Exc("", 'Get "http://%s.prod.svc.cluster.local:8080/v1/%ss/%d": dial tcp: lookup %s.prod.svc.cluster.local on %s:53: read udp 10.1.%d.%d:%d->%s:53: i/o timeout' % (
                       dep, svc_.noun, req["id"], dep, ns_ip, r.randint(0, 3), r.randint(2, 250), r.randint(30000, 60000), ns_ip)))
            return 502, 5000 + r.uniform(0, 300)
        sc.on_fail = on_fail
        eid = sc.ct(sc.C, "UpdateAddon", "eks.amazonaws.com", sc.pool["users"][5],
                    params={"name": sc.cluster, "addonName": "coredns", "addonVersion": "v1.11.3-eksbuild.2", "resolveConflicts": "OVERWRITE",
                            "configurationValues": jdump({"replicaCount": 1, "corefile": ".:53 {\n    forward . 10.99.0.2\n    cache 30\n}"})},
                    response={"update": {"id": sc.uuid(), "status": "InProgress", "type": "AddonUpdate"}},
                    resources=[("AWS::EKS::Cluster", sc.cluster)])
        what = "UpdateAddon coredns on %s (forwarding to a wrong upstream)" % sc.cluster
    else:  # leak: a release that leaks memory; the OOM kills come hours later
        svc.fmt, svc.lang = spec.get("format", "logback-json"), LANG_OF_FORMAT[spec.get("format", "logback-json")]
        lead = spec.get("lead_min", r.uniform(320, 370)) * 60
        sc.C = sc.O - lead
        sc.trend0 = sc.C
        sc.ramp_s = 0
        sc.expected.update({"ordering": "cause_first", "shape": "gradual"})
        leak_state(sc, svc, sc.C)
        also.append(register(sc.C - r.uniform(30, 120)))
        eid = sc.ct(sc.C, "UpdateService", "ecs.amazonaws.com", user,
                    params={"cluster": sc.cluster, "service": svc.name, "taskDefinition": "%s:%d" % (svc.name, new_rev)},
                    resources=ecs_res)
        what = "UpdateService %s to %s:%d (image %s), which leaks memory" % (svc.name, svc.name, new_rev, tag)
        for k in range(sc.n_targets):
            t = sc.C + r.uniform(40, 200)
            sc.rec(svc, t, "INFO", "Started %sApplication in %.3f seconds version=%s" % (svc.cls, r.uniform(8, 20), tag))
    expect_change(sc, eid, *also, what=what)
    if not hasattr(sc, "start"):
        sc.window(pre_min=r.randint(30, 60) if v == "leak" else None)
    rollback = None
    if plat == "ecs":
        rollback = lambda t: sc.ct(t, "UpdateService", "ecs.amazonaws.com", sc.pool["users"][2],
                                   params={"cluster": sc.cluster, "service": svc.name, "taskDefinition": "%s:%d" % (svc.name, old_rev)},
                                   resources=ecs_res)
    add_reactions(sc, rollback)


@kind("config")
def k_config(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "ssm"
    plat = {"ssm": "ecs", "appconfig": "lambda", "lambda_env": "lambda", "ecs_env": "ecs"}[v]
    svc = sc.primary(plat, {"ecs": "spring", "lambda": "lambda-python"}[plat])
    user = sc.pool["users"][3] if sc.set == "dev" else sc.pool["users"][4]
    p = spec.get("fail", r.uniform(0.35, 0.95))
    key = spec.get("key", r.choice(["pricing.v2.enabled", "checkout.new-flow", "discounts.engine", "tax.provider"]))
    also = []
    if svc.lang == "java":
        exc = Exc("java.lang.IllegalStateException", "%s is on but no rules are loaded for region '%s'" % (key, r.choice(["eu", "apac", "us-east"])))
    elif svc.lang == "python":
        exc = Exc("ValueError", "invalid literal for int() with base 10: '%s'" % r.choice(["unlimited", "30s", "none"]))
    elif svc.lang == "node":
        exc = Exc("TypeError", "Cannot read properties of null (reading 'rate') [flag %s]" % key)
    elif svc.lang == "go":
        exc = Exc("", 'config: parsing "%s": strconv.Atoi: parsing "%s": invalid syntax' % (key, r.choice(["unlimited", "30s"])))
    else:
        exc = Exc("System.FormatException", "The input string '%s' was not in a correct format." % r.choice(["unlimited", "30s"]))
    if v == "ssm":
        pname = "/%s/prod/%s" % (svc.name, key.replace(".", "/"))
        poll = spec.get("poll_s", r.choice([60, 120, 300]))   # how often the service re-reads its parameters
        timing(sc, r.uniform(5, poll), ramp_s=poll)
        eid = sc.ct(sc.C, "PutParameter", "ssm.amazonaws.com", user,
                    params={"name": pname, "type": "String", "overwrite": True, "tier": "Standard"},
                    response={"version": r.randint(3, 60), "tier": "Standard"}, resources=[("AWS::SSM::Parameter", pname)])
        what = "PutParameter %s" % pname
        for k in range(sc.n_targets):
            t = sc.O + k * sc.ramp_s / sc.n_targets + r.uniform(0, 10)
            sc.rec(svc, t, "INFO", "configuration reloaded from SSM parameter %s (%s=true)" % (pname, key), stream="%s/app/%s" % (svc.name, svc.tasks[k % 3]))
    elif v == "appconfig":
        app_id, env_id, prof = sc.hexid(7, "abcdefghijklmnopqrstuvwxyz0123456789"), sc.hexid(7, "abcdefghijklmnopqrstuvwxyz0123456789"), sc.hexid(7, "abcdefghijklmnopqrstuvwxyz0123456789")
        timing(sc, r.uniform(20, 60), ramp_s=r.uniform(300, 600))
        ver = str(r.randint(4, 90))
        eid = sc.ct(sc.C, "StartDeployment", "appconfig.amazonaws.com", user,
                    params={"applicationId": app_id, "environmentId": env_id, "deploymentStrategyId": "AppConfig.Linear20PercentEvery6Minutes",
                            "configurationProfileId": prof, "configurationVersion": ver, "description": "turn on %s" % key},
                    response={"applicationId": app_id, "environmentId": env_id, "deploymentNumber": int(ver) // 3 + 1,
                              "configurationProfileId": prof, "configurationName": "%s-flags" % svc.name, "configurationVersion": ver,
                              "deploymentDurationInMinutes": 30, "growthType": "LINEAR", "growthFactor": 20.0, "state": "DEPLOYING",
                              "percentageComplete": 0.0, "startedAt": iso(sc.C)})
        what = "AppConfig StartDeployment of %s-flags version %s (%s)" % (svc.name, ver, key)
        sc.rec(svc, sc.O, "INFO", "AppConfig: received %s-flags version %s" % (svc.name, ver), rid=sc.uuid())
    elif v == "lambda_env":
        timing(sc, r.uniform(3, 20), ramp_s=0)
        eid = sc.ct(sc.C, "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", user,
                    params={"functionName": svc.name, "environment": {"variables": "HIDDEN_DUE_TO_SECURITY_REASONS"}},
                    response={"functionName": svc.name, "functionArn": "arn:aws:lambda:%s:%s:function:%s" % (sc.region, sc.account, svc.name),
                              "runtime": "python3.12" if svc.lang == "python" else "nodejs20.x", "timeout": 30, "memorySize": 512,
                              "environment": {"variables": "HIDDEN_DUE_TO_SECURITY_REASONS"}, "lastUpdateStatus": "InProgress"},
                    resources=[("AWS::Lambda::Function", svc.name)])
        qname = "%s-jobs" % svc.noun
        exc = aws_exc(sc, svc, "SQS", "SendMessage", "AWS.SimpleQueueService.NonExistentQueue",
                      "The specified queue does not exist for this wsdl version.", 400)
        what = "UpdateFunctionConfiguration of %s (environment changed: the queue URL)" % svc.name
        sc.fail_msg = "could not enqueue %s to %s" % (svc.noun, qname)
    else:
        timing(sc, r.uniform(60, 180), ramp_s=r.uniform(120, 360))
        rev = r.randint(20, 200)
        also.append(sc.ct(sc.C - r.uniform(30, 90), "RegisterTaskDefinition", "ecs.amazonaws.com", user,
                          params={"family": svc.name, "containerDefinitions": [{"name": svc.name, "image": "%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (sc.account, sc.region, svc.name, sc.version_tag),
                                                                               "environment": [{"name": "FEATURE_FLAGS", "value": "%s=on" % key}, {"name": "DB_POOL_MAX", "value": "unlimited"}]}]},
                          response={"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:%s:%s:task-definition/%s:%d" % (sc.region, sc.account, svc.name, rev), "revision": rev}}))
        eid = sc.ct(sc.C, "UpdateService", "ecs.amazonaws.com", user,
                    params={"cluster": sc.cluster, "service": svc.name, "taskDefinition": "%s:%d" % (svc.name, rev)},
                    resources=[("AWS::ECS::Cluster", sc.cluster), ("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/%s" % (sc.region, sc.account, sc.cluster, svc.name))])
        what = "UpdateService %s with a task definition whose environment turns on %s" % (svc.name, key)
    sc.state_fn = lambda t: {"fail": p * ramp(t, sc.O, sc.ramp_s)}
    msg = getattr(sc, "fail_msg", "failed to price %s %d" % (svc.noun, 0))

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        fail_rec(sc, svc_, t, req, msg.replace(" 0", " %d" % req["id"]), exc, "aws" if v == "lambda_env" else "none", rid, stream)
        return 500, None
    sc.on_fail = on_fail
    expect_change(sc, eid, *also, what=what)
    sc.window()
    add_reactions(sc)


def unknown_host_exc(sc, svc, host, port):
    lang = svc.lang
    if lang == "java":
        return Exc("java.net.UnknownHostException", "%s: Name or service not known" % host)
    if lang == "python":
        return Exc("socket.gaierror", "[Errno -2] Name or service not known")
    if lang == "node":
        return Exc("Error", "getaddrinfo ENOTFOUND %s" % host)
    if lang == "go":
        return Exc("", "dial tcp: lookup %s on 10.0.0.2:53: no such host" % host)
    return Exc("System.Net.Http.HttpRequestException", "Name or service not known (%s:%d)" % (host, port))


def resolver_logs(sc, names, bad_name=None, bad_from=None, bad_rcode="NXDOMAIN"):
    """Route 53 Resolver query logs: every answer NOERROR, all window long; after
    bad_from the queries for bad_name answer bad_rcode."""
    r = sc.r
    vpc = "vpc-0%s" % sc.hexid(16)
    grp = "/aws/route53resolver/%s" % vpc
    sc.add_group(grp)
    t = sc.start
    rate = r.uniform(2, 6) / 60.0
    while True:
        t += r.expovariate(rate)
        if t >= sc.end_gen:
            break
        name = bad_name if (bad_name and r.random() < 0.35) else r.choice(names)
        bad = bad_name and name == bad_name and t >= bad_from
        o = {"version": "1.100000", "account_id": sc.account, "region": sc.region, "vpc_id": vpc,
             "query_timestamp": iso(t), "query_name": name + ".", "query_type": r.choice(["A", "A", "AAAA"]), "query_class": "IN",
             "rcode": bad_rcode if bad else "NOERROR",
             "answers": [] if bad else [{"Rdata": "10.0.%d.%d" % (r.randint(0, 40), r.randint(2, 250)), "Type": "A", "Class": "IN"}],
             "srcaddr": "10.0.%d.%d" % (r.randint(0, 3), r.randint(2, 250)), "srcport": str(r.randint(30000, 60000)),
             "transport": "UDP", "srcids": {"instance": "i-0%s" % sc.hexid(16)}}
        sc.log(grp, "%s_%s" % (vpc, sc.hexid(8)), t, jdump(o))


@kind("dns")
def k_dns(sc, v):
    r, spec = sc.r, sc.spec
    if not spec.get("region"):
        sc.region = "us-east-1"     # Route 53 events show in us-east-1's LookupEvents only
    v = v or "cname_typo"
    svc = sc.primary("ecs", "spring")
    dep = r.choice(sc.pool["deps"])
    host = "%s.%s" % (dep, sc.pool["internal"])
    ttl = spec.get("ttl", r.choice([60, 300]))
    timing(sc, r.uniform(3, ttl * 0.5), ramp_s=ttl)
    p = spec.get("fail", r.uniform(0.4, 0.9))
    sc.state_fn = lambda t: {"fail": p * ramp(t, sc.O, sc.ramp_s)}
    wrong_ip = "10.0.%d.%d" % (r.randint(40, 60), r.randint(2, 250))

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        if v == "wrong_ip":
            exc = {"java": Exc("java.net.ConnectException", "Connection refused: %s/%s:8443" % (host, wrong_ip)),
                   "python": Exc("ConnectionRefusedError", "[Errno 111] Connection refused"),
                   "node": Exc("Error", "connect ECONNREFUSED %s:8443" % wrong_ip),
                   "go": Exc("", 'Post "https://%s:8443/v1/%ss": dial tcp %s:8443: connect: connection refused' % (host, svc_.noun, wrong_ip)),
                   "dotnet": Exc("System.Net.Http.HttpRequestException", "Connection refused (%s:8443)" % host)}[svc_.lang]
        else:
            exc = unknown_host_exc(sc, svc_, host, 8443)
        fail_rec(sc, svc_, t, req, "call to %s failed for %s %d" % (host, svc_.noun, req["id"]), exc, "net", rid, stream)
        return 502, None
    sc.on_fail = on_fail
    zone = "Z0%s" % sc.hexid(19, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    if v == "cname_typo":
        ch = {"action": "UPSERT", "resourceRecordSet": {"name": host + ".", "type": "CNAME", "tTL": ttl,
                                                         "resourceRecords": [{"value": "%s-nlb-%s.elb.%s.amazonaws.co" % (dep, sc.hexid(10), sc.region)}]}}
        what = "UPSERT of %s to a mistyped target" % host
    elif v == "delete":
        ch = {"action": "DELETE", "resourceRecordSet": {"name": host + ".", "type": "A", "tTL": ttl,
                                                         "resourceRecords": [{"value": "10.0.%d.%d" % (r.randint(0, 30), r.randint(2, 250))}]}}
        what = "DELETE of the record %s" % host
    else:
        ch = {"action": "UPSERT", "resourceRecordSet": {"name": host + ".", "type": "A", "tTL": ttl, "resourceRecords": [{"value": wrong_ip}]}}
        what = "UPSERT of %s to a stale address %s" % (host, wrong_ip)
    eid = sc.ct(sc.C, "ChangeResourceRecordSets", "route53.amazonaws.com", sc.pool["users"][0],
                params={"hostedZoneId": zone, "changeBatch": {"changes": [ch], "comment": "cleanup of old records" if v == "delete" else "cutover"}},
                response={"changeInfo": {"id": "/change/C0%s" % sc.hexid(19, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), "status": "PENDING", "submittedAt": iso(sc.C)}},
                resources=[("AWS::Route53::HostedZone", zone)], force=True)
    expect_change(sc, eid, what=what)
    sc.window()
    if spec.get("resolver", True):
        others = ["%s.%s" % (x, sc.pool["internal"]) for x in sc.pool["deps"] if x != dep] + ["sts.%s.amazonaws.com" % sc.region,
                                                                                             "logs.%s.amazonaws.com" % sc.region]
        resolver_logs(sc, others, host, sc.O if v != "wrong_ip" else 1e12)
    add_reactions(sc)


@kind("kms")
def k_kms(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "disable"
    svc = sc.primary("ecs", "spring-split")
    kid = sc.uuid()
    karn = "arn:aws:kms:%s:%s:key/%s" % (sc.region, sc.account, kid)
    timing(sc, r.uniform(2, 30), ramp_s=spec.get("ramp_s", r.choice([0, 0, 300])))   # data-key caches hide it for a while
    p = spec.get("fail", r.uniform(0.4, 0.95))
    sc.state_fn = lambda t: {"fail": p * ramp(t, sc.O, sc.ramp_s)}
    role = role_of(sc, svc)
    if v == "disable":
        code, msg = "DisabledException", "%s is disabled." % karn
    elif v == "deletion":
        code, msg = "KMSInvalidStateException", "%s is pending deletion." % karn
    else:
        code, msg = "AccessDeniedException", ("User: arn:aws:sts::%s:assumed-role/%s/%s is not authorized to perform: kms:Decrypt on resource: %s "
                                              "because no resource-based policy allows the kms:Decrypt action") % (sc.account, role, session_of(sc, svc), karn)

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        fail_rec(sc, svc_, t, req, "could not decrypt the data key of %s %d" % (svc_.noun, req["id"]),
                 aws_exc(sc, svc_, "KMS", "Decrypt", code, msg, 400, java_cls="software.amazon.awssdk.services.kms.model.%s" % (
                     code if code != "AccessDeniedException" else "KmsException")), "aws", rid, stream)
        return 500, None
    sc.on_fail = on_fail
    user = sc.pool["users"][0]
    key_param = karn if r.random() < 0.5 else kid
    if v == "disable":
        eid = sc.ct(sc.C, "DisableKey", "kms.amazonaws.com", user, params={"keyId": key_param}, resources=[("AWS::KMS::Key", karn)])
        what = "DisableKey %s" % kid
    elif v == "deletion":
        eid = sc.ct(sc.C, "ScheduleKeyDeletion", "kms.amazonaws.com", user, params={"keyId": key_param, "pendingWindowInDays": 7},
                    response={"keyId": karn, "deletionDate": iso(sc.C + 7 * 86400), "keyState": "PendingDeletion", "pendingWindowInDays": 7},
                    resources=[("AWS::KMS::Key", karn)])
        what = "ScheduleKeyDeletion %s" % kid
    else:
        pol = {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % sc.account}, "Action": "kms:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": "platform"}}}]}
        eid = sc.ct(sc.C, "PutKeyPolicy", "kms.amazonaws.com", user,
                    params={"keyId": key_param, "policyName": "default", "policy": jdump(pol), "bypassPolicyLockoutSafetyCheck": False},
                    resources=[("AWS::KMS::Key", karn)])
        what = "PutKeyPolicy on %s (the service role lost kms:Decrypt)" % kid
    expect_change(sc, eid, what=what)
    sc.window()
    undo = (lambda t: sc.ct(t, "EnableKey", "kms.amazonaws.com", sc.pool["users"][2], params={"keyId": karn}, resources=[("AWS::KMS::Key", karn)])) if v == "disable" else \
        (lambda t: sc.ct(t, "CancelKeyDeletion", "kms.amazonaws.com", sc.pool["users"][2], params={"keyId": karn}, resources=[("AWS::KMS::Key", karn)])) if v == "deletion" else None
    add_reactions(sc, undo)


@kind("lambda_cfg")
def k_lambda_cfg(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "timeout"
    svc = sc.primary("lambda", "lambda-python", access="apigw" if v == "concurrency" else None)
    sc.lambda_mem = spec.get("memory", r.choice([512, 1024, 1536]))
    user = sc.pool["users"][3] if sc.set == "dev" else sc.pool["users"][4]
    fn_arn = "arn:aws:lambda:%s:%s:function:%s" % (sc.region, sc.account, svc.name)
    res = [("AWS::Lambda::Function", svc.name)]
    timing(sc, r.uniform(2, 12), ramp_s=0)
    if v == "timeout":
        new_to = spec.get("timeout", r.choice([3, 5]))
        p = spec.get("fail", r.uniform(0.25, 0.6))
        sc.state_fn = lambda t: {"fail": p if t >= sc.O else 0.0}

        def on_fail(svc_, t, req, S, rid=None, stream=None):
            d = new_to * 1000.0
            st = stream or svc_.stream(t)
            if svc_.fmt == "lambda-json":
                sc.log(svc_.group, st, t + new_to, jdump({"timestamp": iso_ms(t + new_to), "level": "ERROR", "message": "Task timed out after %d.00 seconds" % new_to, "requestId": rid}))
            else:
                sc.log(svc_.group, st, t + new_to, "%s %s Task timed out after %d.00 seconds" % (iso_ms(t + new_to), rid, new_to))
            return 504, d, "timeout", None
        eid = sc.ct(sc.C, "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", user,
                    params={"functionName": svc.name, "timeout": new_to},
                    response={"functionName": svc.name, "functionArn": fn_arn, "timeout": new_to, "memorySize": sc.lambda_mem, "lastUpdateStatus": "InProgress"},
                    resources=res)
        what = "UpdateFunctionConfiguration of %s: timeout set to %d s" % (svc.name, new_to)
        sc.alarm_rule = {"qid": "lErr"}
    elif v == "memory":
        new_mem = 128
        p = spec.get("fail", r.uniform(0.3, 0.8))
        sc.state_fn = lambda t: {"fail": p if t >= sc.O else 0.0}

        def on_fail(svc_, t, req, S, rid=None, stream=None):
            st = stream or svc_.stream(t)
            if svc_.fmt == "lambda-json":
                sc.log(svc_.group, st, t + 0.8, jdump({"time": iso_ms(t + 0.8), "type": "platform.runtimeDone", "record": {"requestId": rid, "status": "error", "errorType": "Runtime.OutOfMemory"}}))
            else:
                sc.log(svc_.group, st, t + 0.8, "RequestId: %s Error: Runtime exited with error: signal: killed\nRuntime.ExitError" % rid)
            return 502, r.uniform(600, 2500), "error", "Runtime.OutOfMemory", new_mem
        eid = sc.ct(sc.C, "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", user,
                    params={"functionName": svc.name, "memorySize": new_mem},
                    response={"functionName": svc.name, "functionArn": fn_arn, "memorySize": new_mem, "timeout": 30, "lastUpdateStatus": "InProgress"},
                    resources=res)
        what = "UpdateFunctionConfiguration of %s: memory %d -> %d MB" % (svc.name, sc.lambda_mem, new_mem)
        sc.after = [lambda: setattr(sc, "lambda_mem", sc.lambda_mem)]
    else:
        cap = spec.get("reserved", r.choice([1, 2, 5]))
        sc.state_fn = lambda t: {"throttle": 0.8 if t >= sc.O else 0.0}
        sc.apigw_error = {429: "Rate Exceeded.", 500: "Internal server error"}

        def on_fail(svc_, t, req, S, rid=None, stream=None):
            return 500, None
        eid = sc.ct(sc.C, "PutFunctionConcurrency20171031", "lambda.amazonaws.com", user,
                    params={"functionName": svc.name, "reservedConcurrentExecutions": cap},
                    response={"reservedConcurrentExecutions": cap}, resources=res)
        what = "PutFunctionConcurrency on %s: reserved concurrency %d" % (svc.name, cap)
        sc.alarm_rule = {"qid": "lThr"}
    sc.on_fail = on_fail
    expect_change(sc, eid, what=what)
    sc.window()
    add_reactions(sc)


@kind("scaling")
def k_scaling(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "ecs_zero"
    plat = {"ecs_zero": "ecs", "asg_shrink": "ec2", "workers_zero": "ec2"}[v]
    svc = sc.primary(plat, {"ecs": "spring", "ec2": "syslog"}[plat], access="nginx" if v == "asg_shrink" else None)
    user = sc.pool["users"][3] if sc.set == "dev" else sc.pool["users"][4]
    if v == "ecs_zero":
        timing(sc, r.uniform(20, 60), ramp_s=r.uniform(20, 60))
        sc.state_fn = lambda t: {"lb_fail": ramp(t, sc.O, sc.ramp_s), "healthy": 1 - ramp(t, sc.O, sc.ramp_s), "tasks": 1 - ramp(t, sc.O, sc.ramp_s)}
        sc.on_fail = lambda *a, **k: (500, None)
        for k in range(sc.n_targets):
            t = sc.O + r.uniform(0, sc.ramp_s)
            st = "%s/app/%s" % (svc.name, svc.tasks[k % 3])
            sc.rec(svc, t, "INFO", "Received SIGTERM, shutting down gracefully", stream=st)
            sc.rec(svc, t + 0.5, "INFO", "Stopping service [Tomcat]" if svc.lang == "java" else "server closed", stream=st)
        eid = sc.ct(sc.C, "UpdateService", "ecs.amazonaws.com", user,
                    params={"cluster": sc.cluster, "service": svc.name, "desiredCount": 0},
                    response={"service": {"serviceName": svc.name, "desiredCount": 0, "runningCount": sc.n_targets}},
                    resources=[("AWS::ECS::Cluster", sc.cluster), ("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/%s" % (sc.region, sc.account, sc.cluster, svc.name))])
        what = "UpdateService %s desiredCount 0" % svc.name
        sc.alarm_rule = {"qid": "mElb", "periods": 1}
    elif v == "asg_shrink":
        timing(sc, r.uniform(60, 200), ramp_s=r.uniform(300, 900))
        keep = spec.get("keep", 0.34)
        sc.n_targets = 6

        def st(t):
            k = ramp(t, sc.O, sc.ramp_s)
            cap = 1 - (1 - keep) * k
            over = max(0.0, 0.6 / cap - 1.0)     # the load the remaining hosts cannot take
            return {"tasks": cap, "healthy": 1.0, "lat": over * 4.0, "fail": min(0.6, over * 0.6), "cpu": min(60.0, over * 90)}
        sc.state_fn = st

        def on_fail(svc_, t, req, S, rid=None, stream=None):
            kind_, grp = svc_.access
            sc.log("/ec2/%s/nginx/error" % svc_.name, svc_.instances[0], t + 60,
                   '%s [error] %d#%d: *%d upstream timed out (110: Connection timed out) while reading response header from upstream, client: %s, server: %s.%s, request: "%s %s HTTP/1.1", upstream: "http://127.0.0.1:8080%s", host: "%s.%s"' % (
                       dt(t + 60).strftime("%Y/%m/%d %H:%M:%S"), svc_.pid, svc_.pid, r.randint(10000, 999999), req["client"], svc_.name, sc.pool["domain"],
                       req["method"], req["path"], req["path"], svc_.name, sc.pool["domain"]))
            return 504, 60000.0
        sc.on_fail = on_fail
        sc.add_group("/ec2/%s/nginx/error" % svc.name)
        asg = "%s-asg" % svc.name
        eid = sc.ct(sc.C, "UpdateAutoScalingGroup", "autoscaling.amazonaws.com", user,
                    params={"autoScalingGroupName": asg, "minSize": 1, "maxSize": 2, "desiredCapacity": 2},
                    resources=[("AWS::AutoScaling::AutoScalingGroup", asg)])
        for k in range(4):
            sc.ct(sc.O + k * sc.ramp_s / 4 + r.uniform(0, 30), "TerminateInstances", "ec2.amazonaws.com", "", invoked_by="autoscaling.amazonaws.com",
                  params={"instancesSet": {"items": [{"instanceId": "i-0%s" % sc.hexid(16)}]}})
        what = "UpdateAutoScalingGroup %s max 6 -> 2" % asg
        sc.alarm_rule = {"qid": "mLat", "floor": 0.5}
    else:
        # Queue workers scaled to zero: no errors anywhere, the backlog grows.
        timing(sc, r.uniform(30, 120), ramp_s=r.uniform(30, 90))
        sc.state_fn = lambda t: {"rate": 1 - ramp(t, sc.O, sc.ramp_s), "tasks": 1 - ramp(t, sc.O, sc.ramp_s)}
        sc.on_fail = lambda *a, **k: (500, None)
        asg = "%s-workers" % svc.name
        svc.worker = True
        eid = sc.ct(sc.C, "SetDesiredCapacity", "autoscaling.amazonaws.com", user,
                    params={"autoScalingGroupName": asg, "desiredCapacity": 0, "honorCooldown": False},
                    resources=[("AWS::AutoScaling::AutoScalingGroup", asg)])
        for k in range(3):
            sc.rec(svc, sc.O + r.uniform(0, sc.ramp_s), "INFO", "worker %d received SIGTERM, finishing in-flight messages and exiting" % k)
        q = "%s-jobs" % svc.noun
        qd = [("QueueName", q)]
        rate = sc.base_rpm
        sc.extra_series = [
            ("qAge", "AWS/SQS", "ApproximateAgeOfOldestMessage", qd, "Maximum",
             lambda m, s: r.uniform(2, 30) if m < sc.O else (m - sc.O) + r.uniform(0, 20)),
            ("qVis", "AWS/SQS", "ApproximateNumberOfMessagesVisible", qd, "Average",
             lambda m, s: r.uniform(0, 40) if m < sc.O else rate * (m - sc.O) / 60.0 * sc.diurnal(m)),
            ("qDel", "AWS/SQS", "NumberOfMessagesDeleted", qd, "Sum", lambda m, s: rate * sc.diurnal(m) * s["rate"])]
        what = "SetDesiredCapacity %s 0" % asg
        sc.alarm_rule = {"qid": "qAge", "threshold": 600.0, "periods": 1}
        sc.wants_queue = True
    expect_change(sc, eid, what=what)
    sc.window()
    add_reactions(sc)


# ---- kinds with no change involved -------------------------------------------------------

@kind("cert")
def k_cert(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "partner"
    sc.O = sc.O // 60 * 60          # certificates expire on the second they say
    no_change(sc, "step")
    if v == "alb":
        svc = sc.primary("ecs", "logback-json")
        sc.state_fn = lambda t: {"rate": 0.06 if t >= sc.O else 1.0}
        sc.on_fail = lambda *a, **k: (500, None)
        cert = "arn:aws:acm:%s:%s:certificate/%s" % (sc.region, sc.account, sc.uuid())
        sc.alb_cert_id = cert.rsplit("/", 1)[1]
        base = sc.base_rpm
        sc.extra_series = [
            ("tls", "AWS/ApplicationELB", "ClientTLSNegotiationErrorCount", [("LoadBalancer", sc.lb)], "Sum",
             lambda m, s: float(sc.poisson(base * sc.diurnal(m) * 0.94)) if m >= sc.O else float(r.randint(0, 2))),
            ("acm", "AWS/CertificateManager", "DaysToExpiry", [("CertificateArn", cert)], "Minimum",
             lambda m, s: (0.0 if m >= sc.O else 1.0) if int(m) % 3600 < 60 else None)]
        sc.alarm_rule = {"qid": "tls", "periods": 2}
        kw = ["ClientTLSNegotiationErrorCount", "DaysToExpiry", "certificate", "TLS"]
    else:
        plat = spec.get("platform", "ecs")
        svc = sc.primary(plat, "spring")
        host = r.choice(sc.pool["external"])
        p = spec.get("fail", r.uniform(0.3, 0.8))
        sc.state_fn = lambda t: {"fail": p if t >= sc.O else 0.0}
        na = dt(sc.O)
        lang = svc.lang
        if v == "mtls":
            exc = {"go": Exc("", 'Post "https://%s/v2/verify": remote error: tls: expired certificate' % host),
                   "java": Exc("javax.net.ssl.SSLHandshakeException", "Received fatal alert: certificate_expired"),
                   "python": Exc("ssl.SSLError", "[SSL: SSLV3_ALERT_CERTIFICATE_EXPIRED] sslv3 alert certificate expired (_ssl.c:2580)"),
                   "node": Exc("Error", "write EPROTO 00000000:error:0A000415:SSL routines:ssl3_read_bytes:sslv3 alert certificate expired:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 45"),
                   "dotnet": Exc("System.Security.Authentication.AuthenticationException", "Authentication failed: the remote party sent a TLS alert: 'CertificateExpired'.")}[lang]
            kw = ["certificate", "tls", "SSL"]
        else:
            exc = {"java": Exc("javax.net.ssl.SSLHandshakeException", "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
                               cause=Exc("java.security.cert.CertificateExpiredException", "NotAfter: %s" % na.strftime("%a %b %d %H:%M:%S UTC %Y"))),
                   "python": Exc("requests.exceptions.SSLError", "HTTPSConnectionPool(host='%s', port=443): Max retries exceeded with url: /v2/rates (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))" % host),
                   "node": Exc("Error", "certificate has expired"),
                   "go": Exc("", 'Get "https://%s/v2/rates": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time %s is after %s' % (
                       host, iso(sc.O + 3), iso(sc.O))),
                   "dotnet": Exc("System.Net.Http.HttpRequestException", "The SSL connection could not be established, see inner exception.",
                                 cause=Exc("System.Security.Authentication.AuthenticationException", "The remote certificate is invalid because of errors in the certificate chain: NotTimeValid"))}[lang]
            kw = ["certificate", "PKIX", "CertPathValidator", "x509", "SSL", "CERT_HAS_EXPIRED"]

        def on_fail(svc_, t, req, S, rid=None, stream=None):
            fail_rec(sc, svc_, t, req, "call to %s failed for %s %d" % (host, svc_.noun, req["id"]), exc, "ssl", rid, stream)
            return 502, None
        sc.on_fail = on_fail
    sc.expected["keywords"] = kw
    sc.expected["cause"] = "certificate expired at %s (%s)" % (iso(sc.O), v)
    sc.window()
    add_reactions(sc)


@kind("disk")
def k_disk(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "ec2"
    plat = {"ec2": "ec2", "eks": "eks", "pg": "ec2"}[v]
    svc = sc.primary(plat, {"ec2": "syslog", "eks": "k8s-json", "pg": "pylog"}[v], access="nginx" if v == "ec2" else None)
    no_change(sc, "gradual")
    sc.trend0 = sc.O - spec.get("fill_min", r.uniform(90, 300)) * 60
    d0 = r.uniform(55, 78)
    p = spec.get("fail", r.uniform(0.35, 0.9))

    def disk(t):
        return d0 + (100 - d0) * ramp(t, sc.trend0, sc.O - sc.trend0)
    sc.state_fn = lambda t: {"fail": p if t >= sc.O else 0.0, "disk": disk(t)}
    path = {"ec2": "/var/lib/%s/spool" % svc.name, "eks": "/tmp/%s-render" % svc.noun, "pg": "pg_wal/xlogtemp.%d" % r.randint(1000, 9999)}[v]

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        lang = svc_.lang
        if v == "pg":
            sc.log(pg_group, "postgresql-%s" % svc_.instances[0], t - 0.2,
                   '%s UTC:10.0.%d.%d(%d):app@%s:[%d]:PANIC:  could not write to file "%s": No space left on device' % (
                       dt(t).strftime("%Y-%m-%d %H:%M:%S"), r.randint(0, 3), r.randint(2, 250), r.randint(30000, 60000), svc_.noun, r.randint(2000, 9000), path))
            exc = Exc("psycopg2.OperationalError", "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.")
        else:
            exc = {"java": Exc("java.io.IOException", "No space left on device"),
                   "python": Exc("OSError", "[Errno 28] No space left on device: '%s/%d.tmp'" % (path, req["id"])),
                   "node": Exc("Error", "ENOSPC: no space left on device, write"),
                   "go": Exc("", "write %s/%d.part: no space left on device" % (path, req["id"])),
                   "dotnet": Exc("System.IO.IOException", "No space left on device : '%s/%d.tmp'" % (path, req["id"]))}[lang]
        fail_rec(sc, svc_, t, req, "could not write %s %d" % (svc_.noun, req["id"]), exc, "io", rid, stream)
        if svc_.access and r.random() < 0.3:
            sc.log("/ec2/%s/nginx/error" % svc_.name, svc_.instances[0], t,
                   '%s [crit] %d#%d: *%d pwrite() "/var/cache/nginx/client_temp/%010d" failed (28: No space left on device), client: %s, server: %s' % (
                       dt(t).strftime("%Y/%m/%d %H:%M:%S"), svc_.pid, svc_.pid, r.randint(1000, 99999), r.randint(1, 99999999), req["client"], svc_.name))
        return 500, None
    sc.on_fail = on_fail
    pg_group = "/ec2/%s/postgresql" % svc.name
    if v == "pg":
        sc.add_group(pg_group)
    if svc.access:
        sc.add_group("/ec2/%s/nginx/error" % svc.name)
    iid = svc.instances[0]
    if v == "eks":
        sc.extra_series = [("dsk", "ContainerInsights", "node_filesystem_utilization",
                            [("ClusterName", sc.cluster), ("InstanceId", iid), ("NodeName", svc.hosts[0] + ".ec2.internal")], "Average",
                            lambda m, s: min(100.0, s["disk"] + r.gauss(0, 0.3)))]
        kw = ["No space left", "ENOSPC", "node_filesystem_utilization", "ephemeral-storage"]

        def evict(t, S):
            if t >= sc.O and r.random() < 0.2:
                sc.log(svc.group, "kubelet", t + 7, jdump({"log": "I%s kubelet eviction_manager.go:366] \"Eviction manager: attempting to reclaim\" resourceName=\"ephemeral-storage\"\n" % dt(t).strftime("%m%d %H:%M:%S.000000"),
                                                          "stream": "stderr", "kubernetes": {"host": svc.hosts[0]}}))
        sc.extra_minute.append(evict)
    else:
        mount = "/" if v == "ec2" else "/var/lib/pgsql"
        sc.extra_series = [("dsk", "CWAgent", "disk_used_percent", [("InstanceId", iid), ("path", mount), ("device", "nvme1n1" if mount != "/" else "nvme0n1p1"),
                                                                   ("fstype", "xfs")], "Average", lambda m, s: min(100.0, s["disk"] + r.gauss(0, 0.2)))]
        kw = ["No space left", "disk_used_percent"]
    sc.alarm_rule = {"qid": "m5xx"} if spec.get("alarm_on", "errors") == "errors" else {"qid": "dsk", "threshold": 95.0, "periods": 1}
    sc.expected["keywords"] = kw
    sc.expected["cause"] = "disk full (%s) at %s after filling since %s" % (path, iso(sc.O), iso(sc.trend0))
    sc.window()
    add_reactions(sc)


def leak_state(sc, svc, t0):
    """Memory of each task rises from t0 and reaches its limit at O (the first OOM kill);
    the other tasks follow within minutes; a killed task restarts fresh."""
    r = sc.r
    n = sc.n_targets
    kills = [sc.O] + sorted(sc.O + r.uniform(120, 1500) for _ in range(n - 1))
    base = r.uniform(28, 42)
    sc.kills = kills

    def mem_task(k, t):
        life = kills[k] - t0
        if t < t0:
            return base
        if t < kills[k]:
            return base + (100 - base) * (t - t0) / life
        return base + (100 - base) * (t - kills[k]) / life + 2.0

    def st(t):
        mems = [mem_task(k, t) for k in range(n)]
        down = sum(1 for k in range(n) if kills[k] <= t < kills[k] + 150)
        gc = max(0.0, (max(mems) - 85) / 15.0)
        return {"mem": sum(mems) / n, "fail": 0.9 * down / n, "lb_fail": 0.3 * down / n,
                "healthy": 1 - down / float(n), "lat": gc * 0.6}
    sc.state_fn = st
    sc.alarm_rule = {"qid": "m5xx", "periods": 1}
    lang = svc.lang

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        if lang == "java":
            sc.rec(svc_, t, "ERROR", "Servlet.service() for servlet [dispatcherServlet] threw exception",
                   Exc("java.lang.OutOfMemoryError", "Java heap space", frames=["java.base/java.util.Arrays.copyOf(Arrays.java:3541)",
                                                                               "%s.cache.%sCache.put(%sCache.java:77)" % (svc_.pkg, svc_.cls, svc_.cls)]))
        elif lang == "python":
            sc.rec(svc_, t, "ERROR", "worker failed on %s %d" % (svc_.noun, req["id"]), Exc("MemoryError", ""))
        elif lang == "node":
            sc.rec(svc_, t, "FATAL", "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory")
        else:
            sc.rec(svc_, t, "ERROR", "request failed: upstream connection closed while %s %d was in flight" % (svc_.noun, req["id"]))
        return 502, None
    sc.on_fail = on_fail

    def warn(t, S):
        m = S["mem"]
        if m > 80 and svc.lang == "java" and r.random() < (m - 80) / 20.0:
            sc.rec(svc, t + r.uniform(0, 59), "WARN", "GC overhead: Full GC (Allocation Failure) %dM->%dM(%dM) %.3fs" % (
                int(m * 20), int(m * 19.5), 2048, 0.3 + (m - 80) / 10.0), logger="jvm.gc")
    sc.extra_minute.append(warn)

    def kill_events():
        for k, t in enumerate(sc.kills):
            if t >= sc.end_gen:
                continue
            task = svc.tasks[k % 3]
            if svc.platform == "ecs":
                grp = "/aws/events/ecs-task-state-change"
                sc.add_group(grp)
                ev = {"version": "0", "id": sc.uuid(), "detail-type": "ECS Task State Change", "source": "aws.ecs", "account": sc.account,
                      "time": iso(t + 8), "region": sc.region, "resources": ["arn:aws:ecs:%s:%s:task/%s/%s" % (sc.region, sc.account, sc.cluster, task)],
                      "detail": {"clusterArn": "arn:aws:ecs:%s:%s:cluster/%s" % (sc.region, sc.account, sc.cluster),
                                 "containers": [{"name": svc.name, "exitCode": 137, "lastStatus": "STOPPED", "reason": "OutOfMemoryError: Container killed due to memory usage"}],
                                 "desiredStatus": "STOPPED", "group": "service:%s" % svc.name, "lastStatus": "STOPPED",
                                 "stopCode": "EssentialContainerExited", "stoppedReason": "Essential container in task exited",
                                 "taskArn": "arn:aws:ecs:%s:%s:task/%s/%s" % (sc.region, sc.account, sc.cluster, task)}}
                sc.log(grp, "ecs-events", t + 8, jdump(ev))
            elif svc.platform == "ec2":
                host = svc.hosts[k % 3]
                proc = {"java": "java", "python": "python3", "node": "node"}.get(svc.lang, svc.name)
                for j, text in enumerate([
                        "kernel: [%d.%06d] Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:%dkB oom_score_adj:0" % (
                            r.randint(100000, 999999), r.randint(0, 999999), svc.pid, proc, r.randint(5000000, 9000000), r.randint(3800000, 3990000), r.randint(8000, 9000)),
                        "systemd[1]: %s.service: A process of this unit has been killed by the OOM killer." % svc.name,
                        "systemd[1]: %s.service: Main process exited, code=killed, status=9/KILL" % svc.name,
                        "systemd[1]: %s.service: Failed with result 'oom-kill'." % svc.name]):
                    sc.log(svc.group, svc.instances[k % 3], t + j * 0.01, "%s %s %s" % (syslog_date(t), host, text))
            else:
                sc.log(svc.group, "%s.prod-application.log" % svc.pods[k % 3], t + 5,
                       wrap_k8s(svc, t + 5, "Last State: Terminated Reason: OOMKilled Exit Code: 137 (container %s restarted)" % svc.name, "stderr"))
    sc.after = [kill_events]


@kind("leak")
def k_leak(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "ecs"
    plat = {"ecs": "ecs", "ec2": "ec2", "eks": "eks"}[v]
    svc = sc.primary(plat, {"ecs": "spring", "ec2": "syslog", "eks": "k8s-json"}[v])
    no_change(sc, "gradual")
    sc.trend0 = sc.O - spec.get("leak_min", r.uniform(150, 330)) * 60
    leak_state(sc, svc, sc.trend0)
    mm = {"ecs": "MemoryUtilization", "ec2": "mem_used_percent", "eks": "pod_memory_utilization"}[v]
    sc.expected["keywords"] = ["OutOfMemory", "out of memory", "OOMKilled", "oom-kill", "OOM killer", "heap space", "MemoryError", mm]
    sc.expected["cause"] = "memory leak since about %s, first OOM kill at %s" % (iso(sc.trend0), iso(sc.O))
    sc.window(pre_min=r.randint(20, 60))
    add_reactions(sc)


@kind("surge")
def k_surge(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "campaign"
    plat = "lambda" if v == "lambda" else spec.get("platform", "ecs")
    svc = sc.primary(plat, "logback-json" if plat != "lambda" else "lambda-python", access="apigw" if plat == "lambda" else None)
    no_change(sc, "step" if v != "bot" else "gradual")
    mult = spec.get("mult", r.uniform(4.5, 6.5))
    rmp = spec.get("ramp_s", 60 if v != "bot" else r.uniform(300, 900))
    promo = r.choice(["blackfriday", "summer-sale", "launch-week", "flash-deal"])

    def st(t):
        k = ramp(t, sc.O, rmp)
        load = 1 + (mult - 1) * k
        over = max(0.0, load / 2.4 - 1)      # capacity covers 2.4x the normal load
        return {"rate": load, "lat": over * 1.5, "fail": min(0.5, over * 0.25), "cpu": min(55.0, (load - 1) * 20)}
    sc.state_fn = st
    if v == "lambda":
        sc.state_fn = lambda t: dict(st(t), throttle=min(0.4, max(0.0, 1 + (mult - 1) * ramp(t, sc.O, rmp) - 3.0) * 0.15), fail=0.0, lat=0.0)
        sc.apigw_error = {429: "Rate Exceeded.", 500: "Internal server error"}
    orig_new_req = sc.new_req

    def new_req(svc_, t):
        q = orig_new_req(svc_, t)
        if t >= sc.O and sc.r.random() < 0.75:
            q["method"], q["path"] = "GET", "/api/promotions/%s" % promo if sc.set == "dev" else "/v2/campaigns/%s/offers" % promo
        return q
    sc.new_req = new_req

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        if svc_.lang == "java":
            sc.rec(svc_, t, "ERROR", "request rejected for %s" % req["path"],
                   Exc("java.util.concurrent.RejectedExecutionException", "Task rejected from java.util.concurrent.ThreadPoolExecutor@%s[Running, pool size = 200, active threads = 200, queued tasks = 1000, completed tasks = %d]" % (sc.hexid(8), r.randint(10 ** 6, 10 ** 7))))
        else:
            sc.rec(svc_, t, "ERROR", "request timed out after 30000ms waiting for a worker (%s)" % req["path"])
        return 503, 30000.0
    sc.on_fail = on_fail
    sc.expected["keywords"] = ["RequestCount", "Invocations", "ConcurrentExecutions", promo]
    sc.expected["cause"] = "traffic surge x%.1f from %s (%s)" % (mult, iso(sc.O), promo)
    sc.alarm_rule = {"qid": "mLat", "floor": 0.3} if plat != "lambda" else {"qid": "lThr", "floor": 3}
    sc.window()
    sc.reactions = []
    if plat == "ecs":
        def scale_out():
            for k in range(r.randint(1, 3)):
                t = sc.O + r.uniform(120, 600) + k * 300
                sc.ct(t, "UpdateService", "ecs.amazonaws.com", "", invoked_by="ecs.application-autoscaling.amazonaws.com",
                      params={"cluster": sc.cluster, "service": svc.name, "desiredCount": sc.n_targets + 2 * (k + 1)},
                      resources=[("AWS::ECS::Cluster", sc.cluster), ("AWS::ECS::Service", "arn:aws:ecs:%s:%s:service/%s/%s" % (sc.region, sc.account, sc.cluster, svc.name))])
            sc.expected["decoys"].append("autoscaling scale-out of the service after the onset")
        sc.reactions.append(scale_out)
    sc.reactions.append(lambda: react_restart(sc))


@kind("dependency")
def k_dependency(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "internal"
    svc = sc.primary(spec.get("platform", "ecs"), "logback-json")
    no_change(sc, "step")
    sc.xray = True
    p = spec.get("fail", r.uniform(0.35, 0.8))
    rmp = spec.get("ramp_s", r.choice([0, 120, 300]))
    sc.state_fn = lambda t: {"fail": p * ramp(t, sc.O, rmp)}
    sc.flaky_dep = sc.pool["external"][-1]
    if v == "internal":
        dep = r.choice(sc.pool["deps"])
        url = "http://%s.%s:8080/v1/%ss" % (dep, sc.pool["internal"], svc.noun)
        sc.trace_root = (dep, dep, "InternalServerError", "upstream connect error or disconnect/reset before headers. reset reason: connection termination")
        kw = [dep]
    else:
        dep = [x for x in sc.pool["external"] if x != sc.flaky_dep][0]
        url = "https://%s/v3/check" % dep
        sc.trace_root = (svc.name, dep, "SocketTimeoutException", "Read timed out")
        kw = [dep]
    lang = svc.lang

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        if v == "internal":
            exc = {"java": Exc("org.springframework.web.client.HttpServerErrorException$ServiceUnavailable", '503 Service Unavailable: "no healthy upstream"'),
                   "python": Exc("requests.exceptions.HTTPError", "503 Server Error: Service Unavailable for url: %s/%d" % (url, req["id"])),
                   "node": Exc("AxiosError", "Request failed with status code 503"),
                   "go": Exc("", "%s: unexpected status 503 Service Unavailable" % dep),
                   "dotnet": Exc("System.Net.Http.HttpRequestException", "Response status code does not indicate success: 503 (Service Unavailable).")}[lang]
            fail_rec(sc, svc_, t + 0.2, req, "call to %s failed: GET %s/%d" % (dep, url, req["id"]), exc, "web", rid, stream)
            return 502, None
        exc = {"java": Exc("java.net.SocketTimeoutException", "Read timed out"),
               "python": Exc("requests.exceptions.ReadTimeout", "HTTPSConnectionPool(host='%s', port=443): Read timed out. (read timeout=10)" % dep),
               "node": Exc("AxiosError", "timeout of 10000ms exceeded"),
               "go": Exc("", 'Post "%s": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' % url),
               "dotnet": Exc("System.Threading.Tasks.TaskCanceledException", "The request was canceled due to the configured HttpClient.Timeout of 10 seconds elapsing.")}[lang]
        fail_rec(sc, svc_, t + 10, req, "call to %s failed: POST %s" % (dep, url), exc, "net", rid, stream)
        return 504, 10000.0 + r.uniform(0, 200)
    sc.on_fail = on_fail
    if v == "internal" and spec.get("breaker", True):
        def breaker(t, S):
            if S["fail"] > 0.2 and r.random() < 0.3:
                sc.rec(svc, t + r.uniform(0, 59), "WARN", "CircuitBreaker '%s' is OPEN and does not permit further calls" % dep)
        sc.extra_minute.append(breaker)
    sc.expected["keywords"] = kw
    sc.expected["cause"] = "dependency %s failing from %s" % (dep, iso(sc.O))
    sc.window()
    add_reactions(sc)


@kind("throttle")
def k_throttle(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "dynamodb"
    plat = "lambda" if v in ("ssm", "lambda") else spec.get("platform", "ecs")
    svc = sc.primary(plat, "lambda-python" if plat == "lambda" else "spring")
    no_change(sc, "step")
    p = spec.get("fail", r.uniform(0.2, 0.6))
    rmp = spec.get("ramp_s", r.choice([60, 300, 600]))
    load = spec.get("load", r.uniform(1.0, 1.8))
    sc.state_fn = lambda t: {"fail": p * ramp(t, sc.O, rmp), "rate": 1 + (load - 1) * ramp(t, sc.O, rmp)}
    if v == "dynamodb":
        args = ("DynamoDB", "PutItem", "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.", 400)
        td = [("TableName", svc.table)]
        sc.extra_series = [("wthr", "AWS/DynamoDB", "WriteThrottleEvents", td, "Sum", lambda m, s: float(sc.poisson(s["fail"] * sc.base_rpm * 2))),
                           ("wcu", "AWS/DynamoDB", "ConsumedWriteCapacityUnits", td, "Sum", lambda m, s: sc.base_rpm * 3 * sc.diurnal(m) * min(s["rate"], 1.2))]
        kw = ["ProvisionedThroughputExceeded", "Throttl", "WriteThrottleEvents"]
    elif v == "kinesis":
        stream = "%s-events" % svc.noun
        args = ("Kinesis", "PutRecord", "ProvisionedThroughputExceededException",
                "Rate exceeded for shard shardId-00000000000%d in stream %s under account %s." % (r.randint(0, 7), stream, sc.account), 400)
        sc.extra_series = [("kthr", "AWS/Kinesis", "WriteProvisionedThroughputExceeded", [("StreamName", stream)], "Average",
                            lambda m, s: round(s["fail"] * 0.8, 3))]
        kw = ["Rate exceeded", "ProvisionedThroughputExceeded", "Throttl"]
    else:
        args = ("SSM", "GetParameters", "ThrottlingException", "Rate exceeded", 400)
        kw = ["ThrottlingException", "Rate exceeded", "Throttl"]

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        fail_rec(sc, svc_, t, req, "%s failed for %s %d after 3 retries" % (args[1], svc_.noun, req["id"]),
                 aws_exc(sc, svc_, *args), "aws", rid, stream)
        return 500, None
    sc.on_fail = on_fail
    if spec.get("trigger_job", True):
        # What drives the load: a scheduled job of another team, visible in its own logs.
        o = sc.take("others")
        osvc = Svc(sc, o, "job", "ecs", "logback-json" if sc.set == "dev" else "zap")
        osvc.group = "/ecs/%s" % o
        sc.add_group(osvc.group)
        sc.rec(osvc, sc.O - r.uniform(5, 40), "INFO", "nightly backfill started: %d partitions" % r.randint(20, 400))
        t = sc.O
        while t < sc.O + 3600:
            sc.rec(osvc, t, "INFO", "backfill partition %d done" % r.randint(1, 400))
            t += r.uniform(20, 90)
    sc.expected["keywords"] = kw
    sc.expected["cause"] = "throttling (%s) from %s" % (v, iso(sc.O))
    sc.window()
    add_reactions(sc)


@kind("quota")
def k_quota(sc, v):
    r, spec = sc.r, sc.spec
    v = v or "rds_pg"
    svc = sc.primary(spec.get("platform", "ecs"), "spring")
    no_change(sc, "gradual")
    sc.trend0 = sc.O - spec.get("creep_min", r.uniform(30, 150)) * 60
    maxc = spec.get("max_connections", r.choice([100, 200, 400, 800]))
    c0 = maxc * r.uniform(0.25, 0.45)
    p = spec.get("fail", r.uniform(0.3, 0.8))

    def conns(t):
        return min(maxc, c0 + (maxc - c0) * ramp(t, sc.trend0, sc.O - sc.trend0))
    sc.state_fn = lambda t: {"fail": p * ramp(t, sc.O, 120), "conns": conns(t), "fail_lat": 30.0}
    db = "%s-db" % svc.noun
    lang = svc.lang
    if v in ("rds_pg", "mysql"):
        sc.extra_series = [("dbc", "AWS/RDS", "DatabaseConnections", [("DBInstanceIdentifier", db)], "Maximum",
                            lambda m, s: float(round(min(maxc, s["conns"] + r.uniform(-2, 2)))))]
        if v == "rds_pg":
            dbmsg = r.choice(["FATAL: sorry, too many clients already", "FATAL: remaining connection slots are reserved for non-replication superuser connections"])
            kw = ["DatabaseConnections", "too many clients", "connection slots"]
        else:
            dbmsg = "ERROR 1040 (08004): Too many connections"
            kw = ["DatabaseConnections", "Too many connections"]
        exc = {"java": Exc("org.postgresql.util.PSQLException" if v == "rds_pg" else "java.sql.SQLNonTransientConnectionException", dbmsg),
               "python": Exc("psycopg2.OperationalError" if v == "rds_pg" else "pymysql.err.OperationalError", dbmsg),
               "node": Exc("Error", dbmsg), "go": Exc("", "pq: " + dbmsg.split(": ", 1)[1] if v == "rds_pg" else dbmsg),
               "dotnet": Exc("Npgsql.PostgresException" if v == "rds_pg" else "MySqlConnector.MySqlException", dbmsg)}[lang]
    else:
        size = r.choice([10, 20, 30])
        kw = ["Connection is not available", "pool exhausted", "waiting="]
        exc = {"java": Exc("java.sql.SQLTransientConnectionException", "HikariPool-1 - Connection is not available, request timed out after 30000ms (total=%d, active=%d, idle=0, waiting=%d)" % (size, size, r.randint(40, 200))),
               "python": Exc("sqlalchemy.exc.TimeoutError", "QueuePool limit of size %d overflow 0 reached, connection timed out, timeout 30.00" % size),
               "node": Exc("Error", "Knex: Timeout acquiring a connection. The pool is probably full."),
               "go": Exc("", "sql: connection pool exhausted: %d/%d in use" % (size, size)),
               "dotnet": Exc("System.InvalidOperationException", "Timeout expired. The timeout period elapsed prior to obtaining a connection from the pool.")}[lang]

        def pool_stats(t, S):
            active = int(min(size, size * S["conns"] / maxc + 1))
            sc.rec(svc, t + r.uniform(0, 59), "DEBUG" if active < size else "WARN",
                   "HikariPool-1 - Pool stats (total=%d, active=%d, idle=%d, waiting=%d)" % (size, active, size - active, 0 if active < size else r.randint(20, 200)),
                   logger="com.zaxxer.hikari.pool.HikariPool")
        if lang == "java":
            sc.extra_minute.append(pool_stats)

    def on_fail(svc_, t, req, S, rid=None, stream=None):
        fail_rec(sc, svc_, t + 30, req, "could not get a database connection for %s %d" % (svc_.noun, req["id"]), exc, "jdbc", rid, stream)
        return 500, 30000.0
    sc.on_fail = on_fail
    sc.expected["keywords"] = kw
    sc.expected["cause"] = "connection limit reached (%s, max %d) at %s" % (v, maxc, iso(sc.O))
    sc.window()
    add_reactions(sc)


if __name__ == "__main__":
    main()
