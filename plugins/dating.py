"""发稿日期: missing, backdated or far-future publish dates, and wrong dates in the text.

Metadata first (handbook §3.2; findings on ``meta``): ``publish_at`` missing at publish, earlier than
``created_at`` (伪造发稿日期 is a single-veto item), far in the future, or earlier than the
成文日期 on the date line that closes a 公文. Then the text (§3.3): impossible dates in Arabic,
full-width and Chinese numerals, weekdays that do not match, deadlines that had passed when the
page went out, and 施行 dates implausibly far ahead. Historical dates are never findings, and
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
        signing = self._signing_date(doc)
        if signing and doc.draft.publish_at and signing > publish_day \
                and not doc.draft.extra.get("archive_import"):
            yield self.finding(doc, "meta", None, None,
                               f"发布日期（{_fmt(publish_day)}）早于文末成文日期（{_fmt(signing)}），"
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

    def _signing_date(self, doc) -> date | None:
        """The 成文日期: a line holding only a date among the last lines of a 公文."""
        if doc.draft.doc_type not in _SIGNING_DOC_TYPES:
            return None
        lines = [l for l in doc.view("body").mapped.split("\n") if l.strip()]
        for line in reversed(lines[-4:]):
            if _DATE_LINE.match(line):
                found = find_dates(line.strip())
                return to_date(found[0]) if found else None
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
        if real is None:
            return
        if _is_deadline(text, m):
            shown = doc.text(field)[m.start:m.date_end]
            if real < publish_day:
                yield self.finding(doc, field, m.start, m.date_end,
                                   f"期限「{shown}」在发布日期（{_fmt(publish_day)}）之前已过，请核实期限或发布日期。",
                                   None, rule="dating.deadline-passed", severity="warn")
            elif _is_holiday(real):
                yield self.finding(doc, field, m.start, m.date_end,
                                   f"期限「{shown}」是法定节假日或休息日，群众可能无法办理，请核实。",
                                   None, rule="dating.deadline-holiday", severity="info")
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


def _is_deadline(text: str, m: DateMention) -> bool:
    """A date written as a time limit: 请于…前, 截止时间为…, …前报送."""
    before = text[max(0, m.start - 14):m.start]
    after = text[m.end:m.end + 12]
    if _DEADLINE_AFTER.match(after) and (_DEADLINE_BEFORE.search(before) or "请" in before[-6:]):
        return True
    return bool(re.search(r"(?:报名|申报|报送|提交|受理|申请)(?:截止|结束)(?:时间|日期)(?:为|是)?[:：]?\s?$", before))


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
