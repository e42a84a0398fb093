"""pubgate: a publish-time content gate for Chinese government websites and new-media accounts.

The public API for plugin authors and scripts. Importing this package is cheap: no plugin, model
or dictionary is loaded until a ``Gate`` is built.
"""

from .checks import BaseCheck, Check, Document
from .hookspecs import hookimpl
from .model import Category, Draft, DraftError, Finding, Report, Severity, Verdict

__all__ = [
    "hookimpl", "Draft", "DraftError", "Finding", "Report", "Severity", "Category", "Verdict",
    "Check", "BaseCheck", "Document", "Gate", "GateConfig",
]
__version__ = "0.1.0"


def __getattr__(name):
    # Gate and GateConfig pull in the dictionaries and matching modules; load them on first use.
    if name == "Gate":
        from .engine import Gate

        return Gate
    if name == "GateConfig":
        from .config import GateConfig

        return GateConfig
    raise AttributeError(name)
