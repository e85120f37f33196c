#!/usr/bin/env python3
"""The two Slack app manifests in deploy/ (public endpoint, Socket Mode) stay in step:
same slash commands and bot scopes, each command one fa2 serve answers, the scopes the Web
API methods fa2 calls need, socket_mode_enabled only in the Socket Mode one."""
import json
import os
import sys

ROOT = os.environ.get("FA2_ROOT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
failed = 0


def check(cond, what, detail=""):
    global failed
    print(("ok   " if cond else "FAIL ") + what + ("" if cond or not detail else ": " + detail))
    failed += 0 if cond else 1


http = json.load(open(os.path.join(ROOT, "deploy", "slack-app-manifest.json")))
sock = json.load(open(os.path.join(ROOT, "deploy", "slack-app-manifest-socket.json")))
cmds = lambda m: sorted(c["command"] for c in m["features"]["slash_commands"])
scopes = lambda m: sorted(m["oauth_config"]["scopes"]["bot"])
check(cmds(http) == cmds(sock), "both manifests have the same slash commands", "%s vs %s" % (cmds(http), cmds(sock)))
check(cmds(http) == ["/fa2", "/findings-report", "/insight"], "the commands fa2 serve answers", str(cmds(http)))
check(scopes(http) == scopes(sock), "both manifests ask for the same bot scopes")
need = {"chat:write", "commands", "files:write", "users:read", "im:write", "channels:history"}
check(need <= set(scopes(http)), "scopes for chat.postMessage/update, files upload v2, users.info, "
      "conversations.open, message events", str(sorted(need - set(scopes(http)))))
check(sock["settings"].get("socket_mode_enabled") is True, "Socket Mode manifest enables Socket Mode")
check(not http["settings"].get("socket_mode_enabled"), "the public-endpoint manifest does not")
check(all("url" in c for c in http["features"]["slash_commands"]) and
      all("url" not in c for c in sock["features"]["slash_commands"]),
      "command URLs only in the public-endpoint manifest")
print("%d failed" % failed)
sys.exit(1 if failed else 0)
