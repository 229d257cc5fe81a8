"""Outbound-address guard: mops only talks to the public internet unless told otherwise.

Webhooks and the link checker pass every target through `check_url` before connecting, so
a URL typed by a user cannot reach the database, the cache, the cloud metadata service or
anything else on the private network (SSRF). The rules:

- the scheme must be http or https and the URL must name a host;
- *every* address the host resolves to must be public: one private answer among public
  ones refuses the whole host, because the connection may pick any of them;
- refused ranges: private, loopback, link-local, multicast, reserved, unspecified,
  carrier-grade NAT (100.64.0.0/10) and the deprecated IPv6 site-local fec0::/10; an IPv6
  address that carries an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, NAT64
  ``64:ff9b::a.b.c.d``, 6to4 ``2002::/16``) is judged by that IPv4 address as well;
- the allow-list overrides all of that: an entry is a hostname (matches the URL's host
  exactly, case-insensitively, so it does not cover subdomains), an IP address, or a CIDR
  network that contains the resolved address.

A host that cannot be resolved is refused too (`UnresolvableHost`): the guard fails closed.
Name resolution has no timeout of its own; it uses the system resolver's.
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Collection
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})

_CARRIER_GRADE_NAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeTarget(ValueError):
    """The URL may not be contacted; `str(exc)` says why."""


class UnresolvableHost(UnsafeTarget):
    """The host has no address; refused because nothing could be checked."""


def check_url(url: str, *, allow: Collection[str] = ()) -> None:
    """Raise `UnsafeTarget` unless `url` is http(s) and every address of its host is public.

    `allow` holds hostnames, IP addresses or CIDR networks that may be contacted anyway
    (e.g. an internal receiver, or 127.0.0.1 in tests).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeTarget(f"scheme {scheme or '(none)'!r} is not http or https")
    if not parts.hostname:
        raise UnsafeTarget("URL has no host")
    resolve_public(parts.hostname, port or (443 if scheme == "https" else 80), allow)


def resolve_public(host: str, port: int, allow: Collection[str] = ()) -> list[str]:
    """Resolve `host` and return its addresses (unique, resolver order) if all may be contacted.

    Connect to these addresses rather than resolving the name again, so a DNS answer that
    changes between the check and the connection cannot slip a private address through.
    """
    name = _normalise_host(host)
    if not name:
        raise UnsafeTarget("URL has no host")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(f"cannot resolve {name!r}: {exc}") from exc
    # getaddrinfo may append a scope ("fe80::1%eth0"); the scope does not change the class.
    addresses = list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
    if not addresses:
        raise UnresolvableHost(f"cannot resolve {name!r}: no addresses")
    hostnames, networks = _parse_allow(allow)
    if name in hostnames:
        return addresses
    for text in addresses:
        address = ipaddress.ip_address(text)
        if _is_allowed(address, networks):
            continue
        reason = _unsafe_reason(address)
        if reason:
            shown = name if name == text else f"{name} ({text})"
            raise UnsafeTarget(f"{shown} is not a public address ({reason})")
    return addresses


def _normalise_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _parse_allow(allow: Collection[str]) -> tuple[set[str], list[IPNetwork]]:
    """Split allow entries into hostnames and networks (a bare IP becomes a /32 or /128)."""
    hostnames: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in allow:
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
        except ValueError:
            if "/" in text:
                raise ValueError(f"allow-list entry {entry!r} is not a CIDR network") from None
            hostnames.add(_normalise_host(text))
    return hostnames, networks


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _is_allowed(address: IPAddress, networks: list[IPNetwork]) -> bool:
    candidates = [address]
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        candidates.append(embedded)
    return any(c.version == n.version and c in n for c in candidates for n in networks)


def _unsafe_reason(address: IPAddress) -> str | None:
    """Name the first refused class the address (or the IPv4 address it carries) falls in."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = _unsafe_reason(embedded)
        if reason:
            return f"{reason} (embedded in IPv6)"
    # Order matters: 127.0.0.1 is also "private" to ipaddress; name the specific class.
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _CARRIER_GRADE_NAT:
        return "carrier-grade NAT"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    return None


# --- connections pinned to approved addresses ---------------------------------------------


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects only to addresses the guard approved, from the same DNS answer it checked."""

    allow: Collection[str] = ()

    def connect(self) -> None:
        error: OSError | None = None
        for address in resolve_public(self.host, self.port, self.allow):
            try:
                self.sock = socket.create_connection((address, self.port), self.timeout)
                return
            except TimeoutError:
                raise
            except OSError as exc:  # try the host's next address, as browsers do
                error = exc
        raise error or OSError(f"no address for {self.host}")


class PinnedHTTPSConnection(http.client.HTTPSConnection, PinnedHTTPConnection):
    """TLS on top of the pinned connection; the certificate is checked against the hostname."""


_TLS = ssl.create_default_context()


def pinned_connection(
    host: str, port: int, *, secure: bool, timeout: float, allow: Collection[str] = ()
) -> PinnedHTTPConnection:
    """An HTTP(S) connection that can only reach an address the guard approved.

    The DNS answer that is checked is the one connected to, so a name that resolves to a
    public address for the check and a private one for the connection cannot slip through.
    """
    connection: PinnedHTTPConnection
    if secure:
        connection = PinnedHTTPSConnection(host, port, timeout=timeout, context=_TLS)
    else:
        connection = PinnedHTTPConnection(host, port, timeout=timeout)
    connection.allow = allow
    return connection
