"""Throughput of the CSV batch validator: 100,000 tagged URLs, valid and faulty, in memory.

Run: .venv/bin/python bench/bench_utm_validate.py [rows]
Times validate_csv + write_results_csv together, on one core, with a cold taxonomy.
"""

from __future__ import annotations

import csv
import io
import random
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from governance.taxonomy import (  # noqa: E402  (importable once the path above is set)
    CsvRow,
    Taxonomy,
    validate_csv,
    write_results_csv,
)

SOURCES = ["google", "bing", "facebook", "linkedin", "x", "newsletter", "partner", "g2"]
MEDIUMS = ["cpc", "paid_social", "social", "email", "referral", "display", "webinar", "event"]
REGIONS = ["na", "emea", "apac", "latam", "global"]
CHANNELS = ["email", "search", "social", "display", "webinar", "event", "partner"]
OFFERS = ["ebook", "webinar", "demo", "trial", "whitepaper", "report", "promo"]
# The faults a real upload holds: synonyms, case, typos, encoding, duplicates, shape.
SOURCE_FAULTS = ["fb", "Facebook", "gogle", "LinkedIn", "twitter", " google", "face%20book"]
MEDIUM_FAULTS = ["Email", "ppc", "emial", "paid", "e-mail", "CPC", ""]


def campaign(rng: random.Random) -> str:
    return (
        f"fy{rng.randint(24, 27)}q{rng.randint(1, 4)}_{rng.choice(REGIONS)}_"
        f"{rng.choice(CHANNELS)}_{rng.choice(OFFERS)}_launch-{rng.randint(1, 3000)}"
    )


def faulty_campaign(rng: random.Random) -> str:
    name = campaign(rng)
    return rng.choice(
        [
            name.upper(),
            name.replace("_na_", "_xx_").replace("_emea_", "_emae_"),
            name.replace("-", "%20"),
            name.rsplit("_", 1)[0],
            name.replace("q", "q9", 1),
        ]
    )


def url(rng: random.Random, row: int) -> str:
    source, medium, name = rng.choice(SOURCES), rng.choice(MEDIUMS), campaign(rng)
    scheme, fragment, extra = "https", "", f"&gclid=Cj0K{row:07d}"
    roll = rng.random()
    if roll < 0.55:
        pass  # valid
    elif roll < 0.65:
        source = rng.choice(SOURCE_FAULTS)
    elif roll < 0.75:
        medium = rng.choice(MEDIUM_FAULTS)
    elif roll < 0.85:
        name = faulty_campaign(rng)
    elif roll < 0.88:
        scheme = "http"
    elif roll < 0.91:
        extra += f"&utm_source={rng.choice(SOURCES)}"
    elif roll < 0.94:
        extra += "&utm_content=hero-banner#pricing"
    else:
        query = f"utm_source={source}&utm_medium={medium}&utm_campaign={name}"
        return f"https://www.example.com/p/{row % 500}#/page?{query}"
    query = f"utm_source={source}&utm_medium={medium}&utm_campaign={name}"
    return f"{scheme}://www.example.com/p/{row % 500}?ref=bench&{query}{extra}{fragment}"


def generate(rows: int) -> bytes:
    rng = random.Random(20260101)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["id", "url", "owner"])
    for row in range(rows):
        writer.writerow([row, url(rng, row), "demand-gen"])
    return text.getvalue().encode()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    data = generate(rows)
    taxonomy = Taxonomy.default()  # cold: no cached findings yet
    invalid = 0

    def counted(results: Iterable[CsvRow]) -> Iterator[CsvRow]:
        nonlocal invalid
        for row in results:
            invalid += not row.valid
            yield row

    out = io.StringIO()
    wall, cpu = time.perf_counter(), time.process_time()
    results = validate_csv(io.BytesIO(data), taxonomy, max_bytes=len(data), max_rows=rows)
    written = write_results_csv(counted(results), out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{written} rows ({len(data) / 1e6:.1f} MB in, {invalid} invalid): "
        f"{written / wall:,.0f} rows/s wall ({wall:.2f}s), {written / cpu:,.0f} rows/s CPU"
    )


if __name__ == "__main__":
    main()
