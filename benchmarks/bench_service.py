"""Throughput and latency of ``POST /api/v1/check`` on loopback, beside the in-process check time.

    python benchmarks/bench_service.py [--seconds 10] [--concurrency 1,4,8] [--threads 8]

Serves the app with waitress (as ``pubgate serve`` does) on 127.0.0.1 with a temporary SQLite
database and the shipped gate, then drives it with keep-alive HTTP clients posting typical
~3,000-character drafts. Every request appends one audit event (BEGIN IMMEDIATE), so the figures
include the write. In-process figures: ``gate.check`` alone on the same drafts, in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import drafts_of, load_text  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def in_process(gate, drafts: list[dict], seconds: float) -> list[float]:
    times, deadline, i = [], time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        gate.check(drafts[i % len(drafts)])
        times.append((time.perf_counter() - started) * 1000)
        i += 1
    return times


def drive(port: int, bodies: list[bytes], seconds: float, concurrency: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, i = [], k
        while time.perf_counter() < deadline:
            body = bodies[i % len(bodies)]
            started = time.perf_counter()
            conn.request("POST", "/api/v1/check", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                with lock:
                    errors[0] += 1
            i += concurrency
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run")
    parser.add_argument("--concurrency", default="1,4,8", help="client counts to try, comma-separated")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--gate", choices=("shipped", "minimal"), default="shipped",
                        help="shipped checks, or a two-rule dictionary gate to isolate the service's own cost")
    args = parser.parse_args(argv)

    import logging

    from waitress.server import create_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" at 8 clients

    from pubgate import Gate, GateConfig
    from pubgate.service import create_app

    drafts = drafts_of(load_text(60_000))[:20]
    sizes = [len(d["body"]) for d in drafts]
    if args.gate == "minimal":
        from pubgate.service.testing import fixture_gate

        gate = fixture_gate(tempfile.mkdtemp())
    else:
        gate = Gate(GateConfig.from_env())
    gate.check(drafts[0])  # warm caches
    local = in_process(gate, drafts, min(args.seconds, 5))
    print(f"drafts: {len(drafts)} × ~{statistics.mean(sizes):.0f} characters; ruleset {gate.ruleset}; "
          f"checks {len(gate.checks)}")
    print(f"in-process gate.check: p50 {pct(local, .5):.2f} ms, p99 {pct(local, .99):.2f} ms, "
          f"{1000 / statistics.mean(local):.0f} checks/s on one thread")

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE": str(Path(tmp) / "bench.db"), "GATE": gate})
        server = create_server(app, host="127.0.0.1", port=0, threads=args.threads)
        port = server.effective_port
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        bodies = [json.dumps(d, ensure_ascii=False).encode("utf-8") for d in drafts]
        drive(port, bodies, 1.0, 2)  # warm up
        for concurrency in [int(c) for c in args.concurrency.split(",")]:
            latencies, errors = drive(port, bodies, args.seconds, concurrency)
            print(f"HTTP POST /api/v1/check, {concurrency:>2} clients: {len(latencies) / args.seconds:7.1f} req/s, "
                  f"p50 {pct(latencies, .5):6.2f} ms, p99 {pct(latencies, .99):6.2f} ms, errors {errors}")
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        server.close()
        from pubgate import audit
        from pubgate.migrations import open_db

        db = open_db(Path(tmp) / "bench.db")
        result = audit.verify(db)
        db.close()
        print(f"audit events written: {result.count}, chain verified: {result.ok}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
