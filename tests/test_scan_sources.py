"""pubgate scan over a directory tree, a WARC file and a local HTTP server; bad inputs become error rows."""

from __future__ import annotations

import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("warcio")
pytest.importorskip("openpyxl")

from pubgate.cli import main  # noqa: E402

PAGE = ("<html><head><title>{title}_某市人民政府</title></head><body><h1>{title}</h1>"
        "<p>发布日期：2024-05-06</p><p>{body}</p>{links}</body></html>")


def page(title: str, body: str, links: str = "") -> str:
    return PAGE.format(title=title, body=body, links=links)


def scan(*args: str) -> dict:
    out = args[args.index("--out") + 1]
    assert main(["scan", *args, "--quiet"]) == 0
    return json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))


def rows(out: Path) -> list[dict]:
    with open(out / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_directory_tree_with_bad_inputs(tmp_path):
    site = tmp_path / "site"
    (site / "news").mkdir(parents=True)
    (site / "news" / "typo.html").write_text(page("工作动态", "全体干部再接再励，抓好落实。"), encoding="utf-8")
    (site / "news" / "clean.html").write_text(page("工作动态", "会议研究部署了下一阶段工作。"), encoding="utf-8")
    (site / "gbk.html").write_bytes(page("通知", "各单位要再接再励。").replace("<head>", '<head><meta charset="gbk">')
                                     .encode("gbk"))
    (site / "gb18030.txt").write_bytes("各单位要再接再励，确保完成任务。".encode("gb18030"))
    (site / "broken.html").write_text("<html><body><p>未闭合的<b>标签<div>再接再励</p", encoding="utf-8")
    (site / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (site / "huge.html").write_text("<p>" + "长" * 4000 + "</p>", encoding="utf-8")
    (site / "draft.json").write_text(json.dumps({"title": "关于做好工作的通知", "body": "请各单位再接再励。"},
                                                ensure_ascii=False), encoding="utf-8")
    (site / "bad.json").write_text('{"body": ', encoding="utf-8")
    (site / "logo.png").write_bytes(b"\x89PNG")  # not a page: not listed at all
    out = tmp_path / "out"
    summary = scan(str(site), "--out", str(out), "--workers", "0", "--max-bytes", "8000")

    assert summary["pages"] == 9 and summary["errors"] == 3
    assert {"pages", "errors", "findings_by_category", "ruleset"} <= summary.keys()
    for name in ("report.html", "findings.csv", "findings.xlsx", "summary.json"):
        assert (out / name).is_file()
    typo_pages = {r["页面地址"] for r in rows(out) if r["问题文字"] == "再接再励"}
    assert typo_pages == {f"site/{p}" for p in ("news/typo.html", "gbk.html", "gb18030.txt", "broken.html", "draft.json")}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<mark>再接再励</mark>" in html and "http" not in html.split("<body>")[0]
    for reason in ("二进制文件", "超过", "JSON 稿件格式错误"):
        assert reason in html

    from openpyxl import load_workbook

    book = load_workbook(out / "findings.xlsx", read_only=True)
    assert {"概况", "问题清单", "无法检查的页面"} <= set(book.sheetnames)
    assert sum(1 for _ in book["无法检查的页面"].iter_rows()) == 1 + 3


def _warc(path: Path, records: list[tuple[str, str, bytes, str]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, content_type, body, status in records:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))


def test_warc_source(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    _warc(warc, [
        ("https://www.example.gov.cn/", "text/html; charset=utf-8", page("首页", "欢迎访问。").encode(), "200 OK"),
        ("https://www.example.gov.cn/a.html", "text/html; charset=gbk", page("动态", "大家再接再励。").encode("gbk"), "200 OK"),
        ("https://www.example.gov.cn/logo.png", "image/png", b"\x89PNG", "200 OK"),
        ("https://www.example.gov.cn/gone.html", "text/html", b"not found", "404 Not Found"),
    ])
    out = tmp_path / "out"
    summary = scan(str(warc), "--out", str(out), "--workers", "0", "--no-links")
    assert summary["pages"] == 2 and summary["errors"] == 0
    assert [r["页面地址"] for r in rows(out) if r["问题文字"] == "再接再励"] == ["https://www.example.gov.cn/a.html"]

    truncated = tmp_path / "cut.warc.gz"
    truncated.write_bytes(warc.read_bytes() + b"garbage, not a WARC record")
    summary = scan(str(truncated), "--out", str(tmp_path / "cut"), "--workers", "0", "--no-links")
    assert (summary["pages"], summary["errors"]) == (3, 1)  # the broken tail is an error row; the scan finishes


class _Site(BaseHTTPRequestHandler):
    pages = {
        "/": page("首页", "欢迎。", '<a href="/a.html">a</a><a href="/missing.html">坏链</a><img src="/gone.png">'),
        "/a.html": page("动态", "大家再接再励。", '<a href="/">首页</a><a href="/missing.html">坏链</a>'),
        "/private/b.html": page("内部", "不应抓取。"),
    }
    requests: list[str] = []

    def do_GET(self):
        self.requests.append(self.path)
        if self.path == "/robots.txt":
            body, ctype, status = b"User-agent: *\nDisallow: /private/\n", "text/plain", 200
        elif self.path == "/sitemap.xml":
            locs = "".join(f"<url><loc>http://127.0.0.1:{self.server.server_port}{p}</loc></url>"
                           for p in ("/", "/a.html", "/private/b.html", "/missing.html"))
            body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()
            ctype, status = "application/xml", 200
        elif self.path in self.pages:
            body, ctype, status = self.pages[self.path].encode("utf-8"), "text/html; charset=utf-8", 200
        else:
            body, ctype, status = b"not found", "text/html", 404
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture()
def local_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Site.requests.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_local_http_sitemap_robots_and_dead_links(tmp_path, local_site):
    site_toml = tmp_path / "site.toml"
    site_toml.write_text(f'[site]\nname = "测试市人民政府"\nhosts = ["{local_site[7:]}"]\nhome = ["{local_site}/"]\n'
                         'allow_private_hosts = true\n', encoding="utf-8")
    out = tmp_path / "out"
    summary = scan(f"{local_site}/sitemap.xml", "--out", str(out), "--workers", "0", "--site", str(site_toml),
                   "--rate", "50", "--timeout", "5")
    assert summary["pages"] == 4
    assert summary["errors"] == 2  # robots.txt disallows /private/, /missing.html is a 404
    assert "/private/b.html" not in _Site.requests
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "robots.txt" in html and "HTTP 404" in html
    dead = summary["dead_links"]
    # home page: /missing.html and /gone.png; a.html: /missing.html. Each distinct link requested once.
    assert (dead["home"], dead["other"]) == (2, 1)
    assert dead["distinct_dead"] == 2
    probes = [p for p in _Site.requests if p == "/gone.png"]
    assert len(probes) <= 2  # one HEAD (a GET only when HEAD is refused)

    urls = tmp_path / "urls.txt"
    urls.write_text(f"# 清单\n{local_site}/a.html\nhttp://127.0.0.1:9/unreachable.html\n", encoding="utf-8")
    summary = scan(str(urls), "--out", str(tmp_path / "list"), "--workers", "0", "--no-links", "--timeout", "3")
    assert summary["pages"] == 2 and summary["errors"] == 1


def test_bad_usage_exits_2(tmp_path):
    assert main(["scan", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    assert main(["scan", "--out", str(tmp_path / "o")]) == 2
    odd = tmp_path / "odd.bin"
    odd.write_bytes(b"\x00\x01")
    assert main(["scan", str(odd), "--out", str(tmp_path / "o")]) == 2
