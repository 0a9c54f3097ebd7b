"""What kind of address SITEURL is: a development one (this machine), the
example domain publishconf.py falls back to, or a publication address."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

VARIABLE = "MIRSAD_SITEURL"
# RFC 2606 and 6761: names reserved for examples and for this machine.
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net", "example")
LOCAL_DOMAINS = ("localhost", "localdomain", "local", "test", "invalid")


def _host(siteurl: str) -> str:
    return (urlsplit(siteurl.strip()).hostname or "").lower().rstrip(".")


def _under(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def is_development(siteurl: str) -> bool:
    """No host, this machine, a private network or a reserved local name:
    an address no reader of a printed PDF can open."""
    host = _host(siteurl or "")
    if not host or _under(host, LOCAL_DOMAINS):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def is_example(siteurl: str) -> bool:
    return _under(_host(siteurl or ""), EXAMPLE_DOMAINS)


def publication_problem(siteurl: str, given: str | None) -> str | None:
    """Why `siteurl` cannot be the address a site is published at (None: it
    can). `given`: the value of MIRSAD_SITEURL, None when it is not set."""
    if urlsplit(siteurl or "").scheme in ("http", "https") and not (is_example(siteurl) or is_development(siteurl)):
        return None
    fix = (f"Set {VARIABLE} to the address the site is published at, e.g. "
           f"{VARIABLE}=https://briefings.your-newsroom.org invoke build --publish")
    if not given:
        return (f"{VARIABLE} is not set (publishconf.py falls back to {siteurl}): a published site's sitemap, "
                f"feeds, hreflang links and PDFs carry its address. {fix}")
    return f"{VARIABLE}={given} is not a publication address (an example, local or non-http one). {fix}"
