"""The whole gate on text nobody here wrote: the development drafts and real pages in ../shared/data.

    python benchmarks/eval_dev.py [--data ../shared/data] [--show-errors]

- ``drafts/dev_drafts.jsonl`` (labelled, written independently of the rules): per-category recall,
  false positives and precision of warn and block findings. A finding is right when an expected
  entry of its category names text that overlaps it (one contains the other; an empty expected text,
  for defects only the metadata shows, matches any finding of the category); every other warn or
  block finding is a false positive. ``info`` is advice and not scored.
- ``pages/dev_real_pages.jsonl`` (real published pages): warn and block findings per 10,000
  characters on the simplified pages without a recorded defect, by category; the pages carry no
  relation metadata or publish date, so ``interpretation_link``, ``outdated_expression`` and
  ``dating`` are left out, and half-width punctuation is a storage artifact there.
- ``clean/xxqg.json``: warn and block findings per 10,000 characters of clean official prose.

The files are read in place and never copied into this repository; without them the script says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
_DOC_TYPES = {"政策文件": "policy", "政策解读": "interpretation", "工作动态": "news", "通知公告": "notice",
              "办事指南": "guide", "留言答复": "reply", "公示": "disclosure"}
_UNJUDGED_ON_PAGES = {"interpretation_link", "outdated_expression", "dating"}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def serious(report) -> list:
    return [f for f in report.findings if str(f.severity) in ("warn", "block")]


def overlaps(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a in b or b in a)


def score_drafts(gate, items: list[dict], show_errors: bool) -> None:
    expected, hits, false = Counter(), Counter(), Counter()
    right = wrong = 0
    errors = []
    for item in items:
        findings = serious(gate.check(item["draft"]))
        used = set()
        for exp in item["expected"]:
            expected[exp["category"]] += 1
            matching = {k for k, f in enumerate(findings) if str(f.category) == exp["category"]
                        and (exp["text"] == "" or overlaps(f.text or "", exp["text"]))}
            used |= matching
            if matching:
                hits[exp["category"]] += 1
            else:
                errors.append(f"  漏报 {item['id']} {exp['category']}「{exp['text']}」")
        for k, f in enumerate(findings):
            if k in used:
                right += 1
            else:
                wrong += 1
                false[str(f.category)] += 1
                errors.append(f"  误报 {item['id']} {f.rule}「{f.text}」→「{f.suggestion}」")
    print(f"开发稿件 {len(items)} 篇（{sum(expected.values())} 处缺陷）")
    print(f"  {'类别':<22}召回          误报")
    for category in sorted(expected):
        print(f"  {category:<22}{hits[category]:>3}/{expected[category]:<3} = {hits[category] / expected[category]:.2f}"
              f"   {false[category]}")
    precision = right / (right + wrong) if right + wrong else 0.0
    print(f"  警告及阻断精确率 {precision:.3f}，召回率 {sum(hits.values()) / max(1, sum(expected.values())):.3f}"
          f"（警告及阻断 {right + wrong} 处）")
    if show_errors:
        print("\n".join(errors))


def score_pages(gate, pages: list[dict], defects: list[dict], show_errors: bool) -> None:
    recorded = defaultdict(list)
    for d in defects:
        recorded[d["url"]].append(d["text"])
    chars, by = 0, Counter()
    examples = []
    for page in pages:
        if page.get("script") != "simplified" or page["url"] in recorded:
            continue
        chars += len(page["text"])
        draft = {"body": page["text"], "format": "text", "doc_type": _DOC_TYPES.get(page.get("kind"), "other")}
        for f in serious(gate.check(draft)):
            if str(f.category) in _UNJUDGED_ON_PAGES or "半角" in f.message:
                continue
            by[(str(f.severity), str(f.category))] += 1
            examples.append(f"  {f.severity} {f.rule}「{f.text}」 {page['url']}")
    print(f"\n真实页面（无已记录缺陷的简体页面）{chars:,} 字")
    for (severity, category), n in sorted(by.items()):
        print(f"  {severity:<6}{category:<22}{n:>4}  每万字 {n / chars * 10000:.2f}")
    blocks = sum(n for (s, _), n in by.items() if s == "block")
    warns = sum(n for (s, _), n in by.items() if s == "warn")
    print(f"  阻断每万字 {blocks / chars * 10000:.2f}，警告每万字 {warns / chars * 10000:.2f}")
    if show_errors:
        print("\n".join(examples))


def score_clean_prose(gate, sentences: list[dict], show_errors: bool) -> None:
    chars, by = 0, Counter()
    examples = []
    for s in sentences:
        text = s["correct_text"]
        chars += len(text)
        for f in serious(gate.check({"body": text, "format": "text"})):
            by[(str(f.severity), str(f.category))] += 1
            examples.append(f"  {f.severity} {f.rule}「{f.text}」 {text[:40]}")
    print(f"\n学习强国干净语料 {len(sentences)} 句 {chars:,} 字")
    for (severity, category), n in sorted(by.items()):
        print(f"  {severity:<6}{category:<22}{n:>4}  每万字 {n / chars * 10000:.2f}")
    if show_errors:
        print("\n".join(examples))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show-errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    drafts = args.data / "drafts" / "dev_drafts.jsonl"
    if not drafts.is_file():
        print(f"未找到开发数据 {args.data}（../shared 不在旁边）", file=sys.stderr)
        return 2
    from pubgate import Gate, GateConfig

    gate = Gate(GateConfig(load_entrypoints=False))
    score_drafts(gate, read_jsonl(drafts), args.show_errors)
    pages = args.data / "pages"
    if (pages / "dev_real_pages.jsonl").is_file():
        score_pages(gate, read_jsonl(pages / "dev_real_pages.jsonl"), read_jsonl(pages / "dev_real_defects.jsonl"),
                    args.show_errors)
    clean = args.data / "clean" / "xxqg.json"
    if clean.is_file():
        score_clean_prose(gate, json.loads(clean.read_text(encoding="utf-8")), args.show_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
