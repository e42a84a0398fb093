"""``pubgate scan`` and ``pubgate report quarterly`` (contracts.md §5). Import-light: Dask, warcio,
openpyxl and python-docx load only when a command runs."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["add_commands"]


class RichProgress:
    """A rich progress bar on stderr: pages done, pages/s and time left."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.console = Console(stderr=True, highlight=False)
        self.bar = Progress(TextColumn("[bold]扫描页面"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                            TextColumn("{task.fields[speed]}"), TextColumn("已用"), TimeElapsedColumn(),
                            TextColumn("剩余"), TimeRemainingColumn(), console=self.console, transient=False)
        self.task = None

    def start(self, total):
        self.bar.start()
        self.task = self.bar.add_task("scan", total=total, speed="")

    def advance(self, n=1):
        task = self.bar.tasks[0]
        speed = task.finished_speed or task.speed
        self.bar.update(self.task, advance=n, speed=f"{speed:.1f} 页/秒" if speed else "")

    def note(self, message):
        if message:
            self.console.print(f"[dim]{message}[/dim]")

    def stop(self):
        self.bar.stop()


def cmd_scan(args) -> int:
    from ..config import ConfigError, GateConfig
    from .engine import ScanError, ScanOptions, run_scan
    from .metadata import SiteError, SiteMapping
    from .sources import SourceError, classify

    if not args.sources and not args.resume:
        print("pubgate: 请给出要扫描的来源（目录、WARC 文件、网址清单、站点地图或网址），或用 --resume 继续上次扫描",
              file=sys.stderr)
        return 2
    try:
        for source in args.sources:
            classify(source)
        config = GateConfig.from_file(args.config) if args.config else GateConfig.from_env()
        sites = [SiteMapping.from_file(p) for p in args.site or []]
    except (SourceError, ConfigError, SiteError) as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 0:
        print("pubgate: --workers 不能为负数", file=sys.stderr)
        return 2
    options = ScanOptions(sources=args.sources, out=Path(args.out), scheduler=args.scheduler, workers=args.workers,
                          resume=args.resume, batch_size=args.batch_size, max_bytes=args.max_bytes, config=config,
                          sites=sites, concurrency=args.concurrency, rate=args.rate, timeout=args.timeout,
                          robots=not args.ignore_robots, check_links=not args.no_links)
    progress = RichProgress() if not args.quiet else None
    try:
        summary = run_scan(options, progress)
    except (ScanError, SourceError) as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    _print_summary(summary, Path(args.out))
    return 0


def _print_summary(summary: dict, out: Path) -> None:
    from ..model import CATEGORY_LABELS

    lines = [f"扫描完成：页面 {summary['pages']} 个（本次检查 {summary['checked']} 个，未变化跳过 "
             f"{summary['skipped_unchanged']} 个），无法检查 {summary['errors']} 个，问题 {summary['findings']} 处，"
             f"用时 {summary['elapsed_seconds']} 秒；规则集 {summary['ruleset']}"]
    counts = [f"{CATEGORY_LABELS[c]} {n}" for c, n in summary["findings_by_category"].items() if n]
    if counts:
        lines.append("按类别：" + "，".join(counts))
    if summary.get("dead_links"):
        lines.append(f"错断链：首页 {summary['dead_links']['home']} 处，其他页面 {summary['dead_links']['other']} 处")
    changes = summary.get("changes")
    if changes:
        lines.append(f"与上次扫描相比：新增问题 {changes['new_findings']} 处（{changes['pages_with_new_findings']} 个页面），"
                     f"已消除 {changes['resolved_findings']} 处")
    lines.append(f"报告：{out / 'report.html'}、findings.csv、findings.xlsx、summary.json")
    print("\n".join(lines))


def cmd_report_quarterly(args) -> int:
    from .quarterly import QuarterError, write_quarterly

    try:
        path = write_quarterly(Path(args.scan_dir), args.quarter, Path(args.out), unit=args.unit)
    except QuarterError as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    print(f"已生成自查报告草稿：{path}（“下一步工作”等部分请人工填写）")
    return 0


def add_commands(sub) -> None:
    scan = sub.add_parser("scan", help="全站巡检：检查网站存档（目录、WARC、网址清单或站点地图），可在 Dask 集群上运行",
                          description="全站巡检：检查导出网页目录、WARC 存档、网址清单或站点地图中的全部页面，"
                                      "输出 report.html、findings.csv、findings.xlsx 和 summary.json")
    scan.add_argument("sources", nargs="*", metavar="SOURCE",
                      help="导出网页的目录、.warc/.warc.gz 文件、网址清单（每行一个）、sitemap.xml 或网址")
    scan.add_argument("--out", required=True, metavar="DIR", help="输出目录（同时保存扫描数据库，供增量扫描和续扫）")
    scan.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="使用已有的 Dask 集群（默认在本机启动）")
    scan.add_argument("--workers", type=int, metavar="N",
                      help="本机工作进程数（默认 CPU 核数；0 表示在当前进程内检查，不启动集群）")
    scan.add_argument("--resume", action="store_true", help="继续上次中断的扫描，已完成的页面不再检查")
    scan.add_argument("--site", action="append", metavar="TOML", help="站点映射文件（栏目、文档类型、首页等），可多次给出")
    scan.add_argument("--config", help="站点配置文件（TOML，含站点词库目录），默认读取 PUBGATE_CONFIG")
    scan.add_argument("--batch-size", type=int, default=16, metavar="N", help="每批发往工作进程的页面数（默认 16）")
    scan.add_argument("--max-bytes", type=int, default=5 * 1024 * 1024, metavar="BYTES",
                      help="单个页面的大小上限（默认 5 MB），超过的页面记为无法检查")
    scan.add_argument("--concurrency", type=int, default=4, metavar="N", help="抓取网页的并发数（默认 4）")
    scan.add_argument("--rate", type=float, default=2.0, metavar="R", help="对同一站点每秒最多请求数（默认 2）")
    scan.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="单次请求超时秒数（默认 10）")
    scan.add_argument("--ignore-robots", action="store_true", help="不遵守 robots.txt（仅限检查本单位网站时使用）")
    scan.add_argument("--no-links", action="store_true", help="不检查错断链")
    scan.add_argument("--quiet", action="store_true", help="不显示进度条")
    scan.set_defaults(func=cmd_scan)

    report = sub.add_parser("report", help="生成报告（quarterly：季度自查报告 Word 草稿）",
                            description="根据巡检结果生成报告")
    kinds = report.add_subparsers(dest="report_kind", metavar="KIND")
    quarterly = kinds.add_parser("quarterly", help="季度自查报告 Word 草稿",
                                 description="根据 pubgate scan 的输出目录生成季度自查报告 Word 草稿")
    quarterly.add_argument("scan_dir", metavar="SCAN_DIR", help="pubgate scan 的 --out 目录")
    quarterly.add_argument("--quarter", required=True, metavar="YYYYQn", help="季度，如 2026Q3")
    quarterly.add_argument("--out", required=True, metavar="FILE.docx", help="输出的 Word 文件")
    quarterly.add_argument("--unit", help="报告单位名称（默认取站点映射中的名称）")
    quarterly.set_defaults(func=cmd_report_quarterly)
    report.set_defaults(func=lambda args: (report.print_help(), 2)[1])
