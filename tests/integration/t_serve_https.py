#!/usr/bin/env python3
"""fa2 serve over HTTPS (BearSSL server) with a throw-away CA made by openssl here.

curl (RSA and EC leaf certificates) trusts the CA and gets /healthz; without the CA curl
refuses; keep-alive reuse; 431 over TLS; a client that stalls in the handshake or sends
its head slowly is cut off by the header timeout; plain HTTP on the TLS port is dropped;
a client-initiated renegotiation is refused;
wrk over HTTPS with keep-alive; SIGTERM with a slow request in flight over TLS; bad
certificate files are a clear exit 2.
"""
import os
import shutil
import signal
import socket
import ssl
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


def sh(*cmd):
    r = subprocess.run(list(cmd), capture_output=True, text=True)
    if r.returncode != 0:
        fail("%s: %s" % (" ".join(cmd), r.stderr))
    return r.stdout


def make_pki():
    """CA, an EC and an RSA leaf for localhost / 127.0.0.1 / ::1."""
    d = os.path.join(TMP, "pki")
    os.makedirs(d, exist_ok=True)
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=fa2 test CA")
    ext = os.path.join(d, "ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n")
    leaves = {}
    for kind, newkey in (("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                         ("rsa", ["-newkey", "rsa:2048"])):
        key, csr, crt = (os.path.join(d, kind + s) for s in (".key", ".csr", ".pem"))
        sh("openssl", "req", *newkey, "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
        sh("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
           "-days", "2", "-extfile", ext, "-out", crt)
        leaves[kind] = (crt, key)
    return ca, leaves


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(binary, cert, key, *args):
    port = free_port()
    cmd = [binary, "serve", "--listen", "127.0.0.1:%d" % port, "--tls-cert", cert, "--tls-key", key] + list(args)
    log = open(os.path.join(TMP, "serve-%d.log" % len(procs)), "w+")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    p.logfile = log
    procs.append(p)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            time.sleep(0.1)
            return p, port
        except OSError:
            if p.poll() is not None:
                log.seek(0)
                fail("server exited at start: " + log.read())
            time.sleep(0.05)
    fail("server did not come up")


def server_log(p):
    p.logfile.flush()
    p.logfile.seek(0)
    return p.logfile.read()


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("server did not stop on SIGTERM")
    log = server_log(p)
    if rc != 0:
        fail("exit %d:\n%s" % (rc, log))
    if "ERROR: AddressSanitizer" in log or "runtime error" in log:
        fail("sanitizer report:\n" + log)


def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "10"] + list(args), capture_output=True, text=True)


def tls_client(port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(s, server_hostname="localhost")


def read_all(s):
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ssl.SSLError, ConnectionResetError):
        pass
    return out


def main():
    if not shutil.which("openssl") or not shutil.which("curl"):
        print("openssl or curl missing")
        sys.exit(77)
    binary = FA2_ASAN if FA2_ASAN and os.path.exists(FA2_ASAN) else FA2
    ca, leaves = make_pki()

    # bad files: clear exit 2
    junk = os.path.join(TMP, "junk.pem")
    with open(junk, "w") as f:
        f.write("not a certificate\n")
    for cert, key, what in ((junk, leaves["ec"][1], "junk cert"), (leaves["ec"][0], junk, "junk key"),
                            ("/nonexistent.pem", leaves["ec"][1], "missing cert")):
        r = subprocess.run([FA2, "serve", "--listen", "127.0.0.1:%d" % free_port(), "--tls-cert", cert,
                            "--tls-key", key], capture_output=True, text=True, timeout=10)
        if r.returncode != 2 or not r.stderr.strip():
            fail("%s: exit %d, %r" % (what, r.returncode, r.stderr))
    print("bad files ok")

    for kind in ("ec", "rsa"):
        p, port = start(binary, leaves[kind][0], leaves[kind][1], "--header-timeout-ms", "1500",
                        "--debug-endpoints")
        url = "https://localhost:%d/healthz" % port
        r = curl("-v", "--cacert", ca, url, url)
        if r.returncode != 0 or r.stdout.count('"status":"ok"') != 2:
            fail("%s: curl https: %r %r" % (kind, r.stdout, r.stderr))
        if "Re-using existing connection" not in r.stderr and "Reusing existing connection" not in r.stderr:
            fail("%s: no keep-alive reuse over TLS" % kind)
        if "TLSv1.2" not in r.stderr:
            fail("%s: not TLS 1.2: %s" % (kind, r.stderr))
        r = curl(url)  # the system CAs do not know our CA
        if r.returncode == 0:
            fail("%s: curl trusted an unknown CA" % kind)
        print("%s: curl ok" % kind)
        if kind == "rsa":
            stop(p)
            continue

        r = curl("--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Big: " + "b" * 70000, url)
        if r.stdout != "431":
            fail("431 over TLS: %r %r" % (r.stdout, r.stderr))
        # pipelined requests in one TLS write
        s = tls_client(port, ca)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out = read_all(s)
        s.close()
        if out.count(b"HTTP/1.1 200") != 2 or out.count(b"HTTP/1.1 404") != 1:
            fail("pipelined over TLS: %r" % out[:300])
        # plain HTTP on the TLS port: dropped, not hung
        t0 = time.time()
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        out = read_all(s)
        s.close()
        if b"HTTP/1.1 200" in out or time.time() - t0 > 4:
            fail("plain HTTP on the TLS port: %r after %.1fs" % (out[:80], time.time() - t0))
        # a client that stalls mid-handshake is cut off by the header timeout
        t0 = time.time()
        s = socket.create_connection(("127.0.0.1", port), timeout=6)
        s.sendall(b"\x16\x03\x01\x00\x50")  # a record header, then nothing
        out = read_all(s)
        s.close()
        el = time.time() - t0
        if el > 4 or el < 1.0:
            fail("stalled handshake closed after %.1fs (header timeout 1.5s)" % el)
        # slow head over an established TLS session: 408
        s = tls_client(port, ca)
        t0 = time.time()
        s.settimeout(1.0)
        got = b""
        for ch in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: sssssssss":
            try:
                s.send(bytes([ch]))
                b = s.recv(4096)
                if not b:
                    break
                got += b
                break
            except socket.timeout:
                pass
            except (ssl.SSLError, OSError):
                break
        s.settimeout(3)
        got += read_all(s)
        s.close()
        el = time.time() - t0
        if not got.startswith(b"HTTP/1.1 408") or el > 4:
            fail("slow head over TLS: %r after %.1fs" % (got[:40], el))
        print("tls abuse ok")

        # a client-initiated renegotiation (openssl s_client's R command) is refused with
        # a no_renegotiation alert (each one would cost a full handshake), and the server
        # goes on serving
        r = subprocess.run("(printf 'R\\n'; sleep 2) | openssl s_client -connect 127.0.0.1:%d "
                           "-servername localhost -CAfile %s -no_tls1_3" % (port, ca),
                           shell=True, capture_output=True, text=True, timeout=30)
        out = r.stdout + r.stderr
        if "RENEGOTIATING" not in out or "no renegotiation" not in out:
            fail("client renegotiation not refused: %s" % out[-600:])
        r = curl("--cacert", ca, url)
        if '"status":"ok"' not in r.stdout:
            fail("after a refused renegotiation: %r %r" % (r.stdout, r.stderr))
        print("renegotiation refused ok")

        # SIGTERM with a slow request in flight over TLS
        res = []

        def slow():
            c = tls_client(port, ca)
            c.sendall(b"GET /debug/sleep?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n")
            res.append(read_all(c))
            c.close()

        th = threading.Thread(target=slow)
        th.start()
        time.sleep(0.4)
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            fail("no exit after SIGTERM")
        th.join()
        if rc != 0 or not res or not res[0].startswith(b"HTTP/1.1 200") or b"slept_ms" not in res[0]:
            fail("graceful over TLS: rc %d, %r" % (rc, res))
        print("graceful over TLS ok")

    if shutil.which("wrk"):
        p, port = start(FA2, leaves["ec"][0], leaves["ec"][1])
        r = subprocess.run(["wrk", "-t1", "-c16", "-d2s", "https://localhost:%d/healthz" % port],
                           capture_output=True, text=True, timeout=30)
        print(r.stdout)
        reqs = [l for l in r.stdout.splitlines() if "requests in" in l]
        if r.returncode != 0 or "Non-2xx" in r.stdout or "Socket errors" in r.stdout or not reqs \
                or int(reqs[0].split()[0]) < 1000:
            fail("wrk over TLS: %s %s" % (r.stdout, r.stderr))
        stop(p)
    print("serve https ok")


try:
    main()
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
