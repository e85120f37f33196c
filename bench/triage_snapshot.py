#!/usr/bin/env python3
"""Builds a large snapshot directory for bench/triage.sh from a small one.

usage: triage_snapshot.py SRC_DIR OUT_DIR LINES [MESSAGES_OUT]

OUT_DIR gets SRC_DIR's manifest, metrics, CloudTrail and X-Ray files as they are, and
log files holding LINES rows in all: every log row of SRC_DIR is repeated (in its own
hour, a few milliseconds later each time) with each run of digits in its message replaced
that is not glued to a letter (a number, not "G1") replaced by random digits of the same
length and its leading time stamp kept in step with @timestamp, so the templates, their
mix over time and the incident stay as they were while the values vary. Log files hold at most 10,000 rows
each (the Logs Insights cap), named logs/bench-HHMM-NNN.json, all listed in the manifest
with the hour's query parameters. MESSAGES_OUT (optional) gets the @message of every row,
one a line, for timing the template miner alone. Deterministic (fixed seed). Python 3
standard library only."""
import json
import os
import random
import re
import shutil
import sys
from datetime import datetime, timedelta

ROWS_PER_FILE = 10000
LEAD_TS = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}")
DIGITS = re.compile(r"(?<![A-Za-z])\d+")


def main(argv):
    if len(argv) not in (4, 5):
        sys.stderr.write(__doc__)
        return 2
    src, out, want = argv[1], argv[2], int(argv[3])
    rnd = random.Random(20251120)
    with open(os.path.join(src, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    log_files = [x for x in man["files"] if x["kind"] == "logs"]
    other = [x for x in man["files"] if x["kind"] != "logs"]
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    for x in other:
        dst = os.path.join(out, x["path"])
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(src, x["path"]), dst)
    hours = []  # (manifest entry, rows)
    total = 0
    for x in log_files:
        with open(os.path.join(src, x["path"]), encoding="utf-8") as f:
            rows = json.load(f)["results"]
        hours.append((x, rows))
        total += len(rows)
    if total == 0:
        sys.stderr.write("no log rows in %s\n" % src)
        return 1
    msgs = open(argv[4], "w", encoding="utf-8") if len(argv) == 5 else None
    files = []
    made = 0
    for hi, (entry, rows) in enumerate(hours):
        # this hour's share of the wanted rows, in proportion to its rows
        share = (want * sum(len(r) for _, r in hours[: hi + 1])) // total - made
        out_rows = []
        for k in range(share):
            row = rows[k % len(rows)]
            rep = k // len(rows)
            new = []
            ts_old = ts_new = None
            for fld in row:
                if fld.get("field") == "@timestamp":
                    ts_old = ts_new = fld.get("value")
                    if rep:
                        t = datetime.strptime(ts_old, "%Y-%m-%d %H:%M:%S.%f") + timedelta(milliseconds=rep % 997)
                        if t.strftime("%H") == ts_old[11:13]:
                            ts_new = t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (t.microsecond // 1000)
            for fld in row:
                name, val = fld.get("field"), fld.get("value")
                if name == "@message":
                    head = ""
                    if ts_new and LEAD_TS.match(val):
                        head, val = ts_new, val[len(ts_new):]
                    val = head + DIGITS.sub(lambda m: str(rnd.randrange(10 ** len(m.group(0)))).zfill(len(m.group(0))), val)
                    if msgs:
                        msgs.write(val.replace("\n", " ") + "\n")
                elif name == "@timestamp":
                    val = ts_new
                new.append({"field": name, "value": val})
            out_rows.append(new)
        made += share
        for part in range(0, len(out_rows), ROWS_PER_FILE):
            name = "logs/bench-%02d-%03d.json" % (hi, part // ROWS_PER_FILE)
            with open(os.path.join(out, name), "w", encoding="utf-8") as f:
                json.dump({"results": out_rows[part : part + ROWS_PER_FILE], "status": "Complete",
                           "statistics": {"recordsMatched": len(out_rows), "recordsScanned": len(out_rows)}}, f,
                          separators=(",", ":"))
            files.append(dict(entry, path=name))
    if msgs:
        msgs.close()
    man["files"] = files + other
    man["description"] = "%s (bench/triage_snapshot.py: %d log rows)" % (man.get("description", ""), made)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(man, f, indent=1)
    print(made)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
