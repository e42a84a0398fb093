"""The 审核单 as a PDF file, printed by headless Chromium (issue 21).

Chromium is what the browser tests already use and it lays out Chinese with the system's CJK
fonts (``fonts-noto-cjk``), so the PDF looks exactly like the printed page. It runs as a
subprocess on a temporary HTML file with the stylesheet inlined (no server round trip, nothing
fetched from the network). Without Chromium the page says so in Chinese and points to the
browser's own 打印 → 另存为 PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PdfUnavailable", "find_chromium", "html_to_pdf", "stylesheet"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_TIMEOUT = 60


class PdfUnavailable(Exception):
    """No PDF can be made here; the message is for the user (Chinese)."""


def find_chromium(configured: str | None = None) -> str | None:
    if configured:
        return configured if os.path.exists(configured) else None
    for name in _CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def stylesheet(app) -> str:
    return (Path(app.static_folder) / "style.css").read_text(encoding="utf-8")


def html_to_pdf(html: str, chromium: str | None = None) -> bytes:
    binary = find_chromium(chromium)
    if binary is None:
        raise PdfUnavailable("服务器上未安装 Chromium 浏览器，无法生成 PDF 文件。请打开审核单，"
                             "使用浏览器的「打印」→「另存为 PDF」；或请管理员安装 chromium（Debian：apt-get install chromium）。")
    with tempfile.TemporaryDirectory(prefix="pubgate-pdf-") as work:
        source, target = Path(work) / "sheet.html", Path(work) / "sheet.pdf"
        source.write_text(html, encoding="utf-8")
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--no-first-run", f"--user-data-dir={Path(work) / 'profile'}", "--no-pdf-header-footer",
                   "--print-to-pdf-no-header", f"--print-to-pdf={target}", source.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"生成 PDF 失败（Chromium 未能运行：{exc}）。请使用浏览器的「打印」→「另存为 PDF」。") from None
        if not target.exists() or target.stat().st_size == 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["无输出"]
            raise PdfUnavailable(f"生成 PDF 失败（Chromium 退出码 {done.returncode}：{detail[0][:200]}）。"
                                 "请使用浏览器的「打印」→「另存为 PDF」。")
        return target.read_bytes()
