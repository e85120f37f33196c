#!/usr/bin/env python3
"""The alarm travels as data from the notification to the graphs, in its own region.

moto_server (auth on) holds an alarm and its metric in eu-west-1 only; fa2 serve is
configured for us-east-1. A chat notification naming the alarm in eu-west-1 -> DescribeAlarms
in eu-west-1 (the form's description names the metric; the submit button carries the
alarm as JSON with its eu-west-1 ARN). The user rewrites the description completely and
submits -> the analysis (Converse double) completes, the session journal starts with the
alarm, and the metric graph of the alarm's metric is rendered in eu-west-1 (the widget's
region and the request's SigV4 scope) with the alarm's state change marked, although the
description no longer says anything about it."""
import glob
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_slack_e2e as E  # noqa: E402  (exits 77 without moto / botocore)
import agent_doubles as D  # noqa: E402

ALARM, REGION, LB = "eu-orders-5xx", "eu-west-1", "app/eu-orders/77"


def run(c, moto, dbl, cw, sd):
    import boto3
    now = int(time.time())
    eu = boto3.client("cloudwatch", endpoint_url=moto.url, region_name=REGION,
                      aws_access_key_id=moto.akid, aws_secret_access_key=moto.secret)
    eu.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
        {"MetricName": "HTTPCode_Target_5XX_Count", "Value": 40.0, "Timestamp": now - 600 + i * 60,
         "Dimensions": [{"Name": "LoadBalancer", "Value": LB}]} for i in range(10)])
    eu.put_metric_alarm(AlarmName=ALARM, MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB",
                        Dimensions=[{"Name": "LoadBalancer", "Value": LB}], Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=10.0, ComparisonOperator="GreaterThanThreshold")
    eu.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint [40.0]")
    changed = eu.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["StateUpdatedTimestamp"].timestamp()
    dbl.script = {0: D.converse_reply([{"text": "```json\n" + json.dumps(E.REPORT) + "\n```"}], "end_turn")}
    state = os.path.join(E.TMP, "state")
    cfg = os.path.join(E.TMP, "fa2.json")
    with open(cfg, "w") as f:
        json.dump({"modelId": E.MODEL, "env": {"region": "us-east-1"}, "maxAgentCycles": 3, "stateDir": state,
                   "llm": {"maxRetries": 1, "backoffMs": 200, "timeoutSeconds": 60},
                   "agent": {"timeoutSeconds": 120}}, f)
    env = E.serve_env(moto, dbl, cw, sd)
    srv = E.Serve(c, env, cfg)
    srv.start()

    thread = "%d.000200" % (now - 30)
    c.check(E.post(srv.port, E.alarm_event("EvRegion1", thread, ALARM, REGION)) == 200, "alarm event acknowledged")
    f = E.wait_for(lambda: E.form_for(sd, thread), 20)
    c.check(f is not None, "the form is posted", srv.logtext())
    if not f:
        return
    pick = {b["block_id"]: b["element"] for b in f["args"]["blocks"] if b["type"] == "input"}
    desc = pick["fa2_desc"]["initial_value"]
    c.check("LoadBalancer=%s" % LB in desc and REGION in desc,
            "DescribeAlarms in the alarm's region: the description names its metric", desc)
    btn = [e for b in f["args"]["blocks"] if b["type"] == "actions" for e in b["elements"]][0]
    val = btn.get("value", "")
    carried = json.loads(val[len("alarm:"):]) if val.startswith("alarm:{") else {}
    c.check(carried.get("AlarmName") == ALARM and (":%s:" % REGION) in carried.get("AlarmArn", "") and
            carried.get("MetricName") == "HTTPCode_Target_5XX_Count" and len(val) <= 2000,
            "the submit button carries the alarm as data (%d characters)" % len(val), val)
    c.check(any(w for w in cw.forwarded if w.endswith("DescribeAlarms")), "DescribeAlarms reached CloudWatch")

    # the user rewrites the description: nothing of the alarm is left in it
    mts = "%d.000100" % (1700000000 + sd.calls("chat.postMessage").index(f) + 1)
    own = "Checkout is slow for customers in Dublin; please look."
    c.check(E.submit(srv.port, mts, thread, own, pick["fa2_start"]["initial_date_time"],
                   pick["fa2_end"]["initial_date_time"], val) == 200, "submit with an edited description")
    done = E.wait_for(lambda: [x for x in sd.calls("chat.update") if "Analysis complete" in x["args"].get("text", "")], 60)
    c.check(bool(done), "the analysis completes", srv.logtext())
    E.wait_for(lambda: cw.widgets, 20)
    time.sleep(0.5)
    eu_w = [(w, r) for w, r in zip(cw.widgets, cw.widget_regions) if w.get("region") == REGION]
    c.check(bool(eu_w) and eu_w[0][1] == REGION and
            eu_w[0][0].get("metrics") == [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LB]],
            "the alarm's metric is graphed in %s (widget region and SigV4 scope)" % REGION,
            json.dumps(cw.widgets) + " " + str(cw.widget_regions) + srv.logtext())
    marks = eu_w[0][0].get("annotations", {}).get("vertical", []) if eu_w else []
    want = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(changed)))
    c.check(bool(marks) and marks[0].get("value") == want, "the alarm's state change is marked (%s)" % want,
            json.dumps(marks))
    journals = glob.glob(os.path.join(state, "sessions", "*", "journal.jsonl"))
    first = {}
    if journals:
        with open(journals[0]) as fh:
            first = json.loads(fh.readline() or "{}")
    c.check(first.get("alarm", {}).get("AlarmName") == ALARM and
            (":%s:" % REGION) in first.get("alarm", {}).get("AlarmArn", ""),
            "the session records the alarm with its region", json.dumps(first)[:600])
    c.check(not cw.errors and not sd.violations(), "no protocol violations (CloudWatch, Slack)",
            "\n".join(cw.errors + sd.violations()))
    srv.p.terminate()
    srv.p.wait(15)


if __name__ == "__main__":
    E.main(run, regions=[REGION])
