"""URLs in a draft: markup links plus bare URLs in the plain text, and offline domain parsing.

Bare URLs use an ASCII-only character class, so a URL ends where Chinese text starts
(``点击https://item.jd.com/1.html立即抢购``): urlextract and linkify-it-py glue CJK text onto URLs
(handbook §2.3). Hosts are split with one offline ``tldextract`` instance (bundled Public Suffix
List, never fetched), built on first use.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["UrlRef", "document_urls", "bare_urls", "split_host", "host_of", "url_spans"]

# Scheme URLs and www. URLs: ASCII URL characters only.
_URL = re.compile(
    r"(?<![A-Za-z0-9@._\-])(?:(?:https?|ftp)://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+",
    re.IGNORECASE,
)
# Bare domains (jd.com/123, t.cn/A6x): only kept when the suffix is a real public suffix.
_BARE_DOMAIN = re.compile(
    r"(?<![A-Za-z0-9@._\-/])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
    r"(?:/[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*)?(?![A-Za-z0-9@\-])"
)
_TRAILING = ".,;:!?'\"）)]}>，。；：！？、"
# What every match of the two patterns contains: "://" or "www." (any case), and a letter or digit,
# a dot and a letter (the last label before the suffix). The patterns start with a look-behind,
# which makes the regex engine try them at every position; these cheap tests skip the scans in
# the usual Chinese text (版本3.5, 1.2万元).
_DOTTED_NAME = re.compile(r"[A-Za-z0-9]\.[A-Za-z]")

_extractor = None
_extractor_lock = threading.Lock()


def _tld():
    global _extractor
    if _extractor is None:
        with _extractor_lock:
            if _extractor is None:
                import tldextract

                # suffix_list_urls=() → the bundled snapshot; cache_dir=None → no writes to ~/.cache.
                _extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    return _extractor


@dataclass(frozen=True, slots=True)
class HostParts:
    host: str          # lower-case, IDNA-decoded, no port
    subdomain: str
    domain: str
    suffix: str

    @property
    def registered(self) -> str:
        return f"{self.domain}.{self.suffix}" if self.domain and self.suffix else ""


_split_cache: dict[str, HostParts] = {}


def split_host(host: str) -> HostParts:
    host = host.strip().strip(".").lower()
    cached = _split_cache.get(host)
    if cached is not None:
        return cached
    shown = host
    if "xn--" in host:
        try:
            shown = host.encode("ascii").decode("idna")
        except (UnicodeError, ValueError):
            shown = host
    ext = _tld()(shown)
    parts = HostParts(shown, ext.subdomain, ext.domain, ext.suffix)
    if len(_split_cache) < 50_000:
        _split_cache[host] = parts
    return parts


def host_of(url: str) -> str:
    """The host of an absolute (or scheme-less www./bare-domain) URL; '' for relative URLs."""
    u = url.strip()
    if u.startswith("//"):
        u = "http:" + u
    elif not re.match(r"^[a-z][a-z0-9+.\-]*:", u, re.I):
        first = u.split("/", 1)[0]
        if "." not in first or not re.match(r"^[A-Za-z0-9.\-\u0080-\uffff]+(:\d+)?$", first):
            return ""
        u = "http://" + u
    try:
        parts = urlsplit(u)
        if parts.scheme.lower() not in ("http", "https", "ftp"):
            return ""
        return (parts.hostname or "").lower()
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class UrlRef:
    """A URL and where it shows: ``field`` + span of anchor/URL text, or no span (meta)."""

    url: str
    field: str
    start: int | None
    end: int | None
    source: str          # "href", "src", "text" (bare URL in the text)
    anchor: str = ""


def _trim(url: str) -> str:
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def bare_urls(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of URLs written in plain text, on the 1:1 mapped text."""
    out: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    if "://" in text or "www." in text or ("W" in text and "www." in text.lower()):
        scheme_urls = _URL.finditer(text)
    else:
        scheme_urls = ()
    for m in scheme_urls:
        url = _trim(m.group())
        if len(url) > 4:
            out.append((m.start(), m.start() + len(url), url))
            taken.append((m.start(), m.start() + len(url)))
    if "." in text and _DOTTED_NAME.search(text):
        for m in _BARE_DOMAIN.finditer(text):
            s = m.start()
            if any(a <= s < b for a, b in taken):
                continue
            url = _trim(m.group())
            host = url.split("/", 1)[0].lower()
            if not any(c.isalpha() for c in host.rsplit(".", 1)[0]) and not host.endswith(".cn"):
                continue  # 3.5, 1.2.3 …
            parts = split_host(host)
            if not parts.suffix or not parts.domain:
                continue
            out.append((s, s + len(url), url))
    out.sort()
    return out


def url_spans(doc, field: str) -> list[tuple[int, int, str]]:
    """Bare URLs of a field, computed once per document (shared by the link and PD checks)."""
    key = f"links:bare:{field}"
    if key not in doc.cache:
        doc.cache[key] = bare_urls(doc.view(field).mapped) if _maybe_url(doc.text(field)) else []
    return doc.cache[key]


def _maybe_url(text: str) -> bool:
    return "." in text or "．" in text


def document_urls(doc) -> list[UrlRef]:
    """Every URL of a draft: markup links (href/src), then bare URLs outside anchor texts."""
    key = "links:all"
    if key in doc.cache:
        return doc.cache[key]
    refs: list[UrlRef] = []
    for field in ("title", "body"):
        ft = doc.fields[field]
        anchors: list[tuple[int, int]] = []
        for link in ft.links:
            if link.start is not None and link.end is not None:
                anchors.append((link.start, link.end))
                refs.append(UrlRef(link.url, field, link.start, link.end, link.attr, link.text))
            else:
                refs.append(UrlRef(link.url, "meta", None, None, link.attr, link.text))
        original = doc.text(field)
        for s, e, mapped_url in url_spans(doc, field):
            if any(a <= s < b for a, b in anchors):
                continue
            shown = original[s:e]
            refs.append(UrlRef(shown if shown.isascii() else mapped_url, field, s, e, "text"))
    doc.cache[key] = refs
    return refs
