"""WSGI entry point: the HTTP pages and API in a WSGI server's worker processes
(WebSockets stay on the ASGI application, config/asgi.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
