"""Where a webhook may be sent: ``http``/``https`` to a public address only (no SSRF).

Two checks, the same rule:

* **at subscribe time** (``check_url``): the URL must be ``http`` or
  ``https`` with a host and without user name or password; the host, an
  address or every address its name resolves to, must be public. A name
  that does not resolve is refused too (the subscription could never be
  delivered);
* **at connect time** (``guarded_transport``): the delivery client resolves
  the name itself, checks each address, and connects the TCP socket to an
  address that passed; TLS (SNI and the certificate check) and the ``Host``
  header still use the name, since they come from the URL, not from the
  socket. So a name whose DNS answer changed after subscribing (DNS
  rebinding) still never reaches a private address: the address checked is
  the address connected to. The transport ignores proxy variables
  (``trust_env=False``), which would otherwise connect on the client's behalf.

Refused: loopback, private (RFC 1918, unique local ``fc00::/7``, ...), link
local (``169.254.0.0/16``, ``fe80::/10``, the cloud metadata address among
them), unspecified, multicast, reserved, and any other address Python's
``ipaddress`` does not call global (shared ``100.64.0.0/10``, documentation
ranges); an IPv4 address mapped into IPv6 (``::ffff:127.0.0.1``) is judged
as the IPv4 address it is. ``NLENTRY_WEBHOOK_ALLOW_PRIVATE=1`` allows them
all (a receiver on the same machine or LAN; the tests).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import typing

import anyio
import httpcore
import httpx

ALLOW_PRIVATE_ENV = "NLENTRY_WEBHOOK_ALLOW_PRIVATE"
_TRUE = {"1", "true", "yes", "on"}
SCHEMES = ("http", "https")
#: Seconds a name may take to resolve when connecting (within the receiver's 10 s).
RESOLVE_TIMEOUT_SECONDS = 5.0


class UrlRefused(ValueError):
    """A webhook URL that may not be used: ``key`` is the message key saying why."""

    def __init__(self, key: str, detail: str = ""):
        super().__init__(detail or key)
        self.key = key


def private_allowed(environ: typing.Mapping[str, str] = os.environ) -> bool:
    """Whether ``NLENTRY_WEBHOOK_ALLOW_PRIVATE`` allows private addresses (read each time)."""
    return environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in _TRUE


def refusal(address: str) -> str | None:
    """Why ``address`` (an IP address as text) may not be connected to; None: it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone is no part of it
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "private", "link_local", "unspecified", "multicast", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return f"{ip} is a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def parse_url(text: str) -> httpx.URL:
    """``text`` as an ``http``/``https`` URL with a host and no credentials; else
    ``UrlRefused("invalid_url")``."""
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UrlRefused("invalid_url") from None
    if url.scheme not in SCHEMES or not url.host or url.userinfo:
        raise UrlRefused("invalid_url")
    if url.port is not None and not 0 < url.port < 65536:
        raise UrlRefused("invalid_url")
    return url


def _host(url: httpx.URL) -> str:
    return url.raw_host.decode("ascii").strip("[]")


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (blocking; ``socket.gaierror`` when none)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in found))


def check_url(text: str) -> str:
    """The URL a subscription may have (stripped), else ``UrlRefused`` with the message key:
    ``invalid_url``, ``url_private`` (a refused address) or ``url_unresolvable``."""
    url = parse_url(text)
    if private_allowed():
        return text.strip()
    host = _host(url)
    if _literal(host):
        addresses = [host]
    else:
        try:
            addresses = resolve(host, _port(url))
        except (OSError, UnicodeError):
            raise UrlRefused("url_unresolvable") from None
        if not addresses:
            raise UrlRefused("url_unresolvable")
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            raise UrlRefused("url_private", reason)
    return text.strip()


# --- at connect time ------------------------------------------------------------------


class AddressRefused(httpcore.ConnectError):
    """The delivery's host resolves only to refused addresses."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """anyio's network backend, connecting only to addresses ``refusal`` lets through
    (unless private ones are allowed): the name is resolved here, each address checked,
    and the socket connected to a checked one."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        addresses = await self._resolve(host, port, timeout)
        allowed = private_allowed()
        refused = []
        last_error: Exception | None = None
        for address in addresses:
            reason = None if allowed else refusal(address)
            if reason is not None:
                refused.append(reason)
                continue
            try:
                return await self._backend.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as error:
                last_error = error
        if last_error is not None:
            raise last_error
        raise AddressRefused(f"refused: {host} resolves to no public address ({'; '.join(refused)})")

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        if _literal(host.strip("[]")):
            return [host.strip("[]")]
        try:
            with anyio.fail_after(min(timeout or RESOLVE_TIMEOUT_SECONDS, RESOLVE_TIMEOUT_SECONDS)):
                found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"{host} did not resolve in time") from None
        except OSError as error:
            raise httpcore.ConnectError(f"{host} does not resolve: {error}") from None
        return list(dict.fromkeys(str(info[4][0]) for info in found))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        raise AddressRefused("webhooks are not sent to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


#: Idle connections a transport keeps open for later sends. httpcore's pool looks at each
#: of its connections on every send (about 20 µs each: whether it has expired, whether
#: it is idle), so a pool that kept every connection of a burst of 64 sends open would
#: make each later send cost over a millisecond of the event loop's CPU.
KEPT_CONNECTIONS = 8


def guarded_transport(max_connections: int = 32) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through ``GuardedBackend``, with no proxy;
    at most ``max_connections`` at once, ``KEPT_CONNECTIONS`` of them kept when idle.

    httpx takes no network backend of its own, so the transport's connection pool
    (``_pool``, what ``AsyncHTTPTransport`` sends through) is replaced by one made with
    it; ``tests/api/test_webhooks.py`` proves the guard is the one that connects.
    """
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=max_connections,
        max_keepalive_connections=min(KEPT_CONNECTIONS, max_connections),
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(),
    )
    return transport
