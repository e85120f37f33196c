#!/usr/bin/env python3
"""The Slack alarm flow asks CloudWatch (moto_server) for the truth: DescribeAlarms gives
the state, the state-change time and the metric. A notification whose text says OK for
an alarm CloudWatch has in ALARM gets the form (window around CloudWatch's state-change
time, metric and reason in the description); one whose text says ALARM for an alarm
that is OK in CloudWatch gets none; one CloudWatch does not know gets the form from the
text with a note that it could not be confirmed. The form's submit button carries the alarm as
data (JSON: name, ARN, metric, ...); the submitted analysis reads the alarm's metric first (its journal
starts with the alarm and a metrics_tool call on exactly that metric)."""
import glob
import urllib.parse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_flow as F  # noqa: E402
from slack_double import Double  # noqa: E402

if not shutil.which("moto_server"):
    print("moto_server not installed")
    sys.exit(77)
from aws_peers import Moto  # noqa: E402


def main():
    moto = Moto(F.TMP, auth=False)
    try:
        import boto3
        cw = boto3.client("cloudwatch", endpoint_url=moto.url, region_name="us-east-1",
                          aws_access_key_id="AKIDMOTO", aws_secret_access_key="moto")
        for name in ("orders-5xx", "db-cpu"):
            cw.put_metric_alarm(AlarmName=name, MetricName="HTTPCode_Target_5XX_Count",
                                Namespace="AWS/ApplicationELB", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=10.0,
                                ComparisonOperator="GreaterThanThreshold",
                                Dimensions=[{"Name": "LoadBalancer", "Value": "app/orders/abc"}])
        cw.set_alarm_state(AlarmName="orders-5xx", StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint [42.0]")
        cw.set_alarm_state(AlarmName="db-cpu", StateValue="OK", StateReason="back to normal")
        changed = int(cw.describe_alarms(AlarmNames=["orders-5xx"])["MetricAlarms"][0]["StateUpdatedTimestamp"].timestamp())
        d = Double(F.TOKEN)
        p, port = F.start(d, os.path.join(F.TMP, "state"), aws_endpoint=moto.url)
        now = int(time.time())
        # the text claims OK; CloudWatch says ALARM -> form
        F.post(port, F.alarm_event("EvM1", "%d.000100" % now, state="OK", name="orders-5xx"))
        f = F.wait_for(lambda: F.forms(d), "the form for orders-5xx")
        pick = {b["block_id"]: b["element"] for b in f[0]["args"]["blocks"] if b["type"] == "input"}
        desc = pick["fa2_desc"]["initial_value"]
        if "HTTPCode_Target_5XX_Count" not in desc or "LoadBalancer=app/orders/abc" not in desc \
                or "Threshold Crossed" not in desc:
            F.fail("metric/reason not in the description: %r" % desc)
        if pick["fa2_start"]["initial_date_time"] != changed - 30 * 60:
            F.fail("window not around CloudWatch's state change: %r vs %d" % (pick["fa2_start"], changed))
        btn = [e for b in f[0]["args"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
        val = btn[0].get("value", "") if btn else ""
        carried = json.loads(val[len("alarm:"):]) if val.startswith("alarm:{") else {}
        if carried.get("AlarmName") != "orders-5xx" or ":us-east-1:" not in carried.get("AlarmArn", "") or \
                carried.get("Dimensions") != [{"Name": "LoadBalancer", "Value": "app/orders/abc"}]:
            F.fail("the submit button does not carry the alarm as data: %r" % btn)
        # submitting the alarm form: the analysis gets the alarm (looked up again)
        pl = F.form_payload("UALICE", "1700000009.000100", changed - 1800, int(time.time()))
        pl = pl.replace(urllib.parse.quote('"value": "submit"'),
                        urllib.parse.quote('"value": ' + json.dumps(btn[0]["value"])))
        st, _ = F.post(port, pl, "application/x-www-form-urlencoded")
        if st != 200:
            F.fail("submit: %d" % st)

        def journal_start():
            for j in glob.glob(os.path.join(F.TMP, "state", "sessions", "*", "journal.jsonl")):
                with open(j) as fh:
                    recs = [json.loads(x) for x in fh if x.strip()]
                if recs and recs[0].get("alarm") and any(r.get("id") == "fa2-alarm-metric-1" for r in recs):
                    return recs
            return None
        recs = F.wait_for(journal_start, "a session journal with the alarm and its metric", 30)
        tool = [r for r in recs if r.get("id") == "fa2-alarm-metric-1"][0]
        if recs[0]["alarm"].get("AlarmName") != "orders-5xx" or \
                json.loads(tool["input"]).get("metricName") != "HTTPCode_Target_5XX_Count":
            F.fail("the analysis did not start from the alarm's metric: %r / %r" % (recs[0], tool))
        # the text claims ALARM; CloudWatch says OK -> no form
        F.post(port, F.alarm_event("EvM2", "%d.000200" % now, state="ALARM", name="db-cpu"))
        time.sleep(1.5)
        if len(F.forms(d)) != 1:  # (the submitted alarm form's inline re-renders are updates)
            F.fail("a form for an alarm that CloudWatch has in OK")
        # CloudWatch has no such alarm (another account's, say): the form is still posted from
        # the message, with a note of what could not be confirmed
        F.post(port, F.alarm_event("EvM3", "%d.000300" % now, state="ALARM", name="other-acct-alarm"))
        f3 = F.wait_for(lambda: [x for x in F.forms(d) if "other-acct-alarm" in json.dumps(x["args"]["blocks"])],
                        "the form for an alarm CloudWatch does not know")
        ctx = " ".join(e.get("text", "") for b in f3[0]["args"]["blocks"] if b["type"] == "context"
                       for e in b.get("elements", []))
        if "has no alarm of this name" not in ctx or "not confirmed" not in ctx:
            F.fail("no unconfirmed note on the form: %r" % ctx)
        F.stop(p)
        if d.violations():
            F.fail("double violations: %r" % d.violations())
        d.close()
        print("PASS: DescribeAlarms decides (state, time, metric); the submitted form carries the alarm")
    finally:
        moto.stop()


if __name__ == "__main__":
    F.run_main(main)
