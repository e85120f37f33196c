#!/usr/bin/env python3
"""Grouping and parsing accuracy of `fa2 patterns --assign` output against loghub ground truth.

usage: patterns_score.py [--floor X] [--pa-floor Y] TRUTH ASSIGN [TEMPLATES CONTENT]
TRUTH: one true EventId per line; TEMPLATES: the true EventTemplate per line; CONTENT:
the message per line (as written by loghub_content.py).
ASSIGN: `LINE_NO<TAB>TEMPLATE_ID<TAB>TEMPLATE` per line.

Grouping accuracy (GA, the loghub / Drain definition): the fraction of lines whose
predicted group, as a set of lines, equals their true group exactly.

Parsing accuracy (PA, as in the Loghub-2.0 evaluation): the fraction of lines whose
predicted template string equals the true one after both went through the same
normalisation, the conventions of loghub's own evaluator:
  1. white space runs become one space (the miner joins tokens with one space);
  2. a "<*>" that matches the empty string in the line's content is dropped
     (loghub's align_with_null_values: templates are aligned with the content);
  3. adjacent wildcards collapse: "<*>.<*>", "<*><*>", "<*>:<*>" and "<*> <*>" become
     "<*>" (loghub's correct_template_general: DV and CV rules), repeated to a fixpoint.
No other rewriting (no digit, boolean or user-string rules): "ssh<*>" for a constant
"ssh2" stays wrong.

Prints "GA" (two arguments) or "GA PA" (four). --floor / --pa-floor make it exit 1 when
GA / PA is below the given value. Python 3 standard library only."""
import re
import sys
from collections import Counter, defaultdict


def accuracy(truth, pred):
    if len(truth) != len(pred):
        raise ValueError("truth has %d lines, assignment %d" % (len(truth), len(pred)))
    true_size = Counter(truth)
    groups = defaultdict(list)
    for t, p in zip(truth, pred):
        groups[p].append(t)
    good = 0
    for members in groups.values():
        labels = set(members)
        if len(labels) == 1 and true_size[members[0]] == len(members):
            good += len(members)
    return good / len(truth) if truth else 1.0


_WS = re.compile(r"\s+")


def align_with_null_values(template, content):
    """Drops each <*> that the content fills with the empty string (loghub's rule)."""
    parts = template.split("<*>")
    if len(parts) == 1:
        return template
    rx = "^" + "(.*?)".join(re.escape(p) for p in parts) + "$"
    try:
        m = re.search(rx, content, re.S)
    except re.error:
        return template
    if m is None:
        return template
    out = []
    for i, p in enumerate(parts):
        out.append(p)
        if i < len(m.groups()):
            out.append("" if m.group(i + 1) == "" else "<*>")
    return "".join(out)


def collapse_wildcards(template):
    prev = None
    while prev != template:
        prev = template
        template = template.replace("<*>.<*>", "<*>")
    prev = None
    while prev != template:
        prev = template
        for a in ("<*><*>", "<*>:<*>", "<*> <*>"):
            template = template.replace(a, "<*>")
    return template


def normalise(template, content):
    t = _WS.sub(" ", template.strip())
    c = _WS.sub(" ", content.strip())
    return collapse_wildcards(align_with_null_values(t, c))


def parsing_accuracy(true_tpl, pred_tpl, content):
    if not (len(true_tpl) == len(pred_tpl) == len(content)):
        raise ValueError("templates, prediction and content differ in length")
    good = 0
    cache = {}
    for t, p, c in zip(true_tpl, pred_tpl, content):
        key = (t, p, c)
        if key not in cache:
            cache[key] = normalise(t, c) == normalise(p, c)
        good += cache[key]
    return good / len(content) if content else 1.0


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [ln.rstrip("\n") for ln in f]


def main(argv):
    floor = pa_floor = None
    args = argv[1:]
    while args and args[0] in ("--floor", "--pa-floor"):
        if len(args) < 2:
            sys.stderr.write(__doc__)
            return 2
        if args[0] == "--floor":
            floor = float(args[1])
        else:
            pa_floor = float(args[1])
        args = args[2:]
    if len(args) not in (2, 4):
        sys.stderr.write(__doc__)
        return 2
    truth = read_lines(args[0])
    pred_id, pred_tpl = {}, {}
    with open(args[1], encoding="utf-8", errors="replace") as f:
        for ln in f:
            parts = ln.rstrip("\n").split("\t", 2)
            pred_id[int(parts[0])] = parts[1]
            pred_tpl[int(parts[0])] = parts[2] if len(parts) > 2 else ""
    ordered = [pred_id.get(i + 1, "missing-%d" % i) for i in range(len(truth))]
    ga = accuracy(truth, ordered)
    rc = 0
    if floor is not None and ga < floor:
        rc = 1
    if len(args) == 2:
        print("%.4f" % ga)
        return rc
    templates = read_lines(args[2])
    content = read_lines(args[3])
    pa = parsing_accuracy(templates, [pred_tpl.get(i + 1, "") for i in range(len(truth))], content)
    print("%.4f %.4f" % (ga, pa))
    if pa_floor is not None and pa < pa_floor:
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
