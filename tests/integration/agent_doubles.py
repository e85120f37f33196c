"""Strict doubles for the agent's network peers (Python standard library + botocore from
the machine image):

- Bedrock Runtime Converse (POST /model/{modelId}/converse): checks the SigV4 signature
  (recomputed with botocore for signing name "bedrock" and the same credentials), the
  path, the request shape (roles alternate from user, content blocks well formed,
  toolConfig present, never both temperature and topP) and that the toolResult ids of
  the last user message are exactly the toolUse ids of the previous assistant turn.
  Answers from a script indexed by the number of assistant messages in the request, so
  that a resumed conversation gets the same answers.
- A tool's query-repair call (one user message, no toolConfig) is answered from
  repair_script (a list, consumed in order) when it is set, and recorded in repairs.
- CloudTrail LookupEvents (awsJson1_1: one lookup attribute, newest first, pages of at
  most 50 with an opaque NextToken, an optional rate limit) and Bedrock Agent Runtime
  Retrieve, signed and checked the same way; responses can be delayed to observe
  parallel tool runs.
- Logs Insights (StartQuery/GetQueryResults/StopQuery) over logs_rows: the rows of the
  query's time range, newest first, at most logs_cap (10,000, the service's cap) and the
  query's limit, with statistics.recordsMatched; a StartQuery whose queryString contains
  logs_malformed is rejected with MalformedQueryException, as the service does for bad
  syntax (moto_server ignores the query text).
- Amazon GuardDuty (restJson1, signing name "guardduty"): GET /detector (ListDetectors),
  POST /detector/{id}/findings (ListFindings), POST /detector/{id}/findings/get
  (GetFindings), with the documented request and response shapes; unknown detectors and
  finding ids are BadRequestException, as the service answers. moto has no findings API.
- script_fn(request) -> reply, when set, answers Converse instead of the turn script
  (for one-shot calls, which are all turn 0).
- fail_reply (status, body, error type), when set, answers every valid Converse and chat
  request (AccessDeniedException, a 401 that echoes the key, ...).

Every request is counted; every violation is recorded in Doubles.errors and answered
with HTTP 400 ValidationException."""
import hashlib
import http.server
import json
import re
import threading
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CT_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"

# A causal chain (the hypothesis diagram of docs/report-schema.md) as a model writes it:
# ids, a "next" list with and without edge labels, a UTC time, evidence. Scenarios put it
# in their report's "causalChain"; CAUSAL_CHAIN_DRAWN is what fa2 must draw from it (node
# text as Mermaid shows it, with the time in UTC; shape and class per kind; edges).
CAUSAL_CHAIN = [
    {"id": "chg", "kind": "change", "label": "Lambda timeout lowered to 3 s", "time": "2026-11-25T08:10:00Z",
     "evidence": "audit_log_tool: UpdateFunctionConfiguration by alice", "next": ["slow"]},
    {"id": "slow", "kind": "mechanism", "label": "upstream calls time out",
     "next": [{"id": "err", "label": "within 1 min"}]},
    {"id": "err", "kind": "symptom", "label": "5xx on /pay \"payment failed\"", "next": "alarm"},
    {"id": "alarm", "kind": "alarm", "label": "ALB 5xx alarm"},
]
CAUSAL_CHAIN_DRAWN = {
    "nodes": [
        {"id": "n1", "text": "Lambda timeout lowered to 3 s<br><small>2026-11-25 08:10 UTC</small>"
                             "<br><i>audit_log_tool: UpdateFunctionConfiguration by alice</i>",
         "class": "change", "shape": "hexagon"},
        {"id": "n2", "text": "upstream calls time out", "class": "mechanism", "shape": "square"},
        {"id": "n3", "text": "5xx on /pay \"payment failed\"", "class": "symptom", "shape": "round"},
        {"id": "n4", "text": "ALB 5xx alarm", "class": "alarm", "shape": "stadium"},
    ],
    "edges": [{"from": "n1", "to": "n2", "text": ""}, {"from": "n2", "to": "n3", "text": "within 1 min"},
              {"from": "n3", "to": "n4", "text": ""}],
}


def converse_reply(content, stop):
    return {"output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop, "usage": {"inputTokens": 100, "outputTokens": 20, "totalTokens": 120},
            "metrics": {"latencyMs": 5}}


def tool_use(tid, name, inp):
    return {"toolUse": {"toolUseId": tid, "name": name, "input": inp}}


class Doubles(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, akid, secret, region, model_id):
        super().__init__(("127.0.0.1", 0), Handler)
        self.creds = Credentials(akid, secret)
        self.region = region
        self.model_id = model_id
        self.lock = threading.Lock()
        self.errors = []
        self.converse = []      # (arrival monotonic, turn, parsed body)
        self.converse_done = [] # (reply monotonic, turn)
        self.cloudtrail = []    # (arrival monotonic, parsed body)
        self.retrieve = []
        self.verified = 0
        self.script = {}        # turn -> reply dict
        self.throttle = False
        self.hold_turn = None   # turn whose first request is held for hold_s
        self.hold_s = 0
        self.held = threading.Event()
        self.ct_delay = {}      # eventName -> seconds
        self.ct_events = []     # events LookupEvents serves (newest first, paged, one attribute)
        self.ct_rate = None     # requests per second allowed (None: no limit)
        self.ct_throttled = 0
        self.openai_key = None  # bearer key the chat double insists on
        self.fail_reply = None  # (HTTP status, body, x-amzn-ErrorType or None): Converse and chat
                                # answer every well-formed, authenticated request with it
        self.chat_script = {}   # turn -> OpenAI chat completion reply
        self.chat = []          # parsed chat requests
        self.logs_rows = []     # Logs Insights rows (lists of {field, value}), newest first, with @timestamp
        self.logs_cap = 10000   # rows a query returns at most (the service's cap); None: all
        self.logs_calls = []    # (operation, parsed body)
        self.logs_queries = {}  # queryId -> StartQuery input
        self.logs_malformed = None  # substring of a queryString StartQuery rejects
        self.repair_script = None   # replies to repair calls (no toolConfig, one message)
        self.repairs = []       # parsed repair requests
        self.script_fn = None   # Converse: request -> reply (overrides script)
        self.gd_detectors = []  # GuardDuty detector ids
        self.gd_findings = []   # GuardDuty findings (documented shape), newest updatedAt first or not
        self.gd_calls = []      # (operation, detector id, parsed body)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def error(self, what):
        with self.lock:
            self.errors.append(what)

    def stop(self):
        self.shutdown()
        self.server_close()


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, obj, error_type=None):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.send_header("x-amzn-RequestId", "req-%d" % int(time.time() * 1000))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type + ":http://internal.amazon.com/")
        self.end_headers()
        try:
            self.wfile.write(b)
        except OSError:
            pass

    def invalid(self, what):
        self.server.error("%s %s: %s" % (self.command, self.path, what))
        self.reply(400, {"message": what}, "ValidationException")

    def check_sigv4(self, body, service):
        """Recomputes the signature with botocore over the headers fa2 signed."""
        s = self.server
        m = AUTH_RE.match(self.headers.get("Authorization", ""))
        if not m:
            return "no or malformed Authorization header"
        akid, date8, region, svc, signed, sig = m.groups()
        if akid != s.creds.access_key or region != s.region or svc != service:
            return "credential scope %s/%s/%s, want %s/%s/%s" % (akid, region, svc, s.creds.access_key,
                                                                  s.region, service)
        amz_date = self.headers.get("X-Amz-Date", "")
        if not amz_date.startswith(date8):
            return "X-Amz-Date %r does not match the scope date" % amz_date
        hdrs = {}
        for name in signed.split(";"):
            v = self.headers.get(name)
            if v is None:
                return "signed header %s is missing" % name
            hdrs[name] = v
        req = AWSRequest(method=self.command, url="http://%s%s" % (hdrs.get("host", ""), self.path),
                         data=body, headers=hdrs)
        req.context["timestamp"] = amz_date
        signer = SigV4Auth(s.creds, service, s.region)
        canon = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, canon), req)
        if want != sig:
            return "SigV4 signature mismatch (botocore canonical request:\n%s)" % canon
        with s.lock:
            s.verified += 1
        return None

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if self.path.startswith("/model/"):
            return self.converse(body)
        if self.path == "/v1/chat/completions":
            return self.chat(body)
        if self.path == "/" and self.headers.get("X-Amz-Target") == CT_TARGET:
            return self.lookup_events(body)
        if self.path == "/" and self.headers.get("X-Amz-Target", "").startswith("Logs_20140328."):
            return self.logs(body)
        if self.path.startswith("/knowledgebases/"):
            return self.retrieve(body)
        if self.path.startswith("/detector/"):
            return self.guardduty(body)
        self.invalid("unexpected request")

    def do_GET(self):
        if self.path == "/detector" or self.path.startswith("/detector?"):
            return self.guardduty(b"")
        self.invalid("unexpected request")

    # ---- Bedrock Converse ----
    def converse(self, body):
        s = self.server
        m = re.match(r"^/model/([^/]+)/converse$", self.path)
        if not m or urllib.parse.unquote(m.group(1)) != s.model_id:
            return self.invalid("path %s is not /model/%s/converse" % (self.path, s.model_id))
        err = self.check_sigv4(body, "bedrock")
        if err:
            return self.invalid(err)
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self.invalid("Content-Type is not application/json")
        try:
            req = json.loads(body)
        except ValueError:
            return self.invalid("body is not JSON")
        err = self.check_shape(req)
        if err:
            return self.invalid(err)
        if s.repair_script is not None and "toolConfig" not in req and len(req["messages"]) == 1:
            with s.lock:
                s.repairs.append(req)
                rep = s.repair_script.pop(0) if s.repair_script else None
            if rep is None:
                return self.invalid("no scripted answer for repair call %d" % len(s.repairs))
            return self.reply(200, rep)
        turn = sum(1 for msg in req["messages"] if msg["role"] == "assistant")
        with s.lock:
            s.converse.append((time.monotonic(), turn, req))
            hold = s.hold_turn == turn and not s.held.is_set()
            if hold:
                s.held.set()
        if s.throttle:
            return self.reply(400, {"message": "Too many requests, please wait before trying again."},
                              "ThrottlingException")
        if s.fail_reply:
            return self.reply(*s.fail_reply)
        if hold:
            time.sleep(s.hold_s)
        rep = s.script_fn(req) if s.script_fn else s.script.get(turn)
        if rep is None:
            return self.invalid("no scripted answer for turn %d" % turn)
        self.reply(200, rep)
        with s.lock:
            s.converse_done.append((time.monotonic(), turn))

    def check_shape(self, req):
        msgs = req.get("messages")
        if not isinstance(msgs, list) or not msgs:
            return "messages missing or empty"
        sysb = req.get("system")
        if sysb is not None and not (isinstance(sysb, list) and all("text" in b for b in sysb)):
            return "system must be a list of text blocks"
        ic = req.get("inferenceConfig", {})
        if "temperature" in ic and "topP" in ic:
            return "both temperature and topP were sent"
        tools = req.get("toolConfig", {}).get("tools")
        names = set()
        if tools is not None:
            for t in tools:
                spec = t.get("toolSpec", {})
                if not spec.get("name") or not spec.get("description") or \
                        not isinstance(spec.get("inputSchema", {}).get("json"), dict):
                    return "malformed toolSpec %r" % t
                names.add(spec["name"])
        prev_uses = []
        for i, msg in enumerate(msgs):
            want = "user" if i % 2 == 0 else "assistant"
            if msg.get("role") != want:
                return "message %d has role %r, want %s (roles must alternate from user)" % (i, msg.get("role"), want)
            content = msg.get("content")
            if not isinstance(content, list) or not content:
                return "message %d has no content" % i
            uses, results = [], []
            for b in content:
                keys = set(b)
                if keys == {"text"}:
                    if not isinstance(b["text"], str) or not b["text"].strip():
                        return "message %d has a blank text block" % i
                elif keys == {"toolUse"}:
                    tu = b["toolUse"]
                    if tu.get("name") not in names:
                        return "toolUse of unknown tool %r" % tu.get("name")
                    if not isinstance(tu.get("input"), dict):
                        return "toolUse input is not an object"
                    uses.append(tu["toolUseId"])
                elif keys == {"toolResult"}:
                    tr = b["toolResult"]
                    if tr.get("status") not in ("success", "error"):
                        return "toolResult status %r" % tr.get("status")
                    c = tr.get("content")
                    if not isinstance(c, list) or not c or not all(isinstance(x.get("text"), str) for x in c):
                        return "toolResult content must be text blocks"
                    results.append(tr["toolUseId"])
                else:
                    return "unknown content block %r" % sorted(keys)
            if msg["role"] == "user":
                if sorted(results) != sorted(prev_uses):
                    return "message %d: toolResult ids %r do not match the previous turn's toolUse ids %r" % (
                        i, results, prev_uses)
                prev_uses = []
            else:
                if results:
                    return "assistant message %d carries toolResult blocks" % i
                prev_uses = uses
        if msgs[-1]["role"] != "user":
            return "the last message is not from the user"
        return None

    # ---- OpenAI-compatible chat completions ----
    def chat(self, body):
        s = self.server
        if self.headers.get("Authorization") != "Bearer %s" % s.openai_key:
            self.server.error("chat: Authorization %r" % self.headers.get("Authorization"))
            return self.reply(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
        if "X-Amz-Date" in self.headers or "x-amz-security-token" in self.headers:
            return self.invalid("an OpenAI-compatible request carries AWS signing headers")
        if s.fail_reply:
            with s.lock:
                s.chat.append(json.loads(body))
            return self.reply(*s.fail_reply)
        req = json.loads(body)
        msgs = req.get("messages", [])
        if not msgs or msgs[0].get("role") != "system" or not req.get("model") or not req.get("tools"):
            return self.invalid("chat request lacks system message, model or tools")
        pending = []
        for m in msgs[1:]:
            if m["role"] == "assistant":
                if pending:
                    return self.invalid("tool calls %r were not answered" % pending)
                pending = [c["id"] for c in m.get("tool_calls", [])]
                for c in m.get("tool_calls", []):
                    json.loads(c["function"]["arguments"])
            elif m["role"] == "tool":
                if m.get("tool_call_id") not in pending:
                    return self.invalid("tool message for unknown call %r" % m.get("tool_call_id"))
                pending.remove(m["tool_call_id"])
            elif m["role"] == "user":
                if pending:
                    return self.invalid("user message before the tool results of %r" % pending)
        turn = sum(1 for m in msgs if m["role"] == "assistant")
        with s.lock:
            s.chat.append(req)
        rep = s.chat_script.get(turn)
        if rep is None:
            return self.invalid("no scripted chat answer for turn %d" % turn)
        self.reply(200, rep)

    # ---- CloudTrail LookupEvents ----
    def lookup_events(self, body):
        """As the service: at most one lookup attribute (EventId, EventName, ReadOnly,
        Username, ResourceType, ResourceName, EventSource, AccessKeyId), newest first,
        MaxResults 1..50 (default 50) per page with an opaque NextToken that is only
        valid for the same request; with ct_rate set, more than that many requests in
        one second are throttled (the service allows 2 per second per account)."""
        s = self.server
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
            return self.invalid("Content-Type %r" % self.headers.get("Content-Type"))
        err = self.check_sigv4(body, "cloudtrail")
        if err:
            return self.invalid(err)
        try:
            req = json.loads(body)
        except ValueError:
            return self.invalid("body is not JSON")
        if not isinstance(req.get("StartTime"), (int, float)) or not isinstance(req.get("EndTime"), (int, float)):
            return self.invalid("StartTime/EndTime must be epoch seconds")
        if req["EndTime"] > 1e11 or req["StartTime"] > req["EndTime"]:
            return self.invalid("StartTime/EndTime look like milliseconds or are reversed")
        attrs = req.get("LookupAttributes", [])
        if len(attrs) > 1:
            return self.invalid("LookupEvents takes at most one lookup attribute")
        mr = req.get("MaxResults", 50)
        if not isinstance(mr, int) or not 1 <= mr <= 50:
            return self.invalid("MaxResults out of range")
        key = val = None
        if attrs:
            key, val = attrs[0].get("AttributeKey"), attrs[0].get("AttributeValue")
            if key not in ("EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName",
                           "EventSource", "AccessKeyId") or not isinstance(val, str):
                return self.reply(400, {"__type": "InvalidLookupAttributesException",
                                        "message": "bad lookup attribute %r" % key}, "InvalidLookupAttributesException")
            if key == "ReadOnly" and val not in ("true", "false"):
                return self.reply(400, {"__type": "InvalidLookupAttributesException",
                                        "message": "ReadOnly must be true or false"}, "InvalidLookupAttributesException")
        now = time.monotonic()
        with s.lock:
            s.cloudtrail.append((now, req))
            s.ct_times = [t for t in getattr(s, "ct_times", []) if now - t < 1.0] + [now]
            throttled = s.ct_rate is not None and len(s.ct_times) > s.ct_rate
            if throttled:
                s.ct_throttled += 1
        if throttled:
            return self.reply(400, {"__type": "ThrottlingException", "message": "Rate exceeded"}, "ThrottlingException")
        # An opaque token tied to the request it continues.
        shape = hashlib.sha1(json.dumps({k: v for k, v in req.items() if k not in ("NextToken", "MaxResults")},
                                        sort_keys=True).encode()).hexdigest()[:12]
        off = 0
        if "NextToken" in req:
            tok = req["NextToken"]
            if not isinstance(tok, str) or not tok.startswith(shape + "-"):
                return self.reply(400, {"__type": "InvalidNextTokenException", "message": "Invalid NextToken"},
                                  "InvalidNextTokenException")
            off = int(tok.split("-", 1)[1])
        want = val if key == "EventName" else None
        time.sleep(s.ct_delay.get(want, 0))

        def match(e):
            if not req["StartTime"] <= e["EventTime"] <= req["EndTime"]:
                return False
            if key is None:
                return True
            if key == "ResourceName":
                return any(r.get("ResourceName") == val for r in e.get("Resources", []))
            if key == "ResourceType":
                return any(r.get("ResourceType") == val for r in e.get("Resources", []))
            return e.get({"EventId": "EventId", "EventName": "EventName", "ReadOnly": "ReadOnly",
                          "Username": "Username", "EventSource": "EventSource"}.get(key, key)) == val

        evs = sorted((e for e in s.ct_events if match(e)), key=lambda e: e["EventTime"], reverse=True)
        out = {"Events": evs[off:off + mr]}
        if off + mr < len(evs):
            out["NextToken"] = "%s-%d" % (shape, off + mr)
        self.reply(200, out)

    # ---- CloudWatch Logs Insights (for the benchmark: large result sets) ----
    def logs(self, body):
        s = self.server
        err = self.check_sigv4(body, "logs")
        if err:
            return self.invalid(err)
        op = self.headers["X-Amz-Target"].split(".", 1)[1]
        req = json.loads(body)
        with s.lock:
            s.logs_calls.append((op, req))
        if op == "StartQuery":
            if req.get("endTime", 0) > 1e11:
                return self.invalid("startTime/endTime must be epoch seconds")
            if not 1 <= req.get("limit", 10000) <= 10000:
                return self.invalid("limit must be 1..10000")
            if s.logs_malformed and s.logs_malformed in req.get("queryString", ""):
                return self.reply(400, {"__type": "MalformedQueryException",
                                        "message": "unexpected symbol found ( at line 1 and position 33",
                                        "queryCompileError": {"location": {"start": 32, "end": 33}}},
                                  "MalformedQueryException")
            qid = "q-%d" % len(s.logs_calls)
            with s.lock:
                s.logs_queries[qid] = req
            return self.reply(200, {"queryId": qid})
        if op == "GetQueryResults":
            q = s.logs_queries.get(req.get("queryId"))
            if q is None:
                return self.reply(400, {"__type": "ResourceNotFoundException", "message": "unknown query"},
                                  "ResourceNotFoundException")
            # The rows of the query's time range (startTime..endTime seconds, inclusive),
            # newest first, at most the cap and the query's limit, as the service does.
            lo, hi = q["startTime"] * 1000, q["endTime"] * 1000 + 999
            key = (lo, hi, s.logs_cap, q.get("limit"), len(s.logs_rows))
            b = s._logs_cache.get(key) if hasattr(s, "_logs_cache") else None
            if b is None:
                sel = [r for r in s.logs_rows if lo <= row_ms(r) <= hi]
                cap = min(s.logs_cap or len(sel), q.get("limit", 10000)) if s.logs_cap else len(sel)
                b = json.dumps({"status": "Complete", "results": sel[:cap],
                                "statistics": {"recordsMatched": float(len(sel)),
                                               "recordsScanned": float(len(s.logs_rows))}}).encode()
                s._logs_cache = {key: b}
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)
            return
        if op == "StopQuery":
            return self.reply(200, {"success": True})
        self.invalid("unexpected Logs operation %s" % op)

    # ---- Bedrock Agent Runtime Retrieve ----
    def retrieve(self, body):
        s = self.server
        err = self.check_sigv4(body, "bedrock")
        if err:
            return self.invalid(err)
        req = json.loads(body)
        with s.lock:
            s.retrieve.append(req)
        n = req.get("retrievalConfiguration", {}).get("vectorSearchConfiguration", {}).get("numberOfResults", 5)
        self.reply(200, {"retrievalResults": [
            {"content": {"text": "Runbook %d: restart the pool" % i}, "score": 0.9 - i * 0.1,
             "location": {"type": "S3", "s3Location": {"uri": "s3://kb/runbook-%d.md" % i}}}
            for i in range(min(n, 3))]})


    # ---- GuardDuty (restJson1) ----
    def gd_error(self, code, msg):
        """A service error (not a protocol violation of fa2's)."""
        self.reply(400, {"message": msg, "__type": code}, code)

    def guardduty(self, body):
        s = self.server
        err = self.check_sigv4(body, "guardduty")
        if err:
            return self.invalid(err)
        path = self.path.split("?")[0]
        if self.command == "GET":
            with s.lock:
                s.gd_calls.append(("ListDetectors", None, None))
            return self.reply(200, {"detectorIds": list(s.gd_detectors)})
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self.invalid("Content-Type is not application/json")
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.invalid("body is not JSON")
        m = re.match(r"^/detector/([^/]+)/findings(/get)?$", path)
        if not m:
            return self.invalid("unknown GuardDuty path %s" % path)
        det = urllib.parse.unquote(m.group(1))
        op = "GetFindings" if m.group(2) else "ListFindings"
        with s.lock:
            s.gd_calls.append((op, det, req))
        # The body must be valid for botocore's model of the operation (DetectorId is
        # the path parameter there).
        try:
            import botocore.session
            from botocore.validate import ParamValidator
            shape = botocore.session.get_session().get_service_model("guardduty").operation_model(op).input_shape
            params = wire_to_params(shape, req)
            if not isinstance(params, dict):
                return self.invalid("%s: body is not an object" % op)
            params["DetectorId"] = det
            report = ParamValidator().validate(params, shape)
            if report.has_errors():
                return self.invalid("%s: %s" % (op, report.generate_report()))
        except ImportError:
            pass
        if det not in s.gd_detectors:
            return self.gd_error("BadRequestException", "The request is rejected because the input detectorId is not owned by the current account.")
        known = {"findingCriteria", "sortCriteria", "maxResults", "nextToken"} if op == "ListFindings" \
            else {"findingIds", "sortCriteria"}
        if set(req) - known:
            return self.invalid("%s: unknown members %s" % (op, sorted(set(req) - known)))
        sc = req.get("sortCriteria")
        if sc is not None and (set(sc) - {"attributeName", "orderBy"} or sc.get("orderBy") not in (None, "ASC", "DESC")):
            return self.invalid("%s: malformed sortCriteria %r" % (op, sc))
        if op == "ListFindings":
            mr = req.get("maxResults", 50)
            if not isinstance(mr, int) or not 1 <= mr <= 50:
                return self.invalid("maxResults must be 1..50")
            crit = req.get("findingCriteria", {}).get("criterion", {})
            items = list(s.gd_findings)
            for k, c in crit.items():
                if k != "service.archived" or set(c) - {"eq", "neq"}:
                    return self.invalid("criterion %s %r not modelled by the double" % (k, c))
                if "eq" in c:
                    if c["eq"] not in (["false"], ["true"]):
                        return self.invalid("service.archived eq must be [\"true\"] or [\"false\"]")
                    want = c["eq"] == ["true"]
                    items = [f for f in items if f["service"]["archived"] == want]
            if sc:
                items.sort(key=lambda f: f.get(sc.get("attributeName")), reverse=sc.get("orderBy") == "DESC")
            return self.reply(200, {"findingIds": [f["id"] for f in items[:mr]], "nextToken": ""})
        ids = req.get("findingIds")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 50:
            return self.invalid("findingIds must be a list of 1..50 ids")
        by_id = {f["id"]: f for f in s.gd_findings}
        for i in ids:
            if i not in by_id:
                return self.gd_error("BadRequestException", "finding %s does not exist" % i)
        out = [by_id[i] for i in ids]
        if sc:
            out.sort(key=lambda f: f.get(sc.get("attributeName")), reverse=sc.get("orderBy") == "DESC")
        return self.reply(200, {"findings": out})


def wire_to_params(shape, v):
    """restJson1 body (wire names, e.g. findingCriteria) -> botocore parameters (member
    names, e.g. FindingCriteria); unknown wire names are kept so the validator reports
    them."""
    if shape.type_name == "structure" and isinstance(v, dict):
        by_wire = {m.serialization.get("name", n): (n, m) for n, m in shape.members.items()}
        out = {}
        for k, x in v.items():
            n, m = by_wire.get(k, (k, None))
            out[n] = wire_to_params(m, x) if m is not None else x
        return out
    if shape.type_name == "list" and isinstance(v, list):
        return [wire_to_params(shape.member, x) for x in v]
    if shape.type_name == "map" and isinstance(v, dict):
        return {k: wire_to_params(shape.value, x) for k, x in v.items()}
    return v


def gd_finding(fid, severity, title, ftype, updated, instance="i-0123456789abcdef0", archived=False, count=1):
    """A GuardDuty finding in the GetFindings shape (the fields fa2 reads, and a few more)."""
    return {"accountId": "123456789012", "arn": "arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/" + fid,
            "createdAt": updated, "description": title + " (description)", "id": fid, "partition": "aws",
            "region": "us-east-1", "schemaVersion": "2.0", "severity": severity, "title": title, "type": ftype,
            "updatedAt": updated,
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance}},
            "service": {"archived": archived, "count": count, "serviceName": "guardduty",
                        "detectorId": "d", "eventFirstSeen": updated, "eventLastSeen": updated}}


def row_ms(row):
    """A Logs Insights row's @timestamp ("YYYY-MM-DD HH:MM:SS.mmm" UTC or epoch ms) in ms."""
    import calendar
    v = next((f["value"] for f in row if f.get("field") == "@timestamp"), "0")
    if v.isdigit():
        return int(v)
    base, _, frac = v.partition(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%d %H:%M:%S")) * 1000 + int((frac or "0")[:3].ljust(3, "0"))


def ct_event(name, t, source, user, error=None, read_only=False, resource=None):
    detail = {"eventName": name, "eventSource": source, "readOnly": read_only,
              "userIdentity": {"userName": user}}
    if error:
        detail["errorCode"] = error
        detail["errorMessage"] = "denied"
    ev = {"EventId": hashlib.sha1(("%s%s" % (name, t)).encode()).hexdigest(), "EventName": name,
          "ReadOnly": "true" if read_only else "false", "EventTime": t, "EventSource": source,
          "Username": user, "CloudTrailEvent": json.dumps(detail)}
    if resource:
        ev["Resources"] = [{"ResourceType": "AWS::Lambda::Function", "ResourceName": resource}]
    return ev
