"""A strict proxy in front of moto_server for CloudWatch Logs Insights, for what moto does
not do as the service does (the way t_athena.py fronts moto for Athena):

- GetQueryResults returns at most 10,000 rows (and at most the StartQuery `limit`):
  moto returns every matching row unless the query text says `limit`;
- GetQueryResults carries statistics.recordsMatched, the number of rows the query
  matched before any limit (moto has no statistics): counted by running the query's
  time range again against moto without a limit (boto3, the test's credentials);
- StartQuery is checked as the service checks it: startTime and endTime integral epoch
  seconds with startTime <= endTime, limit 1..10000, a queryString of at most 10,000
  characters, 1..50 log groups. A violation is answered with InvalidParameterException
  and recorded in `errors`.

Every other request is forwarded unchanged (Host header included, so SigV4 still
verifies in moto). Standard library plus boto3."""
import http.client
import http.server
import json
import threading

CAP = 10000


class LogsCapProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, moto):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.moto = moto
        self.lock = threading.Lock()
        self.queries = {}       # queryId -> StartQuery input
        self.starts = []        # StartQuery inputs, in order
        self.truncated = 0      # GetQueryResults replies cut to the cap by the proxy
        self.at_cap = 0         # replies that held the cap while the query matched more
        self.errors = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()

    def matched(self, q):
        """Rows of q's groups and time range (moto ignores filters, so this is what the
        query matched)."""
        logs = self.moto.client("logs")
        qid = logs.start_query(logGroupNames=q["logGroupNames"], startTime=int(q["startTime"]),
                               endTime=int(q["endTime"]), queryString="fields @timestamp")["queryId"]
        return len(logs.get_query_results(queryId=qid)["results"])


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, data, headers):
        self.send_response(code)
        for k, v in headers:
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def invalid(self, what):
        s = self.server
        with s.lock:
            s.errors.append(what)
        body = json.dumps({"__type": "InvalidParameterException", "message": what}).encode()
        self.reply(400, body, [("Content-Type", "application/x-amz-json-1.1"),
                               ("x-amzn-ErrorType", "InvalidParameterException")])

    def do_POST(self):
        s = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        target = self.headers.get("X-Amz-Target", "")
        req = None
        if target == "Logs_20140328.StartQuery":
            req = json.loads(body)
            st, et, lim = req.get("startTime"), req.get("endTime"), req.get("limit", CAP)
            if not all(isinstance(x, (int, float)) and float(x).is_integer() for x in (st, et)) or st > et \
                    or et > 1e11:
                return self.invalid("startTime/endTime must be integral epoch seconds, start <= end")
            if not isinstance(lim, (int, float)) or not 1 <= lim <= CAP:
                return self.invalid("limit must be 1..10000")
            if len(req.get("queryString", "")) > 10000:
                return self.invalid("queryString longer than 10000 characters")
            if not 1 <= len(req.get("logGroupNames", [])) <= 50:
                return self.invalid("1 to 50 log groups")
        conn = http.client.HTTPConnection("127.0.0.1", s.moto.port, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        conn.request("POST", self.path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        headers = resp.getheaders()
        conn.close()
        if resp.status == 200 and target == "Logs_20140328.StartQuery":
            with s.lock:
                s.queries[json.loads(data)["queryId"]] = req
                s.starts.append(req)
        elif resp.status == 200 and target == "Logs_20140328.GetQueryResults":
            doc = json.loads(data)
            q = s.queries.get(json.loads(body).get("queryId"))
            if q is not None and doc.get("status") == "Complete":
                cap = min(CAP, int(q.get("limit", CAP)))
                doc["statistics"] = {"recordsMatched": float(s.matched(q)), "recordsScanned": 0.0,
                                     "bytesScanned": 0.0}
                if len(doc["results"]) > cap:
                    doc["results"] = doc["results"][:cap]
                    with s.lock:
                        s.truncated += 1
                if len(doc["results"]) == cap and doc["statistics"]["recordsMatched"] > cap:
                    with s.lock:
                        s.at_cap += 1
                data = json.dumps(doc).encode()
        self.reply(resp.status, data, headers)
