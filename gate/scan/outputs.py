"""The files a scan leaves in --out: findings.csv, findings.xlsx, summary.json and report.html.

The store is read once, page by page; the CSV and the spreadsheet are written as rows arrive and
only counters and a bounded set of examples stay in memory, so a million-page site writes its
reports in the same memory as a small one. The CSV carries a BOM so Excel/WPS open it as UTF-8.
"""

from __future__ import annotations

import csv
import heapq
import json
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlsplit

from ..model import CATEGORY_LABELS, SEVERITY_LABELS
from .changes import compare_scans
from .store import ScanStore

__all__ = ["write_outputs", "COLUMNS", "EXAMPLES_PER_CATEGORY"]

COLUMNS = ("页面地址", "页面标题", "栏目", "问题类别", "类别代码", "级别", "规则", "问题文字", "上下文",
           "说明", "修改建议", "位置")
EXAMPLES_PER_CATEGORY = 30
_TOP_PAGES = 20
_ERRORS_LISTED = 500


def finding_cells(page: dict, f: dict) -> list:
    meta = page["meta"]
    context = f"{f.get('before', '')}【{f['text']}】{f.get('after', '')}" if f.get("text") else ""
    where = {"title": "标题", "body": "正文", "meta": "元数据"}.get(f["field"], f["field"])
    if f.get("start") is not None:
        where += f" 第 {f['start'] + 1} 字"
    return [page["url"], meta.get("title", ""), meta.get("section", ""),
            CATEGORY_LABELS.get(f["category"], f["category"]), f["category"],
            SEVERITY_LABELS.get(f["severity"], f["severity"]), f["rule"], f.get("text", ""), context,
            f.get("message", ""), f.get("suggestion") or "", where]


def _host(url: str) -> str:
    return urlsplit(url).netloc if "://" in url else url.split("/", 1)[0]


def write_outputs(store: ScanStore, scan_id: int, out: Path, stats: dict) -> dict:
    from openpyxl import Workbook

    from .html_report import write_html

    scan = store.scan(scan_id)
    previous = store.previous_scan(scan_id)
    digest = store.pages_digest(scan_id)
    # The finding files list every finding: on a large site writing them costs more than a rerun's
    # reading and hashing. When this scan holds exactly the previous scan's pages and results, the
    # files already in --out are this scan's too, and are kept.
    reuse = (previous is not None and json.loads(previous["stats"] or "{}").get("pages_digest") == digest
             and (out / "findings.csv").is_file() and (out / "findings.xlsx").is_file())
    workbook = Workbook(write_only=True)
    sheet = _Rows(workbook.create_sheet("问题清单"), reuse)
    sheet.append(list(COLUMNS))
    error_sheet = _Rows(workbook.create_sheet("无法检查的页面"), reuse)
    error_sheet.append(["页面地址", "原因", "来源"])
    by_category, by_severity = Counter({c: 0 for c in CATEGORY_LABELS}), Counter()
    by_section, by_host, verdicts = Counter(), Counter(), Counter()
    examples: dict[str, list] = {}
    top: list[tuple] = []
    errors_listed = []
    pages = errors = findings = with_findings = 0
    csv_file = nullcontext() if reuse else open(out / "findings.csv", "w", newline="", encoding="utf-8-sig")
    with csv_file as fh:
        writer = _Rows(csv.writer(fh) if fh else None, reuse)
        writer.writerow(COLUMNS)
        for page in store.pages(scan_id):
            pages += 1
            if page["status"] == "error":
                errors += 1
                error_sheet.append([page["url"], page["error"], page["meta"].get("source", "")])
                if len(errors_listed) < _ERRORS_LISTED:
                    errors_listed.append({"url": page["url"], "error": page["error"]})
                continue
            verdicts[page["meta"].get("verdict", "pass")] += 1
            page_findings = page["findings"]
            if not page_findings:
                continue
            with_findings += 1
            findings += len(page_findings)
            by_section[page["meta"].get("section", "")] += len(page_findings)
            by_host[_host(page["url"])] += len(page_findings)
            entry = (len(page_findings), page["url"], page["meta"].get("title", ""))
            if len(top) < _TOP_PAGES:
                heapq.heappush(top, entry)
            else:
                heapq.heappushpop(top, entry)
            for f in page_findings:
                cells = finding_cells(page, f)
                writer.writerow(cells)
                sheet.append(cells)
                by_category[f["category"]] += 1
                by_severity[f["severity"]] += 1
                bucket = examples.setdefault(f["category"], [])
                if len(bucket) < EXAMPLES_PER_CATEGORY:
                    bucket.append({"url": page["url"], "title": page["meta"].get("title", ""), **f})
    dead = stats.get("dead_links")
    if dead:
        link_sheet = workbook.create_sheet("错断链")
        link_sheet.append(["所在页面", "链接", "是否首页", "状态码", "说明"])
        for d in dead["examples"]:
            link_sheet.append([d["page"], d["link"], "是" if d["home"] else "否", d["status"], d["detail"]])
    summary = {
        "scan_id": scan_id, "started_at": scan["started_at"], "ruleset": scan["ruleset"],
        "pages": pages, "errors": errors, "pages_ok": pages - errors, "pages_with_findings": with_findings,
        "findings": findings, "findings_by_category": dict(by_category),
        "findings_by_severity": {s: by_severity.get(s, 0) for s in SEVERITY_LABELS},
        "verdicts": dict(verdicts), "findings_by_section": dict(by_section.most_common(30)),
        "findings_by_host": dict(by_host.most_common(30)),
        "top_pages": [{"findings": n, "url": u, "title": t} for n, u, t in sorted(top, reverse=True)],
        "changes": compare_scans(store, previous["id"] if previous else None, scan_id),
        "trend": _trend(store, scan_id, scan["started_at"], findings, pages),
        "pages_digest": digest, "finding_files_reused": reuse,
        **{k: v for k, v in stats.items() if k != "dead_links"},
        "dead_links": {k: v for k, v in dead.items() if k != "examples"} if dead else None,
    }
    if not reuse:
        _summary_sheet(workbook.create_sheet("概况", 0), summary)
        workbook.save(out / "findings.xlsx")
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    write_html(out / "report.html", summary, examples, errors_listed, dead)
    return summary


class _Rows:
    """A sheet or CSV writer that writes nothing when the finding files are kept from the last scan."""

    def __init__(self, target, skip: bool):
        self.target, self.skip = target, skip

    def append(self, row) -> None:
        if not self.skip:
            (self.target.writerow if hasattr(self.target, "writerow") else self.target.append)(row)

    writerow = append


def _trend(store: ScanStore, scan_id: int, started_at: str, findings: int, pages: int) -> list[dict]:
    points = []
    for row in store.finished_scans():
        if row["id"] == scan_id or not row["stats"]:
            continue
        stats = json.loads(row["stats"])
        points.append({"scan_id": row["id"], "started_at": row["started_at"], "pages": stats.get("pages", 0),
                       "findings": stats.get("findings", 0)})
    points.append({"scan_id": scan_id, "started_at": started_at, "pages": pages, "findings": findings})
    return points[-12:]


def _summary_sheet(sheet, summary: dict) -> None:
    sheet.append(["项目", "数值"])
    for label, value in (("规则集", summary["ruleset"]), ("页面数", summary["pages"]),
                         ("无法检查的页面", summary["errors"]), ("有问题的页面", summary["pages_with_findings"]),
                         ("问题总数", summary["findings"])):
        sheet.append([label, value])
    for code, count in summary["findings_by_category"].items():
        sheet.append([CATEGORY_LABELS.get(code, code), count])
    if summary["dead_links"]:
        sheet.append(["首页不可用链接", summary["dead_links"]["home"]])
        sheet.append(["其他页面不可用链接", summary["dead_links"]["other"]])
