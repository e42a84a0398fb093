"""dating: metadata rules, impossible dates, weekdays, deadlines; the chinese_calendar guard."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from pubgate import Draft, Gate, GateConfig
from pubgate.checks import CHINA_TZ
from pubgate.plugins._dates_extract import chinese_number, find_dates, to_date
from pubgate.plugins.dating import _is_holiday

CN = "〇一二三四五六七八九"


def make(body: str, **fields) -> Draft:
    return Draft.from_dict({"body": body, "format": fields.pop("format", "text"), **fields})


def dt(report):
    return [f for f in report.findings if f.category == "dating" and f.severity != "info"]


def cn_day(n: int) -> str:
    if n < 10:
        return CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_extractor_reads_every_real_date_in_three_styles(d):
    cn_year = "".join(CN[int(c)] for c in str(d.year))
    for text in (f"于{d.year}年{d.month}月{d.day}日召开", f"{cn_year}年{cn_day(d.month)}月{cn_day(d.day)}日",
                 f"更新于{d.year}-{d.month:02d}-{d.day:02d}。"):
        found = find_dates(text)
        assert len(found) == 1 and to_date(found[0]) == d, text


def test_chinese_numbers():
    assert [chinese_number(s) for s in ("一", "十", "十二", "二十", "三十一", "二十九")] == [1, 10, 12, 20, 31, 29]


@pytest.mark.parametrize("body,text", [
    ("会议定于2023年2月29日召开", "2023年2月29日"),
    ("二〇二三年二月二十九日", "二〇二三年二月二十九日"),
    ("落款：２０２４年６月３１日", "２０２４年６月３１日"),
    ("自4月31日起执行", "4月31日"),
    ("2022年13月1日", "2022年13月1日"),
    ("2022年8月15日（星期二），召开会议", "2022年8月15日（星期二）"),
    ("8月15日（周二），召开会议", "8月15日（周二）"),
])
def test_flags_text(check, body, text):
    found = dt(check(body, publish_at="2022-08-16T10:00:00+08:00"))
    assert [f.text for f in found] == [text]


def test_weekday_suggestion(check):
    f = dt(check("2022年8月15日（星期二）", publish_at="2022-08-16T10:00:00+08:00"))[0]
    assert f.suggestion == "2022年8月15日（星期一）" and f.severity == "warn"


@pytest.mark.parametrize("body", [
    "1949年10月1日，中华人民共和国成立。",
    "2024年2月29日（星期四），召开会议。",
    "2022年8月15日（星期一）",
    "农历二月三十日，举办庙会。",
    "截至2023年3月1日，全县共有市场主体1.2万户。",
    "20XX年X月X日",
    "请于2024年6月28日前报送。",
    "GB/T 9704-2012，版本2.1.3，IP 192.168.1.1",
    "12月30日（星期六），举行跨年活动。",    # the year before the publish date
])
def test_does_not_flag_text(check, body):
    assert dt(check(body, publish_at="2024-01-05T10:00:00+08:00")) == []


def test_deadline_passed_is_warn(check):
    found = dt(check("请于2023年3月1日前报名。", publish_at="2023-05-08T10:00:00+08:00"))
    assert [(f.rule, f.severity) for f in found] == [("dating.deadline-passed", "warn")]
    assert dt(check("请于2023年3月1日前报名。", publish_at="2023-02-08T10:00:00+08:00")) == []
    assert dt(check("报名截止时间为2024年4月30日17:00。", publish_at="2024-05-13T10:00:00+08:00"))


def test_far_future_effective_date(check):
    assert [f.rule for f in dt(check("本办法自2035年1月1日起施行。", publish_at="2024-05-10T10:00:00+08:00"))] == [
        "dating.far-future"]
    assert dt(check("本办法自2024年7月1日起施行。", publish_at="2024-05-10T10:00:00+08:00")) == []


def test_metadata_rules(check):
    back = dt(check("x", publish_at="2024-05-20T10:00:00+08:00", created_at="2024-06-10T10:00:00+08:00"))
    assert [(f.rule, f.field, f.start, f.severity) for f in back] == [("dating.backdated", "meta", None, "block")]
    assert dt(check("x", publish_at="2024-06-10T10:05:00+08:00", created_at="2024-06-10T10:00:00+08:00")) == []
    # Same instant in another offset is not backdating.
    assert dt(check("x", publish_at="2024-06-10T02:00:00+00:00", created_at="2024-06-10T10:00:00+08:00")) == []
    missing = dt(check("x", stage="publish"))
    assert [f.rule for f in missing] == ["dating.publish-missing"]
    assert dt(check("x", stage="submit")) == []
    future = (datetime.now(CHINA_TZ) + timedelta(days=800)).isoformat()
    assert [f.severity for f in dt(check("x", publish_at=future))] == ["block"]
    soon = (datetime.now(CHINA_TZ) + timedelta(days=3)).isoformat()
    assert dt(check("x", publish_at=soon)) == []


def test_archive_import_switches_backdating_off(check):
    assert dt(check("x", publish_at="2019-04-02T10:00:00+08:00", created_at="2024-05-10T10:00:00+08:00",
                    archive_import=True)) == []


def test_signing_date_after_publish(check):
    body = "各乡镇：\n现将方案印发给你们。\n某某县人民政府办公室\n2024年6月3日"
    found = dt(check(body, doc_type="notice", publish_at="2024-05-20T10:00:00+08:00"))
    assert [f.rule for f in found] == ["dating.before-signing-date"]
    assert dt(check(body, doc_type="notice", publish_at="2024-06-05T10:00:00+08:00")) == []
    assert dt(check(body, doc_type="news", publish_at="2024-05-20T10:00:00+08:00")) == []


def test_server_time_rule_is_opt_in():
    gate = Gate(GateConfig(load_entrypoints=False, settings={"dating_check_server_time": True}))
    old = make("x", publish_at="2024-05-20T10:00:00+08:00")
    assert [f.rule for f in dt(gate.check(old, stage="publish"))] == ["dating.backdated-server-time"]
    assert dt(gate.check(old, stage="submit")) == []


def test_holiday_guard_survives_unknown_years():
    assert _is_holiday(date(2024, 10, 1)) is True
    assert _is_holiday(date(2024, 10, 12)) is False   # 调休 workday (Saturday)
    assert _is_holiday(date(2099, 1, 3)) is True      # no data: falls back to weekends
    assert _is_holiday(date(2099, 1, 5)) is False
