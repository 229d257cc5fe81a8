# The mops image: web (gunicorn), worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Dependencies first, from the pinned and hashed lock (the same one `make` installs), so a
# code change does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-cache-dir --no-deps . && \
    DEBUG=1 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v 0 && \
    useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin mops && \
    mkdir -p /app/var/media /backups && chown -R mops:mops /app/var /backups
USER mops
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["gunicorn", "mops.wsgi:application", "--config", "python:mops.gunicorn_conf"]
