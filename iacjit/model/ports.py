"""Port sets as inclusive ranges, parsed from every way templates write them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ALL_PORTS = ((0, 65535),)

PortRanges = tuple[tuple[int, int], ...]


class PortSyntaxError(ValueError):
    """A port value that is present but not a port, a range or ``*``."""


def _port(text: str) -> int:
    try:
        number = int(str(text).strip())
    except ValueError:
        raise PortSyntaxError(f"not a port number: {text!r}") from None
    if not 0 <= number <= 65535:
        raise PortSyntaxError(f"port out of range: {number}")
    return number


def parse_port_spec(value: Any) -> PortRanges:
    """Parse ``22``, ``"22"``, ``"20-25"``, ``"*"``, ``"Any"`` or a list of those."""
    if isinstance(value, list | tuple):
        ranges: list[tuple[int, int]] = []
        for item in value:
            ranges.extend(parse_port_spec(item))
        return tuple(ranges)
    if isinstance(value, bool):
        raise PortSyntaxError(f"not a port: {value!r}")
    text = str(value).strip()
    if text in {"*", ""} or text.lower() == "any":
        if text == "":
            raise PortSyntaxError("empty port")
        return ALL_PORTS
    if "-" in text[1:]:
        low, high = text.split("-", 1)
        start, end = _port(low), _port(high)
        if start > end:
            raise PortSyntaxError(f"range runs backwards: {text!r}")
        return ((start, end),)
    number = _port(text)
    return ((number, number),)


def port_range(from_port: Any, to_port: Any) -> PortRanges:
    """AWS ``from_port``/``to_port`` (numbers or strings); ``-1`` on both means all ports."""
    start, end = int(str(from_port).strip()), int(str(to_port).strip())
    if start == -1 and end == -1:
        return ALL_PORTS
    if not (0 <= start <= 65535 and 0 <= end <= 65535) or start > end:
        raise PortSyntaxError(f"invalid port range {from_port}..{to_port}")
    return ((start, end),)


def ports_in(ranges: PortRanges, wanted: Iterable[int]) -> list[int]:
    """The ports of *wanted* that *ranges* include, sorted."""
    return sorted(p for p in set(wanted) if any(lo <= p <= hi for lo, hi in ranges))


def format_ranges(ranges: PortRanges) -> str:
    """Human form: ``22``, ``20-25``, ``*``."""
    if tuple(ranges) == ALL_PORTS:
        return "*"
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
