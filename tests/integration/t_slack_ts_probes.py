#!/usr/bin/env python3
"""Correctly signed Slack requests carrying hostile numbers, against fa2 serve built with
ASan+UBSan (UBSan aborts on the first report, so a crash or a sanitizer line fails here).

Alarm message events whose `ts` is huge, INT64_MIN, negative, non-numeric, 1e400, beyond
year 9999 or an hour in the future: no form, a logged refusal, and
fa2_slack_events_refused_total counts each. A ts written with an exponent that is a real
time (1.7e9 style) still gets its form. Form submissions whose datetimepicker values are
1e300 / -1e300 / NaN-like get an inline error, not a crash.
"""
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_flow as flow  # noqa: E402
from slack_double import Double  # noqa: E402

fail = flow.fail


def metric(port, name, proc):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    except OSError as e:
        fail("GET /metrics: %s (fa2 serve %s)" % (e, "died" if proc.poll() is not None else "alive"))
    for line in body.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    fail("metric %s missing from /metrics" % name)


def main():
    if not os.environ.get("FA2_ASAN") or not os.path.exists(os.environ["FA2_ASAN"]):
        print("SKIP: the ASan build (FA2_ASAN) is needed")
        sys.exit(77)
    d = Double(flow.TOKEN)
    state = os.path.join(flow.TMP, "state")
    p, port = flow.start(d, state)
    now = int(time.time())

    bad = ["100000000000000000", "-9223372036854775808", "9223372036854775807", "-1700000000",
           "abc", "1e400", "-1e400", "NaN", "0x10", "", "253402300800.5", "%d.000100" % (now + 7200)]
    for i, ts in enumerate(bad):
        st, _ = flow.post(port, flow.alarm_event("EvBad%02d" % i, ts))
        if st != 200:
            fail("signed event with ts %r: HTTP %d" % (ts, st))
        if p.poll() is not None:
            fail("fa2 serve died on ts %r" % ts)
    want = len(bad)
    flow.wait_for(lambda: metric(port, "fa2_slack_events_refused_total", p) >= want,
                  "%d counted refusals" % want, 20)
    if flow.forms(d):
        fail("a form was posted for an unusable ts: %r" % flow.forms(d)[0]["args"])
    p.logfile.flush()
    p.logfile.seek(0)
    log = p.logfile.read()
    if log.count("is not a usable time") < want:
        fail("refusals not logged (%d of %d)" % (log.count("is not a usable time"), want))
    print("ok: %d hostile ts values refused, logged and counted" % want)

    # an exponent that is a real time still dates the alarm
    ts = "%.9e" % (now - 300)
    st, _ = flow.post(port, flow.alarm_event("EvExp", ts))
    f = flow.wait_for(lambda: flow.forms(d), "the form for ts %s" % ts)
    pick = {b["block_id"]: b["element"] for b in f[0]["args"]["blocks"] if b["type"] == "input"}
    if abs(pick["fa2_start"].get("initial_date_time", 0) - (now - 300 - 1800)) > 1:
        fail("exponent ts dated the alarm wrongly: %r" % pick["fa2_start"])
    print("ok: exponent ts %s gets its form" % ts)

    # hostile datetimepicker values in a signed form submission
    mts = "1700000002.000100"
    for start, end in ((1e300, 1e300), (-1e300, now), (now - 600, 1e19), (-9.3e18, 9.3e18)):
        body = flow.form_payload("UALICE", mts, start, end)
        st, _ = flow.post(port, body, "application/x-www-form-urlencoded")
        if st != 200 or p.poll() is not None:
            fail("form values %r..%r: HTTP %d, serve %s" % (start, end, st,
                 "died" if p.poll() is not None else "alive"))
    flow.wait_for(lambda: len([c for c in d.calls("chat.update") if c["args"]["ts"] == mts]) >= 4,
                  "inline errors for hostile windows", 20)
    if [c for c in d.calls("chat.postMessage") if "Analysing" in c["args"].get("text", "")]:
        fail("a hostile window started an analysis")
    print("ok: hostile datetimepicker values get inline errors")

    flow.stop(p)
    p.logfile.seek(0)
    log = p.logfile.read()
    if "ERROR: AddressSanitizer" in log or "runtime error" in log:
        fail("sanitizer report:\n" + log[-3000:])
    v = d.violations()
    if v:
        fail("Slack double saw protocol violations: %r" % v)
    d.close()
    print("ok: no sanitizer report")


if __name__ == "__main__":
    try:
        main()
    finally:
        for q in flow.procs:
            if q.poll() is None:
                q.kill()
