"""Throughput of the CSV validation endpoint (`POST /api/v1/utm/validate-csv/`), through
DRF's parsing, permission check, the view and its JSON summary or CSV download.

Run: DEBUG=1 .venv/bin/python bench/bench_governance_csv_api.py [rows]

The rows come from bench_utm_validate's generator (valid and faulty URLs). No database is
needed: the user is an in-memory superuser and the active-taxonomy lookup (one indexed
query in production) is replaced by the default taxonomy.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mops.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from rest_framework.test import APIRequestFactory, force_authenticate  # noqa: E402

from governance.taxonomy import Taxonomy, selectors  # noqa: E402
from governance.taxonomy.api import views  # noqa: E402
from mops.accounts.models import User  # noqa: E402


def make_csv(rows: int) -> bytes:
    import bench_utm_validate  # the same URL mix as the core benchmark

    return bench_utm_validate.generate(rows)


def run(rows: int, output: str) -> float:
    taxonomy = Taxonomy.default()
    views.selectors.taxonomy_current = lambda: taxonomy  # type: ignore[attr-defined]
    selectors.taxonomy_current = lambda: taxonomy  # type: ignore[assignment]
    body = make_csv(rows)
    user = User(username="bench", is_superuser=True)
    factory = APIRequestFactory()
    request = factory.post(
        "/api/v1/utm/validate-csv/",
        {"file": SimpleUploadedFile("urls.csv", body, content_type="text/csv"), "output": output},
        format="multipart",
    )
    force_authenticate(request, user=user)
    view = views.UtmValidateCsvView.as_view()
    started = time.perf_counter()
    response = view(request)
    if hasattr(response, "render"):
        response.render()
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, getattr(response, "data", response.content[:300])
    print(
        f"{output:>4}: {rows:,} rows, {len(body) / 1e6:.1f} MB in {elapsed:.2f} s "
        f"= {rows / elapsed:,.0f} rows/s (response {len(response.content) / 1e6:.1f} MB)"
    )
    return rows / elapsed


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    run(count, "json")
    run(count, "csv")
