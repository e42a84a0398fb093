"""A small, guarded HTTP link prober (standard library only) with an in-process TTL cache.

HEAD first, GET when a server refuses HEAD; redirects followed by hand (at most ``max_redirects``)
so every hop passes the SSRF guard: only http/https, and no private, loopback, link-local or
reserved address unless the site allows private hosts. Bodies are never read beyond a small cap.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

__all__ = ["ProbeResult", "probe", "ProbeCache", "is_public_host"]

USER_AGENT = "pubgate-linkcheck/1.0 (+government website publishing gate)"
BROKEN_STATUSES = frozenset({404, 410}) | frozenset(range(500, 600))
UNKNOWN_STATUSES = frozenset({401, 403, 429, 999})
SOFT_404 = ("页面不存在", "页面已删除", "您访问的页面不存在", "404 Not Found", "信息已删除", "该页面已被删除",
            "找不到页面", "页面未找到")
_BODY_CAP = 32 * 1024


@dataclass(frozen=True)
class ProbeResult:
    url: str
    state: str          # ok | broken | unknown | private
    status: int | None
    detail: str         # Chinese explanation
    final_url: str = ""


def _addresses(host: str) -> list[ipaddress._BaseAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def is_public_host(host: str) -> bool:
    """False when any address of the host is private, loopback, link-local, reserved or multicast."""
    if host.endswith((".local", ".localhost", ".internal", ".lan")) or host == "localhost":
        return False
    for addr in _addresses(host):
        if (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved
                or addr.is_multicast or addr.is_unspecified):
            return False
    return True


def _request(method: str, url: str, timeout: float):
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, headers={"User-Agent": USER_AGENT, "Accept": "*/*",
                                            "Accept-Language": "zh-CN,zh;q=0.9"})
        resp = conn.getresponse()
        body = resp.read(_BODY_CAP) if method == "GET" else b""
        return resp.status, resp.getheader("Location"), body
    finally:
        conn.close()


def probe(url: str, *, timeout: float = 8.0, max_redirects: int = 5, allow_private: bool = False) -> ProbeResult:
    current = url
    for _hop in range(max_redirects + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return ProbeResult(url, "broken", None, f"不支持的链接协议或地址无效：{current}")
        if not allow_private:
            try:
                public = is_public_host(parts.hostname)
            except (socket.gaierror, UnicodeError, OSError):
                return ProbeResult(url, "broken", None, f"域名无法解析（{parts.hostname}）")
            if not public:
                return ProbeResult(url, "private", None, f"链接指向内网或本机地址（{parts.hostname}），公众无法访问")
        try:
            status, location, body = _request("HEAD", current, timeout)
            if status in (405, 403, 501) or status >= 500:
                status, location, body = _request("GET", current, timeout)
            elif 200 <= status < 300:
                body = None
        except socket.timeout:
            return ProbeResult(url, "unknown", None, f"访问超时（{timeout:g} 秒）")
        except (ssl.SSLError, ssl.CertificateError) as exc:
            return ProbeResult(url, "broken", None, f"HTTPS 证书或加密连接错误（{type(exc).__name__}）")
        except (OSError, http.client.HTTPException) as exc:
            return ProbeResult(url, "broken", None, f"无法连接（{type(exc).__name__}）")
        if 300 <= status < 400 and location:
            nxt = urljoin(current, location)
            if urlsplit(nxt).path in ("", "/") and urlsplit(url).path not in ("", "/"):
                return ProbeResult(url, "broken", status, "链接被重定向到网站首页，原页面可能已删除", nxt)
            current = nxt
            continue
        if status in BROKEN_STATUSES:
            return ProbeResult(url, "broken", status, f"服务器返回 HTTP {status}", current)
        if status in UNKNOWN_STATUSES:
            return ProbeResult(url, "unknown", status, f"服务器拒绝访问（HTTP {status}），无法确认", current)
        if body:
            text = body.decode("utf-8", "ignore")
            if any(w in text for w in SOFT_404) and len(text) < 8000:
                return ProbeResult(url, "broken", status, "页面内容提示“页面不存在或已删除”", current)
        return ProbeResult(url, "ok", status, "", current)
    return ProbeResult(url, "broken", None, f"重定向次数超过 {max_redirects} 次")


class ProbeCache:
    """Results per URL for ``ttl`` seconds (in-process, thread-safe, bounded)."""

    def __init__(self, ttl: float = 3600.0, max_items: int = 10_000):
        self.ttl = ttl
        self.max_items = max_items
        self._data: dict[tuple, tuple[float, ProbeResult]] = {}
        self._lock = threading.Lock()

    def get(self, key) -> ProbeResult | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._data[key]
                return None
            return item[1]

    def put(self, key, result: ProbeResult, ttl: float | None = None) -> None:
        with self._lock:
            if len(self._data) >= self.max_items:
                now = time.monotonic()
                for k in [k for k, (exp, _) in self._data.items() if exp < now] or list(self._data)[:1000]:
                    self._data.pop(k, None)
            self._data[key] = (time.monotonic() + (self.ttl if ttl is None else ttl), result)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
