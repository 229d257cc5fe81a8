import re

import pytest

from mops.netguard import UnsafeTarget, check_url, resolve_public


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.8.9.10:8080/hook", "loopback"),
        ("http://localhost/", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one decimal number
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "private"),
        ("http://[::1]/", "loopback"),
        ("http://[::]/", "unspecified"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fc00::1]/", "private"),
        ("http://[fec0::1]/", "site-local"),
        ("http://[ff02::1]/", "multicast"),
        ("http://[::ffff:127.0.0.1]/", "loopback (embedded in IPv6)"),
        ("http://[::ffff:10.0.0.1]/", "private (embedded in IPv6)"),
        ("http://[64:ff9b::a9fe:a9fe]/", "link-local (embedded in IPv6)"),
        ("http://[2002:c0a8:101::1]/", "private (embedded in IPv6)"),
    ],
)
def test_non_public_addresses_are_refused_with_their_class(url: str, reason: str) -> None:
    with pytest.raises(UnsafeTarget, match=re.escape(f"({reason})")):
        check_url(url)


@pytest.mark.parametrize(
    "url", ["http://8.8.8.8/", "https://1.1.1.1:8443/x", "http://[2606:4700::1111]/"]
)
def test_public_addresses_pass(url: str) -> None:
    check_url(url)


@pytest.mark.parametrize(
    "url", ["ftp://8.8.8.8/", "file:///etc/passwd", "gopher://8.8.8.8/", "javascript:alert(1)"]
)
def test_schemes_other_than_http_and_https_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget, match="is not http or https"):
        check_url(url, allow=["8.8.8.8"])


@pytest.mark.parametrize("url", ["http:///path", "https://", "http://:80/"])
def test_url_without_host_is_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget, match="no host"):
        check_url(url)


def test_malformed_port_is_refused() -> None:
    with pytest.raises(UnsafeTarget, match="malformed URL"):
        check_url("http://8.8.8.8:99999/")


def test_allow_list_ip_admits_exactly_that_address() -> None:
    check_url("http://127.0.0.1:8000/", allow=["127.0.0.1"])
    with pytest.raises(UnsafeTarget):
        check_url("http://127.0.0.2/", allow=["127.0.0.1"])


def test_allow_list_cidr_admits_addresses_inside_the_network_only() -> None:
    allow = ["10.20.0.0/16"]
    check_url("http://10.20.5.6/", allow=allow)
    check_url("http://[::ffff:10.20.5.6]/", allow=allow)  # mapped form of an allowed address
    with pytest.raises(UnsafeTarget, match="private"):
        check_url("http://10.21.0.1/", allow=allow)


def test_allow_list_ipv6_cidr_admits_ipv6_addresses() -> None:
    check_url("http://[fd12:3456::1]/", allow=["fd12:3456::/32"])
    with pytest.raises(UnsafeTarget):
        check_url("http://[fd99::1]/", allow=["fd12:3456::/32"])


def test_allow_list_hostname_matches_the_url_host_case_insensitively() -> None:
    check_url("http://LocalHost./status", allow=["localhost"])


def test_allow_list_hostname_does_not_admit_the_same_address_under_another_name() -> None:
    with pytest.raises(UnsafeTarget, match="loopback"):
        check_url("http://127.0.0.1/", allow=["localhost"])


def test_malformed_cidr_in_allow_list_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="not a CIDR network"):
        check_url("http://8.8.8.8/", allow=["10.0.0.0/33"])


def test_resolve_public_returns_addresses_to_connect_to() -> None:
    assert resolve_public("8.8.8.8", 443) == ["8.8.8.8"]
    assert resolve_public("localhost", 80, ["127.0.0.0/8", "::1"])
    with pytest.raises(UnsafeTarget):
        resolve_public("localhost", 80)
