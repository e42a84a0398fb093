"""Builds the pluggy plugin manager: built-in checks, entry points, a site plugin directory."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterable

import pluggy

from . import hookspecs

__all__ = ["DEFAULT_PLUGINS", "build_plugin_manager", "PluginLoadError"]

# Built-in checks are ordinary plugins, registered from this explicit list (pytest, datasette).
DEFAULT_PLUGINS: tuple[str, ...] = (
    "pubgate.plugins.dictionary_checks",
    "pubgate.plugins.document_number",
    # severe_misstatement
    "pubgate.plugins.terms_protected",
    "pubgate.plugins.terms_leaders",
    "pubgate.plugins.terms_sovereignty",
    "pubgate.plugins.terms_laws",
    "pubgate.plugins.terms_formulations",
    "pubgate.plugins.terms_fallen",
    # other term-level checks
    "pubgate.plugins.secret_marking",
    "pubgate.plugins.voice",
    "pubgate.plugins.vague_expression",
    "pubgate.plugins.script_format",
    # typos
    "pubgate.plugins.typo",
    "pubgate.plugins.typo_lexicon",
    # personal data, links, dates
    "pubgate.plugins.personal_data",
    "pubgate.plugins.commercial_links",
    "pubgate.plugins.broken_links",
    "pubgate.plugins.dating",
    "pubgate.plugins.interpretation_link",
)

ENTRY_POINT_GROUP = "pubgate"


class PluginLoadError(RuntimeError):
    """A plugin module or file that could not be loaded; the message names it."""


def _load_module_from_path(path: Path) -> ModuleType:
    name = f"pubgate_site_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginLoadError(f"无法加载插件文件 {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise PluginLoadError(f"插件文件 {path} 加载失败：{exc!r}") from exc
    return module


def build_plugin_manager(*, load_entrypoints: bool = True, plugins_dir: str | Path | None = None,
                         disabled: Iterable[str] = (),
                         default_plugins: Iterable[str] = DEFAULT_PLUGINS) -> pluggy.PluginManager:
    """A plugin manager with pubgate's hookspecs and every enabled plugin registered.

    ``disabled`` names plugins to block: a built-in module name (``pubgate.plugins.placeholder``
    or its last part ``placeholder``), an entry-point name, or a site plugin file's stem.
    Environment: ``PUBGATE_DISABLE_PLUGIN_AUTOLOAD=1`` skips entry points.
    """
    pm = pluggy.PluginManager("pubgate")
    pm.add_hookspecs(hookspecs)
    blocked = set(disabled)
    for name in list(blocked):
        pm.set_blocked(name)

    def is_blocked(name: str) -> bool:
        return name in blocked or name.rsplit(".", 1)[-1] in blocked

    for module_name in default_plugins:
        if is_blocked(module_name):
            continue
        pm.register(importlib.import_module(module_name), name=module_name)

    if load_entrypoints and not os.environ.get("PUBGATE_DISABLE_PLUGIN_AUTOLOAD"):
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)

    plugins_dir = plugins_dir or os.environ.get("PUBGATE_PLUGINS_DIR")
    if plugins_dir:
        directory = Path(plugins_dir)
        if not directory.is_dir():
            raise PluginLoadError(f"插件目录不存在：{directory}")
        for path in sorted(directory.glob("*.py")):
            if path.name.startswith("_") or is_blocked(path.stem):
                continue
            pm.register(_load_module_from_path(path), name=path.stem)

    pm.check_pending()
    return pm
