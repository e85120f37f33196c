"""Shared helpers for the AWS integration tests: a moto_server on a free loopback port
with authentication on, an IAM user with an access key, small IMDSv2 and container
credential doubles, and a runner for fa2. Python standard library plus boto3 (the
machine image's)."""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("moto_server exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto_server did not start")


class Moto:
    """moto_server with INITIAL_NO_AUTH_ACTION_COUNT=3: the first three actions (create
    user, attach policy, create key) run unauthenticated, everything after is checked."""

    def __init__(self, tmp, auth=True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
        if auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        self.log = open(os.path.join(tmp, "moto-%d.log" % self.port), "w")
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc)
        if not auth:
            self.akid = self.secret = None
            return
        import boto3
        iam = boto3.client("iam", endpoint_url=self.url, region_name="us-east-1",
                           aws_access_key_id="AKIASETUPSETUPSETUP0", aws_secret_access_key="setup")
        iam.create_user(UserName="fa2")
        iam.put_user_policy(UserName="fa2", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        k = iam.create_access_key(UserName="fa2")["AccessKey"]
        self.akid, self.secret = k["AccessKeyId"], k["SecretAccessKey"]

    def client(self, service):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=self.akid, aws_secret_access_key=self.secret)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class Double(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.requests = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self):
        self.shutdown()
        self.server_close()


def imds_double(creds, region="us-east-1"):
    """EC2 metadata that insists on IMDSv2: GETs without the session token get 401."""
    token = "imds-token-" + os.urandom(8).hex()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, code, body):
            b = body.encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_PUT(self):
            self.server.requests.append(("PUT", self.path, dict(self.headers)))
            if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                self.reply(200, token)
            else:
                self.reply(400, "bad token request")

        def do_GET(self):
            self.server.requests.append(("GET", self.path, dict(self.headers)))
            if self.headers.get("X-aws-ec2-metadata-token") != token:
                self.reply(401, "IMDSv1 is disabled")
            elif self.path == "/latest/meta-data/iam/security-credentials/":
                self.reply(200, "fa2-instance-role")
            elif self.path == "/latest/meta-data/iam/security-credentials/fa2-instance-role":
                self.reply(200, json.dumps(dict(creds, Code="Success", Type="AWS-HMAC",
                                                LastUpdated="2026-01-01T00:00:00Z")))
            elif self.path == "/latest/meta-data/placement/region":
                self.reply(200, region)
            else:
                self.reply(404, "not found")

    return Double(H)


def container_double(creds, auth_token):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            self.server.requests.append(("GET", self.path, dict(self.headers)))
            ok = self.headers.get("Authorization") == auth_token and self.path == "/creds"
            b = json.dumps(creds).encode() if ok else b'{"message":"unauthorized"}'
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

    return Double(H)


def clean_env(tmp, **extra):
    """An environment with no ambient AWS settings (and no real ~/.aws)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = tmp
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_CONFIG_FILE"] = os.path.join(tmp, "no-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(tmp, "no-credentials")
    env.update({k: v for k, v in extra.items() if v is not None})
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
    return env


def fa2(binary, args, env, input_text=None, timeout=60):
    t0 = time.monotonic()
    p = subprocess.run([binary] + args, env=env, input=input_text, capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("ok  ", what)
        else:
            self.failed += 1
            print("FAIL", what, detail[-1500:] if detail else "")
        sys.stdout.flush()
