"""gunicorn settings for the web process (`gunicorn -c gunicorn.conf.py config.wsgi`).

Every value can be changed by environment variable; the defaults suit a small hub's server.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Above the PDF renderer's own limit (reports.pdf.TIME_LIMIT_SECONDS, 30 s), so that a slow PDF ends
# with its clear message rather than a killed worker; the proxy's timeouts are longer still.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: WeasyPrint and pandas hold on to memory.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
# Uploads are at most 10 MB; the proxy refuses bodies over 12 MB before they get here.
limit_request_line = 8190
accesslog = "-"
errorlog = "-"
# One line a request, with the request id the proxy set (the application logs the same id).
access_log_format = '%(t)s %({x-request-id}i)s "%(r)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
