#!/usr/bin/env python3
"""fa2 serve over plain HTTP against real clients: curl, wrk and raw sockets.

Checks /healthz (IPv4 and IPv6), HEAD/404/405, pipelining, 431/413/400/408 answers,
request smuggling rejection, the header (slowloris) and idle timeouts, max connections,
the worker hand-off, graceful shutdown on SIGTERM with a slow request in flight, wrk with
keep-alive, and command-line errors.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

FA2 = os.environ.get("FA2", "build/fa2")
FA2_ASAN = os.environ.get("FA2_ASAN", "")
TMP = os.environ.get("FA2_TMP", "/tmp")
procs = []


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def have_ipv6():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def start(binary, *args, listen=None):
    port = free_port()
    addrs = listen or ["127.0.0.1:%d" % port]
    port = int(addrs[0].rsplit(":", 1)[1])
    cmd = [binary, "serve"]
    for a in addrs:
        cmd += ["--listen", a]
    cmd += list(args)
    log = open(os.path.join(TMP, "serve-%d.log" % len(procs)), "w+")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    p.logfile = log
    procs.append(p)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p, port
        except OSError:
            if p.poll() is not None:
                log.seek(0)
                fail("server exited at start: " + log.read())
            time.sleep(0.05)
    fail("server did not come up: " + " ".join(cmd))


def server_log(p):
    p.logfile.flush()
    p.logfile.seek(0)
    return p.logfile.read()


def stop(p, want_rc=0):
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("server did not stop on SIGTERM")
    if rc != want_rc:
        fail("server exit %d, want %d; log:\n%s" % (rc, want_rc, server_log(p)))
    log = server_log(p)
    if "ERROR: AddressSanitizer" in log or "runtime error" in log:
        fail("sanitizer report:\n" + log)


def curl(*args):
    r = subprocess.run(["curl", "-sS", "--max-time", "10"] + list(args),
                       capture_output=True, text=True)
    return r


def raw(port, data, timeout=5.0, host="127.0.0.1"):
    """Sends data, reads until EOF or timeout; returns the bytes."""
    s = socket.create_connection((host, port), timeout=timeout)
    s.settimeout(timeout)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out


def responses(data):
    """Splits a byte stream of HTTP responses (Content-Length framed)."""
    res = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            fail("truncated response: %r" % data[:200])
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        if status == 100:
            n = 0
        res.append((status, hdrs, rest[:n]))
        data = rest[n:]
    return res


def check_basic(port, version):
    r = curl("-i", "http://127.0.0.1:%d/healthz" % port)
    if r.returncode != 0:
        fail("curl /healthz: " + r.stderr)
    head, _, body = r.stdout.partition("\n\n")
    if not head.startswith("HTTP/1.1 200"):
        fail("/healthz status: " + head)
    if "content-type: application/json" not in head.lower():
        fail("/healthz content type: " + head)
    j = json.loads(body)
    if j.get("status") != "ok" or j.get("version") != version or not isinstance(j.get("uptime_s"), int):
        fail("/healthz body: " + body)
    # HEAD: same head, no body
    r = curl("-sI", "http://127.0.0.1:%d/healthz" % port)
    if not r.stdout.startswith("HTTP/1.1 200") or "Content-Length: %d" % len(body) not in r.stdout:
        fail("HEAD /healthz: %r" % r.stdout)
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:%d/nope" % port)
    if r.stdout != "404":
        fail("/nope: " + r.stdout)
    r = curl("-i", "-X", "DELETE", "http://127.0.0.1:%d/healthz" % port)
    if "405" not in r.stdout.split("\n")[0] or "Allow: GET" not in r.stdout:
        fail("DELETE /healthz: " + r.stdout)
    # keep-alive: two URLs on one curl command reuse the connection
    r = curl("-v", "http://127.0.0.1:%d/healthz" % port, "http://127.0.0.1:%d/healthz" % port)
    if "Re-using existing connection" not in r.stderr and "Reusing existing connection" not in r.stderr:
        fail("curl did not reuse the connection: " + r.stderr)
    print("basic ok")


def check_pipelining(port):
    reqs = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n0\r\n\r\n"
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    res = responses(raw(port, reqs))
    got = [r[0] for r in res]
    if got != [200, 404, 405, 405, 200]:
        fail("pipelined statuses: %r" % got)
    if res[-1][1].get("connection") != "close":
        fail("last pipelined response lacks Connection: close")
    # the same, one byte at a time
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    for i in range(len(reqs)):
        s.send(reqs[i:i + 1])
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    if [r[0] for r in responses(out)] != [200, 404, 405, 405, 200]:
        fail("byte-wise pipelined statuses: %r" % [r[0] for r in responses(out)])
    # HTTP/1.0: closes unless keep-alive is asked for
    res = responses(raw(port, b"GET /healthz HTTP/1.0\r\n\r\n"))
    if [r[0] for r in res] != [200] or res[0][1].get("connection") != "close":
        fail("HTTP/1.0 response: %r" % res)
    print("pipelining ok")


def expect_error(port, data, status, what):
    out = raw(port, data)
    if not out:
        fail("%s: no response" % what)
    res = responses(out)
    if res[0][0] != status:
        fail("%s: status %d, want %d" % (what, res[0][0], status))
    if res[0][1].get("connection") != "close":
        fail("%s: no Connection: close" % what)
    if len(res) != 1:
        fail("%s: more than one response" % what)


def check_errors(port):
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    expect_error(port, big, 431, "oversized header")
    many = b"GET /healthz HTTP/1.1\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(150)) + b"\r\n"
    expect_error(port, many, 431, "too many headers")
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Big: " + "b" * 70000,
             "http://127.0.0.1:%d/healthz" % port)
    if r.stdout != "431":
        fail("curl oversized header: %r %r" % (r.stdout, r.stderr))
    # bodies above the cap (1 MiB): declared, and chunked
    expect_error(port, b"POST /healthz HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413, "big CL")
    path = os.path.join(TMP, "big.bin")
    with open(path, "wb") as f:
        f.write(b"z" * (3 << 20))
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@" + path,
             "http://127.0.0.1:%d/healthz" % port)
    if r.stdout != "413":
        fail("curl huge body: %r %r" % (r.stdout, r.stderr))
    # a chunked body to a route that takes none: 405 on the head at once, the body is
    # skipped unstored, and the connection closes once it passes the cap
    chunk = b"8000\r\n" + b"c" * 0x8000 + b"\r\n"
    t0 = time.time()
    res = responses(raw(port, b"POST /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 40))
    if [r[0] for r in res] != [405] or time.time() - t0 > 4:
        fail("big chunked body to a GET route: %r after %.1fs" % ([r[0] for r in res], time.time() - t0))
    # garbage and smuggling attempts
    expect_error(port, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n", 400, "garbage")
    expect_error(port, b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400, "space before colon")
    expect_error(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, "obs-fold")
    expect_error(port, b"POST /healthz HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\n", 400, "CL+TE")
    expect_error(port, b"POST /healthz HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                 400, "two CLs")
    expect_error(port, b"POST /healthz HTTP/1.1\r\nContent-Length: -3\r\n\r\n", 400, "negative CL")
    # a bad chunk size in a body that is being skipped (POST to a GET route): the 405 is
    # the only answer, the connection closes, and what follows is never parsed
    res = responses(raw(port, b"POST /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
                        b"GET /healthz HTTP/1.1\r\n\r\n"))
    if [r[0] for r in res] != [405]:
        fail("bad chunk size in a skipped body: %r" % [r[0] for r in res])
    expect_error(port, b"GET /healthz HTTP/2.0\r\n\r\n", 505, "HTTP/2.0")
    # the server still works after all that
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:%d/healthz" % port)
    if r.stdout != "200":
        fail("after errors: " + r.stdout)
    print("errors ok")


def check_slowloris(port, header_timeout_ms):
    """Headers one byte per second: cut off with 408 by the header timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 100
    t0 = time.time()
    got = b""
    s.settimeout(1.0)
    for i in range(len(data)):
        try:
            s.send(data[i:i + 1])
        except OSError:
            break
        try:
            b = s.recv(4096)
            if not b:
                break
            got += b
            if b"\r\n\r\n" in got:
                break
        except socket.timeout:
            pass
        if time.time() - t0 > 8:
            break
    try:
        s.settimeout(2)
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except OSError:
        pass
    el = time.time() - t0
    s.close()
    if not got.startswith(b"HTTP/1.1 408"):
        fail("slowloris: got %r after %.1fs" % (got[:60], el))
    if el > header_timeout_ms / 1000.0 + 2.5:
        fail("slowloris cut off after %.1fs, timeout %d ms" % (el, header_timeout_ms))
    print("slowloris cut off after %.1fs" % el)


def check_body_timeout(port, body_ms):
    """A body that stops arriving is cut off with 408 once the body timeout passes (here
    a body being skipped after the 405 its request got on the head)."""
    t0 = time.time()
    out = raw(port, b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab", timeout=8)
    el = time.time() - t0
    got = [r[0] for r in responses(out)] if out else []
    if got != [405, 408] or el < body_ms / 1000.0 - 0.2 or el > body_ms / 1000.0 + 2.5:
        fail("stalled body: %r after %.1fs (body timeout %d ms)" % (got, el, body_ms))
    print("stalled body cut off after %.1fs" % el)


def check_idle(port, idle_ms):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    got = s.recv(4096)
    if not got.startswith(b"HTTP/1.1 200"):
        fail("idle: first response %r" % got[:40])
    t0 = time.time()
    s.settimeout(idle_ms / 1000.0 + 5)
    b = s.recv(4096)
    el = time.time() - t0
    s.close()
    if b != b"" or el < idle_ms / 1000.0 - 0.2 or el > idle_ms / 1000.0 + 2:
        fail("idle close after %.1fs (%r), idle timeout %d ms" % (el, b, idle_ms))
    print("idle keep-alive closed after %.1fs" % el)


def check_worker(port):
    """Deferred requests do not block the loop: /healthz answers while workers sleep."""
    results = []

    def slow():
        results.append(responses(raw(port, b"GET /debug/sleep?ms=1500 HTTP/1.1\r\nConnection: close\r\n\r\n")))

    ths = [threading.Thread(target=slow) for _ in range(3)]
    t0 = time.time()
    for t in ths:
        t.start()
    time.sleep(0.2)
    r = curl("-o", "/dev/null", "-w", "%{http_code} %{time_total}", "http://127.0.0.1:%d/healthz" % port)
    code, tt = r.stdout.split()
    if code != "200" or float(tt) > 0.5:
        fail("healthz while workers run: %s" % r.stdout)
    for t in ths:
        t.join()
    el = time.time() - t0
    if len(results) != 3 or any(x[0][0] != 200 or b"slept_ms" not in x[0][2] for x in results):
        fail("worker results: %r" % results)
    if el > 2.8:
        fail("3 parallel 1.5 s workers took %.1fs (serialised?)" % el)
    print("worker hand-off ok (%.1fs)" % el)


def check_max_conns(binary):
    p, port = start(binary, "--max-conns", "2")
    time.sleep(0.3)  # let the server reap start()'s probe connection
    a = socket.create_connection(("127.0.0.1", port))
    b = socket.create_connection(("127.0.0.1", port))
    time.sleep(0.2)
    out = raw(port, b"GET /healthz HTTP/1.1\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 503"):
        fail("beyond max conns: %r" % out[:60])
    b.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
    if not b.recv(4096).startswith(b"HTTP/1.1 200"):
        fail("a connection within max conns was not served")
    a.close()
    b.close()
    time.sleep(0.2)
    out = raw(port, b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 200"):
        fail("after closing: %r" % out[:60])
    stop(p)
    print("max conns ok")


def check_graceful(binary):
    p, port = start(binary, "--debug-endpoints")
    # an idle keep-alive connection is closed at shutdown
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    idle.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
    idle.recv(4096)
    res = []

    def slow():
        res.append(raw(port, b"GET /debug/sleep?ms=2000 HTTP/1.1\r\nHost: x\r\n\r\n", timeout=10))

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.4)
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    # no longer accepting
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        fail("still accepting after SIGTERM")
    except OSError:
        pass
    idle.settimeout(3)
    if idle.recv(4096) != b"":
        fail("idle connection not closed at shutdown")
    idle.close()
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("server did not exit after the slow request")
    el = time.time() - t0
    t.join()
    if rc != 0:
        fail("exit %d after SIGTERM" % rc)
    r = responses(res[0]) if res and res[0] else []
    if not r or r[0][0] != 200 or r[0][1].get("connection") != "close":
        fail("slow request during shutdown: %r" % res)
    if el < 1.2:
        fail("exited after %.1fs, before the slow request could finish" % el)
    print("graceful shutdown ok (%.1fs)" % el)


def check_wrk(binary):
    if not shutil.which("wrk"):
        print("wrk not installed: skipping the load run")
        return
    p, port = start(binary)
    r = subprocess.run(["wrk", "-t1", "-c32", "-d2s", "--latency", "http://127.0.0.1:%d/healthz" % port],
                       capture_output=True, text=True, timeout=30)
    print(r.stdout)
    if r.returncode != 0:
        fail("wrk failed: " + r.stderr)
    if "Non-2xx" in r.stdout or "Socket errors" in r.stdout:
        fail("wrk saw errors")
    reqs = [l for l in r.stdout.splitlines() if "requests in" in l]
    if not reqs or int(reqs[0].split()[0]) < 1000:
        fail("wrk did too few requests: %r" % reqs)
    stop(p)
    print("wrk ok")


def check_cli(binary):
    for args, what in ((["--listen", "nonsense"], "no port"),
                       (["--listen", "127.0.0.1:99999"], "port out of range"),
                       (["--listen", "::1:80"], "unbracketed IPv6"),
                       (["--listen", "256.1.1.1:80"], "bad IPv4"),
                       (["--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"], "missing cert"),
                       (["--tls-cert", "/etc/hostname"], "cert without key"),
                       (["--header-timeout-ms", "soon"], "bad timeout"),
                       (["--frobnicate", "1"], "unknown option")):
        r = subprocess.run([binary, "serve"] + args, capture_output=True, text=True, timeout=10)
        if r.returncode != 2 or not r.stderr.strip():
            fail("%s: exit %d, stderr %r" % (what, r.returncode, r.stderr))
    # port in use
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    r = subprocess.run([binary, "serve", "--listen", "127.0.0.1:%d" % s.getsockname()[1]],
                       capture_output=True, text=True, timeout=10)
    s.close()
    if r.returncode != 2 or "cannot" not in r.stderr:
        fail("port in use: exit %d, %r" % (r.returncode, r.stderr))
    r = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True)
    for o in ("--listen", "--tls-cert", "--tls-key", "--header-timeout-ms", "--max-conns"):
        if o not in r.stdout:
            fail("--help lacks " + o)
    print("cli ok")


def main():
    if not shutil.which("curl"):
        print("curl not installed")
        sys.exit(77)
    binary = FA2_ASAN if FA2_ASAN and os.path.exists(FA2_ASAN) else FA2
    version = subprocess.run([FA2, "--version"], capture_output=True, text=True).stdout.split()[1]
    check_cli(FA2)
    listen = None
    v6 = have_ipv6()
    port = free_port()
    listen = ["127.0.0.1:%d" % port]
    if v6:
        listen.append("[::1]:%d" % port)
    p, port = start(binary, "--header-timeout-ms", "1500", "--idle-timeout-ms", "2500",
                    "--body-timeout-ms", "1500", "--debug-endpoints", listen=listen)
    check_basic(port, version)
    if v6:
        r = curl("-g", "http://[::1]:%d/healthz" % port)
        if '"status":"ok"' not in r.stdout:
            fail("IPv6 /healthz: %r %r" % (r.stdout, r.stderr))
        print("ipv6 ok")
    # SIGHUP (systemd ExecReload) must not kill the daemon
    p.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:%d/healthz" % port)
    if p.poll() is not None or r.stdout != "200" or "SIGHUP" not in server_log(p):
        fail("after SIGHUP: %r, log %s" % (r.stdout, server_log(p)))
    check_pipelining(port)
    check_errors(port)
    check_slowloris(port, 1500)
    check_body_timeout(port, 1500)
    check_idle(port, 2500)
    check_worker(port)
    stop(p)
    if "listening on 127.0.0.1:%d" % port not in server_log(p):
        fail("no 'listening' log line: " + server_log(p))
    check_max_conns(binary)
    check_graceful(binary)
    check_wrk(FA2)
    print("serve http ok")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
