"""Dead links as the indicators count them (可用性): links, images and attachments that do not open,
on the home page (each one −0.2) and on other pages (each one −0.1), one point at most.

Workers return each web page's distinct links with its result. After the pages, every distinct
link of the scan goes into ``link_checks`` once (its primary key is the cache every page shares),
and only links not yet probed in this scan are requested, so a resumed scan does not probe twice.
Requests go through the scan's polite fetcher (per-host rate, bounded concurrency, timeouts).
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from .fetch import USER_AGENT
from .store import ScanStore

__all__ = ["LinkProbe", "check_links", "probe", "dead_link_counts", "DEAD_STATES"]

DEAD_STATES = ("broken", "private")
_CHUNK = 200


@dataclass(frozen=True)
class LinkProbe:
    url: str
    state: str           # ok | broken | unknown | private
    status: int | None
    detail: str


def _private(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return False  # the request itself reports the unresolvable name
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved:
            return True
    return False


def probe(url: str, fetcher, allow_private: bool = False) -> LinkProbe:
    """HEAD the link (GET when the server refuses HEAD); 404/410/5xx and failures are broken."""
    host = urlsplit(url).hostname or ""
    if not allow_private and _private(host):
        return LinkProbe(url, "private", None, f"链接指向内网或本机地址（{host}），公众无法访问")
    status = None
    for method in ("HEAD", "GET"):
        fetcher.wait_turn(url)
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=fetcher.timeout) as response:
                return LinkProbe(url, "ok", response.status, "")
        except urllib.error.HTTPError as exc:
            status = exc.code
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue  # some servers refuse HEAD only
            break
        except (socket.timeout, TimeoutError):
            return LinkProbe(url, "unknown", None, f"访问超时（{fetcher.timeout:g} 秒），无法确认")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return LinkProbe(url, "broken", None, f"无法连接（{reason}）")
    if status in (401, 403, 429):
        return LinkProbe(url, "unknown", status, f"服务器拒绝访问（HTTP {status}），无法确认")
    return LinkProbe(url, "broken", status, f"服务器返回 HTTP {status}")


def check_links(store: ScanStore, scan_id: int, sites: list, fetcher, progress) -> dict | None:
    """Probe every distinct link of the scan's web pages once; return the indicator counts."""
    conn = store.conn
    any_links = False
    with conn:
        for _url, _home, links in store.pages_with_links(scan_id):
            any_links = True
            conn.executemany("INSERT OR IGNORE INTO link_checks (scan_id, url, state) VALUES (?, ?, 'pending')",
                             [(scan_id, link) for link in links])
    if not any_links:
        return None
    pending = [row[0] for row in conn.execute(
        "SELECT url FROM link_checks WHERE scan_id = ? AND state = 'pending' ORDER BY url", (scan_id,))]
    if pending:
        progress.note(f"检查链接可用性：{len(pending)} 个不同的链接")
    allow_private = any(s.allow_private_hosts for s in sites)
    with ThreadPoolExecutor(fetcher.concurrency, thread_name_prefix="pubgate-links") as pool:
        for i in range(0, len(pending), _CHUNK):  # committed chunk by chunk: a resumed scan keeps them
            chunk = pending[i:i + _CHUNK]
            store.record_links(scan_id, list(pool.map(lambda u: probe(u, fetcher, allow_private), chunk)))
    return dead_link_counts(store, scan_id)


def dead_link_counts(store: ScanStore, scan_id: int, examples: int = 200) -> dict:
    """首页 and 其他页面 dead-link occurrences (a link counts once per page it stands on)."""
    dead = {row["url"]: row for row in store.conn.execute(
        f"SELECT * FROM link_checks WHERE scan_id = ? AND state IN ({','.join('?' * len(DEAD_STATES))})",
        (scan_id, *DEAD_STATES))}
    probed = store.conn.execute("SELECT COUNT(*) FROM link_checks WHERE scan_id = ?", (scan_id,)).fetchone()[0]
    home = other = 0
    listed = []
    for url, is_home, links in store.pages_with_links(scan_id):
        for link in links:
            if link in dead:
                if is_home:
                    home += 1
                else:
                    other += 1
                if len(listed) < examples:
                    listed.append({"page": url, "link": link, "status": dead[link]["status"],
                                   "detail": dead[link]["detail"], "home": is_home})
    return {"home": home, "other": other, "distinct_links": probed, "distinct_dead": len(dead),
            "deduction": round(min(1.0, 0.2 * home + 0.1 * other), 1), "examples": listed}
