"""Dictionary administration at scale: 100,000 site entries, then one more.

Measures, on the full shipped gate (all built-in checks):
- importing 100,000 entries (10 files of 10,000 rows, validated like any import);
- the first build of the live gate over them;
- check latency with 100,000 entries loaded, before and after further saves;
- how long one more saved entry takes to take effect: save (validation, transaction, audit) +
  the next check noticing the new version, rebuilding and flagging the new word.

Run: python benchmarks/bench_dictionary_admin.py [--entries 100000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pubgate import site_dictionary as sd
from pubgate.accounts import Actor
from pubgate.config import GateConfig
from pubgate.dictionary_reference import DEFAULT_REFERENCE_TEXTS
from pubgate.engine import Gate
from pubgate.migrations import migrate, open_db

ADMIN = Actor(1, "admin", "admin")
HAN = [chr(c) for c in range(0x4E00, 0x9FA5)]


def words(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(HAN) for _ in range(rng.randint(4, 6))))
    return sorted(out)


def drafts() -> list[dict]:
    texts = list(DEFAULT_REFERENCE_TEXTS)
    out = []
    for i in range(6):
        body = "\n".join(texts[(i * 7 + k) % len(texts)] for k in range(14))
        out.append({"title": texts[i], "body": body, "format": "text", "doc_type": "notice"})
    return out


def latency(live: sd.LiveGate, db, docs: list[dict], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        for d in docs:
            t = time.perf_counter()
            live.current(db).check(d)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def ab_latency(gates: list, docs: list[dict], rounds: int) -> list[float]:
    """Median check time of each gate, measured interleaved so machine drift hits all alike."""
    times: list[list[float]] = [[] for _ in gates]
    for _ in range(rounds):
        for d in docs:
            for i, gate in enumerate(gates):
                t = time.perf_counter()
                gate.check(d)
                times[i].append((time.perf_counter() - t) * 1000)
    return [statistics.median(t) for t in times]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rules", type=int, default=1, help="spread the entries over this many site rules")
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp()
    db = open_db(Path(tmp) / "bench.db")
    migrate(db)
    sd.ensure_schema(db)
    docs = drafts()

    t = time.perf_counter()
    base = Gate(GateConfig(load_entrypoints=False))
    live = sd.LiveGate(gate=base)
    validator = live.validator()
    print(f"base gate built: {time.perf_counter() - t:.2f} s")
    for d in docs:  # warm every lazily loaded model before timing anything
        base.check(d)
    empty = latency(live, db, docs, args.rounds)
    print(f"check latency, no site entries: {empty:.1f} ms (median)")

    all_words = words(args.entries + 200)
    bulk, extra = all_words[:args.entries], all_words[args.entries:]
    t = time.perf_counter()
    for start in range(0, len(bulk), 10_000):
        rows = [(i + 2, {"rule": f"site.bulk{(start // 10_000) % args.rules}", "category": "banned_expression", "match": w,
                         "suggest": "规范表述"}) for i, w in enumerate(bulk[start:start + 10_000])]
        report = sd.import_entries(db, ADMIN, rows, reason="基准测试导入", apply=True, validator=validator)
        assert not report.errors, report.errors[:3]
    print(f"imported {len(bulk):,} entries: {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    live.current(db)
    first = time.perf_counter() - t
    t = time.perf_counter()
    live.current(db).check(docs[0])
    print(f"first live build over {len(bulk):,} entries: {first:.2f} s; first check after it: "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")
    loaded = live.current(db)
    print(f"check latency, {len(bulk):,} site entries: {latency(live, db, docs, args.rounds):.1f} ms (median)")

    effects, saves = [], []
    for i, word in enumerate(extra[:20]):
        t0 = time.perf_counter()
        sd.create_entry(db, ADMIN, {"category": "banned_expression", "match": word, "rule": "site.extra",
                                    "flag": [f"文中有{word}。"]}, reason=f"新增第{i + 1}条", validator=validator)
        t1 = time.perf_counter()
        report = live.current(db).check({"body": f"经核查，文中出现{word}一词。", "format": "text"})
        t2 = time.perf_counter()
        assert any(f.entry == word for f in report.findings), "the new entry did not take effect"
        saves.append((t1 - t0) * 1000)
        effects.append((t2 - t0) * 1000)
    print(f"one more entry: save {statistics.median(saves):.0f} ms, save→flagged in next check "
          f"{statistics.median(effects):.0f} ms (median of 20; max {max(effects):.0f} ms); "
          f"rebuild {live.stats['last_rebuild_ms']:.0f} ms")
    before, after = ab_latency([loaded, live.current(db)], docs, args.rounds)
    change = (after - before) / before * 100
    print(f"check latency before/after 20 more saves (interleaved A/B): {before:.1f} → {after:.1f} ms "
          f"(median), change {change:+.1f} %")
    ok = max(effects) < 1000 and abs(change) <= 10
    print("PASS" if ok else "FAIL", "(targets: effect < 1 s, latency change within 10 %)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
