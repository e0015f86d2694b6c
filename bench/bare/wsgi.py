"""``gunicorn bench.bare.wsgi`` (the benchmark starts it with DJANGO_SETTINGS_MODULE=bench.bare.settings)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare.settings")

application = get_wsgi_application()
