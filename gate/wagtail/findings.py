"""Findings as Wagtail shows them: Chinese labels, a plain-text summary for the task comment."""

from __future__ import annotations

from pubgate.model import CATEGORY_LABELS, SEVERITY_LABELS

__all__ = ["labelled", "summary"]


def labelled(findings: list[dict]) -> list[dict]:
    """Each finding with ``category_label`` and ``severity_label``, blocking ones first."""
    order = {"block": 0, "warn": 1, "info": 2}
    return [{**f, "category_label": CATEGORY_LABELS.get(f.get("category"), f.get("category")),
             "severity_label": SEVERITY_LABELS.get(f.get("severity"), f.get("severity"))}
            for f in sorted(findings, key=lambda f: order.get(f.get("severity"), 3))]


def summary(findings: list[dict], limit: int = 20) -> str:
    """One line per finding, for the task comment (shown in Wagtail's workflow history)."""
    lines = []
    for f in labelled(findings)[:limit]:
        fix = f"；建议：{f['suggestion']}" if f.get("suggestion") else ""
        quoted = f"「{f['text']}」" if f.get("text") and f["text"] not in f.get("message", "") else ""
        lines.append(f"[{f['severity_label']}·{f['category_label']}]{quoted}{f.get('message', '')}{fix}")
    if len(findings) > limit:
        lines.append(f"……另有 {len(findings) - limit} 条")
    return "\n".join(lines)
