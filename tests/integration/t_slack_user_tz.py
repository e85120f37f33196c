#!/usr/bin/env python3
"""A Slack-triggered analysis is shown in the requesting user's time zone.

fa2 serve has no timeZone in its configuration (UTC). The Slack double's users.info
gives the user who presses Analyse (UALICE) the zone Asia/Tokyo (tz_offset 32400). The
analysis (Converse double) completes; then every time shown is in Asia/Tokyo and says
so: the report's timeline (the model's UTC time as 17:10 JST), window and incident line (the alarm's
state change, written in UTC in the form) in the Block Kit message, the Markdown file's header and timeline (+09:00 / JST), and the metric graph
(the widget's time axis "+0900", its title and the uploaded PNG's title naming
Asia/Tokyo (JST, +09:00)). users.info was asked for that user (a form call the double
checks strictly)."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_e2e as E  # noqa: E402  (exits 77 without moto / botocore)
import agent_doubles as D  # noqa: E402


def run(c, moto, dbl, cw, sd):
    now = int(time.time())
    E.seed(moto, now)
    dbl.script = {0: D.converse_reply([{"text": "```json\n" + json.dumps(E.REPORT) + "\n```"}], "end_turn")}
    state = os.path.join(E.TMP, "state")
    cfg = os.path.join(E.TMP, "fa2.json")
    with open(cfg, "w") as f:  # no timeZone: the configuration's zone is UTC
        json.dump({"modelId": E.MODEL, "env": {"region": "us-east-1"}, "maxAgentCycles": 3, "stateDir": state,
                   "llm": {"maxRetries": 1, "backoffMs": 200, "timeoutSeconds": 60},
                   "agent": {"timeoutSeconds": 120}}, f)
    srv = E.Serve(c, E.serve_env(moto, dbl, cw, sd), cfg)
    srv.start()
    thread = "%d.000200" % (now - 60)
    prog = E.start_analysis(c, sd, srv.port, "EvUserTz1", thread, "api-5xx-high")
    if not prog:
        return
    done = E.wait_for(lambda: [t for t in E.updates(sd, prog) if E.is_outcome(t)], 60)
    c.check(bool(done) and "Analysis complete" in done[0], "the analysis completes",
            str(E.updates(sd, prog)) + srv.logtext())
    asked = [x["args"].get("user") for x in sd.calls("users.info")]
    c.check("UALICE" in asked, "users.info was asked for the requesting user", str(asked))

    rep = E.wait_for(lambda: E.report_posts(sd, thread), 20)
    c.check(bool(rep), "the report is posted in the thread", srv.logtext())
    E.check_report_blocks(c, rep)  # includes: the timeline's 17:10 JST (the model wrote 08:10Z)
    btext = json.dumps(rep[0]["args"].get("blocks") if rep else [], ensure_ascii=False)
    bstamps = re.findall(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d[^\"\\n]{0,14}", btext)
    c.check(len(bstamps) >= 3 and "Asia/Tokyo" in btext and
            all(re.search(r"JST|\d\d:\d\d(:\d\d)? – \d\d:\d\d", s) for s in bstamps) and
            not re.search(r"\d\d:\d\d(:\d\d)?(Z|\+00:00| UTC)", btext),
            "the report message shows every time in JST, names Asia/Tokyo, none in UTC (%d)" % len(bstamps),
            json.dumps(bstamps, ensure_ascii=False) + btext[:1500])

    ups = E.wait_for(lambda: [x for x in sd.calls("files.completeUploadExternal")
                              if x["args"].get("thread_ts") == thread and
                              any(sd.uploads[f["id"]]["filename"].endswith(".png") for f in x["args"]["files"])], 20)
    ids = [f["id"] for x in sd.calls("files.completeUploadExternal") if x["args"].get("thread_ts") == thread
           for f in x["args"]["files"]]
    md = [sd.uploads[i]["data"].decode() for i in ids if sd.uploads[i]["filename"] == "fa2-report.md"]
    mdt = md[0] if md else ""
    stamps = re.findall(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d)?(?:Z|[+-]\d\d:\d\d| [A-Z]{2,5})?", mdt)
    c.check(bool(stamps) and "JST" in mdt and "+09:00" in mdt and
            all(s.endswith(("+09:00", "JST")) for s in stamps if s[-1] == "Z" or s[-6] in "+-" or s[-1].isalpha()),
            "every zoned time in the Markdown report is +09:00 / JST (%d)" % len(stamps),
            json.dumps(stamps) + "\n" + mdt[:1200])
    c.check("2026-11-25 17:10" in mdt, "the model's UTC timeline time is shown in Asia/Tokyo in the file", mdt[:1500])
    w = cw.widgets[0] if cw.widgets else {}
    c.check(w.get("timezone") == "+0900" and "Asia/Tokyo (JST, +09:00)" in w.get("title", ""),
            "the graph's time axis is +0900 and its title names the zone", json.dumps(w))
    titles = [sd.uploads[i].get("title", "") for i in ids if sd.uploads[i]["filename"].endswith(".png")]
    pt = [x["args"]["files"] for x in (ups or [])]
    c.check(any("Asia/Tokyo (JST, +09:00)" in json.dumps(p, ensure_ascii=False) for p in pt) or
            any("Asia/Tokyo" in t for t in titles),
            "the uploaded graph's title names Asia/Tokyo", json.dumps(pt, ensure_ascii=False) + str(titles))
    c.check(not dbl.errors and not sd.violations(), "no protocol violations (Converse, Slack)",
            "\n".join(dbl.errors + sd.violations()))


if __name__ == "__main__":
    E.main(run)
