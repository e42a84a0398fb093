"""Site metadata: from a page (URL, markup, text) to the draft the gate checks.

Archived pages carry no CMS fields, yet several checks depend on them (a 政策文件 needs its 解读, a
发布日期 must be sane). A small TOML file per site says what the URL patterns mean::

    [site]
    name = "某某市人民政府"              # the unit in the 自查报告
    base_url = "https://www.example.gov.cn/"   # exported file a/b.html → this URL + a/b.html
    hosts = ["www.example.gov.cn"]     # URL and WARC pages of these hosts use this mapping
    home = ["https://www.example.gov.cn/"]     # the 首页 for the dead-link counts
    unit = "某某市人民政府办公室"        # the draft's publishing unit

    [[rules]]                          # first match wins; pattern is a regex searched in the URL
    pattern = "/zcwj/"
    doc_type = "policy"
    section = "政策文件"

What the rules leave open comes from the page: the CMS meta tags (ArticleTitle, PubDate,
ColumnName), the 发文字号/索引号/发布日期 lines of 信息公开 pages, and the title's wording.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..model import CHANNELS, DOC_TYPES, canonical_json

__all__ = ["SiteMapping", "SiteError", "page_fields", "pick_site"]


class SiteError(ValueError):
    """A site mapping file that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class UrlRule:
    pattern: str
    doc_type: str | None = None
    channel: str | None = None
    section: str | None = None


@dataclass
class SiteMapping:
    name: str = ""
    unit: str = ""
    base_url: str = ""
    hosts: list[str] = field(default_factory=list)
    home: list[str] = field(default_factory=list)
    channel: str = "website"
    rules: list[UrlRule] = field(default_factory=list)
    allow_private_hosts: bool = False  # probe links to intranet/loopback hosts (tests, intranets)

    @classmethod
    def from_file(cls, path: str | Path) -> "SiteMapping":
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SiteError(f"站点映射文件不存在：{path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SiteError(f"站点映射文件 {path} 无法解析：{exc}") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: dict, name: str = "站点映射") -> "SiteMapping":
        site = dict(data.get("site", {}))
        unknown = set(site) - {"name", "unit", "base_url", "hosts", "home", "channel", "allow_private_hosts"}
        if unknown:
            raise SiteError(f"{name}：[site] 含未知设置 {'、'.join(sorted(unknown))}")
        rules = []
        for i, rule in enumerate(data.get("rules", []), 1):
            try:
                re.compile(rule["pattern"])
            except (KeyError, re.error) as exc:
                raise SiteError(f"{name}：第 {i} 条 [[rules]] 的 pattern 无效（{exc}）") from None
            if rule.get("doc_type") and rule["doc_type"] not in DOC_TYPES:
                raise SiteError(f"{name}：第 {i} 条规则的 doc_type {rule['doc_type']!r} 无效，应为 {'、'.join(DOC_TYPES)} 之一")
            if rule.get("channel") and rule["channel"] not in CHANNELS:
                raise SiteError(f"{name}：第 {i} 条规则的 channel {rule['channel']!r} 无效")
            rules.append(UrlRule(rule["pattern"], rule.get("doc_type"), rule.get("channel"), rule.get("section")))
        home = site.get("home", [])
        hosts = list(site.get("hosts", []))
        if site.get("base_url") and not hosts:
            hosts = [urlsplit(site["base_url"]).netloc]
        return cls(name=site.get("name", ""), unit=site.get("unit", ""), base_url=site.get("base_url", ""),
                   hosts=hosts, home=[home] if isinstance(home, str) else list(home),
                   channel=site.get("channel", "website"), rules=rules,
                   allow_private_hosts=bool(site.get("allow_private_hosts", False)))

    def to_dict(self) -> dict:
        return {"site": {"name": self.name, "unit": self.unit, "base_url": self.base_url, "hosts": self.hosts,
                         "home": self.home, "channel": self.channel, "allow_private_hosts": self.allow_private_hosts},
                "rules": [{k: v for k, v in vars(r).items() if v is not None} for r in self.rules]}

    @property
    def digest(self) -> str:
        """Enters the scan's ruleset: a changed mapping changes doc types, and so results."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode("utf-8")).hexdigest()[:8]

    def url_for(self, relative: str) -> str | None:
        return self.base_url.rstrip("/") + "/" + relative if self.base_url else None

    def is_home(self, url: str) -> bool:
        if self.home:
            return url.rstrip("/") in {h.rstrip("/") for h in self.home}
        path = urlsplit(url).path if "://" in url else "/" + url.split("/", 1)[-1]
        return path in ("", "/", "/index.html", "/index.htm", "/index.shtml")

    def rule_for(self, url: str) -> UrlRule | None:
        return next((r for r in self.rules if re.search(r.pattern, url)), None)


def pick_site(sites: list[SiteMapping], url: str) -> SiteMapping:
    """The mapping whose hosts hold the URL; else the only (or first) one; else an empty mapping."""
    host = urlsplit(url).netloc if "://" in url else ""
    for site in sites:
        if host and host in site.hosts:
            return site
    return sites[0] if sites else SiteMapping()


# -- what a page says about itself --------------------------------------------------------------
_META = re.compile(r"<meta\s+[^>]*?name\s*=\s*[\"']?(ArticleTitle|PubDate|ColumnName|ContentSource)[\"']?"
                   r"[^>]*?content\s*=\s*[\"']([^\"']*)[\"']", re.I)
_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")
_DATE = r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2}))?"
_PUBLISHED = re.compile(r"(?:发布日期|发布时间|发文日期|公开日期|发表时间)\s*[:：]?\s*" + _DATE)
_WRITTEN = re.compile(r"成文日期\s*[:：]?\s*" + _DATE)
_DOC_NUMBER = re.compile(r"发文字号\s*[:：]?\s*([^\s<]{2,40})")
_NUMBERED = re.compile(r"[〔\[(（【]\d{4}")  # a real 文号 has its year in brackets, not "无"
_INDEX_NO = re.compile(r"索引号\s*[:：]?\s*([0-9A-Za-z][0-9A-Za-z/._-]{3,60})")
_TITLE_KINDS = (("interpretation", ("解读", "答记者问", "一图读懂", "图解")), ("guide", ("办事指南",)),
                ("reply", ("答复", "留言", "回复")), ("disclosure", ("公示",)), ("notice", ("通知", "公告", "通告")))


def _iso(match: re.Match | None) -> str | None:
    if not match:
        return None
    year, month, day, hour, minute = match.groups()
    try:
        from datetime import datetime

        stamp = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
    except ValueError:
        return None  # an impossible date on the page: leave it to the text, not the metadata
    return stamp.isoformat() + "+08:00"


def page_fields(markup: str, text: str) -> dict:
    """Title, section, dates, 发文字号 and 索引号 as the page states them (empty when absent)."""
    meta = {name.lower(): value.strip() for name, value in _META.findall(markup[:20000])}
    title = meta.get("articletitle", "")
    if not title:
        heading = _H1.search(markup) or _TITLE_TAG.search(markup)
        title = re.split(r"[_|]| - ", _TAGS.sub("", heading.group(1)).strip())[0].strip() if heading else ""
    head = text[:3000]
    published = _iso(re.search(_DATE, meta["pubdate"])) if meta.get("pubdate") else None
    number = _DOC_NUMBER.search(head)
    index_no = _INDEX_NO.search(head)
    return {
        "title": title[:200],
        "section": meta.get("columnname", ""),
        "publish_at": published or _iso(_PUBLISHED.search(head)),
        "created_at": _iso(_WRITTEN.search(head)),
        "doc_number": number.group(1) if number and _NUMBERED.search(number.group(1)) else "",
        "index_no": index_no.group(1) if index_no else "",
    }


def guess_doc_type(fields: dict) -> str:
    if fields.get("doc_number"):
        return "policy"
    title = fields.get("title", "") + fields.get("section", "")
    for doc_type, words in _TITLE_KINDS:
        if any(w in title for w in words):
            return doc_type
    return "news"


def section_of(url: str, fields: dict, rule: UrlRule | None) -> str:
    """The 栏目 a page belongs to, for the report's charts: the rule's, the page's, or its first path part."""
    if rule and rule.section:
        return rule.section
    if fields.get("section"):
        return fields["section"]
    path = urlsplit(url).path if "://" in url else "/" + url.split("/", 1)[-1]
    parts = [p for p in path.split("/") if p]
    return parts[0] if len(parts) > 1 else "（根目录）"


def draft_json_fields(data: dict) -> dict:
    """The metadata a draft JSON already carries, in the shape page_fields returns."""
    return {"title": str(data.get("title") or ""), "section": str(data.get("section") or data.get("channel_name") or ""),
            "publish_at": data.get("publish_at"), "created_at": data.get("created_at"),
            "doc_number": str(data.get("doc_number") or ""), "index_no": str(data.get("index_no") or "")}

