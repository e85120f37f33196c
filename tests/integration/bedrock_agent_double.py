"""A strict double of Agents for Amazon Bedrock (bedrock-agent, restJson1, SigV4 signing
name "bedrock") for the operations `fa2 kb` uses, because moto_server has no data sources
or ingestion jobs:

  POST /knowledgebases/                                          ListKnowledgeBases
  GET  /knowledgebases/{kb}                                      GetKnowledgeBase
  POST /knowledgebases/{kb}/datasources/                         ListDataSources
  PUT  /knowledgebases/{kb}/datasources/{ds}/ingestionjobs/      StartIngestionJob (202)
  GET  /knowledgebases/{kb}/datasources/{ds}/ingestionjobs/{job} GetIngestionJob

What it checks, as the service does: the SigV4 signature (recomputed with botocore over
the headers fa2 signed; a mismatch is 403 InvalidSignatureException), the method and path,
Content-Type application/json on requests with a body and no body on GETs, the members of
each body (unknown ones are ValidationException), maxResults 1..1000, nextToken as issued,
clientToken 33..256 characters of [a-zA-Z0-9-], unknown ids (404 ResourceNotFoundException),
a second job while one runs (409 ConflictException, unless the same clientToken: then the
same job), and it pages listings by page_size. Answers use the documented shapes
(timestamps ISO 8601). A job walks through `script` (a list of (status, statistics,
failureReasons)) one step per GetIngestionJob; throttle_gets answers that many
GetIngestionJob calls with 429 ThrottlingException first."""
import datetime
import json
import re
import uuid

import agent_doubles


def iso(dt=None):
    return (dt or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stats(scanned=0, new=0, modified=0, deleted=0, failed=0):
    return {"numberOfDocumentsScanned": scanned, "numberOfMetadataDocumentsScanned": 0,
            "numberOfNewDocumentsIndexed": new, "numberOfModifiedDocumentsIndexed": modified,
            "numberOfMetadataDocumentsModified": 0, "numberOfDocumentsDeleted": deleted,
            "numberOfDocumentsFailed": failed}


class Server(agent_doubles.Doubles):
    def __init__(self, akid, secret, region):
        super().__init__(akid, secret, region, "unused")
        self.RequestHandlerClass = Handler
        self.kbs = {}          # id -> {"name", "status", "sources": {ds_id: name}}
        self.page_size = 100
        self.jobs = {}         # job id -> dict (kb, ds, token, step, script)
        self.script = [("IN_PROGRESS", stats(3, 1), []), ("COMPLETE", stats(5, 2, 1, 1), [])]
        self.throttle_gets = 0
        self.calls = []        # (operation, path, parsed body)
        self.tokens = {}       # nextToken -> offset

    def add_kb(self, kb_id, name, sources, status="ACTIVE"):
        self.kbs[kb_id] = {"name": name, "status": status, "sources": dict(sources)}


# The service's ids are [0-9a-zA-Z]{10}; moto's knowledge base ids add '-' (t_config_import
# registers one here), so '-' is allowed.
ID_RE = r"[0-9a-zA-Z-]{1,64}"


class Handler(agent_doubles.Handler):
    def fail(self, code, error, what):
        self.server.error("%s %s: %s" % (self.command, self.path, what))
        self.reply(code, {"message": what}, error)

    def common(self, body_expected):
        n = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(n)
        err = self.check_sigv4(body, "bedrock")
        if err:
            self.fail(403, "InvalidSignatureException", err)
            return None
        if not body_expected:
            if body:
                self.fail(400, "ValidationException", "a GET with a body")
                return None
            return {}
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            self.fail(400, "ValidationException", "Content-Type is not application/json")
            return None
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            self.fail(400, "ValidationException", "the body is not JSON")
            return None
        if not isinstance(req, dict):
            self.fail(400, "ValidationException", "the body is not an object")
            return None
        return req

    def members(self, req, allowed):
        extra = sorted(set(req) - set(allowed))
        if extra:
            self.fail(400, "ValidationException", "unknown members %s" % extra)
            return False
        mr = req.get("maxResults")
        if mr is not None and (not isinstance(mr, int) or not 1 <= mr <= 1000):
            self.fail(400, "ValidationException", "maxResults %r is not 1..1000" % (mr,))
            return False
        if "nextToken" in req and req["nextToken"] not in self.server.tokens:
            self.fail(400, "ValidationException", "nextToken was not issued")
            return False
        return True

    def page(self, items, req, key):
        s = self.server
        start = s.tokens.get(req.get("nextToken"), 0)
        size = min(req.get("maxResults") or 1000, s.page_size)
        out = {key: items[start:start + size]}
        if start + size < len(items):
            tok = uuid.uuid4().hex
            s.tokens[tok] = start + size
            out["nextToken"] = tok
        return out

    def kb_or_404(self, kb_id):
        kb = self.server.kbs.get(kb_id)
        if not kb:
            self.fail(404, "ResourceNotFoundException", "no knowledge base %s" % kb_id)
        return kb

    @staticmethod
    def job_state(job):
        if job["step"] < 0:
            return ("STARTING", None, [])
        return job["script"][min(job["step"], len(job["script"]) - 1)]

    def job_view(self, job):
        status, st, reasons = self.job_state(job)
        j = {"knowledgeBaseId": job["kb"], "dataSourceId": job["ds"], "ingestionJobId": job["id"],
             "status": status, "startedAt": job["started"], "updatedAt": iso()}
        if st is not None:
            j["statistics"] = st
        if reasons:
            j["failureReasons"] = reasons
        return {"ingestionJob": j}

    def do_POST(self):
        s = self.server
        if self.path == "/knowledgebases/":
            req = self.common(True)
            if req is None or not self.members(req, ["maxResults", "nextToken"]):
                return
            s.calls.append(("ListKnowledgeBases", self.path, req))
            items = [{"knowledgeBaseId": k, "name": v["name"], "status": v["status"], "updatedAt": iso()}
                     for k, v in sorted(s.kbs.items())]
            return self.reply(200, self.page(items, req, "knowledgeBaseSummaries"))
        m = re.match(r"^/knowledgebases/(%s)/datasources/$" % ID_RE, self.path)
        if m:
            req = self.common(True)
            if req is None or not self.members(req, ["maxResults", "nextToken"]):
                return
            s.calls.append(("ListDataSources", self.path, req))
            kb = self.kb_or_404(m.group(1))
            if not kb:
                return
            items = [{"knowledgeBaseId": m.group(1), "dataSourceId": d, "name": n, "status": "AVAILABLE",
                      "updatedAt": iso()} for d, n in sorted(kb["sources"].items())]
            return self.reply(200, self.page(items, req, "dataSourceSummaries"))
        self.fail(400, "ValidationException", "unexpected POST")

    def do_PUT(self):
        s = self.server
        m = re.match(r"^/knowledgebases/(%s)/datasources/(%s)/ingestionjobs/$" % (ID_RE, ID_RE), self.path)
        if not m:
            return self.fail(400, "ValidationException", "unexpected PUT")
        req = self.common(True)
        if req is None or not self.members(req, ["clientToken", "description"]):
            return
        s.calls.append(("StartIngestionJob", self.path, req))
        tok = req.get("clientToken")
        if tok is not None and (not isinstance(tok, str) or not 33 <= len(tok) <= 256 or
                                not re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}", tok)):
            return self.fail(400, "ValidationException", "clientToken %r is not 33-256 [a-zA-Z0-9-]" % (tok,))
        kb = self.kb_or_404(m.group(1))
        if not kb:
            return
        if m.group(2) not in kb["sources"]:
            return self.fail(404, "ResourceNotFoundException", "no data source %s" % m.group(2))
        for job in s.jobs.values():
            running = self.job_state(job)[0] not in ("COMPLETE", "FAILED", "STOPPED")
            if job["kb"] == m.group(1) and job["ds"] == m.group(2) and running:
                if tok and job["token"] == tok:
                    return self.reply(202, self.job_view(job))
                return self.fail(409, "ConflictException", "an ingestion job is already running for "
                                 "this data source")
        jid = uuid.uuid4().hex[:10].upper()
        job = {"id": jid, "kb": m.group(1), "ds": m.group(2), "token": tok, "step": -1,
               "script": list(s.script), "started": iso()}
        s.jobs[jid] = job
        self.reply(202, self.job_view(job))

    def do_GET(self):
        s = self.server
        m = re.match(r"^/knowledgebases/(%s)/datasources/(%s)/ingestionjobs/(%s)$" % (ID_RE, ID_RE, ID_RE),
                     self.path)
        if m:
            if self.common(False) is None:
                return
            s.calls.append(("GetIngestionJob", self.path, {}))
            with s.lock:
                if s.throttle_gets > 0:
                    s.throttle_gets -= 1
                    return self.reply(429, {"message": "Rate exceeded"}, "ThrottlingException")
            job = s.jobs.get(m.group(3))
            if not job or job["kb"] != m.group(1) or job["ds"] != m.group(2):
                return self.fail(404, "ResourceNotFoundException", "no ingestion job %s" % m.group(3))
            job["step"] += 1
            return self.reply(200, self.job_view(job))
        m = re.match(r"^/knowledgebases/(%s)$" % ID_RE, self.path)
        if m:
            if self.common(False) is None:
                return
            s.calls.append(("GetKnowledgeBase", self.path, {}))
            kb = self.kb_or_404(m.group(1))
            if kb:
                self.reply(200, {"knowledgeBase": {"knowledgeBaseId": m.group(1), "name": kb["name"],
                                                   "status": kb["status"], "createdAt": iso(),
                                                   "updatedAt": iso()}})
            return
        self.fail(400, "ValidationException", "unexpected GET")

