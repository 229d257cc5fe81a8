"""Anomaly detection on a dataset's own history (volume, freshness lag): robust z-scores.

z = 0.6745 · (x − median) / MAD, where MAD is the median absolute deviation of the history
(0.6745 makes z comparable to a standard z-score for normal data; Iglewicz & Hoaglin).
Seasonality: when there are enough points from the same weekday, compare only with those
(Monday volume against past Mondays). Below ``min_history`` points nothing alerts — a new
dataset has no "normal" yet. Pure module: no Django, no database.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

MAD_SCALE = 0.6745
DEFAULT_THRESHOLD = 3.5
DEFAULT_MIN_HISTORY = 8
DEFAULT_MIN_SEASONAL = 4
DEFAULT_MIN_SPREAD = 0.01  # of the median: a 1% wobble on a flat series is no anomaly


@dataclass(frozen=True)
class AnomalyResult:
    is_anomaly: bool
    z: float | None
    median: float | None
    mad: float | None
    points: int  # history points the verdict is based on
    basis: str  # "weekday", "all" or "insufficient"
    direction: str  # "high", "low" or ""

    @property
    def explanation(self) -> str:
        if self.basis == "insufficient":
            return f"not enough history ({self.points} points) to judge"
        where = "the same weekday" if self.basis == "weekday" else "all history"
        z = "∞" if self.z is not None and math.isinf(self.z) else f"{self.z:.2f}"
        return f"robust z = {z} against median {self.median:g} (MAD {self.mad:g}) of {self.points} points from {where}"


def robust_z(
    value: float, history: Sequence[float], *, min_relative_spread: float = DEFAULT_MIN_SPREAD
) -> tuple[float, float, float]:
    """(z, median, MAD) of ``value`` against ``history`` (non-empty).

    The spread used is max(MAD, ``min_relative_spread`` × |median|): a table that held exactly
    1,000 rows every day would otherwise make 1,001 infinitely unusual. When both are 0
    (a history of zeros), any non-zero value is infinitely unusual and 0 is not.
    """
    if not history:
        raise ValueError("history must not be empty")
    median = statistics.median(history)
    mad = statistics.median(abs(x - median) for x in history)
    spread = max(mad, min_relative_spread * abs(median))
    if spread > 0:
        return MAD_SCALE * (value - median) / spread, median, mad
    if value == median:
        return 0.0, median, mad
    return math.copysign(math.inf, value - median), median, mad


def detect(
    history: Sequence[tuple[date | datetime, float]],
    current: tuple[date | datetime, float],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_history: int = DEFAULT_MIN_HISTORY,
    min_seasonal: int = DEFAULT_MIN_SEASONAL,
    seasonal: bool = True,
    direction: str = "both",
) -> AnomalyResult:
    """Is ``current`` unusual against ``history`` (earlier (day, value) points)?

    Alerts need at least ``min_history`` points overall. With ``seasonal`` and at least
    ``min_seasonal`` points on the current point's weekday, only those are compared.
    ``direction``: "both", "high" (e.g. freshness lag — only late matters) or "low"
    (e.g. volume drops only). |z| must exceed ``threshold`` (strictly).
    """
    if direction not in ("both", "high", "low"):
        raise ValueError("direction must be 'both', 'high' or 'low'")
    day, value = current
    values = [v for _, v in history if v is not None and not math.isnan(v)]
    if len(values) < min_history:
        return AnomalyResult(False, None, None, None, len(values), "insufficient", "")
    basis = "all"
    if seasonal:
        same_day = [
            v
            for d, v in history
            if d.weekday() == day.weekday() and v is not None and not math.isnan(v)
        ]
        if len(same_day) >= min_seasonal:
            values, basis = same_day, "weekday"
    z, median, mad = robust_z(value, values)
    side = "high" if z > 0 else "low" if z < 0 else ""
    wanted = direction == "both" or direction == side
    return AnomalyResult(abs(z) > threshold and wanted, z, median, mad, len(values), basis, side)
