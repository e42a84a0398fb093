"""Site configuration of the gate: extra dictionaries, disabled plugins, rule severities.

Read from a TOML file (``--config`` or ``PUBGATE_CONFIG``). Every setting that can change a result
enters the ``ruleset`` digest, so any decision can be explained later.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, asdict
from pathlib import Path
from typing import Any

from .budget import DEFAULT_SECONDS
from .model import Severity

__all__ = ["GateConfig", "ConfigError"]


class ConfigError(ValueError):
    """A configuration file or value that cannot be used; the message names it and the fix."""


@dataclass
class GateConfig:
    # Directories of dictionary files loaded after the shipped ones.
    dictionary_dirs: list[str] = field(default_factory=list)
    include_shipped_dictionaries: bool = True
    # Plugins blocked by name (built-in module, entry point, or site plugin file stem).
    disabled_plugins: list[str] = field(default_factory=list)
    plugins_dir: str | None = None
    load_entrypoints: bool = True
    # Rule id prefix → "off" or a severity; the longest matching prefix wins (Vale-style).
    rules: dict[str, str] = field(default_factory=dict)
    # Severity of the finding that stands in for a check that crashed (fail closed by default).
    internal_error_severity: str = "block"
    # Free-form site settings read by individual checks (own domains, stage policies, …).
    settings: dict[str, Any] = field(default_factory=dict)
    # Site dictionary entries kept outside files (the service's database overlay).
    overlay_entries: list[dict] = field(default_factory=list)
    # Shipped entries a site switched off: "<rule>#<entry>" keys.
    disabled_entries: list[str] = field(default_factory=list)
    # CPU seconds one draft may cost before the check stops with a blocking ``gate.timeout``
    # (0: unlimited). Also ``PUBGATE_CHECK_CPU_BUDGET``.
    check_cpu_budget: float = DEFAULT_SECONDS

    def __post_init__(self) -> None:
        for prefix, value in self.rules.items():
            if value != "off" and value not in Severity.__members__.values():
                raise ConfigError(f"规则 {prefix!r} 的设置 {value!r} 无效：应为 off、info、warn 或 block")
        if self.internal_error_severity not in Severity.__members__.values():
            raise ConfigError(f"internal_error_severity 取值 {self.internal_error_severity!r} 无效")
        budget = self.check_cpu_budget
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0:
            raise ConfigError(f"check_cpu_budget 取值 {budget!r} 无效：应为非负秒数（0 表示不限）")

    @classmethod
    def from_file(cls, path: str | Path) -> "GateConfig":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"配置文件不存在：{path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"配置文件 {path} 无法解析：{exc}") from None
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"配置文件 {path} 含未知设置：{'、'.join(sorted(unknown))}")
        base = path.parent
        dirs = [str((base / d).resolve()) for d in data.get("dictionary_dirs", [])]
        data["dictionary_dirs"] = dirs
        if data.get("plugins_dir"):
            data["plugins_dir"] = str((base / data["plugins_dir"]).resolve())
        return cls(**data)

    @classmethod
    def from_env(cls) -> "GateConfig":
        path = os.environ.get("PUBGATE_CONFIG")
        config = cls.from_file(path) if path else cls()
        extra = os.environ.get("PUBGATE_DICTIONARY_DIRS")
        if extra:
            config.dictionary_dirs.extend(p for p in extra.split(os.pathsep) if p)
        budget = os.environ.get("PUBGATE_CHECK_CPU_BUDGET")
        if budget:
            try:
                config.check_cpu_budget = float(budget)
            except ValueError:
                raise ConfigError(f"PUBGATE_CHECK_CPU_BUDGET 取值 {budget!r} 无效：应为秒数") from None
            config.__post_init__()
        return config

    def rule_setting(self, rule: str) -> str | None:
        """The configured setting for a rule id: the longest matching dotted prefix wins."""
        best, best_len = None, -1
        for prefix, value in self.rules.items():
            if (rule == prefix or rule.startswith(prefix + ".") or rule.startswith(prefix + "#")) \
                    and len(prefix) > best_len:
                best, best_len = value, len(prefix)
        return best

    def digest_input(self) -> dict:
        data = asdict(self)
        data.pop("overlay_entries")  # entered through the dictionary digest instead
        # Not a rule: a run cut short says so in its own blocking finding, and the CLI and the
        # service keep one ruleset whatever budget each host allows.
        data.pop("check_cpu_budget")
        return data
