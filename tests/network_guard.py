"""Fail loudly on any attempt to reach the network from the test process.

An audit hook sees every socket connect and name lookup before it happens;
anything but loopback raises NetworkAttempt (and is recorded, in case some
library swallows the exception)."""

from __future__ import annotations

import ipaddress
import socket
import sys

ATTEMPTS: list[str] = []
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkAttempt(RuntimeError):
    pass


def _is_local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host)
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def audit(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        if getattr(sock, "family", None) == socket.AF_UNIX or not isinstance(address, tuple):
            return
        host = address[0]
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        host = args[0]
    else:
        return
    if not _is_local(host):
        ATTEMPTS.append(f"{event} {host}")
        raise NetworkAttempt(f"network access attempted: {event} to {host!r}")


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        sys.addaudithook(audit)
        _installed = True
