"""Writes a wrk Lua script that cycles through N pre-signed Events API requests
(distinct event ids, signed with the secret at the current time)."""
import hashlib, hmac, json, sys, time
secret, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ts = str(int(time.time()))
out = ["local reqs = {}"]
for i in range(n):
    body = json.dumps({"token": "x", "team_id": "T1", "api_app_id": "AFA2", "type": "event_callback",
                       "event_id": "EvBENCH%08d" % i, "event_time": int(ts),
                       "event": {"type": "message", "channel": "C1", "user": "U1", "ts": "%s.%06d" % (ts, i),
                                 "text": "hello from the bench"}})
    sig = "v0=" + hmac.new(secret.encode(), ("v0:%s:%s" % (ts, body)).encode(), hashlib.sha256).hexdigest()
    out.append('reqs[%d] = wrk.format("POST", "/slack/events", {["Host"]="127.0.0.1", ["Content-Type"]="application/json", '
               '["X-Slack-Request-Timestamp"]="%s", ["X-Slack-Signature"]="%s"}, %s)'
               % (i + 1, ts, sig, json.dumps(body)))
out.append("local i = 0")
out.append("request = function() i = i %% %d + 1; return reqs[i] end" % n)
out.append("""done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f ok_rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\\n",
    summary.requests / (summary.duration / 1e6),
    (summary.requests - summary.errors.status) / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status))
end""")
open(path, "w").write("\n".join(out) + "\n")
