"""WSGI entry point (served by waitress in `gpqi serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpqi.web.settings")
application = get_wsgi_application()
