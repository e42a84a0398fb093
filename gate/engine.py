"""The gate: runs every enabled check over a draft and assembles the contract's report."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from .checks import Document, validate_check
from .config import GateConfig
from .dictionary_loader import DictionarySet, load_dictionaries
from .model import Category, Draft, Finding, Report, Severity, canonical_json
from .pluginmanager import build_plugin_manager

__all__ = ["Gate"]

log = logging.getLogger(__name__)


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

    # -- checking ------------------------------------------------------------------------------
    def check(self, draft: Draft | dict, *, stage: str = "submit", now: datetime | None = None) -> Report:
        """Check one draft. ``draft`` may be a decoded JSON object (validated here)."""
        started = time.perf_counter()
        if not isinstance(draft, Draft):
            draft = Draft.from_dict(draft)
        doc = Document(draft=draft, stage=stage, settings=self.config.settings)
        if now is not None:
            doc.now = now
        findings: list[Finding] = []
        for check in self.checks:
            try:
                produced = list(check.run(doc) or ())
            except Exception as exc:  # a broken check must neither kill the report nor pass silently
                log.exception("check %s failed", check.id)
                produced = [self._internal_error(check, exc)]
            findings.extend(self._apply_config(f) for f in produced)
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
    and of two that say the same thing (再所难免 from the curated idioms and from the lexicon) the first."""
    fixes = [f for f in findings if _replacement(f) is not None]
    if len(fixes) < 2:
        return findings
    dropped = set()
    for i, outer in enumerate(fixes):
        for j, inner in enumerate(fixes):
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
