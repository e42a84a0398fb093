"""The ``PUBGATE_WAGTAIL`` setting, with defaults.

::

    PUBGATE_WAGTAIL = {
        "API_URL": "http://127.0.0.1:8000",   # the pubgate service
        "SIGNING_SECRET": "whsec_…",          # same as the service's SIGNING_SECRETS
        "API_TOKEN": "",                      # optional Bearer token: the check is then audited under it
        "TIMEOUT": 5,                         # seconds; on timeout or error the task blocks (fail closed)
        "FIELDS": {"body": ["body"]},         # draft field -> page attribute(s); title is always the page title
        "DRAFT": {"channel": "website", "doc_type": "news"},  # constant draft fields
        "EXEMPT_PAGE_TYPES": [],              # "app_label.ModelName" of pages the guard leaves alone
    }
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "API_URL": "http://127.0.0.1:8000",
    "SIGNING_SECRET": "",
    "API_TOKEN": "",
    "TIMEOUT": 5.0,
    "FIELDS": {"body": ["body"]},
    "DRAFT": {"channel": "website", "doc_type": "news"},
    "EXEMPT_PAGE_TYPES": [],
}


def setting(name: str):
    return {**DEFAULTS, **getattr(settings, "PUBGATE_WAGTAIL", {})}[name]
