"""A strict Slack Socket Mode server double on loopback (Python stdlib only).

Server side of https://api.slack.com/apis/socket-mode as a client sees it:
  - the WebSocket URL comes from apps.connections.open (slack_double.Double with
    app_token=...; it calls new_url()); a ticket is valid for one connection only;
  - on connect the server sends {"type":"hello",...};
  - envelopes {"envelope_id","type","payload","accepts_response_payload",
    "retry_attempt","retry_reason"} are pushed with send();
  - the client must acknowledge each with a text frame {"envelope_id": ...} (plus an
    optional "payload") within 3 s.
Strictness (each breach is recorded in violations()): every client frame masked, no
reserved bits, acks are JSON objects naming an envelope this connection delivered and
not yet acknowledged, acks within 3 s, acks for unknown/duplicate ids, a payload on an
envelope that did not accept one. Pings are answered with pongs; close frames echoed.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3


def _frame(op, payload):
    n = len(payload)
    if n < 126:
        h = struct.pack("!BB", 0x80 | op, n)
    elif n < 65536:
        h = struct.pack("!BBH", 0x80 | op, 126, n)
    else:
        h = struct.pack("!BBQ", 0x80 | op, 127, n)
    return h + payload


class Conn:
    def __init__(self, double, sock, ticket):
        self.d = double
        self.sock = sock
        self.ticket = ticket
        self.alive = True
        self.wlock = threading.Lock()
        self.sent = {}      # envelope_id -> (time sent, accepts_payload)
        self.pings = 0
        self.close_code = None   # code in the client's close frame, if it sent one
        self.live_at_open = 0    # other live connections when this one was accepted

    def write(self, op, payload):
        with self.wlock:
            self.sock.sendall(_frame(op, payload))

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            d = self.sock.recv(n - len(b))
            if not d:
                raise EOFError
            b += d
        return b

    def loop(self):
        try:
            while True:
                h = self.recv_exact(2)
                fin, rsv, op = h[0] & 0x80, h[0] & 0x70, h[0] & 15
                masked, n = h[1] & 0x80, h[1] & 0x7F
                if rsv:
                    self.d.bad("reserved bits set")
                if not masked:
                    self.d.bad("client frame not masked (opcode %d)" % op)
                if n == 126:
                    n = struct.unpack("!H", self.recv_exact(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self.recv_exact(8))[0]
                key = self.recv_exact(4) if masked else b"\0\0\0\0"
                data = bytes(x ^ key[i % 4] for i, x in enumerate(self.recv_exact(n)))
                if not fin:
                    self.d.bad("fragmented client message")
                if op == 9:
                    self.pings += 1
                    if not self.d.ignore_pings:
                        self.write(10, data)
                elif op == 8:
                    self.close_code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                    try:
                        self.write(8, data[:2])
                    except OSError:
                        pass
                    self.d.log("close from client, code %s" % (struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None))
                    break
                elif op == 1:
                    self.on_text(data)
                elif op != 10:
                    self.d.bad("unexpected opcode %d" % op)
        except (EOFError, OSError):
            pass
        self.alive = False
        try:
            self.sock.close()
        except OSError:
            pass

    def on_text(self, data):
        now = time.monotonic()
        try:
            m = json.loads(data)
        except ValueError:
            self.d.bad("ack is not JSON: %r" % data[:80])
            return
        eid = m.get("envelope_id") if isinstance(m, dict) else None
        if not isinstance(eid, str):
            self.d.bad("ack without envelope_id: %r" % data[:80])
            return
        with self.d.lock:
            if eid not in self.sent:
                self.d._violations.append("ack for an envelope not delivered on this connection or acked twice: %s" % eid)
                return
            t0, accepts = self.sent.pop(eid)
            if now - t0 > 3.0:
                self.d._violations.append("ack for %s after %.2f s (max 3 s)" % (eid, now - t0))
            if "payload" in m and not accepts:
                self.d._violations.append("ack for %s carries a payload the envelope did not accept" % eid)
            self.d._acks.append({"envelope_id": eid, "payload": m.get("payload"), "after_s": now - t0,
                                 "conn": self.ticket})
            self.d.cond.notify_all()


class SocketDouble:
    def __init__(self, ignore_pings=False):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self._violations = []
        self._acks = []
        self.tickets = {}        # ticket -> "issued" | "used"
        self.conns = []          # Conn, in connection order
        self.ignore_pings = ignore_pings
        self.verbose = bool(os.environ.get("FA2_TEST_VERBOSE"))
        self.seq = 0
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def log(self, s):
        if self.verbose:
            print("socket-double: " + s, flush=True)

    def bad(self, why):
        with self.lock:
            self._violations.append(why)

    def violations(self):
        with self.lock:
            return list(self._violations)

    def new_url(self):
        """Called by apps.connections.open: a one-time ticket URL."""
        with self.lock:
            self.seq += 1
            t = "t%d-%s" % (self.seq, base64.urlsafe_b64encode(os.urandom(9)).decode())
            self.tickets[t] = "issued"
        return "ws://127.0.0.1:%d/link/?ticket=%s&app_id=A0FA2" % (self.port, t)

    def _accept(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self._handshake, args=(c,), daemon=True).start()

    def _handshake(self, c):
        c.settimeout(10)
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                d = c.recv(4096)
                if not d:
                    c.close()
                    return
                buf += d
        except OSError:
            c.close()
            return
        head = buf.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        parts = head[0].split(" ")
        fields = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            fields[k.strip().lower()] = v.strip()
        ticket = ""
        if len(parts) == 3 and "?" in parts[1]:
            for kv in parts[1].split("?", 1)[1].split("&"):
                if kv.startswith("ticket="):
                    ticket = kv[7:]
        with self.lock:
            state = self.tickets.get(ticket)
            if state == "issued":
                self.tickets[ticket] = "used"
        if parts[0] != "GET" or state != "issued":
            if state == "used":
                self.bad("ticket %s used twice" % ticket)
            c.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            c.close()
            return
        key = fields.get("sec-websocket-key", "")
        if fields.get("sec-websocket-version") != "13" or "upgrade" not in fields.get("connection", "").lower() \
                or fields.get("upgrade", "").lower() != "websocket" or len(base64.b64decode(key or "==")) != 16:
            self.bad("bad upgrade request")
            c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            c.close()
            return
        acc = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        c.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n" % acc).encode())
        c.settimeout(None)
        conn = Conn(self, c, ticket)
        with self.lock:
            conn.live_at_open = len([x for x in self.conns if x.alive])
            self.conns.append(conn)
            self.cond.notify_all()
        self.log("connection %d (ticket %s)" % (len(self.conns), ticket))
        conn.write(1, json.dumps({"type": "hello", "num_connections": 1,
                                  "debug_info": {"host": "applink-double", "approximate_connection_time": 3600},
                                  "connection_info": {"app_id": "A0FA2"}}).encode())
        conn.loop()

    # ---- driving ----

    def wait_conns(self, n, timeout=10):
        """Waits until at least n connections were accepted; returns the newest."""
        end = time.monotonic() + timeout
        with self.lock:
            while len(self.conns) < n:
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("expected %d Socket Mode connection(s), saw %d" % (n, len(self.conns)))
                self.cond.wait(left)
            return self.conns[-1]

    def current(self):
        with self.lock:
            live = [c for c in self.conns if c.alive]
            return live[-1] if live else None

    def send(self, etype, payload, envelope_id=None, retry=0, accepts=None, conn=None):
        conn = conn or self.current()
        if conn is None:
            raise AssertionError("no live Socket Mode connection")
        if envelope_id is None:
            envelope_id = "e-" + base64.urlsafe_b64encode(os.urandom(6)).decode()
        if accepts is None:
            accepts = etype in ("interactive", "slash_commands")
        msg = {"envelope_id": envelope_id, "type": etype, "payload": payload,
               "accepts_response_payload": accepts}
        if retry:
            msg["retry_attempt"] = retry
            msg["retry_reason"] = "timeout"
        with self.lock:
            conn.sent[envelope_id] = (time.monotonic(), accepts)
        conn.write(1, json.dumps(msg).encode())
        return envelope_id

    def wait_ack(self, envelope_id, timeout=5):
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                for a in self._acks:
                    if a["envelope_id"] == envelope_id:
                        return a
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("no ack for envelope %s" % envelope_id)
                self.cond.wait(left)

    def acks(self):
        with self.lock:
            return list(self._acks)

    def disconnect(self, reason="refresh_requested", conn=None):
        conn = conn or self.current()
        conn.write(1, json.dumps({"type": "disconnect", "reason": reason,
                                  "debug_info": {"host": "applink-double"}}).encode())
        return conn

    def kill(self, conn=None):
        """Abrupt loss: the TCP connection ends without a WebSocket close frame."""
        conn = conn or self.current()
        try:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.sock.shutdown(socket.SHUT_RDWR)   # wakes the reader, which closes (RST)
        except OSError:
            pass
        return conn

    def close(self):
        try:
            self.ls.close()
        except OSError:
            pass
        with self.lock:
            for c in self.conns:
                try:
                    c.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
