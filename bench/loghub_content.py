#!/usr/bin/env python3
"""Extracts the Content column (and the EventId ground truth) of a loghub structured CSV.

usage: loghub_content.py STRUCTURED_CSV CONTENT_OUT [TRUTH_OUT]
CONTENT_OUT gets one Content value per line (LF-terminated; a value holding a newline is
written with it replaced by a space); TRUTH_OUT gets the matching EventId per line.
Python 3 standard library only."""
import csv
import sys


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.DictReader(f))
    with open(argv[2], "w", encoding="utf-8", newline="\n") as out:
        for r in rows:
            out.write(r["Content"].replace("\r", " ").replace("\n", " ") + "\n")
    if len(argv) == 4:
        with open(argv[3], "w", encoding="utf-8", newline="\n") as out:
            for r in rows:
                out.write(r["EventId"] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
