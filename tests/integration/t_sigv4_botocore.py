#!/usr/bin/env python3
"""Differential test: fa2's SigV4 signer against botocore's, on generated requests.

Generates a few hundred requests (odd paths, repeated and unsorted query keys, unicode,
empty bodies, session tokens, skipped headers, folded white space, many services and
regions, random times), signs each with botocore's SigV4Auth / SigV4QueryAuth at a fixed
timestamp, and with `fa2 aws --sign-only`, then compares the canonical request, the
string to sign, the signature and the Authorization value. Exit 0 when all agree.
"""
import json
import os
import random
import subprocess
import sys
import urllib.parse

try:
    from botocore.auth import SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("botocore is not installed")
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
N_HEADER = int(os.environ.get("SIGV4_DIFF_N", "400"))
N_PRESIGN = N_HEADER // 4
rng = random.Random(int(os.environ.get("SIGV4_DIFF_SEED", "20261125")))

SERVICES = ["logs", "monitoring", "cloudtrail", "xray", "bedrock", "bedrock-runtime",
            "secretsmanager", "sts", "athena", "securityhub", "guardduty", "execute-api"]
REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-1", "us-gov-west-1", "cn-north-1",
           "eu-central-2", "me-south-1"]
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
UNICODE = ["é", "€", "日本語", "ሴ", "😀", "ß", "Ω"]


def enc(s, safe=""):
    """SigV4 canonical encoding: unreserved kept, everything else %XX upper case."""
    return urllib.parse.quote(s, safe=safe + "-_.~")


def rand_token(chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def rand_segment():
    kind = rng.random()
    if kind < 0.35:
        return rand_token(UNRESERVED, 1, 10)
    if kind < 0.5:
        return rng.choice([".", "..", "", ""])
    if kind < 0.65:  # already percent-encoded, as a client would send it
        return enc(rng.choice(UNICODE) + rand_token(" :@!$&'()*+,;=", 0, 3))
    if kind < 0.75:  # raw unicode on the wire
        return rng.choice(UNICODE)
    if kind < 0.85:
        return "%2F" + rand_token(UNRESERVED, 1, 3)
    return rand_token(UNRESERVED + "$:@!'()*,;=", 1, 8)


def rand_path():
    r = rng.random()
    if r < 0.05:
        return ""
    if r < 0.12:
        return "/"
    p = "/" + "/".join(rand_segment() for _ in range(rng.randint(1, 6)))
    if rng.random() < 0.3:
        p += "/"
    return p


def rand_query(unique=False):
    if rng.random() < 0.3:
        return ""
    keys = [rand_token(UNRESERVED, 1, 6) for _ in range(rng.randint(1, 4))]
    pairs = []
    for _ in range(rng.randint(1, 7)):
        k = rng.choice(keys)
        if rng.random() < 0.2:
            k = rng.choice(UNICODE) + k
        r = rng.random()
        if r < 0.15:
            v = ""
        elif r < 0.3:
            v = rng.choice(UNICODE)
        elif r < 0.45:
            v = rand_token(" /+=&?#%:", 1, 4) + rand_token(UNRESERVED, 0, 3)
        else:
            v = rand_token(UNRESERVED, 1, 12)
        pairs.append((k, v))
    if unique:
        seen = {}
        for k, v in pairs:
            seen.setdefault(k, v)
        pairs = list(seen.items())
    rng.shuffle(pairs)
    parts = []
    for k, v in pairs:
        if v == "" and not unique and rng.random() < 0.3:
            parts.append(enc(k) + "=")
        else:
            parts.append(enc(k) + "=" + enc(v))
    return "&".join(parts)


def rand_headers(host, body):
    hs = [("Host", host)]
    if rng.random() < 0.7:
        hs.append((rng.choice(["Content-Type", "content-type", "CONTENT-TYPE"]),
                   rng.choice(["application/x-amz-json-1.1", "application/x-amz-json-1.0",
                               "application/json", "application/x-www-form-urlencoded; charset=utf-8"])))
    if rng.random() < 0.5:
        hs.append(("X-Amz-Target", rng.choice(["Logs_20140328.FilterLogEvents",
                                               "GraniteServiceVersion20100801.GetMetricData",
                                               "secretsmanager.GetSecretValue"])))
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(["X-Custom", "x-custom", "My-Header", "X-Amz-Meta-" + rand_token(UNRESERVED[:52], 1, 5),
                           "Accept", "User-Agent", "X-Amzn-Trace-Id", "Expect", "Connection",
                           "X-Amz-Client-Context", "Content-Length"])
        r = rng.random()
        if name == "Content-Length":
            value = str(len(body))
        elif r < 0.2:
            value = "  padded   value  "
        elif r < 0.35:
            value = 'quoted "a   b   c"'
        elif r < 0.45:
            value = "tab\there"
        elif r < 0.55:
            value = ""
        elif r < 0.65:
            value = rng.choice(UNICODE) + " x"
        else:
            value = rand_token(UNRESERVED + " ,;=/", 1, 20)
        hs.append((name, value))
    return hs


def rand_body():
    r = rng.random()
    if r < 0.35:
        return ""
    if r < 0.7:
        return json.dumps({"logGroupName": "/aws/lambda/" + rand_token(UNRESERVED, 1, 10),
                           "limit": rng.randint(1, 100)})
    return json.dumps({"text": rng.choice(UNICODE) * rng.randint(1, 50)}, ensure_ascii=False)


def rand_creds():
    akid = "AKIA" + rand_token("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16)
    secret = rand_token(UNRESERVED[:62] + "+/", 40, 40)
    token = None
    if rng.random() < 0.4:
        token = rand_token(UNRESERVED[:62] + "+/=", 100, 400)
    return akid, secret, token


def make_case(presign):
    service = rng.choice(SERVICES)
    region = rng.choice(REGIONS)
    host = f"{service}.{region}.amazonaws.com"
    if rng.random() < 0.1:
        host = f"127.0.0.1:{rng.randint(1024, 65535)}"
    path = rand_path()
    query = rand_query(unique=presign)
    body = "" if presign else rand_body()
    headers = [("Host", host)] if presign else rand_headers(host, body.encode())
    if presign and rng.random() < 0.3:
        headers.append(("X-Custom", rand_token(UNRESERVED, 1, 10)))
    akid, secret, token = rand_creds()
    t = rng.randint(1420070400, 1893456000)  # 2015 .. 2030
    amz_date = __import__("time").strftime("%Y%m%dT%H%M%SZ", __import__("time").gmtime(t))
    method = "GET" if presign else rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "post"])
    return dict(method=method, path=path, query=query, headers=headers, body=body,
                access_key_id=akid, secret_access_key=secret, session_token=token,
                region=region, service=service, time=amz_date,
                presign=rng.choice([1, 60, 900, 3600, 604800]) if presign else 0)


def botocore_sign(c):
    creds = Credentials(c["access_key_id"], c["secret_access_key"], c["session_token"])
    url = "https://" + c["headers"][0][1] + c["path"] + ("?" + c["query"] if c["query"] else "")
    req = AWSRequest(method=c["method"], url=url, data=c["body"].encode())
    for k, v in c["headers"]:
        req.headers[k] = v  # HTTPHeaders appends: repeated names are kept
    req.context["timestamp"] = c["time"]
    if c["presign"]:
        signer = SigV4QueryAuth(creds, c["service"], c["region"], expires=c["presign"])
    else:
        signer = SigV4Auth(creds, c["service"], c["region"])
    signer._modify_request_before_signing(req)
    cr = signer.canonical_request(req)
    sts = signer.string_to_sign(req, cr)
    sig = signer.signature(sts, req)
    signer._inject_signature_to_request(req, sig)
    return dict(canonical_request=cr, string_to_sign=sts, signature=sig,
                authorization=req.headers.get("Authorization", "") if not c["presign"] else "",
                url=req.url)


def main():
    cases = [make_case(False) for _ in range(N_HEADER)] + [make_case(True) for _ in range(N_PRESIGN)]
    lines = []
    for c in cases:
        d = dict(c)
        if d["session_token"] is None:
            del d["session_token"]
        lines.append(json.dumps(d, ensure_ascii=False))
    proc = subprocess.run([FA2, "aws", "--sign-only"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=120)
    outs = proc.stdout.splitlines()
    if len(outs) != len(cases):
        print(f"fa2 printed {len(outs)} lines for {len(cases)} requests; stderr: {proc.stderr[-2000:]}")
        return 1
    failures = 0
    stats = {"header": 0, "presign": 0, "token": 0, "unicode": 0, "repeated_keys": 0, "empty_body": 0}
    for c, line in zip(cases, outs):
        got = json.loads(line)
        want = botocore_sign(c)
        bad = [k for k in ("canonical_request", "string_to_sign", "signature") if got.get(k) != want[k]]
        if not c["presign"] and got.get("authorization") != want["authorization"]:
            bad.append("authorization")
        if c["presign"] and not want["url"].endswith("X-Amz-Signature=" + got.get("signature", "?")):
            bad.append("presigned url")
        if bad:
            failures += 1
            if failures <= 3:
                print("MISMATCH in", bad, "for", json.dumps(c, ensure_ascii=False))
                print("--- botocore canonical request\n" + want["canonical_request"])
                print("--- fa2 canonical request\n" + str(got.get("canonical_request", got)))
            continue
        stats["presign" if c["presign"] else "header"] += 1
        stats["token"] += bool(c["session_token"])
        stats["unicode"] += any(ord(ch) > 127 for ch in c["path"] + urllib.parse.unquote(c["query"]) + c["body"])
        keys = [p.split("=")[0] for p in c["query"].split("&") if p]
        stats["repeated_keys"] += len(keys) != len(set(keys))
        stats["empty_body"] += c["body"] == ""
    total = len(cases)
    print(f"sigv4 differential vs botocore: {total - failures}/{total} agree "
          f"({stats['header']} header-signed, {stats['presign']} presigned; with session token "
          f"{stats['token']}, unicode {stats['unicode']}, repeated query keys {stats['repeated_keys']}, "
          f"empty body {stats['empty_body']})")
    # Epoch-second "time" values outside 1970..9999 (and infinities) are refused per line,
    # never converted with undefined behaviour; a fractional second keeps its milliseconds.
    base = {"method": "GET", "path": "/", "headers": [["Host", "x"]], "access_key_id": "AKID",
            "secret_access_key": "abcd", "region": "us-east-1", "service": "logs"}
    probes = ["1e400", "-1e400", "-5", "253402300800", "1440000000.5"]
    proc = subprocess.run([FA2, "aws", "--sign-only"],
                          input="".join(json.dumps(base)[:-1] + ', "time": ' + t + "}\n" for t in probes),
                          capture_output=True, text=True, timeout=60)
    outs = [json.loads(x) for x in proc.stdout.splitlines()]
    refused = [o.get("error", "").startswith("time: epoch seconds out of range") for o in outs]
    if proc.returncode not in (0, 1) or refused != [True, True, True, True, False] or \
            "x-amz-date:20150819T160000Z" not in outs[4].get("canonical_request", ""):
        print("out-of-range time probes: unexpected", proc.returncode, outs, proc.stderr[-500:])
        failures += 1
    else:
        print("out-of-range epoch seconds refused per line (4 of 4); 1440000000.5 signs at 20150819T160000Z")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
