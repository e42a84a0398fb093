"""Wrong titles of national laws and regulations in 《…》 (handbook §3.6).

A 《…》 title is normalised (中华人民共和国 prefix, trailing （2019年修正） and （草案） notes are
dropped) and looked up in dictionaries/terms/laws.yml. An exact hit is fine here (whether a repealed
law is cited as current is outdated_expression's business; it reads the same table through
``law_table``); so is a listed title broken only by a space or line break (layout, not wording).

A title that is not listed is judged by how close the nearest listed title is:

- one or two characters away from exactly one listed title whose distinctive part (the words
  before a generic ending such as 法, 条例, 工作条例, 保护法) survives → block, with that title;
- otherwise, when it claims to be national (中华人民共和国…法/条例, no place name) or a listed
  title is loosely similar → warn "not in the catalogue, please verify", without a suggestion:
  a wrong suggestion (征兵工作条例 → 信访工作条例) is worse than none;
- local rules, books and newspapers are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.dictionary_loader import DictionaryError, DictionaryFile
from pubgate.normalize import is_han

from ._terms_common import as_date, load_kind

KIND = "laws"
PREFIX = "中华人民共和国"
SOURCE = "国家法律法规数据库（flk.npc.gov.cn）"
_TITLE = re.compile(r"《([^《》\n]{2,60})》")
_NOTE = re.compile(r"[（(][^（）()]*(?:修正|修订|草案|征求意见稿|送审稿|试行)[^（）()]*[）)]$")
_LAYOUT = re.compile(r"\s+")
# Only law-like titles are compared: books and newspapers (《劳动报》) are not.
_LAW_SUFFIX = re.compile(r"(?:法|法典|条例|规定|办法|细则|准则|章程)$")
# Generic endings shared by many titles: what comes before them is what tells titles apart.
_GENERIC_ENDING = re.compile(
    r"(?:实施条例|实施细则|实施办法|管理条例|工作条例|暂行条例|条例|管理办法|暂行办法|办法|暂行规定|规定|细则|"
    r"保护法|保障法|促进法|管理法|防治法|安全法|组织法|法典|法)$")
# A title that claims to be a national law or regulation: ends in 法 (not 办法, 方法, 兵法 …) or 条例.
_NATIONAL_ENDING = re.compile(r"(?:(?<![办方兵算书做写说看想手疗技画笔语章心功大佛戏魔刀拳枪剑步打玩用读解教学守普司执立违合非依])法|条例)$")
# Place names, Party and army bodies, and organisations at the start make a title local or internal.
_PROVINCES = ("北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|"
              "四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门")
_NOT_NATIONAL = re.compile(
    rf"^(?:{_PROVINCES}|[本我全]?[省市县区州旗](?![场政容域划级])|某某|"
    r"[\u4e00-\u9fff]{2,7}?(?:省|市|自治区|自治州|自治县|县|区|州|盟|旗|镇|乡|村)(?![场政容民域级内划])|"
    r"中国共产党|党|中国人民解放军|中国人民武装警察|军队|武警|论|浅谈|关于)"
    r"|公司|集团|协会|学会|商会|大学|学院|学校|医院|章程|自治条例|单行条例")

__all__ = ["LawTitle", "law_table", "normalise_title"]


@dataclass(frozen=True)
class LawTitle:
    title: str                 # without the 中华人民共和国 prefix
    level: str                 # 法律 | 行政法规 | 党内法规
    status: str = "current"    # current | repealed
    repealed_on: date | None = None
    replaced_by: str | None = None
    prefixed: bool = True      # whether the official full name starts with 中华人民共和国
    version: date | None = None  # date of the latest revision, where the catalogue gives it


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
                                replaced_by=item.get("replaced_by"), prefixed=prefixed,
                                version=as_date(item.get("version"))))
    for alias in d.get("aliases") or []:
        # Short forms in common use (《个保法》): known, so never "not in the catalogue".
        out.append(LawTitle(title=str(alias), level="简称", prefixed=False))
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


def _common_subsequence(a: str, b: str) -> int:
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if ca == cb else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def _stem(title: str) -> str:
    """The distinctive part of a title: 征兵 of 征兵工作条例, 个人信息 of 个人信息保护法."""
    stem = _GENERIC_ENDING.sub("", title)
    return stem or title


def close_enough(written: str, known: str) -> bool:
    """Whether a written title is a slip for a known one rather than another document: the
    distinctive part of the known title must mostly survive (征兵工作条例 is not a slip for
    信访工作条例, though only two characters differ; 个人信息安全法 is one for 个人信息保护法)."""
    stem = _stem(known)
    shared = _common_subsequence(_stem(written), stem)
    return shared >= 2 and shared >= len(stem) - 2


def _doc_kind(title: str) -> str:
    m = _LAW_SUFFIX.search(title)
    return "法" if m and m.group(0) in ("法", "法典") else (m.group(0) if m else "")


def claims_national(title: str, had_prefix: bool) -> bool:
    """Whether an unlisted title reads as a national law or administrative regulation."""
    if not _NATIONAL_ENDING.search(title) or not all(is_han(ch) or ch == "、" for ch in title):
        return False
    return had_prefix or not _NOT_NATIONAL.search(title)


class LawTitleCheck(BaseCheck):
    id = "terms.laws"
    category = Category.SEVERE_MISSTATEMENT
    severity = Severity.BLOCK
    dictionary_kinds = (KIND,)
    description = "法律法规名称写错（《》内标题与现行法律、行政法规名称相差一两个字，或名录中没有）"

    def __init__(self, table: dict[str, LawTitle]):
        self.table = table
        self._by_len: dict[int, list[str]] | None = None

    def _candidates(self, title: str, limit: int) -> list[tuple[int, str]]:
        """Listed titles within ``limit`` edits, nearest first."""
        if self._by_len is None:
            self._by_len = {}
            for t in self.table:
                self._by_len.setdefault(len(t), []).append(t)
        found: list[tuple[int, str]] = []
        for n in range(len(title) - limit, len(title) + limit + 1):
            for known in self._by_len.get(n, ()):
                d = _distance(title, known, limit)
                if d <= limit:
                    found.append((d, known))
        found.sort()
        return found

    def _near(self, title: str) -> str | None:
        """The one listed title this one is a slip for, if any."""
        limit = 1 if len(title) <= 5 else 2
        best = [(d, known) for d, known in self._candidates(title, limit)
                if close_enough(title, known) and known not in title and title not in known]
        if not best or (len(best) > 1 and best[0][0] == best[1][0]):
            return None  # nothing close, or two listed titles equally close
        return best[0][1]

    def _loosely_similar(self, title: str, limit: int) -> str | None:
        """A listed title of the same kind sharing the distinctive part (for the "please verify" hint)."""
        for _, known in self._candidates(title, limit):
            if (_doc_kind(known) == _doc_kind(title) and known not in title and title not in known
                    and _common_subsequence(_stem(title), _stem(known)) >= 2):
                return known
        return None

    def run(self, doc):
        for field_name in ("title", "body"):
            text = doc.text(field_name)
            if "《" not in text:
                continue
            for m in _TITLE.finditer(text):
                raw = m.group(1)
                title, had_prefix = normalise_title(_LAYOUT.sub("", raw))
                if len(title) < 4 or title in self.table or not _LAW_SUFFIX.search(title):
                    continue
                start, end = m.start(1), m.start(1) + len(raw)
                known = self._near(title)
                # 法 ↔ 条例 (a law written as a regulation or back) is only certain when the
                # national prefix was written: 《安全生产条例》 may be a unit's own rules.
                if known is not None and (had_prefix or _doc_kind(title) == _doc_kind(known)):
                    entry = self.table[known]
                    right = (PREFIX if had_prefix and entry.prefixed else "") + known
                    yield self.finding(doc, field_name, start, end,
                                       f"法律法规名称「{raw}」有误，应为《{right}》（{entry.level}）。", right,
                                       source=SOURCE)
                    continue
                if not claims_national(title, had_prefix):
                    continue
                hint = self._loosely_similar(title, 3 if had_prefix else 2)
                if not had_prefix and hint is None:
                    continue  # an unlisted 条例 with nothing like it is most likely a local rule cited short
                also = f"（相近的有《{hint}》）" if hint else ""
                yield self.finding(doc, field_name, start, end,
                                   f"「{raw}」不在国家法律、行政法规名录中，请核实名称是否准确{also}。", None,
                                   rule="terms.laws.unlisted", severity=Severity.WARN, source=SOURCE)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    table = law_table(dictionaries)
    if table:
        register(LawTitleCheck(table))
