"""The web application, for gunicorn (the Procfile's `web`).

A configuration mistake, SECRET_KEY missing with DEBUG off first, stops it at import with one
line and gunicorn's "App failed to load" status, so gunicorn halts instead of booting workers
again and again, each with a traceback. gunicorn.conf.py says the same line once, before any
worker starts, when gunicorn runs from the project's folder.
"""
import os

from prima.cli import settings_or_exit

# gunicorn's exit status for an application that cannot be loaded: it stops, not respawns.
APP_LOAD_ERROR = 4

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
settings_or_exit(APP_LOAD_ERROR)

from django.core.wsgi import get_wsgi_application  # noqa: E402  (once the settings are known good)

application = get_wsgi_application()
