"""Protocol names and numbers normalised to one vocabulary.

Only TCP (or "any") carries SSH and RDP: RDP's UDP transport needs an established TCP
connection, and ICMP, GRE or ESP never reach a management port.
"""

from __future__ import annotations

from typing import Any

ANY = "*"

_ALIASES = {
    "*": ANY,
    "any": ANY,
    "-1": ANY,
    "all": ANY,
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "icmpv6": "icmpv6",
    "58": "icmpv6",
    "ah": "ah",
    "51": "ah",
    "esp": "esp",
    "50": "esp",
    "gre": "gre",
    "47": "gre",
}


def normalise_protocol(value: Any) -> str:
    """Map ``Tcp``, ``6``, ``-1``, ``all``, ``Any`` … onto ``tcp``/``udp``/``*``/…"""
    text = str(value).strip().lower()
    return _ALIASES.get(text, text)


def carries_tcp(protocols: frozenset[str]) -> bool:
    """True when TCP traffic matches a rule with these protocols."""
    return ANY in protocols or "tcp" in protocols


def means_all_ports(protocol: str) -> bool:
    """AWS: protocol ``-1``/``all`` opens every port whatever the port fields say."""
    return protocol == ANY
