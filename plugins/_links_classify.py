"""Classify a URL for the commercial-link check: allow-list → category lists → tracking parameters.

Lists are data (``dictionaries/links/*.yml``, ``kind: link-domains`` / ``link-params`` /
``link-cues``) so data admins extend them without code. Domains are compared on the host the
Public Suffix List yields (``zj.gov.cn.evil.com`` is ``evil.com``), never by substring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from ._links_cues import CuePattern, find_cues, parse_cue_patterns
from ._links_urls import host_of, split_host

__all__ = ["DomainList", "LinkRules", "Verdict", "parse_rules", "classify"]

LISTS = ("allow", "ecommerce", "affiliate", "app-store", "ad-server", "short-link", "review")
# Evaluation order after the allow-list: the most specific commercial signal wins.
ORDER = ("affiliate", "ad-server", "app-store", "ecommerce", "short-link", "review")
DEFAULT_SEVERITY = {"ecommerce": "block", "affiliate": "block", "app-store": "block", "ad-server": "block",
                    "short-link": "warn", "review": "info", "allow": "info"}
GOV_SUFFIXES = ("gov.cn", "政务", "公益")


@dataclass
class DomainList:
    rule_id: str
    list: str
    severity: str
    message: str
    suggestion: str
    entries: list[tuple[str, str]]  # (host, path prefix)


@dataclass
class LinkRules:
    lists: list[DomainList] = field(default_factory=list)
    params: set[str] = field(default_factory=set)
    param_prefixes: tuple[str, ...] = ()
    param_values: dict[str, re.Pattern] = field(default_factory=dict)
    param_rule: str = "links.tracking-params"
    param_severity: str = "warn"
    param_message: str = "链接带有推广或广告跟踪参数（{param}），可能是商业推广链接"
    param_suggestion: str = "去掉跟踪参数，改用原始链接"
    cue_rule: str = "links.sales-cues"
    cue_severity: str = "warn"
    cue_message: str = "「{text}」为商品推销用语，疑似商业广告"
    cue_suggestion: str = "删除推销内容或链接"
    cue_phrases: tuple[str, ...] = ()
    cue_patterns: list[CuePattern] = field(default_factory=list)
    cue_suppress: tuple[str, ...] = ()
    cue_suppress_paragraph: tuple[str, ...] = ()
    _cue_re: re.Pattern | None = None
    _suppress_re: re.Pattern | None = None
    _suppress_paragraph_re: re.Pattern | None = None

    def cue_regex(self) -> re.Pattern | None:
        if self._cue_re is None and self.cue_phrases:
            self._cue_re = re.compile("|".join(map(re.escape, sorted(self.cue_phrases, key=len, reverse=True))))
        return self._cue_re

    def suppress_regex(self) -> re.Pattern | None:
        if self._suppress_re is None and self.cue_suppress:
            self._suppress_re = re.compile("|".join(map(re.escape, self.cue_suppress)))
        return self._suppress_re

    def suppress_paragraph_regex(self) -> re.Pattern | None:
        if self._suppress_paragraph_re is None and self.cue_suppress_paragraph:
            self._suppress_paragraph_re = re.compile("|".join(map(re.escape, self.cue_suppress_paragraph)))
        return self._suppress_paragraph_re

    def cues(self, mapped: str):
        """Sales-cue hits in one field's mapped text (see ``_links_cues.find_cues``)."""
        return find_cues(mapped, self.cue_regex(), self.cue_patterns, self.suppress_regex(),
                         self.suppress_paragraph_regex())


@dataclass(frozen=True)
class Verdict:
    list: str             # allow | ecommerce | … | tracking | unknown | relative
    rule: str
    severity: str
    message: str
    suggestion: str
    domain: str
    entry: str = ""


def _strings(value, path, key):
    from pubgate.dictionary_loader import DictionaryError

    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise DictionaryError(path, key, f"{key} 应为字符串列表", f"写成 {key}: [a, b]")
    return [str(v).strip() for v in value if str(v).strip()]


def parse_rules(files_by_kind: dict[str, list]) -> tuple[LinkRules, list]:
    """Build the rules from the dictionary files; returns (rules, errors)."""
    from pubgate.dictionary_loader import DictionaryError

    rules, errors = LinkRules(), []
    for f in files_by_kind.get("link-domains", []):
        d = f.data
        try:
            kind = d.get("list")
            if kind not in LISTS:
                raise DictionaryError(f.path, None, f"list 取值无效：{kind!r}", f"list 应为 {'、'.join(LISTS)} 之一")
            severity = str(d.get("severity") or DEFAULT_SEVERITY[kind])
            if severity not in ("info", "warn", "block"):
                raise DictionaryError(f.path, None, f"severity 取值无效：{severity!r}", "写 info、warn 或 block")
            entries = []
            for raw in _strings(d.get("domains"), f.path, "domains"):
                host, _, path = raw.lower().partition("/")
                if not host or " " in host:
                    raise DictionaryError(f.path, raw, "域名格式无效", "写成 example.com 或 example.com/路径前缀")
                entries.append((host, "/" + path if path else ""))
            rules.lists.append(DomainList(f.rule_id, kind, severity, str(d.get("message") or ""),
                                          str(d.get("suggestion") or ""), entries))
        except DictionaryError as err:
            errors.append(err)
    for f in files_by_kind.get("link-params", []):
        d = f.data
        try:
            rules.params |= {p.lower() for p in _strings(d.get("params"), f.path, "params")}
            rules.param_prefixes += tuple(p.lower() for p in _strings(d.get("prefixes"), f.path, "prefixes"))
            for name, pattern in (d.get("value_patterns") or {}).items():
                try:
                    rules.param_values[str(name).lower()] = re.compile(str(pattern), re.I)
                except re.error as exc:
                    raise DictionaryError(f.path, str(name), f"正则表达式无效：{exc}", "修正 value_patterns") from None
            rules.param_rule = f.rule_id
            rules.param_severity = str(d.get("severity") or rules.param_severity)
            rules.param_message = str(d.get("message") or rules.param_message)
            rules.param_suggestion = str(d.get("suggestion") or rules.param_suggestion)
        except DictionaryError as err:
            errors.append(err)
    for f in files_by_kind.get("link-cues", []):
        d = f.data
        try:
            rules.cue_phrases += tuple(_strings(d.get("phrases"), f.path, "phrases"))
            rules.cue_patterns += parse_cue_patterns(d.get("patterns"), f.path)
            rules.cue_suppress += tuple(_strings(d.get("suppress"), f.path, "suppress"))
            rules.cue_suppress_paragraph += tuple(_strings(d.get("suppress_paragraph"), f.path,
                                                           "suppress_paragraph"))
            rules.cue_rule = f.rule_id
            rules.cue_severity = str(d.get("severity") or rules.cue_severity)
            rules.cue_message = str(d.get("message") or rules.cue_message)
            rules.cue_suggestion = str(d.get("suggestion") or rules.cue_suggestion)
        except DictionaryError as err:
            errors.append(err)
    errors += _cue_example_errors(files_by_kind.get("link-cues", []), rules)
    return rules, errors


def _cue_example_errors(files, rules: LinkRules) -> list:
    """Run each cue pattern's flag/pass examples against the whole cue set, suppress words included."""
    from pubgate.dictionary_loader import DictionaryError
    from pubgate.normalize import normalize_chars

    errors = []
    for f in files:
        ids = {str(item.get("id")) for item in (f.data.get("patterns") or []) if isinstance(item, dict)}
        for p in (p for p in rules.cue_patterns if p.id in ids):
            for text in p.flag:
                if not any(h.entry == p.id for h in rules.cues(normalize_chars(text))):
                    errors.append(DictionaryError(f.path, p.id, f"示例「{text}」应被标出，但未命中",
                                                  "修正 pattern，或检查 suppress 词是否误把它取消"))
            for text in p.passes:
                if rules.cues(normalize_chars(text)):
                    errors.append(DictionaryError(f.path, p.id, f"示例「{text}」不应被标出，但命中了",
                                                  "收紧 pattern，或在 suppress / suppress_paragraph 中增加语境词"))
    return errors


def _host_matches(host: str, entry: str) -> bool:
    return host == entry or host.endswith("." + entry)


def _is_allowed(host: str, own_domains: tuple[str, ...], rules: LinkRules) -> str | None:
    parts = split_host(host)
    if parts.suffix in GOV_SUFFIXES or parts.suffix.endswith(".gov.cn"):
        return "gov"
    if any(_host_matches(host, d) or _host_matches(parts.host, d) for d in own_domains):
        return "own"
    for dl in rules.lists:
        if dl.list == "allow" and any(_host_matches(parts.host, h) for h, _ in dl.entries):
            return dl.rule_id
    return None


def classify(url: str, rules: LinkRules, own_domains: tuple[str, ...] = ()) -> Verdict | None:
    """The commercial verdict for one URL, or None (allowed, relative, or nothing found)."""
    host = host_of(url)
    if not host:
        return None
    if _is_allowed(host, own_domains, rules):
        return None
    parts = split_host(host)
    try:
        path = urlsplit(url if "://" in url else "http://" + url).path or "/"
    except ValueError:
        path = "/"
    by_list = {k: [dl for dl in rules.lists if dl.list == k] for k in ORDER}
    for kind in ORDER:
        for dl in by_list[kind]:
            for h, prefix in dl.entries:
                if _host_matches(parts.host, h) and (not prefix or path.startswith(prefix)):
                    return Verdict(kind, dl.rule_id, dl.severity, dl.message.format(domain=parts.host),
                                   dl.suggestion, parts.host, entry=h + prefix)
    if path.lower().endswith(".apk"):
        return Verdict("app-store", "commercial-link.apk", "block",
                       f"链接为安卓应用安装包下载（{parts.host}），政府网站不得推广商业应用下载",
                       "删除下载链接；政务应用请链接本单位官方页面或政务服务平台", parts.host)
    try:
        query = urlsplit(url if "://" in url else "http://" + url).query
    except ValueError:
        query = ""
    if query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            key = name.lower()
            hit = key in rules.params or any(key.startswith(p) for p in rules.param_prefixes)
            if hit and key in rules.param_values and not rules.param_values[key].search(value):
                hit = False
            if hit:
                return Verdict("tracking", rules.param_rule, rules.param_severity,
                               rules.param_message.format(param=name), rules.param_suggestion, parts.host,
                               entry=key)
    return None
