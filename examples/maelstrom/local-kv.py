#!/usr/bin/env python3
"""A BUGGY Maelstrom node for lin-kv (and g-set), in Python: every node answers from its own copy and
replicates writes to the others afterwards, without waiting. Reads on one node miss writes acknowledged
by another (stale reads), and two nodes can accept conflicting writes: not linearizable, which faultline
should report. Usage: python3 local-kv.py   (Maelstrom protocol on stdin/stdout)"""
import json
import sys

me = None
others = []
kv = {}
elements = set()


def send(dest, body):
    sys.stdout.write(json.dumps({"src": me, "dest": dest, "body": body}) + "\n")
    sys.stdout.flush()


def replicate(body):
    for n in others:
        send(n, body)


for line in sys.stdin:
    if not line.strip():
        continue
    msg = json.loads(line)
    src, body = msg["src"], msg["body"]
    t = body["type"]
    reply = None
    if t == "init":
        me = body["node_id"]
        others = [n for n in body["node_ids"] if n != me]
        reply = {"type": "init_ok"}
    elif t == "replicate":
        kv[str(body["key"])] = body["value"]
    elif t == "replicate_add":
        elements.add(body["element"])
    elif t == "read" and "key" in body:
        k = str(body["key"])
        reply = {"type": "read_ok", "value": kv[k]} if k in kv else {"type": "error", "code": 20}
    elif t == "read":
        reply = {"type": "read_ok", "value": sorted(elements)}
    elif t == "write":
        kv[str(body["key"])] = body["value"]
        reply = {"type": "write_ok"}
        replicate({"type": "replicate", "key": body["key"], "value": body["value"]})
    elif t == "cas":
        k = str(body["key"])
        if k not in kv:
            reply = {"type": "error", "code": 20}
        elif kv[k] != body["from"]:
            reply = {"type": "error", "code": 22}
        else:
            kv[k] = body["to"]
            reply = {"type": "cas_ok"}
            replicate({"type": "replicate", "key": body["key"], "value": body["to"]})
    elif t == "add":
        elements.add(body["element"])
        reply = {"type": "add_ok"}
        replicate({"type": "replicate_add", "element": body["element"]})
    else:
        reply = {"type": "error", "code": 10, "text": "unsupported " + t}
    if reply is not None and "msg_id" in body:
        reply["in_reply_to"] = body["msg_id"]
        send(src, reply)
