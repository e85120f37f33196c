#!/usr/bin/env python3
"""The Slack alarm flow asks CloudWatch (moto_server) for the truth: DescribeAlarms gives
the state, the state-change time and the metric. A notification whose text says OK for
an alarm CloudWatch has in ALARM gets the form (window around CloudWatch's state-change
time, metric and reason in the description); one whose text says ALARM for an alarm
that is OK in CloudWatch gets none."""
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
        # the text claims ALARM; CloudWatch says OK -> no form
        F.post(port, F.alarm_event("EvM2", "%d.000200" % now, state="ALARM", name="db-cpu"))
        time.sleep(1.5)
        if len(F.forms(d)) != 1:
            F.fail("a form for an alarm that CloudWatch has in OK")
        F.stop(p)
        if d.violations():
            F.fail("double violations: %r" % d.violations())
        d.close()
        print("PASS: DescribeAlarms decides (state, time, metric)")
    finally:
        moto.stop()


if __name__ == "__main__":
    try:
        main()
    finally:
        for q in F.procs:
            if q.poll() is None:
                q.kill()
