"""New and resolved findings: this scan against the previous finished one in the same store.

A finding is identified on its page by (rule, field, text), counted as a multiset, not by offsets:
an edit earlier in a page shifts every offset after it without changing what is wrong. So after a
dictionary entry is added, exactly the pages that contain it show a new finding; after a page is
corrected, its finding shows as resolved. Both scans stream in URL order and are merged, so memory
does not grow with the site.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from .store import ScanStore

__all__ = ["compare_scans", "fingerprints"]

_LISTED = 1000  # pages listed by URL in summary.json; the counts are always complete


def fingerprints(findings: list[dict]) -> Counter:
    return Counter((f["rule"], f["field"], f["text"]) for f in findings)


def compare_scans(store: ScanStore, previous_id: int | None, current_id: int) -> dict | None:
    if previous_id is None:
        return None
    out = {"previous_scan": previous_id, "new_findings": 0, "resolved_findings": 0,
           "pages_with_new_findings": 0, "pages_with_resolved_findings": 0, "new_pages": 0, "removed_pages": 0,
           "new_pages_list": [], "resolved_pages_list": [], "new_examples": []}
    for url, before, after in _merge(store.pages(previous_id), store.pages(current_id)):
        if before is None:
            out["new_pages"] += 1
        if after is None:
            out["removed_pages"] += 1
        old = fingerprints(before["findings"]) if before else Counter()
        new = fingerprints(after["findings"]) if after else Counter()
        added, gone = new - old, old - new
        if added and after is not None:
            out["new_findings"] += sum(added.values())
            out["pages_with_new_findings"] += 1
            if len(out["new_pages_list"]) < _LISTED:
                out["new_pages_list"].append(url)
            for f in after["findings"]:
                if (f["rule"], f["field"], f["text"]) in added and len(out["new_examples"]) < 200:
                    out["new_examples"].append({"url": url, **f})
        if gone:
            out["resolved_findings"] += sum(gone.values())
            out["pages_with_resolved_findings"] += 1
            if len(out["resolved_pages_list"]) < _LISTED:
                out["resolved_pages_list"].append(url)
    return out


def _merge(left: Iterator[dict], right: Iterator[dict]) -> Iterator[tuple[str, dict | None, dict | None]]:
    """Pairs of the same URL from two URL-ordered streams (None where one side lacks it)."""
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a["url"] < b["url"]):
            yield a["url"], a, None
            a = next(left, None)
        elif a is None or b["url"] < a["url"]:
            yield b["url"], None, b
            b = next(right, None)
        else:
            yield a["url"], a, b
            a, b = next(left, None), next(right, None)
