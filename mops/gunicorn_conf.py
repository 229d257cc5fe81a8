"""gunicorn settings for every way mops is served (docker-compose and `make run`).

Read from the environment so one file serves both: `GUNICORN_BIND` (default
`0.0.0.0:8000`, `make run` passes `MOPS_HOST:MOPS_PORT`), `WEB_CONCURRENCY` (workers,
default 3), `GUNICORN_THREADS` (default 1), `GUNICORN_TIMEOUT` (seconds, default 60),
`GUNICORN_ACCESSLOG` (default `-`, standard output; empty: off).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# GUNICORN_ACCESSLOG="" turns the access log off (`make run` does, to keep its console readable).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# Behind a reverse proxy the proxy is the client: trust its X-Forwarded-* headers only
# when BEHIND_PROXY is set (the same switch Django reads).
forwarded_allow_ips = "*" if os.environ.get("BEHIND_PROXY", "0") == "1" else "127.0.0.1"
