"""report.html: one self-contained Chinese page (inline CSS and SVG charts, no scripts, no CDN), so it
opens from a USB stick on an office PC without a network and can be attached to a 自查报告."""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..model import CATEGORY_LABELS, SEVERITY_LABELS

__all__ = ["write_html", "bar_chart", "trend_chart"]

_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:1100px;
color:#222;line-height:1.6;padding:0 1em}h1{font-size:1.6em;border-bottom:3px solid #b71c1c;padding-bottom:.3em}
h2{font-size:1.25em;margin-top:2em;border-left:5px solid #b71c1c;padding-left:.5em}.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{background:#f6f6f6;border-radius:6px;padding:.8em 1.2em;min-width:8em}.card b{display:block;font-size:1.6em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #ddd;padding:.35em .5em;text-align:left;
vertical-align:top}th{background:#f0f0f0}mark{background:#ffe082;padding:0 .1em}.muted{color:#777;font-size:.9em}
.sev-block{color:#b71c1c;font-weight:bold}.sev-warn{color:#e65100}.sev-info{color:#546e7a}a{color:#0d47a1;word-break:break-all}
"""


def bar_chart(items: list[tuple[str, int]], *, width: int = 640, color: str = "#c62828") -> str:
    """A horizontal bar chart as inline SVG (labels left, counts right)."""
    items = [(label, value) for label, value in items if value] or [("（无）", 0)]
    row, label_w = 26, 170
    top = max(value for _, value in items) or 1
    height = row * len(items) + 10
    bars = []
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        w = (width - label_w - 70) * value / top
        bars.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13">{escape(label[:14])}</text>'
                    f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="18" fill="{color}" rx="2"/>'
                    f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" font-size="13">{value}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">'
            + "".join(bars) + "</svg>")


def trend_chart(points: list[dict], *, width: int = 640, height: int = 200) -> str:
    """Findings per scan as a line over the scans, oldest first."""
    if not points:
        return ""
    top = max(p["findings"] for p in points) or 1
    left, bottom, step = 50, height - 40, (width - 80) / max(1, len(points) - 1)
    xy = [(left + i * step, bottom - (bottom - 20) * p["findings"] / top) for i, p in enumerate(points)]
    parts = [f'<line x1="{left}" y1="{bottom}" x2="{width - 20}" y2="{bottom}" stroke="#999"/>',
             f'<polyline fill="none" stroke="#c62828" stroke-width="2" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in xy)}"/>']
    for (x, y), p in zip(xy, points):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#c62828"/>'
                     f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="12">{p["findings"]}</text>'
                     f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="11">第{p["scan_id"]}次</text>'
                     f'<text x="{x:.1f}" y="{bottom + 30}" text-anchor="middle" font-size="10" fill="#777">'
                     f'{escape(p["started_at"][:10])}</text>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">{"".join(parts)}</svg>'


def _link(url: str, text: str | None = None) -> str:
    label = escape(text or url)
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{label}</a>'
    return label


def _finding_row(f: dict) -> str:
    context = (f"{escape(f.get('before', ''))}<mark>{escape(f['text'])}</mark>{escape(f.get('after', ''))}"
               if f.get("text") else '<span class="muted">（元数据）</span>')
    suggestion = escape(f.get("suggestion") or "")
    return (f"<tr><td>{_link(f['url'], f.get('title') or f['url'])}</td><td>{context}</td>"
            f"<td class=\"sev-{f['severity']}\">{SEVERITY_LABELS.get(f['severity'], f['severity'])}</td>"
            f"<td>{escape(f.get('message', ''))}</td><td>{suggestion}</td></tr>")


def _cards(summary: dict) -> str:
    cards = [("检查页面", summary["pages"]), ("有问题的页面", summary["pages_with_findings"]),
             ("问题总数", summary["findings"]), ("阻断级问题", summary["findings_by_severity"].get("block", 0)),
             ("无法检查", summary["errors"])]
    dead = summary.get("dead_links")
    if dead:
        cards += [("首页不可用链接", dead["home"]), ("其他页面不可用链接", dead["other"])]
    return '<div class="cards">' + "".join(f'<div class="card"><b>{v}</b>{k}</div>' for k, v in cards) + "</div>"


def _changes(changes: dict | None) -> str:
    if not changes:
        return "<p class=\"muted\">这是该输出目录的第一次扫描，没有可比较的上次结果。</p>"
    html = (f"<p>与第 {changes['previous_scan']} 次扫描相比：新增问题 <b>{changes['new_findings']}</b> 处"
            f"（{changes['pages_with_new_findings']} 个页面），已消除问题 <b>{changes['resolved_findings']}</b> 处"
            f"（{changes['pages_with_resolved_findings']} 个页面）；新增页面 {changes['new_pages']} 个，"
            f"不再出现的页面 {changes['removed_pages']} 个。</p>")
    if changes["new_examples"]:
        html += "<h3>新增的问题</h3><table><tr><th>页面</th><th>上下文</th><th>级别</th><th>说明</th><th>建议</th></tr>"
        html += "".join(_finding_row(f) for f in changes["new_examples"]) + "</table>"
    if changes["resolved_pages_list"]:
        html += "<h3>问题已消除的页面</h3><ul>" + "".join(
            f"<li>{_link(u)}</li>" for u in changes["resolved_pages_list"][:200]) + "</ul>"
    return html


def write_html(path: Path, summary: dict, examples: dict[str, list], errors: list[dict], dead: dict | None) -> None:
    by_category = sorted(summary["findings_by_category"].items(), key=lambda kv: -kv[1])
    parts = [f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>全站巡检报告</title>"
             f"<style>{_CSS}</style></head><body><h1>全站巡检报告</h1>"
             f"<p class=\"muted\">第 {summary['scan_id']} 次扫描，开始于 {escape(summary['started_at'])}；"
             f"规则集 {escape(summary['ruleset'])}；来源：{escape('、'.join(summary.get('sources', [])))}</p>",
             _cards(summary),
             "<h2>问题类别分布</h2>", bar_chart([(CATEGORY_LABELS.get(c, c), n) for c, n in by_category]),
             "<h2>问题级别</h2>", bar_chart([(SEVERITY_LABELS[s], n) for s, n in summary["findings_by_severity"].items()],
                                         color="#e65100"),
             "<h2>各栏目问题数</h2>", bar_chart(list(summary["findings_by_section"].items())[:15], color="#1565c0"),
             "<h2>各站点问题数</h2>", bar_chart(list(summary["findings_by_host"].items())[:15], color="#2e7d32"),
             "<h2>历次扫描趋势</h2>", trend_chart(summary["trend"]),
             "<h2>与上次扫描相比</h2>", _changes(summary.get("changes")),
             "<h2>问题最多的页面</h2><table><tr><th>页面</th><th>问题数</th></tr>",
             "".join(f"<tr><td>{_link(p['url'], p['title'] or p['url'])}</td><td>{p['findings']}</td></tr>"
                     for p in summary["top_pages"]), "</table>"]
    if dead:
        parts.append(f"<h2>错断链（可用性）</h2><p>首页不可用链接 <b>{dead['home']}</b> 处，其他页面不可用链接 "
                     f"<b>{dead['other']}</b> 处（共检查不同链接 {dead['distinct_links']} 个，其中不可用 "
                     f"{dead['distinct_dead']} 个；按检查指标约扣 {dead['deduction']} 分）。</p>")
        if dead["examples"]:
            parts.append("<table><tr><th>所在页面</th><th>链接</th><th>说明</th></tr>" + "".join(
                f"<tr><td>{_link(d['page'])}{'（首页）' if d['home'] else ''}</td><td>{escape(d['link'])}</td>"
                f"<td>{escape(d['detail'] or '')}</td></tr>" for d in dead["examples"]) + "</table>")
    parts.append("<h2>问题示例（按类别）</h2>")
    if not examples:
        parts.append("<p>未发现问题。</p>")
    for code, _count in by_category:
        rows = examples.get(code)
        if rows:
            parts.append(f"<h3>{CATEGORY_LABELS.get(code, code)}（{summary['findings_by_category'][code]} 处）</h3>"
                         "<table><tr><th>页面</th><th>上下文</th><th>级别</th><th>说明</th><th>建议</th></tr>"
                         + "".join(_finding_row(f) for f in rows) + "</table>")
    parts.append("<p class=\"muted\">完整问题清单见同目录的 findings.xlsx / findings.csv。</p>")
    parts.append(f"<h2>无法检查的页面（{summary['errors']} 个）</h2>")
    if errors:
        parts.append("<table><tr><th>页面</th><th>原因</th></tr>" + "".join(
            f"<tr><td>{_link(e['url'])}</td><td>{escape(e['error'] or '')}</td></tr>" for e in errors) + "</table>")
    else:
        parts.append("<p>无。</p>")
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")
