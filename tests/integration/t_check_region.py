#!/usr/bin/env python3
"""fa2 check: the region is validated against the partitions' name patterns and every
value says where it came from (option, environment, profile, config file).

A misspelled region from the config file (us-wst-2) fails, names the config file as the
source and suggests us-west-2, and no AWS call is made with it; --region, AWS_REGION,
AWS_DEFAULT_REGION and a profile's region are each labelled as such, across partitions
(aws, aws-cn, aws-us-gov, aws-iso-b); with an endpoint override (an emulator) an unknown
name is only a warning. No test reaches AWS: every endpoint is a closed loopback port.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402

FA2 = os.environ.get("FA2", "build/fa2")
FA2_ASAN = os.environ.get("FA2_ASAN", "")
TMP = os.environ.get("FA2_TMP") or __import__("tempfile").mkdtemp()
DEAD = "http://127.0.0.1:9"


def line(out, what):
    ls = [l for l in out.splitlines() if l.split()[1:2] == [what]]
    return ls[0] if ls else ""


def main():
    c = aws_peers.Checks()
    binary = FA2_ASAN if FA2_ASAN and os.path.exists(FA2_ASAN) else FA2
    cfg = os.path.join(TMP, "config.json")
    with open(cfg, "w") as f:
        json.dump({"env": {"region": "us-wst-2"}}, f)
    keys = dict(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG")

    # a misspelled region in the config file, no endpoint override: FAIL, no AWS call
    env = aws_peers.clean_env(TMP, **keys)
    rc, out, err, _ = aws_peers.fa2(binary, ["check", "--config", cfg, "--timeout", "2"], env)
    r = line(out, "region")
    c.check(rc == 1 and r.startswith("FAIL") and "'us-wst-2'" in r, "us-wst-2 is refused", out + err)
    c.check("from config file %s (env.region)" % cfg in r, "the source is the config file, not an option", r)
    c.check("did you mean us-west-2?" in r, "a suggestion is given", r)
    c.check(line(out, "credentials").startswith("skip") and "connect" not in err,
            "no AWS call is made with a region that does not exist", out + err)
    c.check(line(out, "config").startswith("ok") and "(from option --config)" in line(out, "config"),
            "the config file is labelled as an option", out)
    c.check("runtime error" not in err and "AddressSanitizer" not in err, "no sanitizer report", err)

    # each source labelled; the partition named
    prof = os.path.join(TMP, "aws-config")
    with open(prof, "w") as f:
        f.write("[profile p1]\nregion = us-isob-east-1\n")
    cases = [
        (["--region", "eu-central-1"], dict(keys), "eu-central-1", "option --region", "aws"),
        ([], dict(keys, AWS_REGION="cn-north-1"), "cn-north-1", "environment AWS_REGION", "aws-cn"),
        ([], dict(keys, AWS_DEFAULT_REGION="us-gov-west-1"), "us-gov-west-1",
         "environment AWS_DEFAULT_REGION", "aws-us-gov"),
        ([], dict(keys, AWS_CONFIG_FILE=prof, AWS_PROFILE="p1"), "us-isob-east-1",
         "profile p1 in the AWS config file (%s)" % prof, "aws-iso-b"),
    ]
    for args, extra, region, src, part in cases:
        env = aws_peers.clean_env(TMP, AWS_ENDPOINT_URL=DEAD, **extra)
        rc, out, err, _ = aws_peers.fa2(binary, ["check", "--timeout", "2"] + args, env)
        r = line(out, "region")
        c.check(r.startswith("ok") and "%s (from %s; partition %s)" % (region, src, part) in r,
                "%s labelled '%s'" % (region, src), out + err)
    env = aws_peers.clean_env(TMP, AWS_ENDPOINT_URL=DEAD, AWS_CONFIG_FILE=prof, AWS_PROFILE="p1", **keys)
    rc, out, err, _ = aws_peers.fa2(binary, ["check", "--timeout", "2"], env)
    c.check("p1 (from environment AWS_PROFILE)" in line(out, "profile"), "profile from AWS_PROFILE", out)
    rc, out, err, _ = aws_peers.fa2(binary, ["check", "--timeout", "2", "--profile", "p1"],
                                    aws_peers.clean_env(TMP, AWS_ENDPOINT_URL=DEAD, AWS_CONFIG_FILE=prof, **keys))
    c.check("p1 (from option --profile)" in line(out, "profile"), "profile from --profile", out)

    # an emulator's made-up region is only a warning
    env = aws_peers.clean_env(TMP, AWS_ENDPOINT_URL=DEAD, AWS_REGION="local", **keys)
    rc, out, err, _ = aws_peers.fa2(binary, ["check", "--timeout", "2"], env)
    c.check(line(out, "region").startswith("warn") and line(out, "credentials"),
            "with AWS_ENDPOINT_URL an unknown region warns and the checks go on", out)
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
