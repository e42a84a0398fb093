"""Helpers shared by the severe_misstatement checks (terms_*): data files, context, dates.

Kept free of heavy imports: the checks build their automata lazily on first use.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Iterable

from pubgate.checks import CHINA_TZ, Document
from pubgate.dictionary_loader import DictionaryError, DictionaryFile, DictionarySet

__all__ = [
    "publish_day", "load_kind", "sentence_bounds", "historical_before", "as_date", "quoted_or_so_called",
    "TERMS_SOURCE",
]

TERMS_SOURCE = "国办秘函〔2019〕19号 政府网站与政务新媒体检查指标（严重表述错误单项否决）"

# Words right before a title or name that make the sentence historical, not a present claim.
_HISTORICAL = re.compile(
    r"(?:时任|原任|原|曾任|曾经担任|曾担任|曾|前任|前|当时的?|当年的?|已故|生前|彼时|那时的?|首任|历任|卸任|离任的?)"
    r"[^。；！？\n]{0,3}$"
)
_HISTORICAL_AFTER = re.compile(r"^[^。；！？\n]{0,30}?(?:逝世|去世|病逝|生前|遗体|悼念|追悼|缅怀|任内|任期内|执政期间|在任时)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_SENTENCE_END = "。！？；!?;\n"


def publish_day(doc: Document) -> date:
    when = doc.publish_date
    return when.astimezone(CHINA_TZ).date() if when.tzinfo else when.date()


def as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around a span (split at 。！？； and line breaks)."""
    lo = max((text.rfind(ch, 0, start) for ch in _SENTENCE_END), default=-1) + 1
    hi_candidates = [p for p in (text.find(ch, end) for ch in _SENTENCE_END) if p != -1]
    hi = min(hi_candidates) if hi_candidates else len(text)
    return lo, hi


def historical_before(text: str, start: int, end: int, *, valid_years: Iterable[int] = ()) -> bool:
    """Whether a title/name at [start, end) is written about the past.

    Cues: 时任/原/曾任/当时… right before it, mourning words after it, or a year in the same
    sentence that lies in ``valid_years`` (the years the pairing was true) or before them.
    """
    lo, hi = sentence_bounds(text, start, end)
    if _HISTORICAL.search(text[max(lo, start - 8):start]):
        return True
    if _HISTORICAL_AFTER.match(text[end:hi]):
        return True
    years = list(valid_years)
    if years:
        last = max(years)
        for m in _YEAR.finditer(text, lo, hi):
            if int(m.group(1)) <= last:
                return True
    return False


def quoted_or_so_called(doc: Document, field: str, start: int, end: int) -> bool:
    """Inside quotation marks, or introduced as 所谓/自称/伪 (critical reporting)."""
    text = doc.text(field)
    before = text[max(0, start - 6):start]
    if re.search(r"(?:所谓|自称|号称|伪)(?:的)?[“\"‘「『]?$", before):
        return True
    return doc.quoted(field, start, end, titles=False)


def load_kind(dictionaries: DictionarySet, kind: str,
              parse: Callable[[DictionaryFile], Any]) -> list[Any]:
    """Parse every file of ``kind``; a broken file is reported in ``dictionaries.errors`` and skipped."""
    out = []
    for f in dictionaries.of_kind(kind):
        try:
            out.append(parse(f))
        except DictionaryError as exc:
            dictionaries.errors.append(exc)
        except (KeyError, TypeError, ValueError) as exc:
            dictionaries.errors.append(DictionaryError(f.path, None, f"数据结构无效（{exc!r}）",
                                                       "对照 dictionaries/README.md 中该类型的说明修正"))
    return out
