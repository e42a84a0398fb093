"""Per-category precision and recall of the whole gate on the labelled draft corpus in tests/corpus.

Each corpus file is a contract draft (JSON) with one extra field, ``expect``: a list of
``{"category": ..., "text": ...}`` — the findings a careful reviewer wants (empty for a clean draft).
A finding counts as correct when an expectation of its category names text that overlaps the
finding's span; findings of severity ``info`` are style advice and are not scored.

    python benchmarks/eval_corpus.py [DIR ...] [--categories c1,c2] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"


def load_corpus(dirs: list[Path]) -> list[tuple[Path, dict]]:
    items = []
    for d in dirs:
        for path in sorted(d.rglob("*.json")):
            items.append((path, json.loads(path.read_text(encoding="utf-8"))))
    return items


def expectation_spans(draft_text: dict[str, str], exp: dict) -> list[tuple[str, int, int]]:
    spans = []
    fields = [exp["field"]] if exp.get("field") else ["title", "body", "meta"]
    for field in fields:
        if field == "meta":
            if not exp.get("text"):
                spans.append(("meta", -1, -1))
            continue
        text = draft_text.get(field, "")
        needle = exp.get("text", "")
        if not needle:
            continue
        pos = text.find(needle)
        while pos != -1:
            spans.append((field, pos, pos + len(needle)))
            pos = text.find(needle, pos + 1)
    return spans


def evaluate(gate, items, categories=None):
    """Return (per-category Counter of tp/fp/fn, list of error descriptions)."""
    from pubgate.checks import Document
    from pubgate.model import Draft

    stats: dict[str, Counter] = {}
    errors = []
    for path, data in items:
        expect = data.get("expect", [])
        draft = Draft.from_dict(data)
        report = gate.check(draft, stage=data.get("stage", "submit"))
        texts = {k: v.text for k, v in Document(draft=draft).fields.items()}
        findings = [f for f in report.findings if str(f.severity) != "info"
                    and (categories is None or str(f.category) in categories)]
        matched_exp = set()
        for f in findings:
            cat = str(f.category)
            ok = False
            for i, exp in enumerate(expect):
                if exp["category"] != cat:
                    continue
                for field, s, e in expectation_spans(texts, exp):
                    if field == f.field and (field == "meta" or (f.start < e and s < f.end)):
                        ok = True
                        matched_exp.add(i)
                        break
                if ok:
                    break
            stats.setdefault(cat, Counter())["tp" if ok else "fp"] += 1
            if not ok:
                errors.append(f"FP {path.name}: {cat} {f.rule} 「{f.text}」 {f.message}")
        for i, exp in enumerate(expect):
            if categories is not None and exp["category"] not in categories:
                continue
            if i not in matched_exp:
                stats.setdefault(exp["category"], Counter())["fn"] += 1
                errors.append(f"FN {path.name}: {exp['category']} 「{exp.get('text', '')}」")
    return stats, errors


def summarize(stats: dict[str, Counter]) -> list[tuple[str, float, float, Counter]]:
    rows = []
    for cat, c in sorted(stats.items()):
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        rows.append((cat, p, r, c))
    return rows


def main(argv=None) -> int:
    from pubgate import Gate, GateConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[CORPUS])
    parser.add_argument("--categories", help="comma-separated categories to score")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)
    categories = set(args.categories.split(",")) if args.categories else None
    items = load_corpus(args.dirs)
    gate = Gate(GateConfig(load_entrypoints=False))
    stats, errors = evaluate(gate, items, categories)
    planted = sum(1 for _, d in items if d.get("expect"))
    print(f"corpus: {len(items)} drafts ({planted} with planted issues, {len(items) - planted} clean)")
    print(f"{'category':<22}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}")
    for cat, p, r, c in summarize(stats):
        print(f"{cat:<22}{p:>10.3f}{r:>8.3f}{c['tp']:>5}{c['fp']:>5}{c['fn']:>5}")
    if args.show_errors:
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
