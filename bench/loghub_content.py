#!/usr/bin/env python3
"""Extracts the Content column (and the ground truth) of a loghub structured CSV.

usage: loghub_content.py STRUCTURED_CSV CONTENT_OUT [TRUTH_OUT [TEMPLATE_OUT]]
CONTENT_OUT gets one Content value per line (LF-terminated; a value holding a newline is
written with it replaced by a space); TRUTH_OUT gets the matching EventId per line and
TEMPLATE_OUT the matching EventTemplate per line (same replacement).
Python 3 standard library only."""
import csv
import sys


def one_line(s):
    return s.replace("\r", " ").replace("\n", " ")


def main(argv):
    if len(argv) not in (3, 4, 5):
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.DictReader(f))
    outs = [(argv[2], "Content")]
    if len(argv) >= 4:
        outs.append((argv[3], "EventId"))
    if len(argv) == 5:
        outs.append((argv[4], "EventTemplate"))
    for path, col in outs:
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            for r in rows:
                out.write(one_line(r[col]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
