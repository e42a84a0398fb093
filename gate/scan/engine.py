"""The scan's client side: read sources, skip what the store already holds, stream batches to Dask.

The client never holds more than ``window`` batches: sources are generators, results are written
to the store as they return, and the reports are built from the store afterwards. Memory therefore
stays flat whatever the site size. The cluster is started only when a page needs checking, so a
rerun over an unchanged site costs reading and hashing, not a cluster start-up.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from ..config import GateConfig
from .metadata import SiteMapping, pick_site
from .sources import DEFAULT_MAX_BYTES, Page, SourceSpec, classify, count_pages, iter_pages
from .store import ScanStore

__all__ = ["ScanOptions", "ScanError", "run_scan", "NullProgress"]


class ScanError(RuntimeError):
    """A scan that cannot go on (cluster unreachable, workers on another ruleset); message in Chinese."""


@dataclass
class ScanOptions:
    sources: list[str]
    out: Path
    scheduler: str | None = None
    workers: int | None = None       # LocalCluster processes (default: cores); 0 checks in this process
    resume: bool = False
    batch_size: int = 16
    max_bytes: int = DEFAULT_MAX_BYTES
    config: GateConfig = field(default_factory=GateConfig)
    sites: list[SiteMapping] = field(default_factory=list)
    concurrency: int = 4
    rate: float = 2.0
    timeout: float = 10.0
    robots: bool = True
    check_links: bool = True


class NullProgress:
    """The progress interface ``run_scan`` reports to; the CLI's is a rich progress bar."""

    def start(self, total: int | None) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def note(self, message: str) -> None: ...
    def stop(self) -> None: ...


class InProcessExecutor:
    """Checks in this process: for debugging and small trees (``--workers 0``)."""

    dashboard = None
    workers = 1

    def map_stream(self, batches: Iterator[list], spec: dict, window: int) -> Iterator[list[dict]]:
        from .worker import check_batch

        for batch in batches:
            yield check_batch(batch, spec)

    def close(self) -> None: ...


class DaskExecutor:
    """An embedded LocalCluster (one single-threaded worker process per core) or an existing
    scheduler; started on the first batch."""

    def __init__(self, scheduler: str | None, workers: int | None, progress):
        self.scheduler, self.n_workers, self.progress = scheduler, workers, progress
        self.client = self.cluster = None
        self.dashboard = None
        self.workers = 0

    def _start(self, spec: dict) -> None:
        from distributed import Client, LocalCluster

        from .worker import GatePlugin

        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout="20s")
            else:
                self.cluster = LocalCluster(n_workers=self.n_workers or os.cpu_count() or 1, threads_per_worker=1,
                                            processes=True, dashboard_address=":0",  # a free port: scans may run side by side
                                            silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            raise ScanError(f"无法连接 Dask 调度器 {self.scheduler}（{exc}）") from None
        services = self.client.scheduler_info().get("services", {})
        self.dashboard = self.client.dashboard_link if "dashboard" in services else None
        self.workers = sum(self.client.nthreads().values())
        if not self.workers:
            self.client.wait_for_workers(1, timeout=60)
            self.workers = sum(self.client.nthreads().values())
        self.progress.note(f"Dask 集群：{self.workers} 个工作线程" +
                           (f"，仪表盘 {self.dashboard}{_bokeh_note()}" if self.dashboard else "，未开启仪表盘"))
        self.client.register_plugin(GatePlugin(spec))  # every worker builds and warms the gate once

    def map_stream(self, batches: Iterator[list], spec: dict, window: int) -> Iterator[list[dict]]:
        from distributed import as_completed

        from .worker import check_batch

        pending = None
        for batch in batches:
            if self.client is None:
                self._start(spec)
                pending = as_completed()
                window = max(window, 3 * self.workers)
            pending.add(self.client.submit(check_batch, batch, spec, pure=False))
            while pending.count() >= window:
                yield _collect(next(pending))
        if pending is not None:
            for future in pending:
                yield _collect(future)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _collect(future) -> list[dict]:
    result = future.result()
    future.release()
    return result


def _bokeh_note() -> str:
    try:
        import bokeh  # noqa: F401 - the dashboard's charts need it
    except ImportError:
        return "（安装 bokeh 后可显示图表）"
    return ""


def scan_ruleset(gate_ruleset: str, sites: list[SiteMapping]) -> str:
    """The gate's ruleset, plus the site mappings' digest when there are any (they change doc types)."""
    return gate_ruleset if not sites else gate_ruleset + "+" + "".join(s.digest for s in sites)[:8]


def run_scan(options: ScanOptions, progress=None, executor=None) -> dict:
    """Scan the sources into ``options.out``; return the scan's summary (also written there)."""
    from ..engine import Gate
    from .fetch import Fetcher
    from .links import check_links
    from .outputs import write_outputs

    progress = progress or NullProgress()
    started = time.perf_counter()
    gate = Gate(options.config)  # cheap: dictionaries and models load on first check, on the workers
    ruleset = scan_ruleset(gate.ruleset, options.sites)
    store = ScanStore.in_dir(options.out)
    try:
        scan_id, sources, resumed = _open_scan(store, options, ruleset, progress)
        specs = [classify(s) for s in sources]
        executor = executor or (InProcessExecutor() if options.workers == 0 and not options.scheduler
                                else DaskExecutor(options.scheduler, options.workers, progress))
        fetcher = Fetcher(concurrency=options.concurrency, rate=options.rate, timeout=options.timeout,
                          max_bytes=options.max_bytes, respect_robots=options.robots)
        counts = [count_pages(s) for s in specs]
        progress.start(None if None in counts else sum(counts))
        if resumed:
            progress.advance(store.count_pages(scan_id))  # pages the interrupted run finished
        tally = {"checked": 0, "reused": 0}
        # The expected ruleset is part of the spec, so a worker that kept a gate from before a
        # dictionary edit (same paths, new contents) builds a fresh one instead of reusing it.
        spec = {"config": asdict(options.config), "sites": [s.to_dict() for s in options.sites],
                "ruleset": gate.ruleset}
        pages = _pages(specs, options, fetcher, (lambda url: store.has_page(scan_id, url)) if resumed else None)
        batches = _batches(pages, store, scan_id, ruleset, options.batch_size, tally, progress)
        try:
            for results in executor.map_stream(batches, spec, window=4):
                for r in results:
                    if r["ruleset"] != gate.ruleset:
                        raise ScanError(f"工作节点的规则集 {r['ruleset']} 与本机 {gate.ruleset} 不一致："
                                        "请让集群各节点安装相同版本的 pubgate，并能读取同样的词库目录")
                store.record(scan_id, ruleset, results, [])
                tally["checked"] += len(results)
                progress.advance(len(results))
        finally:
            executor.close()
            progress.stop()
        dead = check_links(store, scan_id, options.sites, fetcher, progress) if options.check_links else None
        stats = {"scan_id": scan_id, "resumed": resumed, "sources": sources, "workers": executor.workers,
                 "dashboard": executor.dashboard,
                 "site": options.sites[0].name if options.sites else "", "checked": tally["checked"], "skipped_unchanged": tally["reused"],
                 "elapsed_seconds": round(time.perf_counter() - started, 2), "dead_links": dead}
        summary = write_outputs(store, scan_id, Path(options.out), stats)
        store.finish_scan(scan_id, summary)
        return summary
    finally:
        store.close()


def _open_scan(store: ScanStore, options: ScanOptions, ruleset: str, progress) -> tuple[int, list[str], bool]:
    """The scan to run: the unfinished one with --resume (same ruleset), else a new one."""
    if options.resume:
        row = store.unfinished_scan()
        if row is not None and row["ruleset"] == ruleset:
            sources = options.sources or json.loads(row["sources"])
            progress.note(f"继续第 {row['id']} 次扫描：已完成 {store.count_pages(row['id'])} 个页面，跳过这些页面")
            return row["id"], sources, True
        progress.note("没有可继续的扫描（不存在或规则集已变），开始新的扫描")
    if not options.sources:
        raise ScanError("没有给出要扫描的来源（SOURCE）")
    store.abandon_unfinished()
    return store.start_scan(ruleset, options.sources), options.sources, False


def _pages(specs: list[SourceSpec], options: ScanOptions, fetcher, skip) -> Iterator[Page]:
    """All sources' pages in order; a source that breaks off becomes an error row, not a stopped scan."""
    for spec in specs:
        site = pick_site(options.sites, spec.value) if len(options.sites) != 1 else options.sites[0]
        try:
            yield from iter_pages(spec, max_bytes=options.max_bytes, skip=skip or (lambda url: False),
                                  fetcher=fetcher, url_for=site.url_for if options.sites else None)
        except Exception as exc:  # a sitemap that will not parse, a tree that vanished mid-walk
            yield Page(spec.value, None, source=spec.value, error=f"来源无法读取（{type(exc).__name__}：{exc}）")


def _batches(pages: Iterator[Page], store: ScanStore, scan_id: int, ruleset: str, size: int,
             tally: dict, progress) -> Iterator[list[Page]]:
    """Batches of pages that need the gate; pages whose result is stored, and unreadable pages,
    are recorded here without leaving the client."""
    batch: list[Page] = []
    reused: list[tuple[str, str]] = []
    errors: list[dict] = []

    def flush() -> None:
        if reused or errors:
            store.record(scan_id, ruleset, errors, reused)
            progress.advance(len(reused) + len(errors))
            tally["reused"] += len(reused)
            reused.clear()
            errors.clear()

    for page in pages:
        sha = page.sha256
        if page.error:
            errors.append({"url": page.url, "sha256": sha, "status": "error", "error": page.error,
                           "meta": {"source": page.source, "is_home": False}})
        elif store.has_result(page.url, sha, ruleset):
            reused.append((page.url, sha))
        else:
            batch.append(page)
            if len(batch) >= size:
                flush()
                yield batch
                batch = []
            continue
        if len(reused) + len(errors) >= 256:
            flush()
    flush()
    if batch:
        yield batch
