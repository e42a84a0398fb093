"""错断链: links and images that do not open. Off by default: it needs the network.

Enable per site with ``check_broken_links = true`` in the settings. Other settings:
``broken_links_timeout`` (8 s), ``broken_links_max_redirects`` (5), ``broken_links_max_links`` (50 per
draft), ``broken_links_cache_seconds`` (3600), ``broken_links_workers`` (8), ``allow_private_hosts``
(false: links to intranet or loopback addresses are reported without being requested),
``base_url`` (resolves relative links; without it they are skipped).

The contract has no broken-link category: findings are ``format``, or ``interpretation_link`` when
the broken link is the draft's related interpretation or policy page (handbook, "How findings map").
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

from pubgate import BaseCheck, Category, Severity, hookimpl

from ._links_fetch import ProbeCache, probe
from ._links_urls import document_urls

_CACHE = ProbeCache()


def _absolute(url: str, base: str | None) -> str | None:
    url = url.strip()
    if url.startswith(("mailto:", "tel:", "javascript:", "data:", "#")) or not url:
        return None
    if url.startswith("//"):
        return "https:" + url
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return url
    if scheme:
        return None
    if url.lower().startswith("www.") or ("/" not in url.split(".")[0] and "." in url.split("/")[0]
                                          and not url.startswith((".", "/"))):
        return "http://" + url
    return urljoin(base, url) if base else None


class BrokenLinks(BaseCheck):
    id = "broken-link"
    category = Category.FORMAT
    severity = Severity.WARN
    description = "错断链：正文链接、图片和关联链接无法访问（需联网，默认关闭）"
    version = "1"
    cache = _CACHE

    def run(self, doc):
        settings = doc.settings or {}
        if not settings.get("check_broken_links"):
            return
        base = settings.get("base_url")
        timeout = float(settings.get("broken_links_timeout", 8))
        redirects = int(settings.get("broken_links_max_redirects", 5))
        allow_private = bool(settings.get("allow_private_hosts", False))
        ttl = float(settings.get("broken_links_cache_seconds", 3600))
        limit = int(settings.get("broken_links_max_links", 50))

        targets: list[tuple[str, object]] = []   # (absolute url, ref or related dict)
        for ref in document_urls(doc):
            absolute = _absolute(ref.url, base)
            if absolute:
                targets.append((absolute, ref))
        for rel in doc.draft.related:
            absolute = _absolute(str(rel.get("url", "")), base)
            if absolute:
                targets.append((absolute, rel))
        unique = list(dict.fromkeys(url for url, _ in targets))[:limit]

        def check(url: str):
            key = (url, allow_private, redirects)
            cached = self.cache.get(key)
            if cached is not None:
                return cached
            result = probe(url, timeout=timeout, max_redirects=redirects, allow_private=allow_private)
            # Unknown outcomes (timeouts, 429) are retried sooner than definite ones.
            self.cache.put(key, result, ttl if result.state in ("ok", "broken", "private") else min(ttl, 300))
            return result

        if len(unique) > 1:
            with ThreadPoolExecutor(max_workers=min(int(settings.get("broken_links_workers", 8)), len(unique))) as pool:
                results = dict(zip(unique, pool.map(check, unique)))
        else:
            results = {u: check(u) for u in unique}

        stage_severity = {"submit": "warn", "publish": "block",
                          **(settings.get("interpretation_missing_severity") or {})}
        for url, target in targets:
            result = results.get(url)
            if result is None or result.state == "ok":
                continue
            if result.state == "unknown":
                severity, verb = "info", "无法确认链接是否有效"
            elif result.state == "private":
                severity, verb = "warn", "链接公众无法访问"
            else:
                severity, verb = "warn", "链接无法访问（错断链）"
            if isinstance(target, dict):
                relation = target.get("relation")
                category = "interpretation_link" if relation in ("interpretation", "policy") else "format"
                if category == "interpretation_link" and result.state != "unknown":
                    severity = stage_severity.get(doc.stage, "warn")
                label = {"interpretation": "关联的政策解读", "policy": "关联的政策原文"}.get(relation, "关联链接")
                yield self.finding(doc, "meta", None, None,
                                   f"{label}「{target.get('title', '')}」{verb}：{result.detail}（{url}）",
                                   "更正或替换为有效链接", rule=f"broken-link.related-{result.state}",
                                   severity=severity, category=category)
            else:
                field = target.field
                what = "图片或嵌入资源" if target.source == "src" else "链接"
                yield self.finding(doc, field, target.start, target.end,
                                   f"{what}{verb}：{result.detail}（{url}）", "更正或删除该链接",
                                   rule=f"broken-link.{result.state}", severity=severity)


@hookimpl
def pubgate_register_checks(register):
    register(BrokenLinks())
