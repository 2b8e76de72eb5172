"""The ASGI application: the same Django project, run by ``midas chat-stream`` (uvicorn) for
the live chat's Server-Sent Events, where an open stream costs a coroutine instead of a
thread. Pages and posts stay on the WSGI server (gunicorn); the reverse proxy sends
``/chat/events/`` here (deploy/nginx.conf.template, docs/explanation/chat.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midas.settings")
application = get_asgi_application()
