#!/usr/bin/env python3
"""fa2 aws against moto_server with authentication on (an IAM user and access key made
here): Logs, CloudWatch GetMetricData (awsJson1_0), X-Ray, Secrets Manager, STS
GetCallerIdentity and AssumeRole (profile role_arn + source_profile), credentials from
the environment, a profile, credential_process, an IMDSv2 double and a container double;
a wrong secret gets SignatureDoesNotMatch reported plainly; --debug shows the canonical
request and string to sign but no secret."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402

try:
    import boto3  # noqa: F401
except ImportError:
    print("boto3 is not installed")
    sys.exit(77)
if not any(os.access(os.path.join(d, "moto_server"), os.X_OK) for d in os.environ.get("PATH", "").split(":")):
    print("moto_server is not installed")
    sys.exit(77)

FA2 = os.environ.get("FA2", "build/fa2")
FA2_ASAN = os.environ.get("FA2_ASAN", "")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()


def main():
    c = aws_peers.Checks()
    moto = aws_peers.Moto(TMP)
    doubles = []
    try:
        run(c, moto, doubles)
    finally:
        for d in doubles:
            d.stop()
        moto.stop()
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


def run(c, moto, doubles):
    now = int(time.time())
    # Seed data with boto3 (authenticated as the new user).
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="/fa2/test")
    logs.create_log_stream(logGroupName="/fa2/test", logStreamName="s1")
    logs.put_log_events(logGroupName="/fa2/test", logStreamName="s1", logEvents=[
        {"timestamp": now * 1000 - 60000, "message": "ERROR payment failed order=42"},
        {"timestamp": now * 1000 - 30000, "message": "INFO all good"}])
    cw = moto.client("cloudwatch")
    for i in range(5):
        cw.put_metric_data(Namespace="FA2/Test", MetricData=[{
            "MetricName": "Errors", "Value": float(i + 1), "Timestamp": now - 300 + i * 60,
            "Dimensions": [{"Name": "Service", "Value": "orders"}]}])
    moto.client("secretsmanager").create_secret(
        Name="fa2/slack", SecretString=json.dumps({"SlackBotToken": "xoxb-test-123"}))
    seg = {"trace_id": "1-%08x-%024x" % (now, 1), "id": "%016x" % 7, "name": "orders",
           "start_time": now - 10, "end_time": now - 9, "fault": True}
    moto.client("xray").put_trace_segments(TraceSegmentDocuments=[json.dumps(seg)])
    iam = moto.client("iam")
    iam.create_role(RoleName="fa2-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="fa2-role", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    role_arn = "arn:aws:iam::123456789012:role/fa2-role"
    temp = moto.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="imds")["Credentials"]

    env = aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.url)

    def call(args, e=env, binary=FA2, stdin=None):
        return aws_peers.fa2(binary, ["aws"] + args, e, stdin)

    rc, out, err, _ = call(["logs", "DescribeLogGroups", "{}"])
    c.check(rc == 0 and "/fa2/test" in out, "logs DescribeLogGroups (env credentials)", out + err)
    rc, out, err, _ = call(["logs", "FilterLogEvents", json.dumps({"logGroupName": "/fa2/test"})])
    c.check(rc == 0 and "payment failed" in out, "logs FilterLogEvents", out + err)
    q = {"MetricDataQueries": [{"Id": "m1", "MetricStat": {"Metric": {
        "Namespace": "FA2/Test", "MetricName": "Errors",
        "Dimensions": [{"Name": "Service", "Value": "orders"}]}, "Period": 60, "Stat": "Sum"}}],
        "StartTime": now - 600, "EndTime": now + 60}
    rc, out, err, _ = call(["monitoring", "GetMetricData", json.dumps(q)])
    ok = False
    try:
        vals = json.loads(out)["MetricDataResults"][0]["Values"]
        ok = rc == 0 and sorted(vals) == [1.0, 2.0, 3.0, 4.0, 5.0]
    except Exception:
        pass
    c.check(ok, "monitoring GetMetricData (awsJson1_0, GraniteServiceVersion20100801)", out + err)
    rc, out, err, _ = call(["xray", "GetTraceSummaries", json.dumps({"StartTime": now - 600, "EndTime": now + 60})])
    c.check(rc == 0 and "TraceSummaries" in out and seg["trace_id"] in out, "xray GetTraceSummaries (restJson1)", out + err)
    rc, out, err, _ = call(["secretsmanager", "GetSecretValue", '{"SecretId":"fa2/slack"}'])
    c.check(rc == 0 and "xoxb-test-123" in out, "secretsmanager GetSecretValue", out + err)
    rc, out, err, _ = call(["sts", "GetCallerIdentity"])
    c.check(rc == 0 and "user/fa2" in out, "sts GetCallerIdentity (query protocol)", out + err)
    if FA2_ASAN and os.path.exists(FA2_ASAN):
        rc, out, err, _ = call(["logs", "FilterLogEvents", json.dumps({"logGroupName": "/fa2/test"})], binary=FA2_ASAN)
        c.check(rc == 0 and "payment failed" in out and "ERROR: AddressSanitizer" not in err,
                "ASan build: logs FilterLogEvents", out + err)
        rc, out, err, _ = call(["sts", "GetCallerIdentity"], binary=FA2_ASAN)
        c.check(rc == 0 and "user/fa2" in out, "ASan build: sts GetCallerIdentity", out + err)

    # Errors: a wrong secret, an unknown log group, a bad argument.
    bad = dict(env, AWS_SECRET_ACCESS_KEY=moto.secret[:-2] + "xx")
    rc, out, err, _ = call(["logs", "DescribeLogGroups", "{}"], e=bad)
    c.check(rc == 1 and "SignatureDoesNotMatch" in err and out == "", "wrong secret: SignatureDoesNotMatch, exit 1", err)
    print("     stderr was:", err.strip())
    rc, out, err, _ = call(["sts", "GetCallerIdentity"], e=bad)
    c.check(rc == 1 and "SignatureDoesNotMatch" in err, "wrong secret (STS): SignatureDoesNotMatch", err)
    c.check(moto.secret not in err, "the secret is not printed")
    rc, out, err, _ = call(["logs", "GetLogEvents", json.dumps({"logGroupName": "/nope", "logStreamName": "x"})])
    c.check(rc == 1 and "ResourceNotFoundException" in err, "AWS error: code and message on stderr, exit 1", err)
    rc, out, err, _ = call(["logs", "DescribeLogGroups", "[not json"])
    c.check(rc == 2, "malformed input JSON: exit 2", err)

    # --debug: canonical request and string to sign, no secret, no session token.
    tenv = dict(env, AWS_ACCESS_KEY_ID=temp["AccessKeyId"], AWS_SECRET_ACCESS_KEY=temp["SecretAccessKey"],
                AWS_SESSION_TOKEN=temp["SessionToken"])
    rc, out, err, _ = call(["--debug", "sts", "GetCallerIdentity"], e=tenv)
    c.check(rc == 0 and "assumed-role/fa2-role" in out, "session-token credentials from the environment", out + err)
    c.check("canonical request" in err and "string to sign" in err and "AWS4-HMAC-SHA256" in err
            and "x-amz-security-token:[REDACTED]" in err, "--debug prints canonical request and string to sign", err)
    c.check(temp["SecretAccessKey"] not in err and temp["SessionToken"] not in err,
            "--debug prints neither the secret nor the session token")

    # Profiles: static keys, role_arn + source_profile (STS AssumeRole), credential_process.
    cred_file = os.path.join(TMP, "credentials")
    cfg_file = os.path.join(TMP, "config")
    proc_out = json.dumps({"Version": 1, "AccessKeyId": moto.akid, "SecretAccessKey": moto.secret})
    with open(cred_file, "w") as f:
        f.write(f"[base]\naws_access_key_id = {moto.akid}\naws_secret_access_key = {moto.secret}\n")
    with open(os.path.join(TMP, "cred-proc.sh"), "w") as f:
        f.write("#!/bin/sh\ncat <<'JSON'\n" + proc_out + "\nJSON\n")
    os.chmod(os.path.join(TMP, "cred-proc.sh"), 0o755)
    with open(cfg_file, "w") as f:
        f.write("[profile base]\nregion = us-east-1\n"
                f"[profile ops]\nrole_arn = {role_arn}\nsource_profile = base\nrole_session_name = fa2-ops\nregion = us-east-1\n"
                f"[profile proc]\ncredential_process = {TMP}/cred-proc.sh\nregion = us-east-1\n")
    penv = aws_peers.clean_env(TMP, AWS_CONFIG_FILE=cfg_file, AWS_SHARED_CREDENTIALS_FILE=cred_file,
                               AWS_ENDPOINT_URL=moto.url)
    rc, out, err, _ = call(["--profile", "base", "logs", "DescribeLogGroups", "{}"], e=penv)
    c.check(rc == 0 and "/fa2/test" in out, "profile with static keys (credentials file, region from config)", out + err)
    rc, out, err, _ = call(["sts", "GetCallerIdentity"], e=dict(penv, AWS_PROFILE="ops"))
    c.check(rc == 0 and "assumed-role/fa2-role/fa2-ops" in out, "profile role_arn + source_profile: STS AssumeRole", out + err)
    rc, out, err, _ = call(["secretsmanager", "GetSecretValue", '{"SecretId":"fa2/slack"}'], e=dict(penv, AWS_PROFILE="ops"))
    c.check(rc == 0 and "xoxb-test-123" in out, "assumed-role credentials sign Secrets Manager calls", out + err)
    rc, out, err, _ = call(["--profile", "proc", "sts", "GetCallerIdentity"], e=penv)
    c.check(rc == 0 and "user/fa2" in out, "profile credential_process", out + err)
    rc, out, err, _ = call(["--profile", "ghost", "sts", "GetCallerIdentity", "--region", "us-east-1"], e=penv)
    c.check(rc != 0 and "ghost" in err, "unknown profile: a readable error", err)

    # Web identity from the environment: unsigned STS AssumeRoleWithWebIdentity. moto with
    # authentication on wants an Authorization header even on this unsigned call (AWS does
    # not), so this one runs against a second moto_server without authentication.
    with open(os.path.join(TMP, "wi-token"), "w") as f:
        f.write("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmYTIifQ.c2lnbmF0dXJl\n")
    open_moto = aws_peers.Moto(TMP, auth=False)
    doubles.append(open_moto)
    wenv = aws_peers.clean_env(TMP, AWS_WEB_IDENTITY_TOKEN_FILE=os.path.join(TMP, "wi-token"),
                               AWS_ROLE_ARN=role_arn, AWS_ROLE_SESSION_NAME="fa2-wi",
                               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=open_moto.url)
    rc, out, err, _ = call(["sts", "GetCallerIdentity"], e=wenv)
    c.check(rc == 0 and "assumed-role/fa2-role/fa2-wi" in out,
            "web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN): AssumeRoleWithWebIdentity", out + err)

    # IMDSv2 double handing out the role's temporary credentials; region from IMDS too.
    imds = aws_peers.imds_double({"AccessKeyId": temp["AccessKeyId"], "SecretAccessKey": temp["SecretAccessKey"],
                                  "Token": temp["SessionToken"],
                                  "Expiration": temp["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")})
    doubles.append(imds)
    ienv = aws_peers.clean_env(TMP, AWS_EC2_METADATA_DISABLED=None, AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url,
                               AWS_ENDPOINT_URL=moto.url)
    rc, out, err, _ = call(["sts", "GetCallerIdentity"], e=ienv)
    c.check(rc == 0 and "assumed-role/fa2-role" in out, "IMDSv2 credentials and region through the chain", out + err)
    c.check(imds.requests and imds.requests[0][0] == "PUT"
            and all(r[2].get("X-aws-ec2-metadata-token") for r in imds.requests if r[0] == "GET"),
            "IMDS: token PUT first, every GET carries the token (never IMDSv1)", str(imds.requests))

    # Container credentials double (full URI with an authorization token).
    ecs = aws_peers.container_double({"AccessKeyId": moto.akid, "SecretAccessKey": moto.secret,
                                      "Expiration": "2099-01-01T00:00:00Z"}, "ecs-auth-token")
    doubles.append(ecs)
    eenv = aws_peers.clean_env(TMP, AWS_CONTAINER_CREDENTIALS_FULL_URI=ecs.url + "/creds",
                               AWS_CONTAINER_AUTHORIZATION_TOKEN="ecs-auth-token", AWS_REGION="us-east-1",
                               AWS_ENDPOINT_URL=moto.url)
    rc, out, err, _ = call(["sts", "GetCallerIdentity"], e=eenv)
    c.check(rc == 0 and "user/fa2" in out and len(ecs.requests) == 1, "container credentials (FULL_URI + token)", out + err)

    # Per-service endpoint override wins over the global one.
    oenv = dict(env, AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=moto.url)
    rc, out, err, _ = call(["logs", "DescribeLogGroups", "{}"], e=oenv)
    c.check(rc == 0 and "/fa2/test" in out, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS overrides AWS_ENDPOINT_URL", out + err)


if __name__ == "__main__":
    sys.exit(main())
