"""Turning drafts, findings and versions into safe HTML for the pages.

Everything from a draft is escaped or sanitised here: highlighted plain text is built from
escaped slices, the HTML preview goes through nh3 with a short allow-list, and diffs are built
from escaped segments. Templates never mark draft text safe themselves.
"""

from __future__ import annotations

from difflib import SequenceMatcher

import nh3
from markupsafe import Markup, escape

from ..checks import Document
from ..model import CATEGORY_LABELS, SEVERITY_LABELS, Draft

__all__ = ["plain_fields", "highlight", "sanitize_html", "diff_html", "finding_rows"]

ALLOWED_TAGS = {"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "b", "em", "i",
                "u", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "a", "span", "div", "sub", "sup"}


def plain_fields(draft_data: dict) -> dict[str, str]:
    """The contract plain text of title and body (the text finding offsets refer to)."""
    doc = Document(draft=Draft.from_dict(draft_data))
    return {"title": doc.text("title"), "body": doc.text("body")}


def finding_rows(findings: list[dict]) -> list[dict]:
    """Findings numbered in report order, with Chinese labels, for lists and highlights."""
    from ..workflow import finding_key

    return [dict(f, n=i, key=finding_key(f), category_label=CATEGORY_LABELS.get(f["category"], f["category"]),
                 severity_label=SEVERITY_LABELS.get(f["severity"], f["severity"]))
            for i, f in enumerate(findings, 1)]


def highlight(text: str, rows: list[dict], field: str) -> Markup:
    """``text`` escaped, with each finding's span wrapped in <mark>; overlaps keep the first."""
    spans = sorted((r for r in rows if r["field"] == field and r["start"] is not None and r["end"] is not None),
                   key=lambda r: (r["start"], -r["end"]))
    out, pos = [], 0
    for r in spans:
        start, end = r["start"], r["end"]
        if start < pos or end > len(text) or start >= end:
            continue
        out.append(escape(text[pos:start]))
        tip = f"{r['n']}. {r['message']}" + (f" 建议：{r['suggestion']}" if r.get("suggestion") else "")
        out.append(Markup('<mark class="sev-{}" id="f{}" title="{}">{}<sup>{}</sup></mark>').format(
            r["severity"], r["n"], tip, text[start:end], r["n"]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def sanitize_html(source: str) -> Markup:
    """A draft's HTML, reduced to harmless formatting (no scripts, handlers, styles or frames)."""
    cleaned = nh3.clean(source, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}, "td": {"colspan", "rowspan"},
                                                                "th": {"colspan", "rowspan"}},
                        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(cleaned)


def diff_html(old: str, new: str) -> Markup:
    """A character-level diff of two plain texts: deletions in <del>, insertions in <ins>."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    out = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(new[b0:b1]))
            continue
        if op in ("delete", "replace"):
            out.append(Markup("<del>{}</del>").format(old[a0:a1]))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>{}</ins>").format(new[b0:b1]))
    return Markup("").join(out)
