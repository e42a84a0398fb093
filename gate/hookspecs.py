"""The hook specifications of pubgate: the whole plugin API in one place.

Built-in checks and third-party plugins implement these alike (``from pubgate import hookimpl``).
Hooks are always called with keyword arguments; an implementation may take only the ones it needs.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("pubgate")
hookimpl = pluggy.HookimplMarker("pubgate")

__all__ = ["hookspec", "hookimpl", "pubgate_register_checks", "pubgate_dictionary_dirs"]


@hookspec
def pubgate_register_checks(register, config, dictionaries):
    """Register checks by calling ``register(check)`` once for each check object.

    :param register: callback that validates and adds a check (see ``pubgate.checks.Check``).
    :param config: the ``GateConfig`` in force.
    :param dictionaries: the loaded ``DictionarySet`` (shipped, extra and site entries).
    """


@hookspec
def pubgate_dictionary_dirs(config):
    """Return directories of dictionary files to load beside the shipped ones.

    :param config: the ``GateConfig`` in force.
    :return: a list of paths (``str`` or ``pathlib.Path``), or None.
    """
