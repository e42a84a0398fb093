"""Throughput and latency of ``POST /api/v1/check`` on loopback, beside the in-process check time.

    python benchmarks/bench_service.py [--seconds 10] [--concurrency 1,4,8] [--threads 8] [--workers 1,2]

Serves the app with waitress (as ``pubgate serve --workers 1`` does) on 127.0.0.1 with a temporary SQLite
database and the shipped gate, then drives it with keep-alive HTTP clients posting typical
~3,000-character drafts. Every request appends one audit event (BEGIN IMMEDIATE), so the figures
include the write. In-process figures: ``gate.check`` alone on the same drafts, in the same run.

Then, for each N of ``--workers``, starts the real ``pubgate serve --workers N`` as a subprocess (its own
database, the rate limit off) and prints: the first check after the "listening" line beside the warm
sequential p50/p99, requests/s with ``--load-clients`` concurrent clients (and the ratio to the first N),
and each process's memory: RSS, and USS (private pages: what it does not share with the others).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
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


LISTENING = re.compile(r"http://127\.0\.0\.1:(\d+)/ 监听")


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, USS) of one process in MB; USS = private clean + private dirty (what only it holds)."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":"):
                fields[parts[0][:-1]] = int(parts[1])
    return fields["Rss"] / 1024, (fields["Private_Clean"] + fields["Private_Dirty"]) / 1024


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def serve_subprocess(workers: int, bodies: list[bytes], seconds: float, clients: int, tmp: str) -> dict:
    """Start ``pubgate serve --workers N``, measure it, stop it with SIGTERM."""
    env = {**os.environ, "PUBGATE_CHECK_RATE_LIMIT": "", "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pubgate.cli", "serve", "--port", "0", "--workers", str(workers),
                             "--db", str(Path(tmp) / f"serve-{workers}.db")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp)
    port = None
    for line in proc.stdout:
        found = LISTENING.search(line)
        if found:
            port = int(found.group(1))
            break
    if port is None:
        raise RuntimeError(f"pubgate serve --workers {workers} did not start")
    listening = time.perf_counter() - started
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    try:
        first, _ = drive_once(port, bodies[0])
        warm, errors = drive(port, bodies, min(seconds, 5), 1)
        load, load_errors = drive(port, bodies, seconds, clients)
        pids = [proc.pid] + children(proc.pid)
        memory = {pid: memory_mb(pid) for pid in pids if os.path.exists(f"/proc/{pid}")}
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    return {"listening_s": listening, "first_ms": first, "p50": pct(warm, .5), "p99": pct(warm, .99),
            "rps": len(load) / seconds, "errors": errors + load_errors, "memory": memory, "parent": proc.pid,
            "exit": code}


def parallel_ceiling(processes: int, seconds: float = 3.0) -> float:
    """How much more pure-Python work ``processes`` forked processes do than one, on this machine now:
    the most the service can gain from as many workers (other load on the machine lowers it)."""
    def burn() -> int:
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            sum(i * i for i in range(10_000))
            n += 1
        return n

    def run(k: int) -> int:
        read, write = os.pipe()
        pids = []
        for _ in range(k):
            pid = os.fork()
            if pid == 0:
                os.write(write, f"{burn()}\n".encode())
                os._exit(0)
            pids.append(pid)
        for pid in pids:
            os.waitpid(pid, 0)
        os.close(write)
        with os.fdopen(read) as f:
            return sum(int(x) for x in f.read().split())

    return run(processes) / run(1)


def drive_once(port: int, body: bytes) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("POST", "/api/v1/check", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return (time.perf_counter() - started) * 1000, response.status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run")
    parser.add_argument("--concurrency", default="1,4,8", help="client counts to try, comma-separated")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--workers", default="1,2",
                        help="worker counts of the real `pubgate serve` subprocess to compare; empty: skip")
    parser.add_argument("--load-clients", type=int, default=4, help="concurrent clients for requests/s")
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
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    cut = []
    for d in drafts * 3:
        started = time.perf_counter()
        jieba.lcut(d["title"]), jieba.lcut(d["body"])
        cut.append((time.perf_counter() - started) * 1000)
    print(f"in-process jieba.lcut (reference, same drafts): p50 {pct(cut, .5):.2f} ms; "
          f"gate.check = {statistics.median(cut) / pct(local, .5):.2f}x jieba.lcut")

    with tempfile.TemporaryDirectory() as tmp:
        # The per-client rate limit (30 per minute by default) would turn most requests into 429s.
        app = create_app({"DATABASE": str(Path(tmp) / "bench.db"), "GATE": gate, "CHECK_RATE_LIMIT": ""})
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

    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    base_rps = None
    if len(counts) > 1 and hasattr(os, "fork"):
        print(f"this machine now: {max(counts)} processes of pure Python do {parallel_ceiling(max(counts)):.2f}x "
              f"the work of one (os.cpu_count() {os.cpu_count()}): the ceiling for --workers {max(counts)}")
    with tempfile.TemporaryDirectory() as tmp:
        for workers in counts:
            r = serve_subprocess(workers, bodies, args.seconds, args.load_clients, tmp)
            base_rps = base_rps or r["rps"]
            print(f"pubgate serve --workers {workers}: listening after {r['listening_s']:.1f} s; first check "
                  f"{r['first_ms']:.0f} ms vs warm sequential p50 {r['p50']:.0f} ms "
                  f"({r['first_ms'] / r['p50']:.2f}x), p99 {r['p99']:.0f} ms; "
                  f"{args.load_clients} clients: {r['rps']:.1f} req/s ({r['rps'] / base_rps:.2f}x --workers {counts[0]}); "
                  f"errors {r['errors']}; exit on SIGTERM {r['exit']}")
            for pid, (rss, uss) in r["memory"].items():
                role = "parent" if pid == r["parent"] and len(r["memory"]) > 1 else "worker"
                print(f"    {role} {pid}: RSS {rss:.0f} MB, private (USS) {uss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
