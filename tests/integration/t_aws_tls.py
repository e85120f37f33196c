#!/usr/bin/env python3
"""fa2 aws over real TLS: nginx terminates HTTPS (a throw-away CA made here with openssl)
in front of moto_server with authentication on; AWS_CA_BUNDLE names the test CA.
Signed calls work through the proxy; without the CA bundle the certificate is refused
with a readable error (TLS always verifies)."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402

FA2 = os.environ.get("FA2", "build/fa2")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

for tool, why in ((shutil.which("openssl"), "openssl"), (os.path.exists(NGINX) and NGINX, "nginx"),
                  (shutil.which("moto_server"), "moto_server")):
    if not tool:
        print(f"{why} is not installed")
        sys.exit(77)


def sh(*args):
    r = subprocess.run(args, cwd=TMP, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(" ".join(args) + ": " + r.stderr[-500:])


def pki():
    with open(os.path.join(TMP, "leaf.cnf"), "w") as f:
        f.write("[leaf]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-subj",
       "/CN=fa2 aws test CA", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.pem")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", "other.key", "-subj", "/CN=some other CA", "-days", "2", "-out", "other.pem")
    sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
       "leaf.key", "-subj", "/CN=localhost", "-out", "leaf.csr")
    sh("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "7",
       "-days", "2", "-extfile", "leaf.cnf", "-extensions", "leaf", "-out", "leaf.pem")


def main():
    c = aws_peers.Checks()
    pki()
    moto = aws_peers.Moto(TMP)
    port = aws_peers.free_port()
    for d in ("tmp",):
        os.makedirs(os.path.join(TMP, d), exist_ok=True)
    with open(os.path.join(TMP, "nginx.conf"), "w") as f:
        f.write(f"""daemon off;
master_process off;
worker_processes 1;
pid {TMP}/nginx.pid;
error_log {TMP}/nginx-error.log info;
events {{ worker_connections 64; }}
http {{
	access_log {TMP}/nginx-access.log;
	client_body_temp_path {TMP}/tmp/body;
	proxy_temp_path {TMP}/tmp/proxy;
	fastcgi_temp_path {TMP}/tmp/fastcgi;
	uwsgi_temp_path {TMP}/tmp/uwsgi;
	scgi_temp_path {TMP}/tmp/scgi;
	server {{
		listen 127.0.0.1:{port} ssl;
		ssl_certificate {TMP}/leaf.pem;
		ssl_certificate_key {TMP}/leaf.key;
		location / {{
			proxy_pass http://127.0.0.1:{moto.port};
			proxy_set_header Host $http_host;
			proxy_http_version 1.1;
		}}
	}}
}}
""")
    ng = subprocess.Popen([NGINX, "-p", TMP, "-c", os.path.join(TMP, "nginx.conf")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        aws_peers.wait_port(port, ng)
        moto.client("logs").create_log_group(logGroupName="/fa2/tls")
        env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                                  AWS_REGION="us-east-1", AWS_ENDPOINT_URL=f"https://localhost:{port}",
                                  AWS_CA_BUNDLE=os.path.join(TMP, "ca.pem"))
        rc, out, err, _ = aws_peers.fa2(FA2, ["aws", "logs", "DescribeLogGroups", "{}"], env)
        c.check(rc == 0 and "/fa2/tls" in out, "HTTPS through nginx to moto with AWS_CA_BUNDLE", out + err)
        rc, out, err, _ = aws_peers.fa2(FA2, ["aws", "sts", "GetCallerIdentity"], env)
        c.check(rc == 0 and "user/fa2" in out, "STS over HTTPS", out + err)
        bad = dict(env, AWS_SECRET_ACCESS_KEY="wrong" + moto.secret[5:])
        rc, out, err, _ = aws_peers.fa2(FA2, ["aws", "logs", "DescribeLogGroups", "{}"], bad)
        c.check(rc == 1 and "SignatureDoesNotMatch" in err, "wrong secret over HTTPS: SignatureDoesNotMatch", err)
        noca = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}
        noca["SSL_CERT_FILE"] = os.path.join(TMP, "other.pem")  # a bundle without our CA
        rc, out, err, dt = aws_peers.fa2(FA2, ["aws", "--timeout", "10", "logs", "DescribeLogGroups", "{}"], noca)
        c.check(rc == 1 and ("TLS" in err or "certificate" in err.lower()) and dt < 10,
                "without the test CA the certificate is refused, readable error", err)
        print("     stderr was:", err.strip()[-300:])
    finally:
        ng.terminate()
        try:
            ng.wait(5)
        except subprocess.TimeoutExpired:
            ng.kill()
        moto.stop()
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
