import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
application = get_wsgi_application()
# Refuse to boot without a SECRET_KEY rather than fail on the first request.
settings.SECRET_KEY
