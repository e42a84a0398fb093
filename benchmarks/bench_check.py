"""Throughput of `check` and of dictionary matching, as ratios to `jieba.lcut` on the same text.

    python benchmarks/bench_check.py [--entries 100000] [--chars 300000] [--breakdown] [--profile [N]]

Prints characters per second of (1) jieba.lcut, (2) the whole gate over drafts of ~3,000 characters,
(3) each check on its own, (4) dictionary matching with N extra generated entries, and the time to
load those entries. Text: the clean official prose in ../shared/data/clean/xxqg.json when present,
else the labelled corpus in tests/corpus.

``--breakdown`` adds where the time of the whole check without the typo model layer goes: each
check's share when all of them run on one shared document, as the gate runs them (the figures under
"per check" each pay the text preparation and, for dictionary rules, the shared dictionary pass).

``--profile [N]`` runs the whole check (all checks, all models, warm) over the drafts under cProfile,
prints the N functions with the most time of their own and the N with the most cumulative time, and
stops. The same as ``python -m cProfile`` on a loop of ``gate.check``, without the start-up in it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def load_text(limit: int) -> str:
    clean = SHARED / "data" / "clean" / "xxqg.json"
    if clean.exists():
        sentences = [item["original_text"] for item in json.loads(clean.read_text("utf-8"))]
    else:
        sentences = [json.loads(p.read_text("utf-8"))["body"] for p in sorted((REPO / "tests" / "corpus").rglob("*.json"))]
    text, out = 0, []
    while text < limit:
        for s in sentences:
            out.append(s)
            text += len(s)
            if text >= limit:
                break
    return "".join(out)


def drafts_of(text: str, size: int = 3000) -> list[dict]:
    return [{"id": f"bench-{i}", "title": "关于做好有关工作的通知", "body": text[i:i + size], "format": "text",
             "publish_at": "2026-03-05T10:00:00+08:00"} for i in range(0, len(text), size)]


def rate(fn, items, chars: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - started)
    return chars / best


def breakdown(gate, drafts: list, repeat: int = 3) -> None:
    """Microseconds per draft of each check on one shared document (best of ``repeat`` passes)."""
    from pubgate.checks import Document
    from pubgate.model import Draft

    prepared = [Draft.from_dict(d) for d in drafts]
    best: dict[str, float] = {}
    for _ in range(repeat):
        spent: dict[str, float] = {}
        for draft in prepared:
            started = time.perf_counter()
            doc = Document(draft=draft, settings=gate.config.settings)
            doc.fields, doc.view("title"), doc.view("body")
            spent["(text extraction and matching views)"] = spent.get("(text extraction and matching views)", 0.0) \
                + time.perf_counter() - started
            started = time.perf_counter()
            gate.dictionaries.matcher.hits(doc)
            spent["(dictionary pass, shared)"] = spent.get("(dictionary pass, shared)", 0.0) + time.perf_counter() - started
            for check in gate.checks:
                started = time.perf_counter()
                list(check.run(doc) or ())
                spent[check.id] = spent.get(check.id, 0.0) + time.perf_counter() - started
        for key, value in spent.items():
            best[key] = min(best.get(key, float("inf")), value)
    total = sum(best.values())
    print("breakdown of the whole check without the typo model layer (one shared document per draft, as the gate runs):")
    for key, value in sorted(best.items(), key=lambda kv: -kv[1]):
        if value / total >= 0.005:
            print(f"  {key:<40}{value / len(prepared) * 1e6:>10.0f} µs/draft  {value / total:6.1%}")
    print(f"  {'total':<40}{total / len(prepared) * 1e6:>10.0f} µs/draft")


def profile(gate, drafts: list, top: int, jieba_rate: float, chars: int) -> None:
    """cProfile of the warm whole check over ``drafts``: top functions by own time and by cumulative."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for d in drafts:
        gate.check(d)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"profiled whole check: {chars / elapsed:,.0f} chars/s under the profiler "
          f"({chars / elapsed / jieba_rate:.2f}x jieba.lcut; the profiler slows Python code ~2x)")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def generated_entries(n: int, seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    han = [chr(c) for c in range(0x4E00, 0x9FA5)]
    out: dict[str, str] = {}
    while len(out) < n:
        wrong = "".join(rng.choice(han) for _ in range(rng.randint(3, 6)))
        out[wrong] = wrong[::-1]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--chars", type=int, default=300_000)
    parser.add_argument("--breakdown", action="store_true",
                        help="also show each check's share of the whole check without the typo model layer")
    parser.add_argument("--profile", type=int, nargs="?", const=25, metavar="N",
                        help="profile the whole check with cProfile, print the top N functions (default 25), stop")
    args = parser.parse_args(argv)

    import jieba
    import yaml

    from pubgate import Gate, GateConfig
    from pubgate.checks import Document
    from pubgate.model import Draft

    jieba.setLogLevel(60)
    jieba.initialize()
    text = load_text(args.chars)
    drafts = drafts_of(text)
    chars = sum(len(d["body"]) + len(d["title"]) for d in drafts)
    print(f"text: {chars:,} characters in {len(drafts)} drafts of ~3,000 characters")

    jieba_rate = rate(lambda d: (jieba.lcut(d["title"]), jieba.lcut(d["body"])), drafts, chars)
    print(f"{'jieba.lcut (reference)':<42}{jieba_rate:>14,.0f} chars/s   1.00x")

    started = time.perf_counter()
    gate = Gate(GateConfig(load_entrypoints=False))
    print(f"gate start-up: {time.perf_counter() - started:.2f} s; checks: {len(gate.checks)}; ruleset {gate.ruleset}")
    for notice in gate.notices:
        print(f"  notice: {notice}")
    print(f"warm-up (lazy loads: models, lexicons): {gate.warm():.2f} s")
    if args.profile:
        profile(gate, drafts, args.profile, jieba_rate, chars)
        return 0
    whole = rate(lambda d: gate.check(d), drafts, chars)
    print(f"{'whole check':<42}{whole:>14,.0f} chars/s   {whole / jieba_rate:.2f}x jieba")

    # The statistical typo layer (an n-gram model) dominates; the rule-based checks alone:
    rules_only = Gate(GateConfig(load_entrypoints=False, disabled_plugins=["typo"]))
    rules_only.check(drafts[0])
    fast = rate(lambda d: rules_only.check(d), drafts, chars)
    print(f"{'whole check without the typo model layer':<42}{fast:>14,.0f} chars/s   {fast / jieba_rate:.2f}x jieba")
    if args.breakdown:
        breakdown(rules_only, drafts)

    per_draft = []
    for d in drafts:
        started = time.perf_counter()
        gate.check(d)
        per_draft.append((time.perf_counter() - started) * 1000)
    print(f"latency per 3,000-char draft: p50 {statistics.median(per_draft):.1f} ms, max {max(per_draft):.1f} ms")

    prepared = [Draft.from_dict(d) for d in drafts]
    print("per check (each alone, same text; includes text extraction for the first check of a document):")
    for check in gate.checks:
        def run_one(draft, check=check):
            list(check.run(Document(draft=draft)) or ())
        try:
            r = rate(run_one, prepared, chars, repeat=1)
        except Exception as exc:  # a benchmark reports, it does not stop
            print(f"  {check.id:<40} failed: {exc!r}")
            continue
        print(f"  {check.id:<40}{r:>14,.0f} chars/s   {r / jieba_rate:.2f}x jieba")

    # Dictionary scale: N generated entries in one site dictionary directory.
    with tempfile.TemporaryDirectory() as tmp:
        entries = generated_entries(args.entries)
        path = Path(tmp) / "bulk" / "generated.yml"
        path.parent.mkdir()
        path.write_text(yaml.safe_dump({"category": "banned_expression", "swap": entries}, allow_unicode=True),
                        encoding="utf-8")
        from pubgate.dictionary_loader import load_dictionaries

        config = GateConfig(load_entrypoints=False, include_shipped_dictionaries=False, dictionary_dirs=[tmp])
        print()
        for label in ("first load (YAML parsed)", "later load (parse cached by content hash)"):
            started = time.perf_counter()
            dictionaries = load_dictionaries(config)
            matcher = dictionaries.matcher
            load_s = time.perf_counter() - started
            print(f"{args.entries:,} generated entries, {label}: load + compile {load_s:.2f} s "
                  f"({'under' if load_s < 1 else 'OVER'} the 1 s budget)")
        # Plant a few known entries so matching does real work on hits too.
        planted = list(entries)[:50]
        docs = [Draft.from_dict({**d, "body": d["body"] + "".join(planted[:5])}) for d in drafts]
        match_rate = rate(lambda dr: matcher.hits(Document(draft=dr)), docs, chars)
        print(f"{'dictionary matching, ' + format(args.entries, ',') + ' entries':<42}{match_rate:>14,.0f} chars/s   "
              f"{match_rate / jieba_rate:.2f}x jieba (budget: ≥ 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
