#!/usr/bin/env python3
"""Test peers for t_net_client.sh, Python standard library only.

  net_peers.py proxy PORTFILE LOGFILE      CONNECT proxy + absolute-form forwarder
  net_peers.py stale PORTFILE              HTTP server that drops every 2nd request on a
                                           connection (stale keep-alive), /slow sleeps 3 s
  net_peers.py ws PORTFILE CERT KEY        WebSocket echo server, ws and wss

Each binds 127.0.0.1 port 0 and writes "PORT..." to PORTFILE once listening, then serves
until killed. Every connection gets its own thread.
"""
import base64
import hashlib
import os
import socket
import ssl
import struct
import sys
import threading
import time


def listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def write_ports(path, ports):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(" ".join(str(p) for p in ports) + "\n")
    os.rename(tmp, path)


def serve(sock, handler, wrap=None):
    def loop():
        while True:
            c, _ = sock.accept()
            threading.Thread(target=run, args=(c,), daemon=True).start()

    def run(c):
        try:
            if wrap:
                c = wrap(c)
            handler(c)
        except Exception as e:  # a broken client must not kill the peer
            print("peer: %r" % (e,), flush=True)
        finally:
            try:
                c.close()
            except OSError:
                pass

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


def read_head(c, buf=b""):
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None, buf
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip()
    return (lines[0], fields, head), rest


def pipe(a, b):
    def one(src, dst):
        try:
            while True:
                d = src.recv(65536)
                if not d:
                    break
                dst.sendall(d)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    t = threading.Thread(target=one, args=(b, a), daemon=True)
    t.start()
    one(a, b)
    t.join(10)


# ---- proxy -------------------------------------------------------------------------

def proxy_main(portfile, logfile):
    lock = threading.Lock()

    def log(line):
        with lock, open(logfile, "a") as f:
            f.write(line + "\n")

    def handle(c):
        r, rest = read_head(c)
        if not r:
            return
        line, fields, head = r
        method, target, _ = line.split(" ", 2)
        log("%s %s auth=%s" % (method, target, fields.get("proxy-authorization", "-")))
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            host = host.strip("[]")
            try:
                up = socket.create_connection((host, int(port)), timeout=5)
            except OSError:
                c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            up.settimeout(None)
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                up.sendall(rest)
            pipe(c, up)
            up.close()
            return
        # Absolute-form request: forward as is (origin servers accept absolute form).
        if not target.startswith("http://"):
            c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        hostport = target[7:].split("/", 1)[0]
        host, _, port = hostport.rpartition(":")
        if not host:
            host, port = hostport, "80"
        up = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        up.settimeout(None)
        up.sendall(head + b"\r\n\r\n" + rest)
        pipe(c, up)
        up.close()

    s = listen()
    serve(s, handle)
    write_ports(portfile, [s.getsockname()[1]])
    while True:
        time.sleep(3600)


# ---- stale keep-alive server -------------------------------------------------------

def stale_main(portfile):
    def handle(c):
        buf = b""
        n = 0
        while True:
            r, buf = read_head(c, buf)
            if not r:
                return
            line, fields, _ = r
            length = int(fields.get("content-length", "0"))
            while len(buf) < length:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            buf = buf[length:]
            n += 1
            if n == 2:
                return  # drop the connection without an answer
            if " /slow " in line:
                time.sleep(3)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    s = listen()
    serve(s, handle)
    write_ports(portfile, [s.getsockname()[1]])
    while True:
        time.sleep(3600)


# ---- WebSocket echo server ---------------------------------------------------------

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError("client closed")
        b += d
    return b


def frame(op, payload, fin=True, mask=False):
    b0 = (0x80 if fin else 0) | op
    n = len(payload)
    if n < 126:
        h = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        h = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if mask:
        key = b"\x01\x02\x03\x04"
        payload = bytes(x ^ key[i % 4] for i, x in enumerate(payload))
        h += key
    return h + payload


def ws_main(portfile, cert, key):
    def handle(c):
        r, rest = read_head(c)
        if not r:
            return
        line, fields, _ = r
        path = line.split(" ")[1]
        if path == "/forbidden":
            c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        if fields.get("sec-websocket-version") != "13" or "upgrade" not in fields.get("connection", "").lower():
            c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        k = fields["sec-websocket-key"].encode()
        if len(base64.b64decode(k)) != 16:
            c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        acc = base64.b64encode(hashlib.sha1(k + GUID).digest())
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        if path == "/badframe":
            c.sendall(frame(1, b"masked by the server", mask=True))
            time.sleep(0.5)
            return
        c.sendall(frame(1, ("hello %s %s" % (path, fields.get("authorization", "-"))).encode()))
        unmasked = 0
        masks = set()
        frames = 0
        while True:
            b0, b1 = recv_exact(c, 2)
            op = b0 & 15
            n = b1 & 127
            if n == 126:
                n = struct.unpack("!H", recv_exact(c, 2))[0]
            elif n == 127:
                n = struct.unpack("!Q", recv_exact(c, 8))[0]
            frames += 1
            if b1 & 0x80:
                mk = recv_exact(c, 4)
                masks.add(mk)
                data = bytes(x ^ mk[i % 4] for i, x in enumerate(recv_exact(c, n)))
            else:
                unmasked += 1
                data = recv_exact(c, n)
            if op == 8:
                c.sendall(frame(8, data[:2]))
                return
            if op == 9:
                c.sendall(frame(10, data))
            elif op == 10:
                c.sendall(frame(1, b"pong:" + data))
            elif op == 1 and data == b"frag":
                c.sendall(frame(1, b"fragmented-", fin=False) + frame(9, b"srv-ping")
                          + frame(0, b"message-", fin=False) + frame(0, b"reassembled"))
            elif op == 1 and data == b"stats":
                c.sendall(frame(1, ("stats unmasked=%d distinct_masks=%d frames=%d"
                                    % (unmasked, len(masks), frames)).encode()))
            elif op == 1 and data == b"close":
                c.sendall(frame(8, struct.pack("!H", 4001) + b"server bye"))
                # Wait for the client's close reply, then hang up.
                b0, b1 = recv_exact(c, 2)
                recv_exact(c, (b1 & 127) + (4 if b1 & 0x80 else 0))
                if b0 & 15 != 8:
                    print("ws: expected a close reply, got opcode %d" % (b0 & 15), flush=True)
                return
            else:
                c.sendall(frame(op, data))

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    plain = listen()
    tls = listen()
    serve(plain, handle)
    serve(tls, handle, wrap=lambda c: ctx.wrap_socket(c, server_side=True))
    write_ports(portfile, [plain.getsockname()[1], tls.getsockname()[1]])
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "proxy":
        proxy_main(sys.argv[2], sys.argv[3])
    elif mode == "stale":
        stale_main(sys.argv[2])
    elif mode == "ws":
        ws_main(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown mode " + mode)
