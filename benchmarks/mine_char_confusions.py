"""Regenerate ``dictionaries/typo/char-confusions.tsv``: the character slips of real drafts.

    python benchmarks/mine_char_confusions.py [--data ../shared/data]

Counts every wrong → right character of the *tune* part of ECSpell ``odw.train`` (the split of
``eval_typos.py``; the held-out part and the ECSpell test split are never read). The statistical
typo layer lowers its bar a little for an edit made only of such slips: the same confusions recur
(建→健, 付→府), and on odw tune, mined on four fifths and scored on the fifth left out, this raised
sentence recall by about 0.02 at the same flag precision.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from eval_typos import DEFAULT_DATA, REPO, read_ecspell

OUT = REPO / "dictionaries" / "typo" / "char-confusions.tsv"
HEADER = """\
# Character slips seen in real official drafts: wrong<TAB>right<TAB>count.
# Mined from the tune part of ECSpell odw.train (MIT licence; never its held-out part or test split)
# by benchmarks/mine_char_confusions.py; regenerate rather than edit. The statistical typo layer
# asks a little less evidence of an edit made only of these slips (Bars.seen).
"""


def mine(pairs: list[tuple[str, str]]) -> Counter:
    counts: Counter = Counter()
    for source, target in pairs:
        for wrong, right in zip(source, target):
            if wrong != right:
                counts[(wrong, right)] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    source = args.data / "ecspell" / "odw.train"
    if not source.is_file():
        print(f"找不到 {source}（需要 ../shared/data）", file=sys.stderr)
        return 2
    counts = mine(read_ecspell(source, "tune"))
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    OUT.write_text(HEADER + "".join(f"{w}\t{r}\t{n}\n" for (w, r), n in rows), encoding="utf-8")
    print(f"{len(rows)} pairs → {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
