"""Role mappings: checked against the warehouse's columns, with errors naming the field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from metrics.impact.roles import mapping_errors
from metrics.impact.services import dataset_role_save

from .conftest import OPP_COLUMNS

COLUMNS = {"id": "bigint", "created_at": "timestamp with time zone", "label": "text"}


def test_mapping_errors_name_the_field_and_problem():
    errors = mapping_errors(
        "opportunities", {"id": "id", "created_at": "label", "amount": "nope"}, COLUMNS
    )
    assert "needs a timestamp column" in errors["columns.created_at"][0]
    assert errors["columns.amount"][0].startswith("Column 'nope' does not exist")
    assert errors["columns.won"] == ["Map won (True when closed won.) to a column."]
    assert "columns.channel" not in mapping_errors(
        "campaign_touches",
        {"opportunity_id": "id", "campaign": "label", "touched_at": "created_at"},
        COLUMNS,
    )
    assert mapping_errors("nonsense", {}, COLUMNS)["role"][0].startswith("Unknown role")


@pytest.mark.django_db
def test_service_refuses_bad_mappings_against_the_real_table(mapped, users):
    opps = mapped["datasets"]["opportunities"]
    with pytest.raises(ValidationError) as missing:
        dataset_role_save(
            role="opportunities", dataset=opps, columns={**OPP_COLUMNS, "won": "won"},
            actor=users["admin"],
        )  # fmt: skip
    assert "columns.won" in missing.value.message_dict
    with pytest.raises(ValidationError) as wrong_type:
        dataset_role_save(
            role="opportunities", dataset=opps, columns={**OPP_COLUMNS, "amount": "amount_text"},
            actor=users["admin"],
        )  # fmt: skip
    assert (
        "is text; amount needs a number column"
        in wrong_type.value.message_dict["columns.amount"][0]
    )
    with pytest.raises(ValidationError) as join:
        dataset_role_save(
            role="campaign_touches", dataset=mapped["datasets"]["campaign_touches"],
            columns={"opportunity_id": "campaign", "campaign": "campaign", "touched_at": "at"},
            actor=users["admin"],
        )  # fmt: skip
    assert "must join on one type" in join.value.message_dict["columns.opportunity_id"][0]
