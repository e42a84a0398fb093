"""The quarterly 自查报告 as a Word draft, in the structure of the real reports in the seeds:
一、基本情况 (what was inspected), 二、检查发现的问题 (by indicator, with counts and examples),
三、整改情况 (what the later scans show fixed), 四、下一步工作 (left for people to write).

Every finished scan of the quarter counts: a finding seen in any of them was found; one still in
the quarter's last scan is not yet fixed; the rest were fixed (整改). The scans stream in URL order
and are merged page by page, so a large archive costs no more memory than a small one.
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

from ..model import CATEGORY_LABELS
from .changes import fingerprints
from .store import STORE_NAME, ScanStore

__all__ = ["write_quarterly", "QuarterError", "INDICATORS", "quarter_range"]

# Category → the indicator of 政府网站与政务新媒体检查指标 it is reported under, in report order.
INDICATORS = {
    "severe_misstatement": "单项否决：严重表述错误",
    "secret_marking": "单项否决：泄露国家秘密",
    "typo": "内容准确：错别字",
    "banned_expression": "内容准确：不当用语",
    "outdated_expression": "内容准确：过时表述",
    "personal_data": "个人信息保护：泄露个人信息",
    "commercial_link": "内容安全：商业广告、商业链接",
    "interpretation_link": "发布解读：解读关联",
    "dating": "信息发布：发布日期",
    "placeholder": "内容准确：占位符未填充",
    "voice": "内容准确：主体口吻未转换",
    "vague_expression": "办事服务：表述含糊",
    "format": "内容规范：格式",
}
_EXAMPLES = 3
_CHINESE_NUMBERS = "一二三四五六七八九十"


class QuarterError(ValueError):
    """A quarter or scan directory that cannot give a report; the message says why."""


def quarter_range(quarter: str) -> tuple[date, date]:
    match = re.fullmatch(r"(\d{4})[Qq]([1-4])", quarter.strip())
    if not match:
        raise QuarterError(f"季度 {quarter!r} 格式无效，应为 YYYYQn，如 2026Q3")
    year, q = int(match.group(1)), int(match.group(2))
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, end


def _by_url(store: ScanStore, scan_ids: list[int]):
    """(url, [page or None per scan]) over several scans, merged in URL order (k streams, no lists)."""
    def tagged(k: int, scan_id: int):
        for page in store.pages(scan_id):
            yield page["url"], k, page

    streams = [tagged(k, scan_id) for k, scan_id in enumerate(scan_ids)]
    current, pages = None, [None] * len(scan_ids)
    for url, k, page in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
        if url != current and current is not None:
            yield current, pages
            pages = [None] * len(scan_ids)
        current, pages[k] = url, page
    if current is not None:
        yield current, pages


def _tally(store: ScanStore, scan_ids: list[int]) -> dict:
    """Per category over the quarter's scans: found (in any scan), open (in the last), fixed (found
    and no longer in the last), pages touched, and examples marked fixed or not."""
    found, fixed, still, pages = Counter(), Counter(), Counter(), {c: 0 for c in CATEGORY_LABELS}
    examples: dict[str, list] = {}
    for url, versions in _by_url(store, scan_ids):
        last = versions[-1]
        new = fingerprints(last["findings"]) if last and last["status"] == "ok" else Counter()
        seen = Counter()
        categories = {}
        for page in versions:
            if page:
                seen |= fingerprints(page["findings"])
                categories.update({(f["rule"], f["field"], f["text"]): f["category"] for f in page["findings"]})
        touched = set()
        for key, n in seen.items():
            category = categories[key]
            found[category] += n
            fixed[category] += max(0, n - new[key])
            still[category] += new[key]
            touched.add(category)
        for category in touched:
            pages[category] += 1
        for page in versions:
            for f in page["findings"] if page else []:
                bucket = examples.setdefault(f["category"], [])
                key = (f["rule"], f["field"], f["text"])
                if len(bucket) < _EXAMPLES and all(e["key"] != key or e["url"] != url for e in bucket):
                    bucket.append({**f, "key": key, "url": url, "title": page["meta"].get("title", ""),
                                   "fixed": new[key] == 0})
    return {"found": found, "fixed": fixed, "open": still, "pages": pages, "examples": examples}


def write_quarterly(scan_dir: Path, quarter: str, out: Path, unit: str | None = None) -> Path:
    start, end = quarter_range(quarter)
    if not (scan_dir / STORE_NAME).is_file():
        raise QuarterError(f"{scan_dir} 中没有扫描数据库 {STORE_NAME}：请给出 pubgate scan 的 --out 目录")
    store = ScanStore(scan_dir / STORE_NAME)
    try:
        scans = [s for s in store.finished_scans() if start.isoformat() <= s["started_at"][:10] < end.isoformat()]
        if not scans:
            raise QuarterError(f"{scan_dir} 中没有 {quarter}（{start} 至 {end}）期间完成的扫描")
        first, last = scans[0], scans[-1]
        stats_first, stats_last = json.loads(first["stats"]), json.loads(last["stats"])
        tally = _tally(store, [s["id"] for s in scans])
    finally:
        store.close()
    year, q = start.year, quarter.strip()[-1]
    unit = unit or stats_last.get("site") or "（单位名称）"
    document = _document(unit, year, q, scans, stats_first, stats_last, tally)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(out)
    return out


def _document(unit, year, q, scans, stats_first, stats_last, tally):
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(12)
    title = document.add_heading(f"{unit}关于{year}年第{_CHINESE_NUMBERS[int(q) - 1]}季度政府网站自查情况的报告", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        "按照《国务院办公厅秘书局关于印发政府网站与政务新媒体检查指标、监管工作年度考核指标的通知》"
        f"（国办秘函〔2019〕19号）要求，我单位开展了{year}年第{_CHINESE_NUMBERS[int(q) - 1]}季度政府网站自查工作，"
        "现将有关情况报告如下：")

    document.add_heading("一、基本情况", level=1)
    found_total = sum(tally["found"].values())
    document.add_paragraph(
        f"本季度采用机器扫描与人工复核相结合的方式，对网站已发布的全部页面进行了 {len(scans)} 次全面扫描"
        f"（{scans[0]['started_at'][:10]} 至 {scans[-1]['started_at'][:10]}），最近一次扫描页面 {stats_last['pages']} 个，"
        f"共发现各类问题 {found_total} 处。")
    _table(document, ["项目", "数值"], [
        ["扫描次数", len(scans)], ["检查页面数", stats_last["pages"]],
        ["无法检查的页面数", stats_last["errors"]], ["首次扫描发现问题的页面数", stats_first["pages_with_findings"]],
        ["发现问题总数", found_total], ["已整改问题数", sum(tally["fixed"].values())],
        ["规则集版本", stats_last["ruleset"]]])

    document.add_heading("二、检查发现的问题", level=1)
    rows, n = [], 0
    for code, indicator in INDICATORS.items():
        if tally["found"][code]:
            n += 1
            example = tally["examples"].get(code, [{}])[0]
            rows.append([n, indicator, CATEGORY_LABELS[code], tally["found"][code], tally["pages"][code],
                         _example_text(example) if example else ""])
    dead_first, dead_last = stats_first.get("dead_links"), stats_last.get("dead_links")
    if dead_first:
        n += 1
        rows.append([n, "功能设计：可用性", "错断链", dead_first["home"] + dead_first["other"], "",
                     f"首页 {dead_first['home']} 处，其他页面 {dead_first['other']} 处"])
    if not rows:
        document.add_paragraph("本季度扫描未发现内容问题。")
    else:
        _table(document, ["序号", "检查指标", "问题类别", "数量（处）", "涉及页面（个）", "示例"], rows)
    for i, code in enumerate(c for c in INDICATORS if tally["found"][c]):
        document.add_heading(f"（{_CHINESE_NUMBERS[i % 10]}）{CATEGORY_LABELS[code]}问题", level=2)
        document.add_paragraph(f"发现 {tally['found'][code]} 处，涉及 {tally['pages'][code]} 个页面。例如：")
        for example in tally["examples"].get(code, []):
            document.add_paragraph(_example_text(example) + ("（已整改）" if example["fixed"] else "（未整改）"),
                                   style="List Bullet")
    if stats_last.get("errors"):
        document.add_paragraph(f"另有 {stats_last['errors']} 个页面无法读取或检查（详见巡检报告的“无法检查的页面”），需人工核查。")

    document.add_heading("三、整改情况", level=1)
    fixed_total = sum(tally["fixed"].values())
    if len(scans) == 1:
        document.add_paragraph("本季度仅进行了一次扫描，整改情况待下次扫描复核。")
    else:
        document.add_paragraph(f"对照 {scans[-1]['started_at'][:10]} 的复查扫描，已整改问题 {fixed_total} 处，"
                               f"尚未整改 {sum(tally['open'].values())} 处。")
    rows = [[CATEGORY_LABELS[c], tally["found"][c], tally["fixed"][c], tally["open"][c],
             f"{100 * tally['fixed'][c] / tally['found'][c]:.0f}%"] for c in INDICATORS if tally["found"][c]]
    if dead_first and dead_last:
        before, after = dead_first["home"] + dead_first["other"], dead_last["home"] + dead_last["other"]
        rows.append(["错断链", before, max(0, before - after), after,
                     f"{100 * max(0, before - after) / before:.0f}%" if before else "—"])
    if rows:
        _table(document, ["问题类别", "发现（处）", "已整改（处）", "未整改（处）", "整改率"], rows)

    document.add_heading("四、下一步工作", level=1)
    document.add_paragraph("（此部分请人工填写：针对本季度发现的问题，说明下一步的审核把关、日常监测和整改安排。）")
    document.add_paragraph("")
    signature = document.add_paragraph(f"{unit}\n    年  月  日")
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return document


def _example_text(f: dict) -> str:
    where = f"《{f['title']}》" if f.get("title") else ""
    text = f"{where}（{f['url']}）"
    if f.get("text"):
        text += f"“{f.get('before', '')[-12:]}{f['text']}{f.get('after', '')[:12]}”"
    text += f"：{f.get('message', '')}"
    if f.get("suggestion"):
        text += f"，建议改为“{f['suggestion']}”"
    return text


def _table(document, header: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = str(text)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = str(value)
