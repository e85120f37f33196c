"""Peers for the SNS tests: a throw-away CA and an HTTPS server on 127.0.0.1 (name
"localhost") that plays the SNS host: it serves signing certificates (PEM) by path,
answers GET /?Action=ConfirmSubscription (the SubscribeURL) and forwards POST / (the SNS
query API) to a moto_server when given one. Messages are signed as SNS signs them
(SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA over the documented "Name\\nvalue\\n"
string) with Python's `cryptography`, independently of fa2's code."""
import base64
import datetime
import http.client
import http.server
import json
import os
import ssl
import threading
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.timezone.utc


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(obj):
    return obj.public_bytes(serialization.Encoding.PEM)


def _key_pem(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                           serialization.NoEncryption())


class Pki:
    """A CA, a TLS certificate for localhost signed by it, and RSA signing certificates."""

    def __init__(self, tmp):
        now = datetime.datetime.now(UTC)
        self.ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca = (x509.CertificateBuilder().subject_name(_name("fa2 sns test CA")).issuer_name(_name("fa2 sns test CA"))
              .public_key(self.ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
              .sign(self.ca_key, hashes.SHA256()))
        tls_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tls = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
               .public_key(tls_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
               .sign(self.ca_key, hashes.SHA256()))
        self.ca_pem = os.path.join(tmp, "sns-ca.pem")
        self.tls_cert = os.path.join(tmp, "sns-tls.pem")
        self.tls_key = os.path.join(tmp, "sns-tls.key")
        with open(self.ca_pem, "wb") as f:
            f.write(_pem(ca))
        with open(self.tls_cert, "wb") as f:
            f.write(_pem(tls))
        with open(self.tls_key, "wb") as f:
            f.write(_key_pem(tls_key))
        self.sign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def signing_cert(self, not_before=None, not_after=None, key=None):
        """A self-issued signing certificate (CN sns.amazonaws.com) as PEM bytes."""
        now = datetime.datetime.now(UTC)
        key = key or self.sign_key
        return _pem(x509.CertificateBuilder().subject_name(_name("sns.amazonaws.com"))
                    .issuer_name(_name("Amazon RSA 2048 M01 (test)")).public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(not_before or now - datetime.timedelta(days=1))
                    .not_valid_after(not_after or now + datetime.timedelta(days=30))
                    .sign(self.ca_key, hashes.SHA256()))


def string_to_sign(m):
    if m["Type"] == "Notification":
        keys = ["Message", "MessageId"] + (["Subject"] if "Subject" in m else []) + ["Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{k}\n{m[k]}\n" for k in keys)


def timestamp(dt=None):
    dt = dt or datetime.datetime.now(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def sign(m, key, cert_url, version=2):
    m["SignatureVersion"] = str(version)
    h = hashes.SHA1() if version == 1 else hashes.SHA256()
    m["Signature"] = base64.b64encode(key.sign(string_to_sign(m).encode(), padding.PKCS1v15(), h)).decode()
    m["SigningCertURL"] = cert_url
    return m


def notification(topic, message, subject=None, ts=None):
    m = {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic, "Message": message,
         "Timestamp": ts or timestamp(),
         "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + topic + ":x"}
    if subject is not None:
        m["Subject"] = subject
    return m


def alarm_message(name="checkout 5xx", region_name="Asia Pacific (Tokyo)", region="ap-northeast-1",
                  account="123456789012", state="ALARM"):
    """The classic CloudWatch alarm action message (what an alarm publishes to SNS)."""
    return json.dumps({
        "AlarmName": name, "AlarmDescription": None, "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": "2026-01-01T00:00:00.000+0000", "NewStateValue": state,
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [42.0 (01/03/26 02:01:00)] "
                          "was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).",
        "StateChangeTime": datetime.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "Region": region_name, "AlarmArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
        "OldStateValue": "OK", "OKActions": [], "AlarmActions": [], "InsufficientDataActions": [],
        "Trigger": {"MetricName": "HTTPCode_Target_5XX_Count", "Namespace": "AWS/ApplicationELB",
                    "StatisticType": "Statistic", "Statistic": "SUM", "Unit": None,
                    "Dimensions": [{"value": "app/checkout/0123", "name": "LoadBalancer"}],
                    "Period": 60, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold",
                    "Threshold": 5.0, "TreatMissingData": "missing", "EvaluateLowSampleCountPercentile": ""}})


class SnsHost(http.server.ThreadingHTTPServer):
    """HTTPS on 127.0.0.1 with the Pki's localhost certificate. pems: path -> PEM bytes.
    Every request is logged in .requests as (method, path, headers, body)."""
    daemon_threads = True

    def __init__(self, pki, moto_url=None):
        self.pems = {}
        self.requests = []
        self.moto_url = moto_url
        self.confirm_answer = None
        host = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, body, ctype="text/plain"):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                host.requests.append(("GET", self.path, dict(self.headers), b""))
                if self.path in host.pems:
                    self.reply(200, host.pems[self.path], "application/x-pem-file")
                elif self.path.startswith("/?Action=ConfirmSubscription&"):
                    arn = host.confirm_answer or "arn:aws:sns:us-east-1:123456789012:t:00000000"
                    self.reply(200, ("<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
                                     "<ConfirmSubscriptionResult><SubscriptionArn>%s</SubscriptionArn>"
                                     "</ConfirmSubscriptionResult></ConfirmSubscriptionResponse>" % arn).encode(),
                               "text/xml")
                else:
                    self.reply(404, b"<Error><Code>NotFound</Code></Error>", "text/xml")

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                host.requests.append(("POST", self.path, dict(self.headers), body))
                if not host.moto_url:
                    self.reply(404, b"no API here")
                    return
                u = host.moto_url.split("//", 1)[1]
                c = http.client.HTTPConnection(u, timeout=10)
                hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
                c.request("POST", self.path, body=body, headers=hdrs)
                r = c.getresponse()
                data = r.read()
                self.reply(r.status, data, r.getheader("Content-Type", "text/xml"))
                c.close()

        super().__init__(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki.tls_cert, pki.tls_key)
        self.socket = ctx.wrap_socket(self.socket, server_side=True)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "https://localhost:%d" % self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()
