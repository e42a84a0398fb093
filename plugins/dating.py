"""发稿日期: missing, backdated or far-future publish dates, and wrong dates in the text.

Metadata first (handbook §3.2; findings on ``meta``): ``publish_at`` missing at publish, earlier than
``created_at`` (伪造发稿日期 is a single-veto item), far in the future, or earlier than the
成文日期 on the date line that closes a 公文. Then the text (§3.3): impossible dates in Arabic,
full-width and Chinese numerals, weekdays that do not match, deadlines that had passed when the
page went out, and 施行 dates implausibly far ahead. A passed deadline is 请于…前 / 截止时间为…, or,
outside news stories and replies (which tell what was asked in the past), 于…前 in a sentence that
asks for something and a 征集/报名/公示 period (…时间：4月1日至4月10日) already over; a date without a
year is taken in the year nearest the publish date. Every text finding carries the date's span. Historical dates are never findings, and
placeholder dates (20XX年) belong to the placeholder check.

Site settings (``doc.settings``):
- ``dating_backdate_tolerance_minutes`` (10): slack between created_at and publish_at;
- ``dating_max_schedule_days`` (30): publish_at further ahead than this is reported;
- ``dating_check_server_time`` (false): at stage "publish", publish_at must equal the server time
  within the tolerance (enable when the CMS publishes with the gate's timestamp);
- ``dating_weekday_severity`` ("warn"); a draft field ``archive_import: true`` (an audited import of
  historical pages) switches the backdating rules off.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from pubgate import BaseCheck, Category, Severity, hookimpl

from ._dates_extract import DateMention, find_dates, to_date

WEEKDAYS = "一二三四五六日"
_LUNAR = re.compile(r"(?:农历|阴历|旧历|夏历|正月|腊月|冬月)[^\n，。]{0,3}$")
_DEADLINE_BEFORE = re.compile(
    r"(?:请|须|需|务必|应|应当|要求)(?:在|于)\s?$"
    r"|(?:报名|申报|报送|提交|受理|申请|缴费|办理|征集|投稿)?(?:截止|结束)(?:时间|日期)?(?:为|是|至|到)?[:：]?\s?$"
)
_DEADLINE_AFTER = re.compile(r"^\s?(?:\d{1,2}[:：]\d{2}|\d{1,2}时|下午|上午|中午)?\s?(?:前|之前|以前|止)")
_FAR_FUTURE_AFTER = re.compile(r"^\s?起(?:施行|实施|执行|生效)")
# Time limits written as 于…前 inside a request: the words around them.
_BY_DATE = re.compile(r"(?:于|在)\s?$")
_CLAUSE_AFTER = re.compile(r"\s?(?:\d{1,2}[:：]\d{2}|\d{1,2}时)?\s?(?:前|之前|以前)(?P<rest>[^。！？\n]{0,30})")
# 请 of 申请/提请 and 须 of 须知 ask nothing; bare 应/需 are too often 应急, 供应, 需求.
_ASKING = re.compile(r"(?<![申提邀聘宴报呈])请|须(?!知)|务必|要求|逾期|不予受理|不再受理|不予办理|视为放弃")
_DONE = re.compile(r"^[^，,；;]{0,12}?(?:已|了|曾)")
# Periods the public takes part in: a notice that comes out after its own period is over is late.
_WINDOW_LABEL = re.compile(
    r"(?:征集|征求意见|意见反馈|反馈意见|报名|申报|受理|申请|公示|投稿|征稿|报送|登记|预约|投票|评议|推荐)"
    r"(?:时间|期限|日期|期间|期)(?:为|是)?[:：]?\s*(?:\n\s*)?$")
_RANGE_LINK = re.compile(r"\s?(?:至|到|—{1,2}|－|-|~|～|〜)\s?")
# …unless the sentence tells it as over (经公示（公示时间：…），无异议; 征集期间共收到意见12条).
_WINDOW_TOLD = re.compile(r"期满|无异议|经公示|已公示|已经公示|公示结束|已结束|结束后|共收到|收到|共有|共计|累计")
_STORY_DOC_TYPES = ("news", "reply")  # tell what was asked in the past: only explicit 请于…前 limits
_FAR_FUTURE_YEARS = 5
_DATE_LINE = re.compile(r"^\s*(?:\d{4}年\d{1,2}月\d{1,2}日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)\s*$")
_SIGNING_DOC_TYPES = ("policy", "notice", "interpretation", "other", "disclosure")


def _fmt(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _fmt_dt(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")


def _days_in_month(year: int | None, month: int) -> int:
    if month == 2:
        if year is None:
            return 29
        return 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return 30 if month in (4, 6, 9, 11) else 31


class Dating(BaseCheck):
    id = "dating"
    category = Category.DATING
    severity = Severity.BLOCK
    description = "发稿日期：缺失、倒填或远期的发布日期，正文中不存在的日期、星期不符、已过期限"
    version = "1"

    def run(self, doc):
        settings = doc.settings or {}
        yield from self._metadata(doc, settings)
        from pubgate.checks import CHINA_TZ

        publish_day = _aware(doc.publish_date).astimezone(CHINA_TZ).date()
        for field in ("title", "body"):
            text = doc.text(field)
            if not text or not any(c in text for c in "年月-/."):
                continue
            mapped = doc.view(field).mapped
            for m in find_dates(mapped):
                yield from self._text_date(doc, field, mapped, m, publish_day, settings)
        signed = self._signing_date(doc)
        if signed and doc.draft.publish_at and signed[0] > publish_day \
                and not doc.draft.extra.get("archive_import"):
            # What is wrong is publish_at (metadata), so the finding stays on meta; the message
            # quotes the body's date line so the reviewer can find it.
            signing, start, end = signed
            yield self.finding(doc, "meta", None, None,
                               f"发布日期（{_fmt(publish_day)}）早于文末成文日期「{doc.text('body')[start:end]}」，"
                               "疑似倒填发稿日期，请核实成文日期或发布日期。",
                               _fmt(signing), rule="dating.before-signing-date", severity="block")

    # -- metadata ---------------------------------------------------------------------------
    def _metadata(self, doc, settings):
        draft = doc.draft
        publish, created = draft.publish_at, draft.created_at
        tolerance = timedelta(minutes=float(settings.get("dating_backdate_tolerance_minutes", 10)))
        archive = bool(draft.extra.get("archive_import"))
        if publish is None:
            if doc.stage == "publish":
                yield self.finding(doc, "meta", None, None,
                                   "发布时未填写发布日期（publish_at）。未注明发布时间的信息视为不更新，请填写实际发布时间。",
                                   _fmt_dt(doc.now), rule="dating.publish-missing", severity="block")
            return
        publish = _aware(publish)
        if created is not None and not archive:
            created = _aware(created)
            if publish + tolerance < created:
                yield self.finding(doc, "meta", None, None,
                                   f"发布日期（{_fmt_dt(publish)}）早于稿件创建时间（{_fmt_dt(created)}），"
                                   "属倒填发稿日期（伪造发稿日期为单项否决项）。",
                                   f"发布日期应不早于 {_fmt_dt(created)}", rule="dating.backdated", severity="block")
        now = _aware(doc.now)
        if doc.stage == "publish" and settings.get("dating_check_server_time") and not archive:
            if publish + tolerance < now:
                yield self.finding(doc, "meta", None, None,
                                   f"发布日期（{_fmt_dt(publish)}）早于实际发布时间（{_fmt_dt(now)}），属倒填发稿日期。",
                                   _fmt_dt(now), rule="dating.backdated-server-time", severity="block")
        max_days = float(settings.get("dating_max_schedule_days", 30))
        if publish > now + timedelta(days=max_days):
            yield self.finding(doc, "meta", None, None,
                               f"发布日期（{_fmt_dt(publish)}）远晚于当前时间，请核实是否填错年份或月份。",
                               None, rule="dating.publish-far-future",
                               severity="block" if publish > now + timedelta(days=366) else "warn")

    def _signing_date(self, doc) -> tuple[date, int, int] | None:
        """The 成文日期 and its span: a line holding only a date among the last lines of a 公文."""
        if doc.draft.doc_type not in _SIGNING_DOC_TYPES:
            return None
        mapped = doc.view("body").mapped
        lines, offset = [], 0
        for line in mapped.split("\n"):
            if line.strip():
                lines.append((offset, line))
            offset += len(line) + 1
        for base, line in reversed(lines[-4:]):
            if _DATE_LINE.match(line):
                found = find_dates(line)
                day = to_date(found[0]) if found else None
                return (day, base + found[0].start, base + found[0].date_end) if day else None
        return None

    # -- text -------------------------------------------------------------------------------
    def _text_date(self, doc, field, text, m: DateMention, publish_day: date, settings):
        before = text[max(0, m.start - 8):m.start]
        if _LUNAR.search(before):
            return
        if m.month < 1 or m.month > 12 or m.day < 1 or m.day > _days_in_month(m.year, m.month):
            if m.year is not None and not 1900 <= m.year <= 2200:
                return
            why = (f"{m.month}月只有{_days_in_month(m.year, m.month)}天" if 1 <= m.month <= 12 and m.day >= 1
                   else "月份或日期超出范围")
            yield self.finding(doc, field, m.start, m.date_end,
                               f"「{doc.text(field)[m.start:m.date_end]}」是不存在的日期（{why}），请核实。",
                               None, rule="dating.impossible-date", severity="block")
            return
        real = to_date(m)
        if m.weekday is not None:
            yield from self._weekday(doc, field, m, real, publish_day, settings)
        story = doc.draft.doc_type in _STORY_DOC_TYPES
        day = real if real is not None or story else _nearest_year(m, text, publish_day)
        if day is None:
            return
        closed = None if story else _closed_window(text, m, day)
        if closed is not None and closed[1] < publish_day:
            end = closed[0]
            yield self.finding(doc, field, end.start, end.date_end,
                               f"「{doc.text(field)[m.start:end.date_end]}」这一时间段在发布日期（{_fmt(publish_day)}）"
                               "之前已经结束，发布时群众已无法参与，请核实时间或发布日期。",
                               None, rule="dating.deadline-passed", severity="warn")
            return
        if _is_deadline(text, m, loose=not story):
            shown = doc.text(field)[m.start:m.date_end]
            if day < publish_day:
                yield self.finding(doc, field, m.start, m.date_end,
                                   f"期限「{shown}」在发布日期（{_fmt(publish_day)}）之前已过，请核实期限或发布日期。",
                                   None, rule="dating.deadline-passed", severity="warn")
            elif _is_holiday(day):
                yield self.finding(doc, field, m.start, m.date_end,
                                   f"期限「{shown}」是法定节假日或休息日，群众可能无法办理，请核实。",
                                   None, rule="dating.deadline-holiday", severity="info")
        if real is None:
            return
        if real.year > publish_day.year + _FAR_FUTURE_YEARS and _FAR_FUTURE_AFTER.match(text[m.end:m.end + 6]):
            yield self.finding(doc, field, m.start, m.date_end,
                               f"施行日期「{doc.text(field)[m.start:m.date_end]}」距发布日期超过{_FAR_FUTURE_YEARS}年，"
                               "请核实年份。", None, rule="dating.far-future", severity="warn")

    def _weekday(self, doc, field, m: DateMention, real: date | None, publish_day: date, settings):
        if real is not None:
            candidates = [real]
        else:  # month and day only: the year is the one near the publish date
            candidates = []
            for y in (publish_day.year - 1, publish_day.year, publish_day.year + 1):
                try:
                    d = date(y, m.month, m.day)
                except ValueError:
                    continue
                if abs((d - publish_day).days) <= 200:
                    candidates.append(d)
            if not candidates:
                return
        if any(d.weekday() == m.weekday for d in candidates):
            return
        best = min(candidates, key=lambda d: abs((d - publish_day).days))
        right = WEEKDAYS[best.weekday()]
        ws, we = m.weekday_span
        written = doc.text(field)[ws:we]
        suggestion = written[:-1] + right
        severity = str(settings.get("dating_weekday_severity") or "warn")
        yield self.finding(doc, field, m.start, m.end,
                           f"「{doc.text(field)[m.start:m.end]}」星期不符：{_fmt(best)}是星期{right}。",
                           doc.text(field)[m.start:ws] + suggestion + doc.text(field)[we:m.end],
                           rule="dating.weekday-mismatch", severity=severity)


def _is_deadline(text: str, m: DateMention, *, loose: bool = False) -> bool:
    """A date written as a time limit: 请于…前, 截止时间为…, …前报送. ``loose`` (not a news story or
    a reply, which tell what was asked in the past) also takes 于…前 in a sentence that asks for
    something (…，于3月15日前将汇总表报送…，逾期不予受理), unless the clause says it was done or
    already holds (…前已按月领取, …前完成了).
    """
    before = text[max(0, m.start - 14):m.start]
    after = text[m.end:m.end + 12]
    if _DEADLINE_AFTER.match(after) and (_DEADLINE_BEFORE.search(before) or "请" in before[-6:]):
        return True
    if re.search(r"(?:报名|申报|报送|提交|受理|申请)(?:截止|结束)(?:时间|日期)(?:为|是)?[:：]?\s?$", before):
        return True
    if not loose or not _BY_DATE.search(before):
        return False
    clause = _CLAUSE_AFTER.match(text, m.end)
    if clause is None or _DONE.search(clause["rest"]):
        return False
    sentence_start = max(text.rfind(ch, 0, m.start) for ch in "。！？\n") + 1
    return bool(_ASKING.search(text, sentence_start, clause.end()))


def _nearest_year(m: DateMention, text: str, publish_day: date) -> date | None:
    """A month and day without a year (3月15日) taken in the year that puts it nearest the publish
    date; recurring limits (每年1月31日前) have no year at all."""
    if m.year is not None or re.search(r"(?:每年|每月|每季度?|次年|翌年|当年|同年|上年|去年|明年)\s?$",
                                       text[max(0, m.start - 4):m.start]):
        return None
    days = []
    for year in (publish_day.year - 1, publish_day.year, publish_day.year + 1):
        try:
            days.append(date(year, m.month, m.day))
        except ValueError:
            continue
    return min(days, key=lambda d: abs((d - publish_day).days)) if days else None


def _closed_window(text: str, m: DateMention, start_day: date) -> tuple[DateMention, date] | None:
    """The end of a period people take part in (征集时间：4月1日至4月10日) that starts at ``m``:
    the label sits right before the start date, on the same line or as the heading above it."""
    if not _WINDOW_LABEL.search(text[max(0, m.start - 16):m.start]):
        return None
    link = _RANGE_LINK.match(text, m.date_end)
    if link is None:
        return None
    found = find_dates(text[link.end():link.end() + 16])
    if not found or found[0].start != 0:
        return None
    end = found[0]
    year = end.year if end.year is not None else start_day.year + (1 if end.month < start_day.month else 0)
    try:
        end_day = date(year, end.month, end.day)
    except ValueError:
        return None
    shift = link.end()
    sentence_start = max(text.rfind(ch, 0, m.start - 16) for ch in "。！？") + 1
    sentence_end = min((i for i in (text.find(ch, shift) for ch in "。！？") if i >= 0), default=len(text))
    if _WINDOW_TOLD.search(text, sentence_start, min(sentence_end, shift + 40)):
        return None
    return DateMention(end.start + shift, end.end + shift, end.date_end + shift, end.year, end.month, end.day,
                       end.weekday, end.weekday_span, end.style), end_day


def _is_holiday(day: date) -> bool:
    """chinese_calendar knows only the years the State Council has published: guard every call
    (it raises NotImplementedError for others) and fall back to weekends."""
    try:
        import chinese_calendar

        return chinese_calendar.is_holiday(day)
    except (NotImplementedError, ImportError, ValueError):
        return day.weekday() >= 5


def _aware(dt: datetime) -> datetime:
    from pubgate.checks import CHINA_TZ

    return dt if dt.tzinfo is not None else dt.replace(tzinfo=CHINA_TZ)


@hookimpl
def pubgate_register_checks(register):
    register(Dating())
