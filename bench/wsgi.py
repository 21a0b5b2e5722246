"""The app with the benchmark's bare view mounted, for gunicorn in the throughput benchmark."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import run  # noqa: E402 - bench/run.py, after the path is set

run._setdefault_env()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

settings.ROOT_URLCONF = run._bench_urlconf().__name__
application = get_wsgi_application()
