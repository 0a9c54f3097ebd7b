"""No part of a build tries the network (the guard is installed for the
whole test session by conftest.py)."""

import socket
import sys

import pytest

import network_guard
from network_guard import NetworkAttempt


def test_guard_blocks_remote_connects_and_lookups():
    # sys.audit raises the events without touching any socket.
    with socket.socket() as sock:
        with pytest.raises(NetworkAttempt):
            sys.audit("socket.connect", sock, ("192.0.2.1", 443))
    with pytest.raises(NetworkAttempt):
        sys.audit("socket.getaddrinfo", "fonts.googleapis.com", 443, 0, 0, 0)
    network_guard.ATTEMPTS.clear()


def test_guard_allows_loopback():
    with socket.socket() as sock:
        sys.audit("socket.connect", sock, ("127.0.0.1", 8000))
    sys.audit("socket.getaddrinfo", "localhost", 8000, 0, 0, 0)


def test_building_the_sample_site_makes_no_network_attempt(tmp_path):
    from conftest import ROOT, build
    import shutil

    network_guard.ATTEMPTS.clear()
    shutil.copytree(ROOT / "content", tmp_path / "content")
    built = build(tmp_path / "content", tmp_path / "output")
    assert (built.output / "ar/index.html").is_file()
    assert network_guard.ATTEMPTS == []
