"""Misspelt titles of national laws and regulations in 《…》 (handbook §3.6).

A 《…》 title is normalised (中华人民共和国 prefix, trailing （2019年修正） and （草案） notes are
dropped) and looked up in dictionaries/terms/laws.yml. An exact hit is fine here (whether a repealed
law is cited as current is outdated_expression's business; it reads the same table through
``law_table``). A title one or two characters away from exactly one known title is reported with
that title. Titles that are not near any known one (local rules, books, newspapers) are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.dictionary_loader import DictionaryError, DictionaryFile

from ._terms_common import as_date, load_kind

KIND = "laws"
PREFIX = "中华人民共和国"
_TITLE = re.compile(r"《([^《》\n]{2,60})》")
_NOTE = re.compile(r"[（(][^（）()]*(?:修正|修订|草案|征求意见稿|送审稿|试行)[^（）()]*[）)]$")
# Only law-like titles are compared: books and newspapers (《劳动报》) are not.
_LAW_SUFFIX = re.compile(r"(?:法|法典|条例|规定|办法|细则|准则|章程)$")

__all__ = ["LawTitle", "law_table", "normalise_title"]


@dataclass(frozen=True)
class LawTitle:
    title: str                 # without the 中华人民共和国 prefix
    level: str                 # 法律 | 行政法规 | 党内法规
    status: str = "current"    # current | repealed
    repealed_on: date | None = None
    replaced_by: str | None = None
    prefixed: bool = True      # whether the official full name starts with 中华人民共和国


def normalise_title(raw: str) -> tuple[str, bool]:
    """(title without prefix and trailing notes, whether the prefix was written)."""
    title = raw.strip()
    had_prefix = title.startswith(PREFIX)
    if had_prefix:
        title = title[len(PREFIX):]
    while True:
        stripped = _NOTE.sub("", title)
        if stripped == title:
            break
        title = stripped
    return title, had_prefix


def parse(f: DictionaryFile) -> list[LawTitle]:
    d = f.data
    no_prefix = set(d.get("no_prefix") or [])
    out = []
    for section, level, status in (("laws", "法律", "current"), ("regulations", "行政法规", "current"),
                                   ("party_regulations", "党内法规", "current"), ("repealed", "法律", "repealed")):
        for item in d.get(section) or []:
            if isinstance(item, str):
                item = {"title": item}
            if not isinstance(item, dict) or not item.get("title"):
                raise DictionaryError(f.path, str(item), f"{section} 中的条目需要 title", "写成标题字符串或 {title: …}")
            title = str(item["title"])
            prefixed = (section != "party_regulations" and title not in no_prefix
                        and (section == "laws" or level == "法律" or title.startswith("政府信息公开")))
            if section == "repealed":
                level = str(item.get("level") or "法律")
                prefixed = level == "法律"
            out.append(LawTitle(title=title, level=str(item.get("level") or level),
                                status=str(item.get("status") or status),
                                repealed_on=as_date(item.get("repealed_on")),
                                replaced_by=item.get("replaced_by"), prefixed=prefixed))
    if not out:
        raise DictionaryError(f.path, None, "没有任何法规标题", "在 laws/regulations 下列出标题")
    return out


def law_table(dictionaries) -> dict[str, LawTitle]:
    """Title (without prefix) → LawTitle, from every ``kind: laws`` file (for other checks too)."""
    table: dict[str, LawTitle] = {}
    for titles in load_kind(dictionaries, KIND, parse):
        for t in titles:
            table[t.title] = t
    return table


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _doc_kind(title: str) -> str:
    m = _LAW_SUFFIX.search(title)
    return "法" if m and m.group(0) in ("法", "法典") else (m.group(0) if m else "")


class LawTitleCheck(BaseCheck):
    id = "terms.laws"
    category = Category.SEVERE_MISSTATEMENT
    severity = Severity.BLOCK
    dictionary_kinds = (KIND,)
    description = "法律法规名称写错（《》内标题与现行法律、行政法规名称相差一两个字）"

    def __init__(self, table: dict[str, LawTitle]):
        self.table = table
        self._by_len: dict[int, list[str]] | None = None

    def _near(self, title: str) -> str | None:
        if self._by_len is None:
            self._by_len = {}
            for t in self.table:
                self._by_len.setdefault(len(t), []).append(t)
        limit = 1 if len(title) <= 5 else 2
        best: list[tuple[int, str]] = []
        for n in range(len(title) - limit, len(title) + limit + 1):
            for known in self._by_len.get(n, ()):
                d = _distance(title, known, limit)
                if d <= limit:
                    best.append((d, known))
        if not best:
            return None
        best.sort()
        if len(best) > 1 and best[0][0] == best[1][0]:
            return None  # ambiguous: two known titles are equally close
        return best[0][1]

    def run(self, doc):
        for field_name in ("title", "body"):
            text = doc.text(field_name)
            if "《" not in text:
                continue
            for m in _TITLE.finditer(text):
                raw = m.group(1)
                title, had_prefix = normalise_title(raw)
                if len(title) < 4 or title in self.table or not _LAW_SUFFIX.search(title):
                    continue
                known = self._near(title)
                if known is None:
                    continue
                # A local or derived title that merely contains a known one (北京市物业管理条例,
                # 物业管理条例释义) is a different document.
                if known in title or title in known:
                    continue
                # 法 ↔ 条例 (a law written as a regulation or back) is only certain when the
                # national prefix was written: 《安全生产条例》 may be a unit's own rules.
                if not had_prefix and _doc_kind(title) != _doc_kind(known):
                    continue
                entry = self.table[known]
                right = (PREFIX if had_prefix else "") + known
                start, end = m.start(1), m.start(1) + len(raw)
                yield self.finding(doc, field_name, start, end,
                                   f"法律法规名称「{raw}」有误，应为《{right}》（{entry.level}）。", right,
                                   source="国家法律法规数据库（flk.npc.gov.cn）")


@hookimpl
def pubgate_register_checks(register, dictionaries):
    table = law_table(dictionaries)
    if table:
        register(LawTitleCheck(table))
