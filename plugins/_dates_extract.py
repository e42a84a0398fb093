"""Absolute dates in Chinese text: Arabic, full-width (via the mapped view) and Chinese numerals.

Dates are returned as numbers, not ``datetime``: an impossible date (2023年2月29日) must survive
extraction so the check can report it (jionlp and dateparser hide such errors, handbook §3.4).
Placeholders (20XX年X月X日) do not match here; they belong to the placeholder check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["DateMention", "find_dates", "to_date", "chinese_number"]

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "o": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT_CLASS = "〇○零一二三四五六七八九"
_CN_SMALL = "一二三四五六七八九十"
_WEEKDAY = r"(?:\s*[（(]?\s*(?P<wd_word>星期|周|礼拜)(?P<wd>[一二三四五六日天七])\s*[）)]?)?"
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}

# Each pattern starts with a character class, its look-behind placed after that first character
# (``\d(?<![0-9][\s\S])`` = a digit with no digit before it): the regex engine then jumps in C to
# the next digit instead of trying the whole pattern at every position of the text.
ARABIC = re.compile(
    r"(?P<y>\d(?<![0-9][\s\S])\d{3})\s?年\s?(?P<m>\d{1,2})\s?月\s?(?P<d>\d{1,2})\s?[日号]" + _WEEKDAY)
ISO = re.compile(r"(?P<y>(?:19|20)(?<![0-9.\-/][\s\S]{2})\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
                 r"(?![0-9]|[.\-/]\d)" + _WEEKDAY)
CHINESE = re.compile(
    rf"(?P<y>[{_CN_DIGIT_CLASS}][{_CN_DIGIT_CLASS}]{{3}})年(?P<m>[{_CN_SMALL}]{{1,2}})月(?P<d>[{_CN_SMALL}]{{1,3}})[日号]"
    + _WEEKDAY)
# Month and day without a year: only used for dates that exist in no year (4月31日).
MONTH_DAY = re.compile(r"(?P<m>\d(?<![0-9年月.\-/][\s\S])\d?)月(?P<d>\d{1,2})[日号]" + _WEEKDAY)
# A part every match of a pattern contains, starting with a fixed character: a search for it is a
# fast scan for that character, and prose without it skips the pattern's own scan.
_ARABIC_PART = re.compile(r"年\s?\d{1,2}\s?月")
_CHINESE_PART = re.compile(rf"年[{_CN_SMALL}]{{1,2}}月")
_MONTH_DAY_PART = re.compile(r"月\d{1,2}[日号]")


def chinese_number(s: str) -> int | None:
    """一 … 三十一 (month and day numerals)."""
    if not s:
        return None
    if "十" not in s:
        return _CN_DIGITS.get(s) if len(s) == 1 else None
    head, _, tail = s.partition("十")
    tens = 1 if head == "" else _CN_DIGITS.get(head)
    ones = 0 if tail == "" else _CN_DIGITS.get(tail)
    if tens is None or ones is None or len(head) > 1 or len(tail) > 1:
        return None
    return tens * 10 + ones


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int          # span of the whole date (weekday included when written)
    end: int
    date_end: int       # end of the date part without the weekday
    year: int | None
    month: int
    day: int
    weekday: int | None  # 0 = Monday, as written
    weekday_span: tuple[int, int] | None
    style: str          # arabic | iso | chinese | month-day


def to_date(m: DateMention) -> date | None:
    if m.year is None:
        return None
    try:
        return date(m.year, m.month, m.day)
    except ValueError:
        return None


def _mention(match: re.Match, style: str, year, month, day) -> DateMention:
    wd = match.group("wd")
    weekday = _WEEKDAY_INDEX[wd] if wd else None
    wd_span = (match.start("wd_word"), match.end("wd")) if wd else None
    date_end = match.start("wd_word") if wd else match.end()
    # Keep the span on the date itself when the weekday is absent; trailing spaces are not part of it.
    return DateMention(match.start(), match.end(), date_end, year, month, day, weekday, wd_span, style)


def find_dates(text: str) -> list[DateMention]:
    """Every absolute date in ``text`` (the 1:1 mapped view: full-width digits are ASCII there)."""
    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    if "年" in text:
        for m in ARABIC.finditer(text) if _ARABIC_PART.search(text) else ():
            out.append(_mention(m, "arabic", int(m["y"]), int(m["m"]), int(m["d"])))
            taken.append(m.span())
        for m in CHINESE.finditer(text) if _CHINESE_PART.search(text) else ():
            year = int("".join(str(_CN_DIGITS[c]) for c in m["y"]))
            month, day = chinese_number(m["m"]), chinese_number(m["d"])
            if month is None or day is None:
                continue
            out.append(_mention(m, "chinese", year, month, day))
            taken.append(m.span())
    if any(c in text for c in "-/.") :
        for m in ISO.finditer(text):
            if int(m["m"]) > 12 or int(m["d"]) > 31 or int(m["m"]) == 0 or int(m["d"]) == 0:
                continue  # not date-shaped: version numbers, codes
            out.append(_mention(m, "iso", int(m["y"]), int(m["m"]), int(m["d"])))
            taken.append(m.span())
    if "月" in text and _MONTH_DAY_PART.search(text):
        for m in MONTH_DAY.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            out.append(_mention(m, "month-day", None, int(m["m"]), int(m["d"])))
    out.sort(key=lambda d: d.start)
    return out
