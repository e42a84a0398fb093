"""A minimal Wagtail site with pubgate.wagtail installed; everything variable comes from the
environment the test sets (database path, pubgate's URL and signing secret)."""

import os
from pathlib import Path

DATA_DIR = Path(os.environ.get("E2E_DATA_DIR", "/tmp/pubgate-wagtail-site"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or os.urandom(32).hex()  # a throwaway per run
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "pubgate.wagtail",  # above "wagtail": its publish_scheduled refuses unapproved revisions
    "news",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.users",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "e2esite.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "site.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
WAGTAIL_SITE_NAME = "某某市人民政府"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # test passwords protect nothing

PUBGATE_WAGTAIL = {
    "API_URL": os.environ.get("PUBGATE_API_URL", "http://127.0.0.1:8000"),
    "SIGNING_SECRET": os.environ.get("PUBGATE_SIGNING_SECRET", ""),
    "TIMEOUT": 10,
    "FIELDS": {"body": ["body"]},
    "DRAFT": {"channel": "website", "doc_type": "news", "unit": "某某市人民政府办公室"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
