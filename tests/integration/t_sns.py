#!/usr/bin/env python3
"""SNS deliveries through `fa2 sns verify` / `fa2 sns confirm` (src/aws/sns.c, the code the
daemon's SNS endpoint will use): a local CA (AWS_CA_BUNDLE) and an HTTPS server playing the
SNS host (AWS_ENDPOINT_URL_SNS) serve signing certificates made here; messages are signed
with Python's cryptography as SNS signs them. Correct SignatureVersion 1 and 2 messages are
accepted and their CloudWatch alarm decoded; a bad signature, another host, an http:// URL,
an unknown topic, an expired certificate, an untrusted TLS peer and a replay are refused,
each with its reason. moto_server is the independent peer for the message shape: it
publishes to an HTTP subscriber, and what it sends verifies with the certificate it serves;
its SNS API confirms a subscription (ConfirmSubscription, SigV4)."""
import http.client
import http.server
import json
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402

try:
    import sns_peers as P  # noqa: E402  (needs cryptography)
except ImportError as e:
    print("python cryptography is not installed (%s)" % e)
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
FA2_ASAN = os.environ.get("FA2_ASAN", "")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:fa2-alarms"


def write(name, m):
    p = os.path.join(TMP, name)
    with open(p, "w") as f:
        json.dump(m, f)
    return p


def verify(env, files, topics=(TOPIC,), extra=(), binary=FA2):
    args = ["sns", "verify"] + [a for t in topics for a in ("--topic", t)] + list(extra) + files
    return aws_peers.fa2(binary, args, env)


def refused(out, verdict, words):
    return any(l.startswith("refused " + verdict + ":") and words in l for l in out.splitlines())


def main():
    c = aws_peers.Checks()
    pki = P.Pki(TMP)
    host = P.SnsHost(pki)
    good = pki.signing_cert()
    host.pems["/certs/good.pem"] = good
    host.pems["/SimpleNotificationService-0123abcd.pem"] = good
    host.pems["/certs/expired.pem"] = pki.signing_cert(
        not_before=P.datetime.datetime(2020, 1, 1, tzinfo=P.UTC), not_after=P.datetime.datetime(2021, 1, 1, tzinfo=P.UTC))
    env = aws_peers.clean_env(TMP, AWS_CA_BUNDLE=pki.ca_pem, AWS_ENDPOINT_URL_SNS=host.url, AWS_REGION="us-east-1")
    moto = None
    try:
        local_url = host.url + "/certs/good.pem"
        regional_url = "https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-0123abcd.pem"
        v1 = write("v1.json", P.sign(P.notification(TOPIC, P.alarm_message(), subject='ALARM: "checkout 5xx"'),
                                     pki.sign_key, local_url, 1))
        v2 = write("v2.json", P.sign(P.notification(TOPIC, P.alarm_message(name="eu alarm", region_name="EU (Ireland)",
                                                                           region="eu-west-1", account="210987654321")),
                                     pki.sign_key, regional_url, 2))
        for binary in [FA2] + ([FA2_ASAN] if FA2_ASAN and os.path.exists(FA2_ASAN) else []):
            rc, out, err, _ = verify(env, [v1, v2], binary=binary)
            name = os.path.basename(binary)
            c.check(rc == 0 and out.count("accepted Notification") == 2,
                    f"{name}: SignatureVersion 1 and 2 messages are accepted", out + err)
            c.check("alarm checkout 5xx state ALARM region ap-northeast-1 account 123456789012" in out,
                    f"{name}: the alarm is decoded: name, state, region (from the ARN), account", out)
            c.check("alarm eu alarm state ALARM region eu-west-1 account 210987654321" in out and
                    "AWS/ApplicationELB HTTPCode_Target_5XX_Count LoadBalancer=app/checkout/0123" in out,
                    f"{name}: another region and account, with the metric", out)
        gets = [r[1] for r in host.requests if r[0] == "GET"]
        c.check(gets.count("/certs/good.pem") >= 1 and "/SimpleNotificationService-0123abcd.pem" in gets,
                "certificates came from the endpoint over HTTPS (the regional URL's path from "
                "AWS_ENDPOINT_URL_SNS)", repr(gets))

        # Refusals, each with its reason.
        m = P.sign(P.notification(TOPIC, P.alarm_message()), pki.sign_key, local_url, 2)
        m["Message"] = m["Message"].replace("42.0", "4.2")
        bad = write("bad-sig.json", m)
        rc, out, err, _ = verify(env, [bad])
        c.check(rc == 1 and refused(out, "bad-signature", "does not verify"), "a changed message: bad-signature", out + err)

        other_host = write("other-host.json", P.sign(P.notification(TOPIC, "x"), pki.sign_key,
                                                     "https://sns.ap-northeast-1.amazonaws.com.evil.example/a.pem", 2))
        rc, out, err, _ = verify(env, [other_host])
        c.check(rc == 1 and refused(out, "bad-cert-url", "is not sns.ap-northeast-1.amazonaws.com"),
                "a certificate on another host: bad-cert-url", out + err)
        wrong_region = write("wrong-region.json", P.sign(P.notification(TOPIC, "x"), pki.sign_key,
                                                        "https://sns.us-east-1.amazonaws.com/a.pem", 2))
        rc, out, err, _ = verify(env, [wrong_region])
        c.check(rc == 1 and refused(out, "bad-cert-url", "sns.us-east-1.amazonaws.com"),
                "the SNS host of another region: bad-cert-url", out + err)
        http_url = write("http.json", P.sign(P.notification(TOPIC, "x"), pki.sign_key,
                                            local_url.replace("https://", "http://"), 2))
        rc, out, err, _ = verify(env, [http_url])
        c.check(rc == 1 and refused(out, "bad-cert-url", "not https"), "an http:// certificate URL: bad-cert-url",
                out + err)
        n_before = len(host.requests)
        rc, out, err, _ = verify(env, [v1], topics=("arn:aws:sns:ap-northeast-1:123456789012:another",))
        c.check(rc == 1 and refused(out, "unknown-topic", TOPIC) and len(host.requests) == n_before,
                "an unknown topic: refused before any fetch", out + err)
        expired = write("expired.json", P.sign(P.notification(TOPIC, "x"), pki.sign_key, host.url + "/certs/expired.pem", 2))
        rc, out, err, _ = verify(env, [expired])
        c.check(rc == 1 and refused(out, "bad-cert", "expired at 2021-01-01"), "an expired certificate: bad-cert",
                out + err)
        missing = write("missing.json", P.sign(P.notification(TOPIC, "x"), pki.sign_key, host.url + "/certs/nope.pem", 2))
        rc, out, err, _ = verify(env, [missing])
        c.check(rc == 1 and refused(out, "cert-unavailable", "HTTP 404"), "a missing certificate: cert-unavailable",
                out + err)
        stale = write("stale.json", P.sign(P.notification(
            TOPIC, "x", ts=P.timestamp(P.datetime.datetime.now(P.UTC) - P.datetime.timedelta(hours=3))),
            pki.sign_key, local_url, 2))
        rc, out, err, _ = verify(env, [stale])
        c.check(rc == 1 and refused(out, "stale", "old"), "a three-hour-old Timestamp: stale", out + err)
        rc, out, err, _ = verify(env, [v1, v1])
        c.check(rc == 1 and "accepted Notification" in out and refused(out, "replay", "accepted before"),
                "the same MessageId twice: the second is a replay", out + err)
        other_key = P.rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = write("forged.json", P.sign(P.notification(TOPIC, P.alarm_message()), other_key, local_url, 2))
        rc, out, err, _ = verify(env, [forged])
        c.check(rc == 1 and refused(out, "bad-signature", ""), "signed by another key: bad-signature", out + err)
        rc, out, err, _ = verify(env, [v1], extra=["--header", "x-amz-sns-topic-arn:" + TOPIC + "-x"])
        c.check(rc == 1 and refused(out, "malformed", "x-amz-sns-topic-arn"), "a header disagreeing with the body",
                out + err)
        # TLS is verified: without the test CA the certificate host is not trusted.
        os.makedirs(os.path.join(TMP, "other"), exist_ok=True)
        noca = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}
        noca["SSL_CERT_FILE"] = P.Pki(os.path.join(TMP, "other")).ca_pem  # a bundle without our CA
        rc, out, err, _ = verify(noca, [v1])
        c.check(rc == 1 and (refused(out, "cert-unavailable", "TLS") or refused(out, "cert-unavailable", "certificate")),
                "an untrusted HTTPS peer: cert-unavailable (TLS verified)", out + err)

        # Subscription confirmation by the SubscribeURL.
        sub = {"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
               "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd",
               "TopicArn": TOPIC, "Message": "You have chosen to subscribe to the topic " + TOPIC,
               "SubscribeURL": host.url + "/?Action=ConfirmSubscription&TopicArn=" + TOPIC + "&Token=2336412f37",
               "Timestamp": P.timestamp()}
        host.confirm_answer = TOPIC + ":8a21d249-4329-4871-acc6-7be709c6ea7f"
        subf = write("sub.json", P.sign(dict(sub), pki.sign_key, local_url, 2))
        rc, out, err, _ = aws_peers.fa2(FA2, ["sns", "confirm", "--topic", TOPIC, subf], env)
        c.check(rc == 0 and "accepted SubscriptionConfirmation" in out and
                "confirmed " + TOPIC + ":8a21d249" in out, "a SubscriptionConfirmation is confirmed by its URL", out + err)
        c.check(any(r[0] == "GET" and r[1].startswith("/?Action=ConfirmSubscription&TopicArn=") for r in host.requests),
                "the SubscribeURL was fetched over HTTPS", "")
        rc, out, err, _ = aws_peers.fa2(FA2, ["sns", "confirm", "--topic", TOPIC + "-other", subf], env)
        c.check(rc == 1 and refused(out, "unknown-topic", ""), "a confirmation for another topic is not confirmed",
                out + err)
        evil = dict(sub, SubscribeURL="https://evil.example/?Action=ConfirmSubscription&Token=1")
        evilf = write("sub-evil.json", P.sign(evil, pki.sign_key, local_url, 2))
        rc, out, err, _ = aws_peers.fa2(FA2, ["sns", "confirm", "--topic", TOPIC, evilf], env)
        c.check(rc == 1 and "not-confirmed" in out and "evil.example" in out,
                "a SubscribeURL on another host is not fetched", out + err)

        # moto as the independent peer: what it POSTs to an HTTP subscriber verifies.
        if shutil.which("moto_server"):
            moto_peer(c, pki, host, env)
        else:
            print("skip: moto_server is not installed (moto peer checks)")
    finally:
        host.stop()
        if moto:
            moto.stop()
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


def moto_peer(c, pki, host, env):
    moto = aws_peers.Moto(TMP, auth=False)
    got = []

    class Sub(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            got.append((dict(self.headers), self.rfile.read(n)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    sub = aws_peers.Double(Sub)
    try:
        import boto3
        sns = boto3.client("sns", endpoint_url=moto.url, region_name="us-east-1",
                           aws_access_key_id="AKIAMOTOMOTOMOTO0000", aws_secret_access_key="x")
        arn = sns.create_topic(Name="fa2-moto")["TopicArn"]
        sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=sub.url + "/sns")
        # No Subject: moto 5 signs without it even when it sends one, where SNS includes
        # the Subject in the string to sign (AWS's documentation and sns_vectors.h).
        sns.publish(TopicArn=arn, Message=P.alarm_message(name="moto alarm", region_name="US East (N. Virginia)",
                                                          region="us-east-1"))
        end = time.time() + 10
        while not got and time.time() < end:
            time.sleep(0.1)
        c.check(len(got) == 1, "moto POSTed the notification to the HTTP subscriber", "")
        if not got:
            return
        body = json.loads(got[0][1])
        print("     moto sent:", sorted(body), "headers", sorted(k for k in got[0][0] if k.lower().startswith("x-amz")))
        url = body["SigningCertURL"]
        path = "/" + url.split("/", 3)[3]
        conn = http.client.HTTPConnection("127.0.0.1", moto.port, timeout=10)
        # moto_server routes by the credential scope of an Authorization header, not by Host.
        conn.request("GET", path, headers={"Host": "sns.us-east-1.amazonaws.com", "Authorization":
                                           "AWS4-HMAC-SHA256 Credential=AKIAMOTO/20260101/us-east-1/sns/aws4_request, "
                                           "SignedHeaders=host, Signature=00"})
        r = conn.getresponse()
        pem = r.read()
        c.check(r.status == 200 and b"BEGIN CERTIFICATE" in pem, "moto serves its signing certificate", repr(pem[:80]))
        host.pems[path] = pem
        f = os.path.join(TMP, "moto.json")
        with open(f, "wb") as fh:
            fh.write(got[0][1])
        rc, out, err, _ = verify(env, [f], topics=(arn,))
        c.check(rc == 0 and "accepted Notification" in out and "alarm moto alarm state ALARM region us-east-1" in out,
                "moto's notification (its own signature and certificate URL) is accepted", out + err)
        body["Message"] = body["Message"].replace("moto alarm", "moto alarn")
        with open(f, "w") as fh:
            json.dump(body, fh)
        rc, out, err, _ = verify(env, [f], topics=(arn,))
        c.check(rc == 1 and refused(out, "bad-signature", ""), "moto's notification changed: bad-signature", out + err)

        # ConfirmSubscription through fa2's SNS API client (SigV4, query protocol), via
        # the HTTPS endpoint forwarding to moto.
        host.moto_url = moto.url
        subm = {"Type": "SubscriptionConfirmation", "MessageId": "0c8d1d3a-0b6d-4c88-b0a3-3b2d7c6f6e10",
                "Token": "2336412f37fb687f5d51e6e241d09c8", "TopicArn": arn,
                "Message": "You have chosen to subscribe to the topic " + arn,
                "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + arn
                                + "&Token=2336412f37", "Timestamp": P.timestamp()}
        subf = write("moto-sub.json", P.sign(subm, pki.sign_key, host.url + "/certs/good.pem", 2))
        api_env = dict(env, AWS_ACCESS_KEY_ID="AKIAMOTOMOTOMOTO0000", AWS_SECRET_ACCESS_KEY="x")
        n_before = len(host.requests)
        rc, out, err, _ = aws_peers.fa2(FA2, ["sns", "confirm", "--api", "--topic", arn, subf], api_env)
        posts = [r for r in host.requests[n_before:] if r[0] == "POST"]
        c.check(rc == 0 and "confirmed arn:aws:sns:us-east-1:" in out, "ConfirmSubscription through the SNS API (moto)",
                out + err)
        c.check(len(posts) == 1 and b"Action=ConfirmSubscription" in posts[0][3] and
                b"AuthenticateOnUnsubscribe=true" in posts[0][3] and
                posts[0][2].get("Authorization", "").startswith("AWS4-HMAC-SHA256") and
                "/sns/aws4_request" in posts[0][2].get("Authorization", ""),
                "the API call is SigV4-signed for sns and asks for authenticated unsubscribe",
                repr(posts[:1])[:600])
    finally:
        sub.stop()
        moto.stop()


if __name__ == "__main__":
    sys.exit(main())
