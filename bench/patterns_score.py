#!/usr/bin/env python3
"""Grouping accuracy of `fa2 patterns --assign` output against loghub ground truth.

usage: patterns_score.py TRUTH ASSIGN
TRUTH: one true EventId per line (as written by loghub_content.py).
ASSIGN: `LINE_NO<TAB>TEMPLATE_ID<TAB>TEMPLATE` per line.
Prints the accuracy (0..1): the fraction of lines whose predicted group, as a set of
lines, equals their true group exactly (the loghub / Drain definition).
With --floor X exits 1 when the accuracy is below X. Python 3 standard library only."""
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


def main(argv):
    floor = None
    if len(argv) >= 3 and argv[1] == "--floor":
        floor = float(argv[2])
        argv = argv[:1] + argv[3:]
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        truth = [ln.rstrip("\n") for ln in f]
    pred = {}
    with open(argv[2], encoding="utf-8", errors="replace") as f:
        for ln in f:
            parts = ln.rstrip("\n").split("\t", 2)
            pred[int(parts[0])] = parts[1]
    ordered = [pred.get(i + 1, "missing-%d" % i) for i in range(len(truth))]
    acc = accuracy(truth, ordered)
    print("%.4f" % acc)
    if floor is not None and acc < floor:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
