"""The Celery application: Redis broker, database beat schedule, late acks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mops.settings")

app = Celery("mops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
