#!/usr/bin/env python
"""The minimal Wagtail site the end-to-end test drives (tests/test_wagtail_e2e.py)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2esite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
