"""The gate: runs every enabled check over a draft and assembles the contract's report."""

from __future__ import annotations

import bisect
import hashlib
import logging
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from .budget import BudgetExceeded, CpuBudget
from .checks import Document, validate_check
from .config import GateConfig
from .dictionary_loader import DictionarySet, load_dictionaries
from .model import Category, Draft, Finding, Report, Severity, canonical_json
from .pluginmanager import build_plugin_manager

__all__ = ["Gate", "TIMEOUT_RULE"]

# The finding that stands in for checks cut short by the CPU-time budget (fail closed).
TIMEOUT_RULE = "gate.timeout"

log = logging.getLogger(__name__)

# A draft that reaches the lazily loaded parts of the checks: title, body prose, a date, a link.
WARM_UP_DRAFT = {"title": "关于做好预热工作的通知", "format": "text", "publish_at": "2026-03-05T10:00:00+08:00",
                 "body": "预热：加载规则与模型。2026年3月5日，各单位要认真落实责任，详见 https://www.gov.cn/ 。"}


class Gate:
    """A configured set of checks. Build once per process (or per dictionary version), reuse."""

    def __init__(self, config: GateConfig | None = None, *, plugin_manager=None,
                 dictionaries: DictionarySet | None = None):
        self.config = config or GateConfig()
        self.pm = plugin_manager or build_plugin_manager(
            load_entrypoints=self.config.load_entrypoints,
            plugins_dir=self.config.plugins_dir,
            disabled=self.config.disabled_plugins,
        )
        if dictionaries is None:
            extra_dirs = []
            for result in self.pm.hook.pubgate_dictionary_dirs(config=self.config):
                extra_dirs.extend(result or [])
            dictionaries = load_dictionaries(self.config, extra_dirs=extra_dirs)
        self.dictionaries = dictionaries
        self.checks: list = []
        seen: set[str] = set()

        def register(check) -> None:
            validate_check(check)
            if check.id in seen:
                raise ValueError(f"duplicate check id {check.id!r}")
            seen.add(check.id)
            self.checks.append(check)

        self.pm.hook.pubgate_register_checks(register=register, config=self.config,
                                             dictionaries=self.dictionaries)
        self.checks.sort(key=lambda c: c.id)
        self.ruleset = self._ruleset_digest()

    # -- introspection -------------------------------------------------------------------------
    @property
    def notices(self) -> list[str]:
        """Standing notices of checks that run degraded (e.g. a model that is not installed)."""
        out = [n for c in self.checks for n in [getattr(c, "notice", None)] if n]
        out.extend(f"词库文件有错误，已跳过：{e}" for e in self.dictionaries.errors)
        return out

    def manifest(self) -> dict:
        """What the ruleset digest covers: checks, plugins, dictionaries and configuration."""
        return {
            "checks": [{"id": c.id, "category": str(c.category), "severity": str(c.severity),
                        "version": str(getattr(c, "version", "1"))} for c in self.checks],
            "plugins": sorted(name for name, _ in self.pm.list_name_plugin()),
            "dictionaries": self.dictionaries.manifest(),
            "config": self.config.digest_input(),
        }

    def _ruleset_digest(self) -> str:
        return hashlib.sha256(canonical_json(self.manifest()).encode("utf-8")).hexdigest()[:16]

    # -- start-up ------------------------------------------------------------------------------
    def warm(self) -> float:
        """Run one small check so everything the checks load lazily (language models, lexicons,
        converters) is loaded now; return the seconds it took. The CLI calls it so each file's 用时
        is its own check, and ``pubgate serve`` before it listens so the first request is not the
        one that pays (and, with several workers, so they all share what the parent loaded)."""
        started = time.perf_counter()
        self.check(Draft.from_dict(WARM_UP_DRAFT))
        return time.perf_counter() - started

    # -- checking ------------------------------------------------------------------------------
    def check(self, draft: Draft | dict, *, stage: str = "submit", now: datetime | None = None) -> Report:
        """Check one draft. ``draft`` may be a decoded JSON object (validated here).

        The whole check runs on a CPU-time budget (``check_cpu_budget``): once it is spent, the
        check that is running stops at its next finding or ``Document.check_time()``, the rest do
        not start, and the report carries a blocking ``gate.timeout`` with the findings so far."""
        started = time.perf_counter()
        budget = CpuBudget(self.config.check_cpu_budget)
        if not isinstance(draft, Draft):
            draft = Draft.from_dict(draft)
        doc = Document(draft=draft, stage=stage, settings=self.config.settings, budget=budget)
        if now is not None:
            doc.now = now
        findings: list[Finding] = []
        for index, check in enumerate(self.checks):
            produced, finished = self._run_check(check, doc, budget)
            findings.extend(self._apply_config(f) for f in produced)
            if not finished:
                findings.append(self._timeout(self.checks[index:], budget))
                break
        kept = sorted((f for f in findings if f is not None), key=lambda f: f.sort_key)
        kept = _drop_restated_fixes(_dedupe(kept))
        elapsed = (time.perf_counter() - started) * 1000
        return Report(
            id=draft.id,
            verdict=Report.verdict_for(kept),
            findings=tuple(kept),
            content_sha256=draft.content_sha256,
            ruleset=self.ruleset,
            elapsed_ms=round(elapsed, 2),
            notices=tuple(self.notices),
        )

    def _run_check(self, check: Any, doc: Document, budget: CpuBudget) -> tuple[list[Finding], bool]:
        """The findings of one check, and whether it finished within the budget (what it found
        before the budget ran out is kept: a reviewer may as well see it)."""
        produced: list[Finding] = []
        try:
            budget.check()
            result = check.run(doc) or ()
            if isinstance(result, (list, tuple)):
                produced.extend(result)  # finished: the next check looks at the budget
            else:
                for finding in result:  # a generator: stopped between two findings
                    produced.append(finding)
                    budget.check()
        except BudgetExceeded:
            log.warning("check %s stopped: CPU budget of %s s spent on draft %s", check.id, budget.seconds,
                        doc.draft.id)
            return produced, False
        except Exception as exc:  # a broken check must neither kill the report nor pass silently
            log.exception("check %s failed", check.id)
            produced.append(self._internal_error(check, exc))
        return produced, True

    def _timeout(self, unfinished: list, budget: CpuBudget) -> Finding:
        names = "、".join(c.id for c in unfinished[:3]) + (f" 等 {len(unfinished)} 项" if len(unfinished) > 3 else "")
        return Finding(
            rule=TIMEOUT_RULE,
            category=Category(unfinished[0].category),
            severity=Severity.BLOCK,
            field="meta", start=None, end=None, text="",
            message=f"检查未在限定时间内完成（每篇稿件计算时间上限 {budget.seconds:g} 秒），未完成的检查项：{names}。"
                    "稿件未经完整检查，不能视为通过：请人工审核全文，或将稿件拆分、精简后重新提交。",
            suggestion=None,
        )

    def _internal_error(self, check: Any, exc: Exception) -> Finding:
        return Finding(
            rule=f"{check.id}.internal-error",
            category=Category(check.category),
            severity=Severity(self.config.internal_error_severity),
            field="meta", start=None, end=None, text="",
            message=f"检查项「{check.id}」运行出错（{type(exc).__name__}: {exc}），按未通过处理，请联系管理员。",
            suggestion=None,
        )

    def _apply_config(self, finding: Finding) -> Finding | None:
        key = finding.rule if not finding.entry else f"{finding.rule}#{finding.entry}"
        setting = self.config.rule_setting(key)
        if setting is None or finding.rule.endswith(".internal-error"):
            return finding
        if setting == "off":
            return None
        return replace(finding, severity=Severity(setting))


def _replacement(f: Finding) -> str | None:
    """The corrected text of a character-for-character fix, else None."""
    if f.start is None or not f.suggestion or len(f.suggestion) != len(f.text):
        return None
    return f.suggestion


def _gravity(f: Finding) -> tuple[int, bool]:
    """How grave a finding is: its severity, then whether it is a severe misstatement (a slip in a
    protected name or title is one, whichever check found it)."""
    return f.severity.rank, f.category == Category.SEVERE_MISSTATEMENT


def _same_fix(outer: Finding, inner: Finding) -> bool:
    """``outer`` makes the correction ``inner`` makes, over the same or a wider span."""
    fix, inner_fix = _replacement(outer), _replacement(inner)
    if fix is None or inner_fix is None or outer.field != inner.field or outer.rule == inner.rule:
        return False
    if not (outer.start <= inner.start and inner.end <= outer.end):
        return False
    return fix[inner.start - outer.start:inner.end - outer.start] == inner_fix


def _drop_restated_fixes(findings: list[Finding]) -> list[Finding]:
    """One correction reads as one finding, the graver: 交通运舒 → 交通运输 goes where the blocking
    交通运舒部 → 交通运输部 states it in full, and the typo 总书计 → 总书记 goes where the same fix of 计
    is reported as a misstatement of a protected title. Between equally grave ones the wider stays,
    and of two that say the same thing (再所难免 from the curated idioms and from the lexicon) the first.

    Only fixes whose span lies inside another's are compared (found by start offset), so a draft with
    thousands of fixes costs thousands of comparisons, not millions."""
    fixes = [f for f in findings if _replacement(f) is not None]
    if len(fixes) < 2:
        return findings
    by_field: dict[str, list[tuple[int, int]]] = {}  # field → (start, index in fixes), sorted
    for j, f in enumerate(fixes):
        by_field.setdefault(f.field, []).append((f.start, j))
    for spans in by_field.values():
        spans.sort()
    dropped = set()
    for i, outer in enumerate(fixes):
        spans = by_field[outer.field]
        lo = bisect.bisect_left(spans, (outer.start, -1))
        hi = bisect.bisect_left(spans, (outer.end, -1))
        for j in sorted(j for _, j in spans[lo:hi]):  # in order: which of two equals stays depends on it
            inner = fixes[j]
            if i == j or id(outer) in dropped or not _same_fix(outer, inner):
                continue
            if _gravity(outer) < _gravity(inner):
                dropped.add(id(outer))
            elif (outer.start, outer.end) != (inner.start, inner.end) or _gravity(outer) > _gravity(inner) or i < j:
                dropped.add(id(inner))  # the same span, fix and gravity from two rules: the first stays
    return [f for f in findings if id(f) not in dropped]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop exact repeats (same rule, place and severity) that overlapping entries can produce."""
    seen, out = set(), []
    for f in findings:
        key = (f.rule, f.field, f.start, f.end, f.severity, f.suggestion)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
