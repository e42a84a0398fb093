"""Incremental scans: a rerun skips unchanged pages; a dictionary change reports exactly the pages it
touches as new; a fixed page shows as resolved; the quarterly .docx is drafted from the store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

pytest.importorskip("openpyxl")
docx = pytest.importorskip("docx")

from pubgate.cli import main  # noqa: E402

SENTENCES = ["会议研究部署了下一阶段重点工作。", "各单位要压实责任，确保各项任务落到实处。",
             "全县上下再接再励，推动经济社会高质量发展。", "活动现场群众纷纷点赞。"]
TERM = "青山区老城管理办公室"
DICTIONARY = f"""category: outdated_expression
severity: warn
message: "「{{text}}」已更名，请改用现名称。"
entries:
  - id: old-office
    match: [{TERM}]
    suggest: 青山区城市更新中心
"""


def make_site(root: Path, n: int, with_term: set[int]) -> None:
    for i in range(n):
        folder = root / ("zcwj" if i % 2 else "xwdt")
        folder.mkdir(parents=True, exist_ok=True)
        body = SENTENCES[i % len(SENTENCES)] + (f"{TERM}召开专题会议。" if i in with_term else "")
        (folder / f"{i:03d}.html").write_text(
            f"<html><head><title>第{i}号信息</title></head><body><p>发布日期：2026-08-0{1 + i % 9}</p>"
            f"<p>{body}</p></body></html>", encoding="utf-8")


def finding_rows(out: Path) -> list[dict]:
    with open(out / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def scan(site: Path, out: Path, config: Path) -> dict:
    assert main(["scan", str(site), "--out", str(out), "--workers", "0", "--config", str(config), "--quiet"]) == 0
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def quarter_of(summary: dict) -> str:
    year, month = int(summary["started_at"][:4]), int(summary["started_at"][5:7])
    return f"{year}Q{(month - 1) // 3 + 1}"


def test_rerun_dictionary_change_fix_and_quarterly_report(tmp_path):
    site, out, words = tmp_path / "site", tmp_path / "out", tmp_path / "words"
    words.mkdir()
    config = tmp_path / "pubgate.toml"
    config.write_text('dictionary_dirs = ["words"]\n', encoding="utf-8")
    make_site(site, 12, with_term={3, 4, 9})

    first = scan(site, out, config)
    assert (first["pages"], first["checked"], first["skipped_unchanged"]) == (12, 12, 0)
    assert first["changes"] is None and first["findings_by_category"]["outdated_expression"] == 0

    again = scan(site, out, config)
    assert (again["checked"], again["skipped_unchanged"]) == (0, 12)
    assert again["ruleset"] == first["ruleset"] and again["findings"] == first["findings"]
    assert again["changes"]["new_findings"] == again["changes"]["resolved_findings"] == 0
    assert again["finding_files_reused"] and len(finding_rows(out)) == 3

    (words / "renamed.yml").write_text(DICTIONARY, encoding="utf-8")
    changed = scan(site, out, config)
    assert changed["ruleset"] != first["ruleset"] and changed["checked"] == 12
    assert not changed["finding_files_reused"] and TERM in (out / "findings.csv").read_text(encoding="utf-8-sig")
    expected = sorted(f"site/{'zcwj' if i % 2 else 'xwdt'}/{i:03d}.html" for i in (3, 4, 9))
    assert changed["changes"]["new_pages_list"] == expected
    assert changed["changes"]["new_findings"] == 3 and changed["changes"]["resolved_findings"] == 0
    assert TERM in (out / "report.html").read_text(encoding="utf-8")

    fixed = site / "zcwj" / "009.html"
    fixed.write_text(fixed.read_text(encoding="utf-8").replace(TERM, "青山区城市更新中心"), encoding="utf-8")
    after_fix = scan(site, out, config)
    assert (after_fix["checked"], after_fix["skipped_unchanged"]) == (1, 11)
    assert after_fix["changes"]["resolved_pages_list"] == ["site/zcwj/009.html"]
    assert after_fix["changes"]["new_findings"] == 0

    report = tmp_path / "自查报告.docx"
    assert main(["report", "quarterly", str(out), "--quarter", quarter_of(first), "--out", str(report),
                 "--unit", "青山区人民政府办公室"]) == 0
    document = docx.Document(str(report))
    text = "\n".join(p.text for p in document.paragraphs)
    for heading in ("一、基本情况", "二、检查发现的问题", "三、整改情况", "四、下一步工作", "青山区人民政府办公室"):
        assert heading in text
    basics, problems, remediation = document.tables
    assert [c.text for c in basics.rows[0].cells] == ["项目", "数值"]
    assert dict((r.cells[0].text, r.cells[1].text) for r in basics.rows[1:])["扫描次数"] == "4"
    assert [c.text for c in problems.rows[0].cells][:4] == ["序号", "检查指标", "问题类别", "数量（处）"]
    outdated = next(r for r in problems.rows if r.cells[2].text == "过时表述")
    assert outdated.cells[3].text == "3" and outdated.cells[4].text == "3" and TERM in outdated.cells[5].text
    row = next(r for r in remediation.rows if r.cells[0].text == "过时表述")
    assert [c.text for c in row.cells[1:4]] == ["3", "1", "2"]


def test_quarterly_report_bad_input(tmp_path):
    assert main(["report", "quarterly", str(tmp_path), "--quarter", "2026Q3", "--out", str(tmp_path / "a.docx")]) == 2
    assert main(["report", "quarterly", str(tmp_path), "--quarter", "2026-3", "--out", str(tmp_path / "a.docx")]) == 2
