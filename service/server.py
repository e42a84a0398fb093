"""The HTTP server behind ``pubgate serve``: one process (waitress) or several (gunicorn, preloaded).

A check is CPU-bound Python, so threads of one process share one core; throughput grows with cores
only across processes. With ``workers > 1`` on Linux/macOS the app, the Gate, its language models and
lexicons are built and warmed once in the parent, which then forks the workers: they share those
pages copy-on-write (``gc.freeze()`` first, so the collector's bookkeeping does not copy them) and
the first request of each is as fast as the rest.

gunicorn's *sync* workers take one connection at a time and accept only when idle, so the kernel hands
each new connection to a free process: the right fit for CPU-bound requests. They do not buffer slow
clients, though, and hold no keep-alive; a single process is better served by waitress, whose async
front buffers whole requests before a thread sees them (and which runs on Windows). Hence: one
worker, no gunicorn, or no ``fork`` → waitress; otherwise gunicorn.
"""

from __future__ import annotations

import gc
import os
import signal

__all__ = ["prepare", "serve", "multiprocess_available", "WORKER_HEADER"]

# Names the process that answered (its PID): tells apart the workers behind one port.
WORKER_HEADER = "X-Pubgate-Worker"


def multiprocess_available() -> bool:
    if not hasattr(os, "fork"):
        return False
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def prepare(app) -> tuple[object, float]:
    """Build the Gate requests will use (the site dictionary's current version included) and run one
    warm-up check through it; return it and the seconds that took. Uses its own database connection
    and closes it, so no SQLite handle crosses a fork."""
    import time

    from ..migrations import open_db
    from .dictionary_admin import live_gate

    started = time.perf_counter()
    state = app.extensions["pubgate"]
    with app.app_context():
        db = open_db(app.config["DATABASE"], timeout=app.config["DB_TIMEOUT"])
        try:
            gate = live_gate().current(db)
        finally:
            db.close()
    state["gate"] = gate
    gate.warm()

    @app.after_request
    def name_worker(response):
        response.headers[WORKER_HEADER] = str(os.getpid())
        return response

    return gate, time.perf_counter() - started


def serve(app, *, host: str, port: int, workers: int, threads: int, announce) -> None:
    """Listen on host:port and serve until SIGTERM/SIGINT. ``announce(address, server_name)`` runs
    once the socket is bound, before any request is answered."""
    if workers > 1 and multiprocess_available():
        _serve_gunicorn(app, host, port, workers, announce)
    else:
        _serve_waitress(app, host, port, threads, announce)


def _serve_waitress(app, host: str, port: int, threads: int, announce) -> None:
    from waitress.server import create_server

    server = create_server(app, host=host, port=port, threads=threads, ident="pubgate")
    announce(f"{host}:{server.effective_port}", "waitress，1 个进程")

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)  # the default would end the process without closing the socket
    try:
        server.run()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=10)  # let running checks finish
        server.close()


def _serve_gunicorn(app, host: str, port: int, workers: int, announce) -> None:
    from gunicorn.app.base import BaseApplication

    def when_ready(arbiter):
        bound = arbiter.LISTENERS[0].sock.getsockname()
        announce(f"{bound[0]}:{bound[1]}", f"gunicorn，{workers} 个工作进程")

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "preload_app": True,
        # Above the check's CPU budget (10 s by default): a worker is only killed if it hangs.
        "timeout": 120,
        "graceful_timeout": 30,
        "loglevel": "warning",
        "errorlog": "-",
        "proc_name": "pubgate",
        "when_ready": when_ready,
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    gc.freeze()  # what the parent loaded goes to the permanent generation: the workers' GC leaves it be
    Server().run()
