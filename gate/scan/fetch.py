"""Fetching pages politely: robots.txt, a per-host request rate, bounded concurrency and timeouts.

Government sites are often small servers behind strict firewalls; an inspector's scan must not look
like an attack. So every host gets at most ``rate`` requests a second (slower if its robots.txt asks
for a Crawl-delay), at most ``concurrency`` requests run at once over all hosts, a page disallowed
by robots.txt is reported and not fetched, and nothing waits longer than ``timeout``. Only the
standard library is used.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ElementTree
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from .sources import DEFAULT_MAX_BYTES, Page, _content_kind, charset_of

__all__ = ["Fetcher", "url_list", "sitemap_urls", "USER_AGENT"]

USER_AGENT = "pubgate-scan/1.0 (+government website self-inspection)"
_SITEMAP_DEPTH = 3


class _HostThrottle:
    """The earliest moment each host may be asked again."""

    def __init__(self, interval: float):
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, interval: float | None = None) -> None:
        gap = max(self.interval, interval or 0.0)
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + gap
        if slot > now:
            time.sleep(slot - now)


class Fetcher:
    def __init__(self, *, concurrency: int = 4, rate: float = 2.0, timeout: float = 10.0,
                 max_bytes: int = DEFAULT_MAX_BYTES, respect_robots: bool = True):
        self.concurrency = max(1, concurrency)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.respect_robots = respect_robots
        self._throttle = _HostThrottle(1.0 / rate if rate > 0 else 0.0)
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_lock = threading.Lock()

    # -- one request ---------------------------------------------------------------------------
    def wait_turn(self, url: str) -> None:
        """Block until the URL's host may be asked again (rate limit and Crawl-delay)."""
        self._throttle.wait(urlsplit(url).netloc, self._crawl_delay(url))

    def get(self, url: str) -> tuple[int, str, bytes]:
        """(status, content type, body up to max_bytes + 1) of one polite GET; raises on failure."""
        self.wait_turn(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                       "Accept-Language": "zh-CN,zh;q=0.9"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read(self.max_bytes + 1)

    def fetch(self, url: str, source: str = "") -> Page:
        """One page, or an error row saying why it could not be had."""
        if self.respect_robots and not self._allowed(url):
            return Page(url, None, source=source, web=True, error="robots.txt 不允许抓取该页面，未检查")
        try:
            status, content_type, data = self.get(url)
        except urllib.error.HTTPError as exc:
            return Page(url, None, source=source, web=True, error=f"页面无法打开（HTTP {exc.code}）")
        except (socket.timeout, TimeoutError):
            return Page(url, None, source=source, web=True, error=f"访问超时（{self.timeout:g} 秒）")
        except urllib.error.URLError as exc:
            reason = exc.reason if not isinstance(exc.reason, socket.timeout) else f"超时 {self.timeout:g} 秒"
            return Page(url, None, source=source, web=True, error=f"无法连接（{reason}）")
        except (OSError, ValueError) as exc:
            return Page(url, None, source=source, web=True, error=f"无法访问（{type(exc).__name__}：{exc}）")
        kind = _content_kind(content_type)
        if kind is None:
            return Page(url, None, source=source, web=True,
                        error=f"不是网页（{content_type.split(';')[0]}），未检查")
        if len(data) > self.max_bytes:
            return Page(url, None, kind, source=source, web=True,
                        error=f"页面超过 {self.max_bytes / (1024 * 1024):g} MB 的上限，未检查")
        return Page(url, data, kind, charset_of(content_type), source=source, web=True)

    def fetch_all(self, urls: Iterable[str], source: str = "") -> Iterator[Page]:
        """Fetch in parallel, yielding in the order given, with a bounded number of pages held."""
        pending: deque = deque()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="pubgate-fetch") as pool:
            for url in urls:
                pending.append(pool.submit(self.fetch, url, source))
                if len(pending) >= 2 * self.concurrency:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    # -- robots.txt ----------------------------------------------------------------------------
    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:
            if key in self._robots:
                return self._robots[key]
            parser = urllib.robotparser.RobotFileParser(key + "/robots.txt")
            try:
                self._throttle.wait(parts.netloc)
                request = urllib.request.Request(key + "/robots.txt", headers={"User-Agent": USER_AGENT})
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    parser.parse(response.read(512 * 1024).decode("utf-8", "replace").splitlines())
            except urllib.error.HTTPError as exc:
                # No robots.txt (4xx) allows everything, as the standard says.
                parser = None if exc.code >= 400 else parser
            except (OSError, ValueError):
                parser = None  # unreachable robots.txt: the page fetch will report the real problem
            self._robots[key] = parser
            return parser

    def _allowed(self, url: str) -> bool:
        parser = self._robots_for(url)
        return parser is None or parser.can_fetch(USER_AGENT, url)

    def _crawl_delay(self, url: str) -> float | None:
        parts = urlsplit(url)
        parser = self._robots.get(f"{parts.scheme}://{parts.netloc}")
        delay = parser.crawl_delay(USER_AGENT) if parser is not None else None
        return float(delay) if delay else None


def url_list(path: str) -> Iterator[str]:
    """The URLs of a list file: one a line; blank lines and ``#`` comments are skipped."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def sitemap_urls(location: str, fetcher: Fetcher, depth: int = 0) -> Iterator[str]:
    """Page URLs of a sitemap (file or URL, plain or gzipped), following sitemap indexes."""
    if location.lower().startswith(("http://", "https://")):
        _status, _type, data = fetcher.get(location)
    else:
        data = Path(location).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    root = ElementTree.fromstring(data)
    is_index = root.tag.rsplit("}", 1)[-1] == "sitemapindex"
    for loc in root.iter():
        if loc.tag.rsplit("}", 1)[-1] != "loc" or not (loc.text or "").strip():
            continue
        url = loc.text.strip()
        if is_index and depth < _SITEMAP_DEPTH:
            yield from sitemap_urls(url, fetcher, depth + 1)
        elif not is_index:
            yield url
