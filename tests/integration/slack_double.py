"""A strict Slack Web API double on loopback (Python stdlib only).

Checks what Slack's method docs define: a Bearer token on every call, the body encoding
(JSON-capable methods take application/json or form; users.info, auth.test and
files.getUploadURLExternal take form), required arguments, and Block Kit limits
(50 blocks per message or view, section text <= 3000, ids <= 255, known block types,
input blocks with label and element). Every violation is recorded and returned by
violations(); every call by calls(). files upload v2 is emulated end to end.

auth.test answers with the bot's identity (BOT_USER / BOT_ID / TEAM_ID); a token listed
in `revoked` gets Slack's {"ok": false, "error": "invalid_auth"} (a refused token, not
a client bug, so not a violation). users.info answers from `users` ({id: (tz,
tz_offset)}; others get the default Asia/Tokyo and tz_offset) and user_not_found for
ids in `unknown_users`.
"""
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON_OK = {"chat.postMessage", "chat.update", "chat.postEphemeral", "views.open",
           "files.completeUploadExternal"}
FORM_ONLY = {"users.info", "auth.test", "files.getUploadURLExternal"}
REQUIRED = {
    "chat.postMessage": ["channel"], "chat.update": ["channel", "ts"],
    "chat.postEphemeral": ["channel", "user"], "views.open": ["trigger_id", "view"],
    "users.info": ["user"], "files.getUploadURLExternal": ["filename", "length"],
    "files.completeUploadExternal": ["files"], "conversations.open": ["users"],
}
BLOCK_TYPES = {"section", "input", "actions", "context", "divider", "header", "image",
               "rich_text", "file", "video", "markdown", "table"}


BOT_USER, BOT_ID, TEAM_ID = "U0FA2BOT", "B0FA2BOT", "T0FA2TEAM"


def slack_chars(s):
    """Characters as counted against Slack's limits: UTF-16 code units (an emoji outside
    the BMP counts 2), the stricter of the possible readings."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def check_text_limits(blocks):
    """Block Kit's documented text and size limits (docs.slack.dev/reference/block-kit),
    counted with slack_chars: header text plain_text <= 150; section text <= 3000, at most
    10 fields of <= 2000; context at most 10 elements, text <= 3000; markdown block text
    <= 12,000 and 12,000 over all markdown blocks of the message; table: rows 1..100,
    cells 1..20 per row, raw_text or rich_text, one table per message. Slack answers
    invalid_blocks to a message that breaks one; so does this double. None when valid."""
    md_total, tables = 0, 0
    for b in blocks:
        t = b.get("type")
        txt = b.get("text")
        if t == "header":
            if not isinstance(txt, dict) or txt.get("type") != "plain_text" or not txt.get("text"):
                return "header without plain_text text"
            if slack_chars(txt["text"]) > 150:
                return "header text of %d characters (max 150)" % slack_chars(txt["text"])
        elif t == "section":
            if isinstance(txt, dict) and slack_chars(txt.get("text", "")) > 3000:
                return "section text of %d characters (max 3000)" % slack_chars(txt["text"])
            fields = b.get("fields") or []
            if len(fields) > 10:
                return "section with %d fields (max 10)" % len(fields)
            for f in fields:
                if slack_chars(f.get("text", "")) > 2000:
                    return "section field of %d characters (max 2000)" % slack_chars(f.get("text", ""))
        elif t == "context":
            els = b.get("elements") or []
            if not 1 <= len(els) <= 10:
                return "context block with %d elements (1 to 10)" % len(els)
            for e in els:
                if slack_chars(e.get("text", "")) > 3000:
                    return "context text of %d characters (max 3000)" % slack_chars(e.get("text", ""))
        elif t == "markdown":
            if not isinstance(txt, str) or not txt:
                return "markdown block without text"
            if slack_chars(txt) > 12000:
                return "markdown block of %d characters (max 12000)" % slack_chars(txt)
            md_total += slack_chars(txt)
        elif t == "table":
            tables += 1
            rows = b.get("rows")
            if not isinstance(rows, list) or not 1 <= len(rows) <= 100:
                return "table with %s rows (1 to 100)" % (len(rows) if isinstance(rows, list) else "no")
            for r in rows:
                if not isinstance(r, list) or not 1 <= len(r) <= 20:
                    return "table row with %s cells (1 to 20)" % (len(r) if isinstance(r, list) else "no")
                for c in r:
                    if c.get("type") not in ("raw_text", "rich_text"):
                        return "table cell of type %r" % c.get("type")
                    if c.get("type") == "raw_text" and not isinstance(c.get("text"), str):
                        return "raw_text cell without text"
            if len(b.get("column_settings") or []) > 20:
                return "table with more than 20 column_settings"
    if md_total > 12000:
        return "markdown blocks of %d characters in all (max 12000 per message)" % md_total
    if tables > 1:
        return "%d tables in one message (one allowed)" % tables
    return None


class Double:
    def __init__(self, token, tz_offset=32400, users=None, revoked=(), app_token=None, socket=None):
        self.token = token
        self.app_token = app_token   # xapp-... accepted by apps.connections.open only
        self.socket = socket         # socket_double.SocketDouble handing out URLs
        self.tz_offset = tz_offset
        self.users = dict(users or {})
        self.unknown_users = set()
        self.revoked = set(revoked)
        self.lock = threading.Lock()
        self._calls = []
        self._violations = []
        self.uploads = {}
        self.ratelimit = {}  # method -> number of 429s still to answer
        self.unreachable = set()  # channels where chat.postMessage gets channel_not_found
        self.refuse_headers = False  # chat.postMessage with a header block gets invalid_blocks (not a violation)
        self.ts = 1700000000
        self._update_times = {}  # message ts -> monotonic arrival times of chat.update
        double = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                if self.path.startswith("/upload/"):
                    fid = self.path.split("/")[2]
                    with double.lock:
                        double.uploads.setdefault(fid, {})["data"] = raw
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                method = self.path.rsplit("/", 1)[-1]
                status, body, extra = double.handle(method, self.headers, raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/api/" % self.port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()

    def calls(self, method=None):
        with self.lock:
            return [c for c in self._calls if method is None or c["method"] == method]

    def update_times(self, ts):
        with self.lock:
            return list(self._update_times.get(ts, []))

    def violations(self):
        with self.lock:
            return list(self._violations)

    def bad(self, method, why):
        self._violations.append("%s: %s" % (method, why))
        return 200, {"ok": False, "error": "invalid_arguments", "fa2_double": why}, {}

    def check_blocks(self, method, blocks):
        if not isinstance(blocks, list):
            return "blocks is not an array"
        if len(blocks) > 50:
            return "%d blocks (max 50)" % len(blocks)
        for b in blocks:
            t = b.get("type")
            if t not in BLOCK_TYPES:
                return "unknown block type %r" % t
            if len(b.get("block_id", "")) > 255:
                return "block_id over 255"
            if t == "section":
                txt = b.get("text", {})
                if not b.get("fields") and not txt.get("text"):
                    return "section without text"
                if len(txt.get("text", "")) > 3000:
                    return "section text of %d characters (max 3000)" % len(txt["text"])
                if txt.get("type") not in ("mrkdwn", "plain_text"):
                    return "section text type %r" % txt.get("type")
            if t == "input":
                if "label" not in b or "element" not in b:
                    return "input block without label/element"
                if len(b["label"].get("text", "")) > 2000:
                    return "input label over 2000"
                el = b["element"]
                if len(el.get("action_id", "")) > 255:
                    return "action_id over 255"
                if el.get("type") == "plain_text_input" and len(el.get("initial_value", "")) > 3000:
                    return "initial_value over 3000"
                if el.get("type") == "datetimepicker" and "initial_date_time" in el and \
                        not isinstance(el["initial_date_time"], int):
                    return "initial_date_time must be an integer"
            if t == "actions":
                els = b.get("elements", [])
                if not 1 <= len(els) <= 25:
                    return "actions block with %d elements" % len(els)
                for e in els:
                    if e.get("type") == "button" and len(e.get("text", {}).get("text", "")) > 75:
                        return "button text over 75"
        return None

    def handle(self, method, headers, raw):
        with self.lock:
            auth = headers.get("Authorization", "")
            ctype = (headers.get("Content-Type") or "").split(";")[0].strip()
            if method == "apps.connections.open":
                # app-level token only (a bot token gets not_allowed_token_type, as on Slack)
                if self.app_token is None or self.socket is None:
                    return self.bad(method, "Socket Mode not enabled in this double")
                if auth == "Bearer " + self.token:
                    self._violations.append("%s: called with the bot token" % method)
                    return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
                if auth != "Bearer " + self.app_token:
                    self._violations.append("%s: bad Authorization" % method)
                    return 200, {"ok": False, "error": "invalid_auth"}, {}
                if ctype not in ("application/x-www-form-urlencoded", ""):
                    return self.bad(method, "content type %r" % ctype)
                self._calls.append({"method": method, "args": {}, "ctype": ctype})
                return 200, {"ok": True, "url": self.socket.new_url()}, {}
            if self.app_token and auth == "Bearer " + self.app_token:
                self._violations.append("%s: called with the app-level token" % method)
                return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
            if auth[len("Bearer "):] in self.revoked and auth.startswith("Bearer "):
                self._calls.append({"method": method, "args": {}, "ctype": ctype, "refused": True})
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            if auth != "Bearer " + self.token:
                self._violations.append("%s: bad Authorization %r" % (method, auth[:20]))
                return 200, {"ok": False, "error": "not_authed"}, {}
            if ctype == "application/json":
                if method not in JSON_OK:
                    return self.bad(method, "JSON body not accepted by this method")
                try:
                    args = json.loads(raw)
                except ValueError:
                    return self.bad(method, "malformed JSON")
            elif ctype == "application/x-www-form-urlencoded":
                args = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()}
            else:
                return self.bad(method, "content type %r" % ctype)
            for r in REQUIRED.get(method, []):
                if r not in args:
                    return self.bad(method, "missing argument %s" % r)
            blocks = args.get("blocks")
            if method == "views.open":
                v = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
                if v.get("type") != "modal" or len(v.get("title", {}).get("text", "")) > 24:
                    return self.bad(method, "bad modal title/type")
                blocks = v.get("blocks")
                if blocks is None:
                    return self.bad(method, "view without blocks")
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            if blocks is not None:
                why = self.check_blocks(method, blocks)
                if why:
                    return self.bad(method, why)
                why = check_text_limits(blocks)
                if why:
                    self._violations.append("%s: invalid_blocks: %s" % (method, why))
                    return 200, {"ok": False, "error": "invalid_blocks", "fa2_double": why}, {}
            if method in ("chat.postMessage", "chat.update") and not args.get("text") and not blocks:
                return self.bad(method, "neither text nor blocks")
            self._calls.append({"method": method, "args": args, "ctype": ctype})
            left = self.ratelimit.get(method, 0)
            if left:
                self.ratelimit[method] = left - 1
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
            if method == "chat.postMessage" and self.refuse_headers and \
                    any(b.get("type") == "header" for b in blocks or []):
                return 200, {"ok": False, "error": "invalid_blocks"}, {}
            if method == "chat.postMessage" and args["channel"] in self.unreachable:
                return 200, {"ok": False, "error": "channel_not_found"}, {}
            if method == "conversations.open":
                return 200, {"ok": True, "channel": {"id": "D" + args["users"].split(",")[0]}}, {}
            if method == "chat.postMessage":
                self.ts += 1
                return 200, {"ok": True, "channel": args["channel"], "ts": "%d.000100" % self.ts}, {}
            if method == "chat.update":
                self._update_times.setdefault(args["ts"], []).append(time.monotonic())
                return 200, {"ok": True, "channel": args["channel"], "ts": args["ts"]}, {}
            if method == "auth.test":
                if args:
                    return self.bad(method, "auth.test takes no arguments, got %r" % sorted(args))
                return 200, {"ok": True, "url": "https://fa2-test.slack.com/", "team": "fa2 test",
                             "user": "fa2", "team_id": TEAM_ID, "user_id": BOT_USER,
                             "bot_id": BOT_ID, "is_enterprise_install": False}, {}
            if method == "users.info":
                if args["user"] in self.unknown_users:
                    return 200, {"ok": False, "error": "user_not_found"}, {}
                tz, off = self.users.get(args["user"], ("Asia/Tokyo", self.tz_offset))
                return 200, {"ok": True, "user": {"id": args["user"], "tz": tz,
                                                   "tz_label": tz, "tz_offset": off}}, {}
            if method == "files.getUploadURLExternal":
                fid = "F%05d" % (len(self.uploads) + 1)
                self.uploads[fid] = {"length": int(args["length"]), "filename": args["filename"]}
                return 200, {"ok": True, "file_id": fid,
                             "upload_url": "http://127.0.0.1:%d/upload/%s" % (self.port, fid)}, {}
            if method == "files.completeUploadExternal":
                files = args["files"] if isinstance(args["files"], list) else json.loads(args["files"])
                for f in files:
                    u = self.uploads.get(f.get("id"))
                    if not u or len(u.get("data", b"")) != u["length"]:
                        return self.bad(method, "file %s not uploaded or wrong length" % f.get("id"))
                return 200, {"ok": True, "files": [{"id": f["id"]} for f in files]}, {}
            return 200, {"ok": True}, {}
