"""gunicorn's settings file, read by gunicorn from the folder it starts in (the project's).

Every setting is on the Procfile's command line; this only refuses to start, in the master
before any worker boots, with a configuration mistake (SECRET_KEY missing with DEBUG off, a bad
value): one line on stderr, exit status 2, instead of a traceback from every worker.
"""
from prima.cli import settings_or_exit

settings_or_exit(2)
