"""WSGI entry point (gunicorn grappe.wsgi).

After the application is loaded (settings, apps, models, the URLconf and every API schema), the
objects it made are moved out of the garbage collector's reach (`gc.freeze()`): they live as
long as the process, and without this every full collection walks all of them again (~200,000
objects), a tenth of a short API request's CPU. Objects made later are collected as usual.
See docs/decisions/prepared-statements.md.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports every view and API schema now, not on the first request
gc.collect()
gc.freeze()
