"""Plain text as the contract counts offsets, and the matching view that sees through variants."""

from hypothesis import given, settings, strategies as st

from pubgate import Draft
from pubgate.normalize import MatchView, normalize
from pubgate.text import extract


def test_blocks_become_lines_entities_decode_scripts_drop():
    ft = extract("body", "<h1>通知</h1><p>各县区&nbsp;人民政府&amp;部门：</p><script>alert(1)</script>"
                         "<style>p{}</style><ul><li>一</li><li>二</li></ul>", "html")
    assert ft.text == "通知\n各县区\xa0人民政府&部门：\n一\n二"


def test_links_and_images_are_collected_with_their_anchor_spans():
    ft = extract("body", '<p>详见<a href="https://www.example.gov.cn/zcjd/1.html">政策解读</a>。'
                         '<img src="/qr.png" alt="二维码"></p>', "html")
    link, img = ft.links
    assert link.url.endswith("1.html") and ft.text[link.start:link.end] == "政策解读"
    assert img.tag == "img" and ft.text[img.start:img.end] == "二维码"


def test_broken_html_yields_text_not_an_error():
    ft = extract("body", '<p>第一段<div><b>未闭合<a href="x">链接<p>尾部</i></span>', "html")
    assert "第一段" in ft.text and "尾部" in ft.text
    assert ft.links[0].url == "x"


def test_markdown_is_rendered_then_stripped():
    ft = extract("body", "# 标题\n\n正文**加粗**，见[解读](https://a.gov.cn/1)。", "markdown")
    assert ft.text == "标题\n正文加粗，见解读。"
    assert ft.links[0].text == "解读"


def test_text_format_is_taken_verbatim():
    assert extract("body", "甲\r\n乙  丙", "text").text == "甲\r\n乙  丙"


def test_view_sees_through_full_width_traditional_and_inserted_symbols():
    view = MatchView.of("據ＡＢＣ稱，习*近 *平同志")
    assert "abc" in view.norm and "据" in view.norm
    start = view.norm.index("习近平")
    s, e = view.to_original(start, start + 3)
    assert view.original[s:e] == "习*近 *平"


def test_symbols_between_digits_or_before_punctuation_are_kept():
    assert normalize("138****1234") == "138****1234"
    assert normalize("路口，交通") == "路口,交通"  # mapped one-to-one, never deleted


fragments = st.lists(st.sampled_from([
    "<p>", "</p>", "<b>", "</b>", "<br>", "<div>", "</div>", "&amp;", "&lt;", "&#20013;", " ", "\n",
    "20XX年", "X月X日", "市政发[2023]12号", "联系人：XXX", "习*近*平", "正常文字", "<a href='u'>", "</a>",
    "<script>20XX</script>", "<!-- 20XX -->", "<img alt='20XX年' src='i.png'>", "（2023）京0105民初1号",
]), max_size=30)


@settings(max_examples=150, deadline=None)
@given(fragments)
def test_every_finding_is_an_exact_slice_of_its_fields_plain_text(gate, parts):
    draft = Draft.from_dict({"body": "".join(parts), "title": "".join(parts[:3]), "format": "html"})
    report = gate.check(draft)
    from pubgate.checks import Document

    texts = {k: v.text for k, v in Document(draft=draft).fields.items()}
    for f in report.findings:
        if f.field == "meta":
            assert f.start is None and f.end is None and f.text == ""
        else:
            assert 0 <= f.start < f.end <= len(texts[f.field])
            assert texts[f.field][f.start:f.end] == f.text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="习近平路口交通*＊ 　·-.Ｘ２0甲乙丙\u200b", max_size=40))
def test_view_spans_map_back_inside_the_original(text):
    view = MatchView.of(text)
    for i in range(len(view.norm)):
        s, e = view.to_original(i, i + 1)
        assert 0 <= s < e <= len(text)
        assert normalize(text[s:e]) == view.norm[i]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="習據國薴苧苎乾於ＡＢＺａ，：（）　AZaz＊*·中华人民共和国", max_size=60))
def test_one_to_one_map_replaces_exactly_as_one_translate_pass(text):
    # normalize_chars replaces the few mapped characters one by one; that must equal translating
    # every character once (薴 → 苧 → 苎 is a chain: 薴 becomes 苧, never 苎).
    from pubgate.normalize import _one_to_one, normalize_chars

    assert normalize_chars(text) == text.translate(_one_to_one().codes)
    assert normalize_chars("薴苧") == "苧苎"
