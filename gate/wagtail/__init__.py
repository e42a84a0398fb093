"""pubgate inside Wagtail: a workflow task 「发布前检查」 and a publish guard.

Add ``"pubgate.wagtail"`` to ``INSTALLED_APPS`` (above ``"wagtail"``, so its ``publish_scheduled``
wins), set ``PUBGATE_WAGTAIL`` (see ``conf.py``) and put the task first in each workflow. Nothing
runs at import time; Django imports the submodules when the app registry is ready.
"""
