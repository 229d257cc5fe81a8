"""Which trains carry which work: the boarding rule on channels, written once.

The rule a MOPS team expects:

* **Data/ops work rides the data & ops train.** Work that touches data or the CRM (a
  `data` or `crm` channel: fields, segments, lead scoring) or changes a schema or
  routing/scoring rides any train carrying `data`, whatever other channels it names: its
  risk is in the database, not in a send.
* **Channel work rides a train carrying every channel it names.** A single-channel send
  rides that channel's train; a multi-channel launch (a campaign, a UTM set for paid
  social, paid search and e-mail) rides a launch train that carries all of them, so its
  channels go live together and roll back together.
* **Work naming no channel** (an RFC about a process) rides any train and occupies that
  train's first channel, so freezes on that channel apply to it.

Pure functions: releases' boarding checks, the boarding pages and the selector of bookable
departures all ask `carries`, so the rule cannot drift between them.
"""

from __future__ import annotations

from collections.abc import Iterable

DATA_CHANNEL = "data"
DATA_OPS_CHANNELS = frozenset({"data", "crm"})
DATA_OPS_CHANGES = frozenset({"schema_change", "routing_scoring_change"})


def is_data_ops(*, channels: Iterable[str], change_type: str = "") -> bool:
    """Whether the work is data/ops work (rides a train carrying `data`)."""
    return bool(DATA_OPS_CHANNELS & set(channels)) or change_type in DATA_OPS_CHANGES


def carries(
    *, train_channels: Iterable[str], channels: Iterable[str], change_type: str = ""
) -> bool:
    """Whether a train carrying `train_channels` carries work naming `channels`."""
    carried, wanted = set(train_channels), set(channels)
    if not wanted:
        return bool(carried)
    if is_data_ops(channels=wanted, change_type=change_type) and DATA_CHANNEL in carried:
        return True
    return wanted <= carried


def riding_channels(*, train_channels: Iterable[str], channels: Iterable[str]) -> list[str]:
    """The channels the work occupies on the train (what freezes are checked against): its
    own, or the train's first when it names none."""
    wanted = list(channels)
    return wanted or list(train_channels)[:1]


def why(*, channels: Iterable[str], change_type: str = "") -> str:
    """The rule, in words, for the work naming `channels` (shown when no train fits)."""
    if is_data_ops(channels=channels, change_type=change_type):
        return "Data/ops work rides a train that carries Data (the data & ops train)."
    if len(set(channels)) > 1:
        return "A launch across several channels rides a train that carries all of them."
    return "The work rides a train that carries its channel."
