"""Throughput of ``pubgate scan``: pages/s on 1 and 2 local Dask workers, the client's peak memory,
the speed-up of a rerun over an unchanged site, and an estimate for 1,000,000 pages.

Pages are real page texts recombined (paragraphs of ``../shared/data/pages/dev_real_pages.jsonl``,
shuffled into new pages) when that file is present, generated text otherwise. They are written to
a temporary directory and deleted afterwards; nothing is copied into the repository.

    python benchmarks/bench_scan.py [--pages 20000] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "pages" / "dev_real_pages.jsonl"
FILLER = ["会议研究部署了下一阶段重点工作。", "各单位要压实责任，确保各项任务落到实处。", "全县上下再接再励，推动高质量发展。",
          "活动现场群众纷纷点赞。", "截止目前，已完成年度目标的百分之八十。", "联系电话：0851-12345678。"]


def paragraphs() -> list[str]:
    if REAL_PAGES.is_file():
        out = []
        with open(REAL_PAGES, encoding="utf-8") as fh:
            for line in fh:
                out.extend(p for p in json.loads(line)["text"].split("\n") if len(p) > 8)
        return out
    return FILLER


def write_pages(root: Path, count: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    pool = paragraphs()
    chars = 0
    for i in range(count):
        folder = root / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        body = "".join(f"<p>{p}</p>" for p in rng.sample(pool, k=min(len(pool), rng.randint(2, 5))))
        chars += len(body)
        (folder / f"{i:06d}.html").write_text(
            f"<html><head><title>第{i}号信息</title></head><body><h1>第{i}号信息</h1>{body}</body></html>",
            encoding="utf-8")
    return chars // max(1, count)


class Meter:
    """Progress sink that times the checking phase and samples the client's resident memory."""

    def __init__(self):
        import psutil

        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self.first = self.last = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def start(self, total): ...
    def note(self, message): ...

    def advance(self, n=1):
        now = time.perf_counter()
        self.first = self.first or now
        self.last = now

    def stop(self):
        self._stop.set()


def run(site: Path, out: Path, workers: int) -> tuple[dict, float, Meter]:
    from pubgate.scan.engine import ScanOptions, run_scan

    meter = Meter()
    started = time.perf_counter()
    summary = run_scan(ScanOptions(sources=[str(site)], out=out, workers=workers, batch_size=16), meter)
    meter.stop()
    return summary, time.perf_counter() - started, meter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20000)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="pubgate-bench-scan-"))
    try:
        site = tmp / "site"
        avg = write_pages(site, args.pages)
        source = "real page texts recombined" if REAL_PAGES.is_file() else "generated text"
        print(f"{args.pages} pages ({source}, about {avg} characters of markup each), {os.cpu_count()} cores")
        rates, walls = {}, {}
        for n in workers:
            summary, wall, meter = run(site, tmp / f"out{n}", n)
            phase = (meter.last - meter.first) if meter.first and meter.last and meter.last > meter.first else wall
            rates[n], walls[n] = args.pages / phase, wall
            print(f"  {n} worker(s): {args.pages / wall:7.1f} pages/s overall ({wall:6.1f} s incl. cluster start and "
                  f"reports), {rates[n]:7.1f} pages/s while checking; findings {summary['findings']}; "
                  f"client peak RSS {meter.peak / 2**20:.0f} MB")
        if len(rates) > 1:
            lo, hi = min(rates), max(rates)
            print(f"  speed-up {hi} vs {lo} worker(s): {rates[hi] / rates[lo]:.2f}x")
        n = max(workers)
        first_wall = walls[n]
        summary, rerun_wall, meter = run(site, tmp / f"out{n}", n)
        assert summary["checked"] == 0, summary["checked"]
        print(f"  rerun, nothing changed ({n} workers): {rerun_wall:.1f} s vs {first_wall:.1f} s first scan "
              f"= {first_wall / rerun_wall:.0f}x faster; client peak RSS {meter.peak / 2**20:.0f} MB")
        per_worker = rates[n] / n
        for cluster in (2, 8, 32):
            hours = 1_000_000 / (per_worker * cluster) / 3600
            print(f"  estimate, 1,000,000 pages on {cluster:2d} workers: {hours:5.1f} h "
                  f"(at {per_worker:.0f} pages/s per worker, linear scaling assumed)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
