#!/usr/bin/env python3
"""fa2's DynamoDB client (src/aws/dynamodb.c) against moto_server with authentication on:
the unit test dynamodb_live_moto (tests/unit/test_dynamodb.c) runs every operation on a
table made here with boto3 (pk/sk strings, on demand, TTL on `expires`): DescribeTable,
DescribeTimeToLive, a conditional PutItem twice (the second is ConditionalCheckFailed),
a consistent GetItem with every attribute type, a lease by conditional UpdateItem with
ReturnValues, a ValidationException, Query paging forward and backward with limits and
an early stop, a conditional DeleteItem with ALL_OLD, and a number beyond int64. Then
boto3 reads the table back independently.
The DynamoDB idempotency store (src/store/store_ddb.c): the unit test
store_dynamodb_live_moto (tests/unit/test_store.c) opens two stores, each with its own AWS
session, on a second table of the same shape and puts 40 keys through both: each is
accepted exactly once; an item past its TTL does not block its key; boto3 then finds one
item per key, each with its TTL attribute.
Sessions and leases (src/store/sessions_ddb.c): the unit test sessdb_live_moto
(tests/unit/test_sessdb.c) runs two instances on a third table: a lease acquired once,
journal records written once, a 700 KiB record split over three items and read back
whole, a renewed lease not taken over, an expired one taken over by exactly one, the
loser refused the posting; boto3 then checks the items' sizes and the lease item."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peers  # noqa: E402

try:
    import boto3
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
    try:
        ddb = moto.client("dynamodb")
        units = [os.path.join(os.path.dirname(FA2), "fa2-unit")]
        if FA2_ASAN and os.path.exists(os.path.join(os.path.dirname(FA2_ASAN), "fa2-unit")):
            units.append(os.path.join(os.path.dirname(FA2_ASAN), "fa2-unit"))
        def make_table(table):
            ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                        {"AttributeName": "sk", "KeyType": "RANGE"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                   {"AttributeName": "sk", "AttributeType": "S"}])
            ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True,
                                                                              "AttributeName": "expires"})
            return aws_peers.clean_env(TMP, AWS_ACCESS_KEY_ID=moto.akid, AWS_SECRET_ACCESS_KEY=moto.secret,
                                       AWS_REGION="us-east-1", AWS_ENDPOINT_URL_DYNAMODB=moto.url,
                                       FA2_DDB_TABLE=table, FA2_STORE_DDB_TABLE=table)
        for i, unit in enumerate(units):
            table = "fa2-store-%d" % i
            env = make_table(table)
            p = subprocess.run([unit, "dynamodb_live_moto"], env=env, capture_output=True, text=True, timeout=240)
            name = "asan" if "asan" in unit else "native"
            c.check(p.returncode == 0 and "ok   dynamodb_live_moto" in p.stdout and "skip" not in p.stdout.lower(),
                    f"{name}: every operation against moto_server", p.stdout + p.stderr)
            item = ddb.get_item(TableName=table, Key={"pk": {"S": "idem#slack-event"}, "sk": {"S": "Ev0001"}},
                                ConsistentRead=True)
            c.check("Item" not in item, f"{name}: the conditionally deleted item is gone", repr(item))
            item = ddb.get_item(TableName=table, Key={"pk": {"S": "num"}, "sk": {"S": "huge"}})["Item"]
            c.check(item["v"] == {"N": "92233720368547758080"}, f"{name}: the big number as written", repr(item))
            rows = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": {"S": "journal#s1"}})["Items"]
            c.check(len(rows) == 25 and all(r["n"]["N"] == str(int(r["sk"]["S"][5:])) for r in rows),
                    f"{name}: the 25 journal items, numbers as written", repr(rows[:2]))
            idem = "fa2-idem-%d" % i
            p = subprocess.run([unit, "store_dynamodb_live_moto"], env=make_table(idem), capture_output=True,
                               text=True, timeout=240)
            c.check(p.returncode == 0 and "ok   store_dynamodb_live_moto" in p.stdout and "skip" not in p.stdout.lower(),
                    f"{name}: two idempotency stores on one table accept each key once", p.stdout + p.stderr)
            items = ddb.scan(TableName=idem)["Items"]
            keys = sorted(it["pk"]["S"] for it in items if it["sk"]["S"] == "idem")
            c.check(len(keys) == 41 and keys[0] == "idem#Ev00000000X" and "idem#short-lived" in keys,
                    f"{name}: one store item per key (40 + 1)", repr(keys[:3]))
            c.check(all(int(it["expires"]["N"]) > 1700000000 for it in items),
                    f"{name}: every store item has its TTL attribute", repr(items[:1]))
            sess = "fa2-sess-%d" % i
            env = make_table(sess)
            env["FA2_SESSDB_TABLE"] = sess
            p = subprocess.run([unit, "sessdb_live_moto"], env=env, capture_output=True, text=True, timeout=240)
            c.check(p.returncode == 0 and "ok   sessdb_live_moto" in p.stdout and "skip" not in p.stdout.lower(),
                    f"{name}: sessions and leases shared by two instances", p.stdout + p.stderr)
            items = ddb.scan(TableName=sess)["Items"]
            big = sorted(it["sk"]["S"] for it in items if it["sk"]["S"].startswith("j#0000000001#"))
            c.check(big == ["j#0000000001#000", "j#0000000001#001", "j#0000000001#002"] and
                    all(len(it["d"]["B"]) <= 300 * 1024 for it in items if "d" in it),
                    f"{name}: the 700 KiB record is three items of at most 300 KiB", repr(big))
            lease = [it for it in items if it["pk"]["S"] == "lease" and it["sk"]["S"] == "s1"]
            c.check(len(lease) == 1 and lease[0]["takeovers"]["N"] == "1" and lease[0]["posted"] == {"BOOL": True}
                    and int(lease[0]["expires"]["N"]) > 1700000000,
                    f"{name}: one lease item, taken over once, posted, with its TTL", repr(lease))
    finally:
        moto.stop()
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
