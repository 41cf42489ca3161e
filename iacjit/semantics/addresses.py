"""Which source prefixes reach the internet (domain.md §2, "Internet source").

A rule is open to the internet for an address family when its sources cover that whole
family: a wildcard or the ``Internet`` tag covers both, any prefix of length 0 covers its
family whatever its address bits, and several prefixes may do it together.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

IPV4 = "ipv4"
IPV6 = "ipv6"
BOTH = frozenset({IPV4, IPV6})

_WILDCARDS = {"*", "any", "internet", "0.0.0.0"}


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _covers_family(networks: list, whole: ipaddress._BaseNetwork) -> bool:
    """True when the union of *networks* (one family) is the whole address space."""
    collapsed = list(ipaddress.collapse_addresses(networks))
    return len(collapsed) == 1 and collapsed[0] == whole


def internet_families(sources: Iterable[str]) -> frozenset[str]:
    """The address families (``ipv4``/``ipv6``) that *sources* open entirely.

    Service tags other than ``Internet``, private ranges and group references return nothing.
    """
    return _families(tuple(str(s).strip() for s in sources))


@lru_cache(maxsize=4096)
def _families(sources: tuple[str, ...]) -> frozenset[str]:
    """Memoised: plans repeat the same few source lists thousands of times."""
    families: set[str] = set()
    v4: list[ipaddress.IPv4Network] = []
    v6: list[ipaddress.IPv6Network] = []
    for raw in sources:
        text = str(raw).strip()
        if text.lower() in _WILDCARDS:
            if text == "0.0.0.0":
                families.add(IPV4)
            else:
                families |= BOTH
            continue
        if "/" in text and text.rsplit("/", 1)[1].strip() == "0":
            families.add(IPV6 if ":" in text else IPV4)
            continue
        net = _network(text)
        if net is None:
            continue
        (v4 if net.version == 4 else v6).append(net)
    if v4 and _covers_family(v4, ipaddress.ip_network("0.0.0.0/0")):
        families.add(IPV4)
    if v6 and _covers_family(v6, ipaddress.ip_network("::/0")):
        families.add(IPV6)
    return frozenset(families)
