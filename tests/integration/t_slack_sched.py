#!/usr/bin/env python3
"""fa2 serve's scheduling: interactions never wait behind analyses.

A model endpoint that accepts connections and never answers holds both analysis slots
(--analysis-workers 2). Then, on loopback against the strict Slack Web API double:
  - /fa2 is answered and views.open reaches Slack within 1 s;
  - a new alarm message gets its form within 1 s;
  - a third analysis gets a notice in its thread, "Queued: 2 analyses ahead" (ja: the
    Japanese text with language "ja"), the next one "3 ahead";
  - with the queue full (--analysis-queue 2) the next request is told fa2 is busy;
  - when the model goes away the running analyses fail, the queued one starts and its
    notice says so, and the one behind it is told it moved up.
Runs twice: language en and ja; every text checked is the configured language's (the
alarm form's text, label and button, the /fa2 modal's title, "request received", the
progress updates, the queue notices, "busy", "started", and the unknown-command answer).
"""
import json
import os
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_flow as F  # noqa: E402
from slack_double import Double  # noqa: E402

TEXTS = {
    "en": {"ahead2": "Queued: 2 analyses ahead", "ahead3": "Queued: 3 analyses ahead",
           "busy": "fa2 is busy", "started": "Your analysis started after", "modal": "fa2 analysis",
           "form": "Analyse this alarm with fa2?", "label": "What went wrong?", "button": "Analyse",
           "received": "Request received", "progress": "Analysing", "unknown": "Unknown command"},
    "ja": {"ahead2": "先に 2 件の分析があります", "ahead3": "先に 3 件の分析があります",
           "busy": "fa2 は混み合っています", "started": "秒の順番待ちの後、分析を開始しました",
           "modal": "fa2 障害分析", "form": "このアラームを fa2 で分析しますか？", "label": "何が起きましたか？",
           "button": "分析", "received": "依頼を受け付けました", "progress": "を分析しています",
           "unknown": "不明なコマンドです"},
}


class Hang:
    """Accepts TCP connections, reads, and never answers, until release()."""

    def __init__(self):
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(64)
        self.port = self.s.getsockname()[1]
        self.conns = []
        self.lock = threading.Lock()
        self.open = True
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            with self.lock:
                if not self.open:
                    c.close()
                    continue
                self.conns.append(c)

    def count(self):
        with self.lock:
            return len(self.conns)

    def release(self):
        with self.lock:
            self.open = False
            for c in self.conns:
                c.close()
        self.s.close()


def texts(d, method, thread=None):
    return [c["args"].get("text", "") for c in d.calls(method)
            if thread is None or c["args"].get("thread_ts") == thread]


def submit(port, mts, thread, now):
    body = F.form_payload("UALICE", mts, now - 1800, now - 60)
    # each analysis in its own thread
    body = body.replace("1700000000.000100", thread)
    st, _ = F.post(port, body, "application/x-www-form-urlencoded")
    if st != 200:
        F.fail("submit %s: %d" % (mts, st))


def run(lang):
    T = TEXTS[lang]
    d = Double(F.TOKEN)
    hang = Hang()
    p, port = F.start(d, os.path.join(F.TMP, "state-" + lang), ["--analysis-workers", "2", "--analysis-queue", "2"],
                      config={"language": lang, "env": {"region": "us-east-1"},
                              "llm": {"provider": "openai", "endpoint": "http://127.0.0.1:%d/v1" % hang.port}})
    now = int(time.time())

    # two analyses take both slots and wait for the model forever
    submit(port, "1700000101.000100", "1700000100.000100", now)
    submit(port, "1700000201.000100", "1700000200.000100", now)
    F.wait_for(lambda: hang.count() >= 2, "both analyses to reach the model", 30)
    print("ok [%s]: two analyses wait on a model that never answers" % lang)
    # the texts people read are in the configured language
    F.wait_for(lambda: [c for c in d.calls("chat.update") if c["args"]["ts"] == "1700000101.000100" and
                        T["received"] in c["args"].get("text", "")], "the 'received' update of the form", 5)
    F.wait_for(lambda: [c for c in d.calls("chat.update") if T["progress"] in c["args"].get("text", "")],
               "a progress update", 10)
    st, body = F.post(port, "command=%2Fnosuch&text=&trigger_id=1.1.1&channel_id=C0ALARMS&user_id=UALICE",
                      "application/x-www-form-urlencoded")
    if T["unknown"] not in json.loads(body or b"{}").get("text", ""):
        F.fail("unknown command answer not in %s: %r" % (lang, body))

    # /fa2: answered, views.open within 1 s
    t0 = time.time()
    st, body = F.post(port, "command=%2Ffa2&text=&trigger_id=777.888.999&channel_id=C0ALARMS&user_id=UALICE",
                      "application/x-www-form-urlencoded")
    dt = time.time() - t0
    v = d.calls("views.open")
    if st != 200 or dt > 1.0 or not v or v[-1]["args"]["trigger_id"] != "777.888.999":
        F.fail("/fa2 with every slot busy: status %d after %.2f s, views.open %r" % (st, dt, v))
    title = v[-1]["args"]["view"]["title"]["text"]
    if T["modal"] not in title:
        F.fail("modal title %r is not in %s" % (title, lang))
    print("ok [%s]: /fa2 -> views.open in %.0f ms with every analysis slot busy" % (lang, dt * 1000))

    # a new alarm still gets its form within 1 s
    n = len(F.forms(d))
    t0 = time.time()
    F.post(port, F.alarm_event("EvSched1" + lang, "%d.000500" % (now - 60)))
    F.wait_for(lambda: len(F.forms(d)) > n, "the alarm's form", 1.0)
    form = F.forms(d)[-1]["args"]
    labels = [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"]
    buttons = [e["text"]["text"] for b in form["blocks"] if b["type"] == "actions" for e in b["elements"]]
    if form.get("text") != T["form"] or labels[0] != T["label"] or buttons != [T["button"]]:
        F.fail("the alarm form is not in %s: %r / %r / %r" % (lang, form.get("text"), labels, buttons))
    print("ok [%s]: alarm -> form in %.0f ms with every analysis slot busy" % (lang, (time.time() - t0) * 1000))

    # a third analysis waits: its thread says 2 ahead; a fourth: 3 ahead
    submit(port, "1700000301.000100", "1700000300.000100", now)
    q3 = F.wait_for(lambda: [c for c in d.calls("chat.postMessage")
                             if c["args"].get("thread_ts") == "1700000300.000100" and
                             T["ahead2"] in c["args"].get("text", "")], "the queue notice (2 ahead)", 5)
    submit(port, "1700000401.000100", "1700000400.000100", now)
    q4 = F.wait_for(lambda: [c for c in d.calls("chat.postMessage")
                             if c["args"].get("thread_ts") == "1700000400.000100" and
                             T["ahead3"] in c["args"].get("text", "")], "the queue notice (3 ahead)", 5)
    print("ok [%s]: queued analyses see their position: %s" % (lang, q3[0]["args"]["text"][:80]))

    # the queue (2) is full: the fifth is told fa2 is busy
    submit(port, "1700000501.000100", "1700000500.000100", now)
    F.wait_for(lambda: any(T["busy"] in t for t in texts(d, "chat.postMessage", "1700000500.000100")),
               "the busy message", 5)
    print("ok [%s]: a full queue refuses with a message" % lang)
    if hang.count() != 2:
        F.fail("%d model connections: a queued analysis ran beyond the 2 slots" % hang.count())
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port).read().decode()
    for want in ("fa2_analyses_running 2", "fa2_analyses_queued 2", "fa2_analysis_slots 2",
                 "fa2_analyses_rejected_total 1"):
        if want not in m:
            F.fail("metrics lack %r" % want)

    # the model goes away: the running two fail, the queued two start, notices updated
    hang.release()
    n3, n4 = q3[0], q4[0]
    F.wait_for(lambda: [c for c in d.calls("chat.update") if T["started"] in c["args"].get("text", "")],
               "the 'started' update of the first queue notice", 60)
    F.wait_for(lambda: len([c for c in d.calls("chat.update") if T["started"] in c["args"].get("text", "")]) >= 2,
               "the 'started' update of the second queue notice", 60)
    started = [c["args"]["ts"] for c in d.calls("chat.update") if T["started"] in c["args"].get("text", "")]
    del n3, n4
    print("ok [%s]: queued analyses start when a slot frees up and their notices say so (%d)" % (lang, len(started)))
    # the one behind moved up from 3 to 2 ahead before it started
    if not any(T["ahead2"] in c["args"].get("text", "") for c in d.calls("chat.update")):
        F.fail("the second queued notice was not updated as it moved up: %r" % texts(d, "chat.update"))
    F.wait_for(lambda: len([c for c in d.calls("chat.update")
                            if c["args"].get("text", "").startswith(":x:")]) >= 4, "all four analyses to finish", 60)

    F.stop(p)
    if d.violations():
        F.fail("Web API double violations: %r" % d.violations())
    d.close()


def main():
    run("en")
    run("ja")
    print("PASS")


if __name__ == "__main__":
    F.run_main(main)
