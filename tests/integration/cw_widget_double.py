"""A strict CloudWatch GetMetricWidgetImage double (moto has no such operation), in front
of moto_server: every other CloudWatch request is forwarded to moto byte for byte (its
SigV4 signature is checked there).

GetMetricWidgetImage is checked as the service defines it for the awsJson1_0 protocol fa2
uses for CloudWatch: POST / with X-Amz-Target GraniteServiceVersion20100801.
GetMetricWidgetImage, Content-Type application/x-amz-json-1.0, a SigV4 signature
recomputed with botocore for signing name "monitoring", input {MetricWidget: string,
OutputFormat: "png"}, and the MetricWidget JSON validated against the Metric Widget
Structure (known keys only, metrics rows [Namespace, MetricName, (DimName, DimValue)*,
{options}?], ISO 8601 start < end, period a positive multiple of 60, width/height in
1..2000, vertical annotations with an ISO 8601 value). Answers a real PNG (zlib, CRCs)
as the base64 blob MetricWidgetImage. Violations are recorded in .errors and answered
with HTTP 400 ValidationError."""
import base64
import datetime
import http.client
import http.server
import json
import re
import struct
import threading
import zlib

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TARGET = "GraniteServiceVersion20100801.GetMetricWidgetImage"
AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")
WIDGET_KEYS = {"metrics", "view", "stacked", "stat", "period", "start", "end", "title", "width", "height",
               "timezone", "region", "annotations", "yAxis", "legend", "liveData", "setPeriodToTimeRange"}
ROW_OPTS = {"color", "label", "stat", "period", "visible", "yAxis", "id", "accountId", "region"}
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$")
STATS = re.compile(r"^(Average|Sum|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d+)?)$")


def png(width=120, height=60):
    """A real PNG: a white image with a dark diagonal line."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            on = abs(x * height // width - (height - 1 - y)) <= 1
            row += b"\x20\x40\xa0" if on else b"\xff\xff\xff"
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def iso_time(s):
    if not isinstance(s, str) or not ISO_RE.match(s):
        return None
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def check_widget(w):
    if not isinstance(w, dict):
        return "MetricWidget is not a JSON object"
    extra = set(w) - WIDGET_KEYS
    if extra:
        return "unknown MetricWidget keys %s" % sorted(extra)
    rows = w.get("metrics")
    if not isinstance(rows, list) or not rows:
        return "metrics must be a non-empty array"
    for r in rows:
        if not isinstance(r, list) or len(r) < 2:
            return "a metrics row must be an array [Namespace, MetricName, ...]"
        body = r[:-1] if isinstance(r[-1], dict) else r
        if isinstance(r[-1], dict) and set(r[-1]) - ROW_OPTS:
            return "unknown metric options %s" % sorted(set(r[-1]) - ROW_OPTS)
        if not all(isinstance(x, str) and x for x in body) or len(body) % 2:
            return "metrics row %r: strings Namespace, MetricName, then name/value pairs" % (r,)
        if len(body) > 2 + 2 * 30:
            return "more than 30 dimensions"
    for k in ("width", "height"):
        if k in w and (not isinstance(w[k], int) or not 1 <= w[k] <= 2000):
            return "%s must be an integer in 1..2000" % k
    if "period" in w and (not isinstance(w["period"], int) or w["period"] <= 0 or
                          (w["period"] % 60 and w["period"] not in (1, 5, 10, 30))):
        return "period must be 1, 5, 10, 30 or a multiple of 60"
    if "stat" in w and not (isinstance(w["stat"], str) and STATS.match(w["stat"])):
        return "bad stat %r" % w.get("stat")
    if "view" in w and w["view"] not in ("timeSeries", "singleValue", "bar", "pie"):
        return "bad view %r" % w["view"]
    if "timezone" in w and not re.match(r"^[+-]\d{4}$", str(w["timezone"])):
        return "bad timezone %r" % w["timezone"]
    t0, t1 = iso_time(w.get("start")), iso_time(w.get("end"))
    if t0 is None or t1 is None:
        return "start and end must be ISO 8601 times (fa2 always sends the window)"
    if t0 >= t1:
        return "start is not before end"
    ann = w.get("annotations")
    if ann is not None:
        if not isinstance(ann, dict) or set(ann) - {"horizontal", "vertical"}:
            return "annotations may hold horizontal and vertical only"
        for a in ann.get("vertical", []):
            if not isinstance(a, dict) or iso_time(a.get("value")) is None or set(a) - {"value", "label", "color", "visible", "fill"}:
                return "vertical annotation %r needs an ISO 8601 value" % (a,)
    return None


class CloudWatchDouble(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, akid, secret, region, moto_url, regions=()):
        """region: the region requests are signed for; regions: more accepted regions
        (CloudWatch is regional: one endpoint per region, emulated here by one double)."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.creds = Credentials(akid, secret)
        self.region = region
        self.regions = {region} | set(regions)
        self.widget_regions = []  # the signing region of each answered GetMetricWidgetImage
        self.moto = moto_url.replace("http://", "").rstrip("/")
        self.lock = threading.Lock()
        self.errors = []
        self.widgets = []       # parsed MetricWidget documents answered with a PNG
        self.forwarded = []     # X-Amz-Target of requests passed to moto
        self.fail = False       # answer every GetMetricWidgetImage with a 500
        self.verified = 0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, obj, err=None):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(b)))
        self.send_header("x-amzn-RequestId", "cw-widget-double")
        if err:
            self.send_header("x-amzn-query-error", err + ";Sender")
        self.end_headers()
        self.wfile.write(b)

    def invalid(self, why):
        with self.server.lock:
            self.server.errors.append(why)
        self.reply(400, {"__type": "com.amazonaws.cloudwatch#InvalidParameterInput", "message": why})

    def check_sigv4(self, body):
        s = self.server
        m = AUTH_RE.match(self.headers.get("Authorization", ""))
        if not m:
            return "no or malformed Authorization header"
        akid, date8, region, svc, signed, sig = m.groups()
        if akid != s.creds.access_key or region not in s.regions or svc != "monitoring":
            return "credential scope %s/%s/%s, want %s/%s/monitoring" % (akid, region, svc, s.creds.access_key,
                                                                         "|".join(sorted(s.regions)))
        amz_date = self.headers.get("X-Amz-Date", "")
        if not amz_date.startswith(date8):
            return "X-Amz-Date does not match the scope date"
        hdrs = {}
        for name in signed.split(";"):
            v = self.headers.get(name)
            if v is None:
                return "signed header %s is missing" % name
            hdrs[name] = v
        if "host" not in hdrs or "x-amz-target" not in hdrs:
            return "host and x-amz-target must be signed"
        req = AWSRequest(method="POST", url="http://%s%s" % (hdrs["host"], self.path), data=body, headers=hdrs)
        req.context["timestamp"] = amz_date
        signer = SigV4Auth(s.creds, "monitoring", region)
        want = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
        if want != sig:
            return "SigV4 signature mismatch"
        with s.lock:
            s.verified += 1
            self.scope_region = region
        return None

    def forward(self, body):
        c = http.client.HTTPConnection(self.server.moto, timeout=30)
        c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            c.putheader(k, v)
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        c.close()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        target = self.headers.get("X-Amz-Target", "")
        if target != TARGET:
            with self.server.lock:
                self.server.forwarded.append(target)
            return self.forward(body)
        if self.path != "/":
            return self.invalid("path %s is not /" % self.path)
        if (self.headers.get("Content-Type") or "").split(";")[0] != "application/x-amz-json-1.0":
            return self.invalid("Content-Type is not application/x-amz-json-1.0")
        err = self.check_sigv4(body)
        if err:
            return self.invalid(err)
        try:
            req = json.loads(body)
        except ValueError:
            return self.invalid("body is not JSON")
        if set(req) - {"MetricWidget", "OutputFormat"} or not isinstance(req.get("MetricWidget"), str):
            return self.invalid("input must be {MetricWidget: string, OutputFormat}")
        if req.get("OutputFormat", "png") != "png":
            return self.invalid("OutputFormat %r (fa2 wants png)" % req.get("OutputFormat"))
        try:
            w = json.loads(req["MetricWidget"])
        except ValueError:
            return self.invalid("MetricWidget is not JSON")
        err = check_widget(w)
        if err:
            return self.invalid("MetricWidget: " + err)
        if self.server.fail:
            return self.reply(500, {"__type": "InternalServiceError", "message": "widget rendering failed"})
        with self.server.lock:
            self.server.widgets.append(w)
            self.server.widget_regions.append(self.scope_region)
        self.reply(200, {"MetricWidgetImage": base64.b64encode(png()).decode()})
