"""fa2 eval over the generated corpus (tools/make-corpus.py, tests/scenarios/*.json).

Checks the corpus itself (every answer key names events that exist in the scenario's
CloudTrail pages and are writes inside the window; every no-change key's keywords occur
in the scenario's logs or metric names; generation is deterministic) and the measurement
(the JSON output is well formed, its totals are the counts of its per-scenario results,
the text output has one line per scenario and the same totals, a broken scenario is a
failed line and not a failed run, usage errors exit 2). It asserts no quality threshold:
the score is the product, whatever it is today."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_peers import Checks  # noqa: E402

FA2 = os.environ["FA2"]
ROOT = os.environ["FA2_ROOT"]
TMP = os.environ["FA2_TMP"]
GEN = os.path.join(ROOT, "tools", "make-corpus.py")
c = Checks()


def run(args, timeout=600):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def tree_bytes(d):
    out = {}
    for p in sorted(glob.glob(os.path.join(d, "**", "*"), recursive=True)):
        if os.path.isfile(p):
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = f.read()
    return out


corpus = os.path.join(TMP, "corpus")
rc, _, err = run([sys.executable, GEN, corpus])
c.check(rc == 0, "the generator writes the corpus", err[-2000:])
with open(os.path.join(corpus, "index.json")) as f:
    index = json.load(f)["scenarios"]
sets = {s["set"] for s in index}
c.check(len([s for s in index if s["set"] == "dev"]) >= 30, "at least 30 dev scenarios", repr(len(index)))
c.check(len([s for s in index if s["set"] == "heldout"]) >= 12, "at least 12 held-out scenarios", repr(sets))

# ---- The corpus: answer keys agree with the data. ----
bad = []
for s in index:
    d = os.path.join(corpus, s["path"])
    with open(os.path.join(d, "expected.json")) as f:
        exp = json.load(f)
    with open(os.path.join(d, "manifest.json")) as f:
        man = json.load(f)
    w0, w1 = man["window"]["from"], man["window"]["to"]
    events = {}
    for p in glob.glob(os.path.join(d, "cloudtrail", "*.json")):
        with open(p) as f:
            for e in json.load(f)["Events"]:
                events[e["EventId"]] = e
    if exp["expect"] == "change":
        for eid in exp["event_ids"]:
            e = events.get(eid)
            if not e:
                bad.append("%s: event %s not in its CloudTrail pages" % (s["name"], eid))
                continue
            ct = json.loads(e["CloudTrailEvent"])
            if e["ReadOnly"] != "false" or ct["readOnly"] or ct["eventID"] != eid:
                bad.append("%s: event %s is not a write with that eventID" % (s["name"], eid))
            if not (w0 <= ct["eventTime"] <= w1):
                bad.append("%s: event %s at %s outside %s..%s" % (s["name"], eid, ct["eventTime"], w0, w1))
    else:
        text = []
        for p in glob.glob(os.path.join(d, "logs", "*.json")):
            with open(p) as f:
                for row in json.load(f)["results"]:
                    text.extend(x["value"] for x in row if x["field"] == "@message")
        with open(os.path.join(d, "metrics", "getmetricdata.json")) as f:
            text.extend(r["Label"] for r in json.load(f)["MetricDataResults"])
        blob = "\n".join(text).lower()
        if not any(k.lower() in blob for k in exp["keywords"]):
            bad.append("%s: none of %s occurs in its logs or metric names" % (s["name"], exp["keywords"]))
    if exp.get("alarm_time") and man.get("alarm", {}).get("state_change_time") != exp["alarm_time"]:
        bad.append("%s: the manifest's alarm time differs from the key's" % s["name"])
c.check(not bad, "every answer key matches its scenario's data", "\n".join(bad[:20]))

# Deterministic: the same spec gives the same bytes.
again = os.path.join(TMP, "again")
rc, _, err = run([sys.executable, GEN, "--only", "d11-", again])
c.check(rc == 0 and tree_bytes(os.path.join(again, "dev", "d11-config-ssm-flag")) ==
        tree_bytes(os.path.join(corpus, "dev", "d11-config-ssm-flag")), "generation is deterministic", err[-500:])

# ---- The measurement. ----
rc, out, err = run([FA2, "eval", "--corpus", corpus, "--format", "json"])
c.check(rc == 0, "fa2 eval --format json exits 0 (a measurement)", err[-1000:])
doc = {}
try:
    doc = json.loads(out)
except ValueError as e:
    c.check(False, "fa2 eval --format json prints JSON", str(e))
c.check(doc.get("schema") == "fa2.eval/1", "schema fa2.eval/1", repr(doc.get("schema")))
scen = doc.get("scenarios", [])
c.check(len(scen) == len(index), "one result per scenario", "%d vs %d" % (len(scen), len(index)))
c.check({x["name"] for x in scen} == {s["name"] for s in index}, "the results name every scenario")
shape_bad = []
for x in scen:
    if x["expect"] not in ("change", "no_change") or x["set"] not in ("dev", "heldout") or \
            not isinstance(x["top1"], bool) or not isinstance(x["top3"], bool) or not isinstance(x["blamed_change"], bool):
        shape_bad.append(x["name"])
    if x["top1"] and not x["top3"]:
        shape_bad.append(x["name"] + ": top1 without top3")
    if x["rank"] is not None and not (x["rank"] >= 1 and x["rank"] <= x["suspects"]):
        shape_bad.append(x["name"] + ": rank out of range")
    if x["top1"] and x["rank"] != 1 or x["top3"] and (x["rank"] is None or x["rank"] > 3):
        shape_bad.append(x["name"] + ": pass flags disagree with the rank")
    if x["blamed_change"] and (x["expect"] != "no_change" or (x["top"] or {}).get("kind") != "change"):
        shape_bad.append(x["name"] + ": blamed_change on a change-caused scenario or a non-change top")
    if x["expect"] == "change" and x["top1"] and (x["top"]["kind"] != "change" or x["top"]["event_id"] not in x["event_ids"]):
        shape_bad.append(x["name"] + ": top-1 pass without the expected event first")
    if x["expect"] == "no_change" and x["top1"] and x["top"]["kind"] == "change":
        shape_bad.append(x["name"] + ": top-1 pass with a change first")
    if x["error"] is not None:
        shape_bad.append(x["name"] + ": " + x["error"])
c.check(not shape_bad, "every result is well formed and self-consistent (and triage analysed every scenario)",
        "\n".join(shape_bad[:20]))


def recount(rows):
    ch = [x for x in rows if x["expect"] == "change"]
    nc = [x for x in rows if x["expect"] == "no_change"]
    return {"scenarios": len(rows), "top1": sum(x["top1"] for x in rows), "top3": sum(x["top3"] for x in rows),
            "change_scenarios": len(ch), "change_top1": sum(x["top1"] for x in ch), "change_top3": sum(x["top3"] for x in ch),
            "no_change_scenarios": len(nc), "no_change_top1": sum(x["top1"] for x in nc),
            "no_change_top3": sum(x["top3"] for x in nc), "blamed_change": sum(x["blamed_change"] for x in nc),
            "errors": sum(x["error"] is not None for x in rows)}


tot = doc.get("totals", {})
for key, rows in (("dev", [x for x in scen if x["set"] == "dev"]), ("heldout", [x for x in scen if x["set"] == "heldout"]),
                  ("all", scen)):
    want = recount(rows)
    got = {k: tot.get(key, {}).get(k) for k in want}
    c.check(got == want, "the %s totals are the counts of the per-scenario results" % key, "%r\n%r" % (got, want))

# The text table, on the held-out set (--set): one line per scenario, the same verdicts
# and totals as the JSON.
held = [x for x in scen if x["set"] == "heldout"]
rc, text, err = run([FA2, "eval", "--corpus", corpus, "--set", "heldout"])
c.check(rc == 0, "fa2 eval --set heldout (text) exits 0", err[-1000:])
lines = [ln for ln in text.splitlines() if re.match(r"^(dev|heldout)\s+[a-z]\d+-", ln)]
c.check(len(lines) == len(held) and all(ln.startswith("heldout ") for ln in lines),
        "one text line per held-out scenario, no other", "%d lines" % len(lines))
by_name = {x["name"]: x for x in scen}
mism = []
for ln in lines:
    name = ln.split()[1]
    x = by_name.get(name)
    flags = [ln[141:145], ln[146:150]]     # the fixed-width top1 and top3 columns
    if not x or flags != ["pass" if x["top1"] else "FAIL", "pass" if x["top3"] else "FAIL"]:
        mism.append(ln)
c.check(not mism, "the text lines agree with the JSON results", "\n".join(mism[:5]))
t = tot.get("heldout", {})
m = re.search(r"^held-out\s+top-1 (\d+)/(\d+), top-3 (\d+)/(\d+) .* blamed a change when none was involved: (\d+)/(\d+)",
              text, re.M)
c.check(m is not None and [int(g) for g in m.groups()] ==
        [t.get("top1"), t.get("scenarios"), t.get("top3"), t.get("scenarios"), t.get("blamed_change"), t.get("no_change_scenarios")],
        "the held-out totals line agrees with the JSON totals", m.group(0) if m else text[-800:])
c.check(not re.search(r"^(dev|all)\s+top-1", text, re.M), "no dev or all totals when only held-out ran", text[-400:])

# Filters, one scenario as the corpus, a broken scenario, usage errors.
one = os.path.join(corpus, "dev", "d11-config-ssm-flag")
rc, out, err = run([FA2, "eval", "--corpus", one, "--format", "json"])
c.check(rc == 0 and [x["name"] for x in json.loads(out)["scenarios"]] == ["d11-config-ssm-flag"],
        "a scenario directory is a corpus of one", err)
broken = os.path.join(TMP, "broken")
shutil.copytree(one, os.path.join(broken, "dev", "d11-config-ssm-flag"))
shutil.copytree(os.path.join(corpus, "dev", "d21-cert-partner-expired"), os.path.join(broken, "dev", "d21-cert-partner-expired"))
with open(sorted(glob.glob(os.path.join(broken, "dev", "d11-config-ssm-flag", "logs", "*.json")))[0], "w") as f:
    f.write("{not json")
rc, out, err = run([FA2, "eval", "--corpus", broken, "--format", "json"])
res = json.loads(out) if rc == 0 else {}
errs = {x["name"]: x["error"] for x in res.get("scenarios", [])}
c.check(rc == 0 and errs.get("d11-config-ssm-flag") and errs.get("d21-cert-partner-expired") is None and
        res["totals"]["all"]["errors"] == 1 and res["totals"]["all"]["top1"] <= 1,
        "a broken scenario is a failed result with its error, the others still run", out[-800:] + err)
for args, what in (([FA2, "eval", "--corpus", os.path.join(TMP, "nope")], "a missing corpus"),
                   ([FA2, "eval", "--corpus", TMP + "/again/dev/none"], "a missing directory"),
                   ([FA2, "eval", "--corpus", corpus, "--only", "no-such-scenario"], "no scenario matching --only"),
                   ([FA2, "eval", "--corpus", corpus, "--format", "xml"], "an unknown format"),
                   ([FA2, "eval", "--corpus", corpus, "--set", "test"], "an unknown set"),
                   ([FA2, "eval", "--corpus"], "--corpus without a value"),
                   ([FA2, "eval", "--bogus"], "an unknown option")):
    rc, out, err = run(args)
    c.check(rc == 2 and err.strip(), "usage error (exit 2, a message) for %s" % what, "rc=%d %s" % (rc, err))
empty = os.path.join(TMP, "empty")
os.makedirs(empty)
rc, out, err = run([FA2, "eval", "--corpus", empty])
c.check(rc == 2 and "no scenario" in err, "an empty corpus is a usage error", err)
rc, out, err = run([FA2, "eval", "--help"])
c.check(rc == 0 and "--corpus" in out and "top-1" in out, "fa2 eval --help", out)

sys.exit(1 if c.failed else 0)
