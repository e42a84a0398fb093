"""commercial_link classification and broken links (against a loopback HTTP server)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pubgate import Draft, Gate, GateConfig
from pubgate.plugins._links_urls import bare_urls


def make(body: str, **fields) -> Draft:
    return Draft.from_dict({"body": body, "format": fields.pop("format", "text"), **fields})


def cl(report):
    return [f for f in report.findings if f.category == "commercial_link" and f.severity != "info"]


def test_bare_urls_end_where_chinese_starts():
    text = "点击https://item.jd.com/1.html立即抢购，或访问www.taobao.com购买，t.cn/A6abcd，扫码"
    urls = [u for _, _, u in bare_urls(text)]
    assert urls == ["https://item.jd.com/1.html", "www.taobao.com", "t.cn/A6abcd"]
    assert bare_urls("版本3.5，附件1.docx，金额1.2万元") == []


@pytest.mark.parametrize("body,fmt,expected,severity", [
    ("点击https://item.jd.com/100012043978.html立即抢购", "text", "https://item.jd.com/100012043978.html", "block"),
    ('<a href="https://s.click.taobao.com/abc">助农产品</a>', "html", "助农产品", "block"),
    ('<a href="https://apps.apple.com/cn/app/id1">下载</a>', "html", "下载", "block"),
    ('<a href="https://dl.example.com/x.apk">安装包</a>', "html", "安装包", "block"),
    ("访问 www.taobao.com 选购", "text", "www.taobao.com", "block"),
    ("转发并访问t.cn/A6xYz8Kq参与", "text", "t.cn/A6xYz8Kq", "warn"),
    ("链接https://shop.example.com/p?pid=mm_1_2_3", "text", "https://shop.example.com/p?pid=mm_1_2_3", "warn"),
    ("复制这条信息￥Xa7bD9kQ2m￥打开【手机淘宝】", "text", "￥Xa7bD9kQ2m￥", "warn"),
    ("快来点击购买吧！", "text", "点击购买", "warn"),
])
def test_flags(check, body, fmt, expected, severity):
    found = cl(check(body, format=fmt))
    assert [(f.text, str(f.severity)) for f in found] == [(expected, severity)]


def test_embedded_ad_script_is_a_meta_finding(check):
    found = cl(check('<p>正文</p><script src="https://cpro.baidu.com/c.js"></script>', format="html"))
    assert [(f.field, f.severity) for f in found] == [("meta", "block")]
    assert "cpro.baidu.com" in found[0].message


@pytest.mark.parametrize("body,fmt", [
    ('<a href="http://politics.people.com.cn/n1/2024/0305/c1001-1.html">人民网</a>', "html"),
    ("全文见https://www.gov.cn/gongbao/2024/content_1.html和https://www.news.cn/a.htm", "text"),
    ("问卷 https://www.ya.gov.cn/survey?utm_source=wx", "text"),
    ('<a href="/art/2024/5/1.html">本站链接</a>', "html"),
    ("不要点 zj.gov.cn.evil.com 的链接", "text"),   # parsed as evil.com: unknown, not commercial
    ("北京市.政务 网站", "text"),
    ("市民可通过云闪付APP领取消费券，限时抢购活动火热。", "text"),
    ("副县长走进助农直播间，限时抢购活动吸引网友下单。", "text"),
    ("某商店张贴“全网最低”“限时抢购”等标语，涉嫌虚假宣传。", "text"),
    ("我县签约5个招商引资项目，福建某新材料有限公司现场签约。", "text"),
    ("原文见https://www.ownsite.cn/a.html", "text"),
])
def test_does_not_flag(body, fmt):
    gate = Gate(GateConfig(load_entrypoints=False, settings={"own_domains": ["ownsite.cn"]}))
    assert cl(gate.check(make(body, format=fmt))) == []


def test_wechat_articles_are_advice_only(check):
    r = check('<a href="https://mp.weixin.qq.com/s/abc">原文</a>', format="html")
    found = [f for f in r.findings if f.category == "commercial_link"]
    assert [f.severity for f in found] == ["info"]


def test_site_lists_extend_the_shipped_ones(tmp_path):
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "site-shops.yml").write_text(
        "kind: link-domains\nlist: ecommerce\nsource: 本站\ndomains: [localshop.cn]\n", encoding="utf-8")
    gate = Gate(GateConfig(load_entrypoints=False, dictionary_dirs=[str(tmp_path)]))
    found = cl(gate.check(make("请到 https://www.localshop.cn/item/1 购买")))
    assert found and found[0].rule == "links.site-shops"


def test_broken_domain_file_is_reported_not_fatal(tmp_path):
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "bad.yml").write_text("kind: link-domains\nlist: shops\ndomains: [a.cn]\n", encoding="utf-8")
    gate = Gate(GateConfig(load_entrypoints=False, dictionary_dirs=[str(tmp_path)]))
    assert any("bad.yml" in n for n in gate.notices)
    assert cl(gate.check(make("点击https://item.jd.com/1.html"))) != []


def test_shipped_list_examples():
    from pubgate.dictionary_loader import load_dictionaries
    from pubgate.plugins._links_classify import classify, parse_rules

    ds = load_dictionaries(GateConfig(load_entrypoints=False))
    rules, errors = parse_rules({k: ds.of_kind(k) for k in ("link-domains", "link-params", "link-cues")})
    assert errors == []
    for f in ds.of_kind("link-domains"):
        for url in (f.data.get("examples") or {}).get("allow", []):
            assert classify(url, rules) is None, url
        for url in (f.data.get("examples") or {}).get("block", []):
            v = classify(url, rules)
            assert v is not None and v.severity == "block", url


# -- broken links -------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def _reply(self, with_body: bool):
        _Handler.hits.append(f"{self.command} {self.path}")
        if self.path == "/ok":
            self.send_response(200)
            body = b"<html><title>ok</title></html>"
        elif self.path == "/nohead" and self.command == "HEAD":
            self.send_response(405)
            body = b""
        elif self.path == "/nohead":
            self.send_response(200)
            body = b"fine"
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
            body = b""
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            body = b""
        elif self.path == "/soft":
            self.send_response(405 if self.command == "HEAD" else 200)
            body = "<html>对不起，您访问的页面不存在</html>".encode()
        else:
            self.send_response(404)
            body = b"not found"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_HEAD(self):
        self._reply(False)

    def do_GET(self):
        self._reply(True)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _broken(report):
    return [f for f in report.findings if f.rule.startswith("broken-link")]


def _gate(**settings):
    from pubgate.plugins.broken_links import BrokenLinks

    BrokenLinks.cache.clear()
    return Gate(GateConfig(load_entrypoints=False, settings={"check_broken_links": True, "broken_links_timeout": 3,
                                                             **settings}))


def test_broken_links_off_by_default(server):
    _Handler.hits.clear()
    gate = Gate(GateConfig(load_entrypoints=False))
    assert _broken(gate.check(make(f'<a href="{server}/missing">x</a>', format="html"))) == []
    assert _Handler.hits == []


def test_loopback_is_refused_unless_allowed(server):
    _Handler.hits.clear()
    found = _broken(_gate().check(make(f'<a href="{server}/ok">本机</a>', format="html")))
    assert [f.rule for f in found] == ["broken-link.private"] and _Handler.hits == []


def test_broken_and_working_links(server):
    gate = _gate(allow_private_hosts=True)
    body = (f'<a href="{server}/ok">好</a><a href="{server}/missing">坏</a><a href="{server}/nohead">仅GET</a>'
            f'<a href="{server}/moved">跳转</a><a href="{server}/loop">循环</a><a href="{server}/soft">软404</a>'
            '<img src="/relative.png">')
    found = {f.text: f for f in _broken(gate.check(make(body, format="html")))}
    assert set(found) == {"坏", "循环", "软404"}
    assert found["坏"].category == "format" and "404" in found["坏"].message


def test_results_are_cached(server):
    gate = _gate(allow_private_hosts=True)
    _Handler.hits.clear()
    draft = make(f'<a href="{server}/missing">坏</a>', format="html")
    gate.check(draft)
    first = len(_Handler.hits)
    gate.check(draft)
    assert first >= 1 and len(_Handler.hits) == first


def test_broken_related_interpretation_is_interpretation_link(server):
    gate = _gate(allow_private_hosts=True)
    draft = make("各乡镇：现印发。", doc_type="policy", title="关于印发《某某办法》的通知",
                 related=[{"url": f"{server}/gone", "title": "《某某办法》解读", "relation": "interpretation"}])
    found = _broken(gate.check(draft, stage="publish"))
    assert [(f.category, f.severity, f.field) for f in found] == [("interpretation_link", "block", "meta")]
