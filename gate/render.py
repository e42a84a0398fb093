"""The people-facing text view of reports: each finding on its line, the span highlighted."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from .model import CATEGORY_LABELS, SEVERITY_LABELS, VERDICT_LABELS, Report

__all__ = ["render_report", "render_summary", "line_and_column"]

SEVERITY_STYLES = {"block": "bold red", "warn": "yellow", "info": "cyan"}
VERDICT_STYLES = {"block": "bold white on red", "warn": "bold black on yellow", "pass": "bold white on green"}
CONTEXT = 24


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def render_report(console, source: str, report: Report, field_texts: dict[str, str]) -> None:
    from rich.text import Text

    verdict = str(report.verdict)
    head = Text()
    head.append(f" {VERDICT_LABELS[verdict]} ", style=VERDICT_STYLES[verdict])
    head.append(f" {source}", style="bold")
    head.append(f"  （{len(report.findings)} 处问题，用时 {report.elapsed_ms:.0f} 毫秒）", style="dim")
    console.print(head)
    for notice in report.notices:
        console.print(Text(f"  ⓘ {notice}", style="dim"))
    for f in report.findings:
        sev = str(f.severity)
        line = Text("  ")
        line.append(f"[{SEVERITY_LABELS[sev]}]", style=SEVERITY_STYLES[sev])
        line.append(f" {CATEGORY_LABELS[str(f.category)]}", style="bold")
        if f.start is not None:
            ln, col = line_and_column(field_texts.get(f.field, ""), f.start)
            where = "标题" if f.field == "title" else f"第 {ln} 行第 {col} 列"
        else:
            where = "稿件信息"
        line.append(f"  {where}  ", style="dim")
        line.append(f.message)
        line.append(f"  ({f.rule})", style="dim")
        console.print(line)
        if f.start is not None:
            text = field_texts.get(f.field, "")
            line_start = text.rfind("\n", 0, f.start) + 1
            line_end = text.find("\n", f.end)
            line_end = len(text) if line_end == -1 else line_end
            lo = max(line_start, f.start - CONTEXT)
            hi = min(line_end, f.end + CONTEXT)
            snippet = Text("      ")
            snippet.append(("…" if lo > line_start else "") + text[lo:f.start])
            snippet.append(text[f.start:f.end], style="reverse " + SEVERITY_STYLES[sev])
            snippet.append(text[f.end:hi] + ("…" if hi < line_end else ""))
            console.print(snippet)
        if f.suggestion:
            console.print(Text(f"      建议：{f.suggestion}", style="green"))


def render_summary(console, reports: Iterable[Report], unreadable: int) -> None:
    from rich.text import Text

    reports = list(reports)
    by_category: Counter = Counter()
    by_severity: Counter = Counter()
    verdicts: Counter = Counter()
    for r in reports:
        verdicts[str(r.verdict)] += 1
        for f in r.findings:
            by_category[str(f.category)] += 1
            by_severity[str(f.severity)] += 1
    out = Text("\n")
    out.append(f"共检查 {len(reports)} 篇稿件", style="bold")
    if unreadable:
        out.append(f"，{unreadable} 个文件无法读取", style="bold red")
    out.append("：" + "，".join(f"{VERDICT_LABELS[v]} {verdicts[v]} 篇" for v in ("block", "warn", "pass")))
    console.print(out)
    if by_severity:
        console.print("问题按严重程度：" + "，".join(
            f"{SEVERITY_LABELS[s]} {by_severity[s]}" for s in ("block", "warn", "info") if by_severity[s]))
        console.print("问题按类别：" + "，".join(
            f"{CATEGORY_LABELS[c]} {n}" for c, n in by_category.most_common()))
