#!/usr/bin/env python3
"""Writes tests/unit/sns_vectors.h: an RSA signing key's certificates (valid 2020-2120,
and one that expired in 2001) and SNS messages signed with it the way SNS signs them
(SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA, PKCS#1 v1.5, over the documented
"Name\\nvalue\\n" string). Independent of fa2's code: Python's `cryptography`.
Run: python3 tests/unit/gen_sns_vectors.py > tests/unit/sns_vectors.h"""
import base64
import datetime
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
other = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def cert(k, nb, na):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(k.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(nb).not_valid_after(na).sign(k, hashes.SHA256())
            .public_bytes(serialization.Encoding.PEM).decode())


UTC = datetime.timezone.utc
good = cert(key, datetime.datetime(2020, 1, 1, tzinfo=UTC), datetime.datetime(2120, 1, 1, tzinfo=UTC))
expired = cert(key, datetime.datetime(2000, 1, 1, tzinfo=UTC), datetime.datetime(2001, 1, 1, tzinfo=UTC))
wrong = cert(other, datetime.datetime(2020, 1, 1, tzinfo=UTC), datetime.datetime(2120, 1, 1, tzinfo=UTC))

TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:fa2-alarms"
CERT_URL = "https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
TS = "2026-03-01T02:03:04.567Z"


def sts(m):
    if m["Type"] == "Notification":
        keys = ["Message", "MessageId"] + (["Subject"] if "Subject" in m else []) + ["Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{k}\n{m[k]}\n" for k in keys)


def sign(m, version):
    m["SignatureVersion"] = str(version)
    h = hashes.SHA1() if version == 1 else hashes.SHA256()
    m["Signature"] = base64.b64encode(key.sign(sts(m).encode(), padding.PKCS1v15(), h)).decode()
    m["SigningCertURL"] = CERT_URL
    return m


alarm = {
    "AlarmName": "orders-api 5xx", "AlarmDescription": None, "AWSAccountId": "123456789012",
    "AlarmConfigurationUpdatedTimestamp": "2026-02-01T00:00:00.000+0000",
    "NewStateValue": "ALARM",
    "NewStateReason": "Threshold Crossed: 1 datapoint [12.0 (01/03/26 02:01:00)] was greater than the threshold (5.0).",
    "StateChangeTime": "2026-03-01T02:02:59.123+0000", "Region": "Asia Pacific (Tokyo)",
    "AlarmArn": "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:orders-api 5xx",
    "OldStateValue": "OK", "OKActions": [], "AlarmActions": [TOPIC], "InsufficientDataActions": [],
    "Trigger": {"MetricName": "HTTPCode_Target_5XX_Count", "Namespace": "AWS/ApplicationELB",
                "StatisticType": "Statistic", "Statistic": "SUM", "Unit": None,
                "Dimensions": [{"value": "app/orders/0123456789abcdef", "name": "LoadBalancer"}],
                "Period": 60, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
                "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0,
                "TreatMissingData": "missing", "EvaluateLowSampleCountPercentile": ""}}

msgs = {
    "NOTIF_V1": sign({"Type": "Notification", "MessageId": "2f3c1a52-0c2d-5b5e-9f4c-6d0f1c2b3a41",
                      "TopicArn": TOPIC, "Subject": "ALARM: \"orders-api 5xx\" in Asia Pacific (Tokyo)",
                      "Message": json.dumps(alarm), "Timestamp": TS,
                      "UnsubscribeURL": "https://sns.ap-northeast-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + TOPIC + ":0a1b"}, 1),
    "NOTIF_V2": sign({"Type": "Notification", "MessageId": "7d6c5b4a-3f2e-4d1c-8b0a-9e8d7c6b5a49",
                      "TopicArn": TOPIC, "Message": "plain text\nwith a newline and \u00fcnicode \u6642\u523b",
                      "Timestamp": TS,
                      "UnsubscribeURL": "https://sns.ap-northeast-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + TOPIC + ":0a1b"}, 2),
    "SUBCONF_V2": sign({"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
                        "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736",
                        "TopicArn": TOPIC,
                        "Message": "You have chosen to subscribe to the topic " + TOPIC + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
                        "SubscribeURL": "https://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + TOPIC + "&Token=2336412f37",
                        "Timestamp": TS}, 2),
    "UNSUB_V1": sign({"Type": "UnsubscribeConfirmation", "MessageId": "47138184-6831-46b8-8f7c-afc488602d7d",
                      "Token": "2336412f37fb687f5d51e6e2425c464de12884", "TopicArn": TOPIC,
                      "Message": "You have chosen to deactivate subscription.",
                      "SubscribeURL": "https://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + TOPIC + "&Token=2336412f37fb6",
                      "Timestamp": TS}, 1),
}


def c_str(s):
    out = []
    for line in s.splitlines(True):
        esc = line.encode().decode("latin-1")
        b = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else
                    ("\\" + c if c in '"\\' else "\\n" if c == "\n" else "\\%03o" % ord(c)) for c in esc)
        out.append('\t"' + b + '"')
    return "\n".join(out)


print("/* Generated by tests/unit/gen_sns_vectors.py (Python cryptography); do not edit. */")
print("#ifndef FA2_TESTS_SNS_VECTORS_H\n#define FA2_TESTS_SNS_VECTORS_H\n")
print('#define SNSV_TOPIC "%s"' % TOPIC)
print('#define SNSV_CERT_URL "%s"' % CERT_URL)
print("#define SNSV_NOW_MS 1772330584567LL /* %s */\n" % TS)
for name, pem in [("CERT_GOOD", good), ("CERT_EXPIRED", expired), ("CERT_OTHER_KEY", wrong)]:
    print("static const char SNSV_%s[] =\n%s;\n" % (name, c_str(pem)))
for name, m in msgs.items():
    print("static const char SNSV_%s[] =\n%s;\n" % (name, c_str(json.dumps(m, indent=1))))
print("#endif")
