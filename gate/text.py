"""Plain text of a draft's fields, as the contract counts offsets.

HTML and Markdown are stripped, entities decoded and block elements separated by a newline
(contracts.md §3). Links and images are collected with the span of their anchor text so the link
checks can point at them. The HTML parser is the standard library's tolerant one: broken HTML
yields text, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Link", "FieldText", "extract", "html_to_text", "markdown_to_html"]

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p pre "
    "section summary table tbody tfoot thead tr td th ul".split()
)
DROPPED_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math"})
VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Attributes whose value is a URL the link checks must see, per tag.
URL_ATTRIBUTES = {
    "a": ("href",), "area": ("href",), "img": ("src",), "iframe": ("src",), "embed": ("src",),
    "source": ("src",), "video": ("src", "poster"), "audio": ("src",), "script": ("src",),
    "form": ("action",), "object": ("data",),
}
_WHITESPACE = re.compile(r"[ \t\r\n\f]+")


@dataclass(frozen=True, slots=True)
class Link:
    """A URL found in markup; ``start``/``end`` span its anchor text (or alt text) in plain text."""

    url: str
    tag: str
    attr: str
    text: str = ""
    start: int | None = None
    end: int | None = None
    title: str = ""


@dataclass(slots=True)
class FieldText:
    """One field's plain text plus what markup carried beside it."""

    name: str
    text: str
    links: list[Link] = field(default_factory=list)
    # (plain offset, source offset) pairs at the start of each text chunk: enough to find the
    # source position of any plain-text character to within its chunk.
    source_anchors: list[tuple[int, int]] = field(default_factory=list)

    def source_offset(self, plain_offset: int) -> int:
        from bisect import bisect_right

        if not self.source_anchors:
            return plain_offset
        i = bisect_right(self.source_anchors, (plain_offset, float("inf"))) - 1
        if i < 0:
            return 0
        plain_start, source_start = self.source_anchors[i]
        return source_start + (plain_offset - plain_start)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.links: list[Link] = []
        self.anchors: list[tuple[int, int]] = []
        self._drop_depth = 0
        self._pre_depth = 0
        self._pending_space = False
        self._open_links: list[tuple[str, int, str]] = []  # (url, plain start, title)
        self._line_starts = [0]

    # -- helpers ---------------------------------------------------------------------------
    def _source_pos(self) -> int:
        line, col = self.getpos()
        while len(self._line_starts) < line:
            self._line_starts.append(len(self._line_starts))  # filled properly in feed_all
        return self._line_starts[line - 1] + col

    def _emit(self, text: str) -> None:
        if not text:
            return
        self.parts.append(text)
        self.length += len(text)

    def _last_char(self) -> str:
        return self.parts[-1][-1] if self.parts else "\n"

    def _newline(self) -> None:
        self._pending_space = False
        if self.parts and self._last_char() != "\n":
            self._emit("\n")

    # -- parser callbacks ------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        attrs_dict = {k: (v or "") for k, v in attrs}
        if tag in DROPPED_TAGS:
            if tag == "script" and attrs_dict.get("src"):
                self.links.append(Link(url=attrs_dict["src"].strip(), tag=tag, attr="src"))
            if tag not in VOID_TAGS:
                self._drop_depth += 1
            return
        if self._drop_depth:
            return
        if tag in BLOCK_TAGS:
            self._newline()
        if tag == "br":
            self._pending_space = False
            self._emit("\n")
        if tag == "pre":
            self._pre_depth += 1
        if tag == "a" and attrs_dict.get("href"):
            self._open_links.append((attrs_dict["href"].strip(), self.length, attrs_dict.get("title", "")))
        elif tag == "img":
            alt = attrs_dict.get("alt", "").strip()
            start = self.length
            if alt:
                self._emit_text(alt)
            if attrs_dict.get("src"):
                self.links.append(Link(url=attrs_dict["src"].strip(), tag="img", attr="src", text=alt,
                                       start=start if alt else None, end=self.length if alt else None))
        else:
            for attr in URL_ATTRIBUTES.get(tag, ()):
                if tag != "a" and attrs_dict.get(attr):
                    self.links.append(Link(url=attrs_dict[attr].strip(), tag=tag, attr=attr))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in DROPPED_TAGS:
            if self._drop_depth:
                self._drop_depth -= 1
            return
        if self._drop_depth:
            return
        if tag == "a" and self._open_links:
            url, start, title = self._open_links.pop()
            text = "".join(self.parts)[start:] if start < self.length else ""
            # Trim surrounding whitespace so the span points at the visible anchor text.
            lead = len(text) - len(text.lstrip())
            trail = len(text.rstrip())
            s, e = start + lead, start + trail
            self.links.append(Link(url=url, tag="a", attr="href", text=text.strip(),
                                   start=s if e > s else None, end=e if e > s else None, title=title))
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
        if tag in BLOCK_TAGS:
            self._newline()

    def handle_data(self, data):
        if self._drop_depth or not data:
            return
        self.anchors.append((self.length, self._source_pos()))
        self._emit_text(data)

    def _emit_text(self, data: str) -> None:
        if self._pre_depth:
            self._pending_space = False
            self._emit(data)
            return
        collapsed = _WHITESPACE.sub(" ", data)
        if collapsed.startswith(" "):
            self._pending_space = True
            collapsed = collapsed[1:]
        if not collapsed:
            return
        if self._pending_space and self.parts and self._last_char() not in "\n ":
            self._emit(" ")
        self._pending_space = collapsed.endswith(" ")
        self._emit(collapsed.rstrip(" ") if self._pending_space else collapsed)

    def feed_all(self, source: str) -> None:
        starts = [0]
        for match in re.finditer("\n", source):
            starts.append(match.end())
        self._line_starts = starts
        self.feed(source)
        self.close()
        # Links left open by broken HTML still count, spanning to the end of the text.
        while self._open_links:
            self.handle_endtag("a")


def html_to_text(source: str) -> FieldText:
    parser = _TextExtractor()
    parser.feed_all(source)
    text = "".join(parser.parts)
    # Trailing block separators carry no content.
    stripped = text.rstrip("\n ")
    links = [l for l in parser.links]
    return FieldText(name="body", text=stripped, links=links, source_anchors=parser.anchors)


_markdown_renderer = None


def markdown_to_html(source: str) -> str:
    global _markdown_renderer
    if _markdown_renderer is None:
        from markdown_it import MarkdownIt

        # commonmark with tables and strikethrough; raw HTML passes through to the HTML extractor.
        _markdown_renderer = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
            ["table", "strikethrough"])
    return _markdown_renderer.render(source)


def extract(name: str, source: str, fmt: str) -> FieldText:
    """Plain text of one field given its format (``html``, ``markdown`` or ``text``)."""
    if fmt == "html":
        result = html_to_text(source)
    elif fmt == "markdown":
        result = html_to_text(markdown_to_html(source))
        result.source_anchors = []  # anchors point into rendered HTML, not the Markdown source
    else:
        result = FieldText(name=name, text=source)
    result.name = name
    return result
