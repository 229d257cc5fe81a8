"""The kernel's optimistic concurrency: one If-Match parser, one domain exception."""

import pytest
from django.test import RequestFactory
from rest_framework import serializers

from mops.core.api import exception_handler
from mops.core.concurrency import StaleVersion, if_match_version


def _request(value: str | None):
    headers = {} if value is None else {"HTTP_IF_MATCH": value}
    return RequestFactory().patch("/", **headers)


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, None), ('"7"', 7), ("7", 7), ('W/"12"', 12), (' "3" ', 3)]
)
def test_if_match_version_reads_the_number(raw, expected):
    assert if_match_version(_request(raw)) == expected


@pytest.mark.parametrize("raw", ['"abc"', '"1234567890"', '"-1"', "*"])
def test_malformed_if_match_is_a_400_naming_the_header(raw):
    with pytest.raises(serializers.ValidationError) as info:
        if_match_version(_request(raw))
    assert "If-Match" in info.value.detail


def test_stale_version_is_a_domain_error_mapped_to_412():
    exc = StaleVersion()
    assert not hasattr(exc, "status_code")
    response = exception_handler(exc, {})
    assert response.status_code == 412
    assert response.data == {"errors": [{"field": None, "code": "stale", "message": exc.message}]}
    assert exception_handler(StaleVersion("Reload."), {}).data["errors"][0]["message"] == "Reload."
