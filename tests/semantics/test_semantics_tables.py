"""Table-driven tests of the exact network semantics (domain.md §2)."""

from __future__ import annotations

import pytest

from iacjit.model.ports import ALL_PORTS, PortSyntaxError, parse_port_spec, port_range, ports_in
from iacjit.model.protocols import carries_tcp, normalise_protocol
from iacjit.semantics.addresses import IPV4, IPV6, internet_families

BOTH = {IPV4, IPV6}


@pytest.mark.parametrize(
    ("sources", "families"),
    [
        (["*"], BOTH),
        (["Any"], BOTH),
        (["Internet"], BOTH),  # trivy once dropped the tag; checkov ARM is case-sensitive
        (["internet"], BOTH),
        (["INTERNET"], BOTH),
        (["0.0.0.0/0"], {IPV4}),  # checkov CKV_AZURE_9/10 miss it
        (["::/0"], {IPV6}),
        (["192.168.1.0/0"], {IPV4}),  # prefix length 0 whatever the address bits
        (["10.0.0.0/0"], {IPV4}),
        (["2001:db8::/0"], {IPV6}),
        (["0.0.0.0"], {IPV4}),
        (["0.0.0.0/1", "128.0.0.0/1"], {IPV4}),  # a union covering all of IPv4
        (["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"], {IPV4}),
        (["::/1", "8000::/1"], {IPV6}),
        (["0.0.0.0/1"], set()),
        (["0.0.0.0/1", "128.0.0.0/2"], set()),
        (["10.0.0.0/8"], set()),
        (["VirtualNetwork"], set()),  # other service tags are not internet
        (["AzureLoadBalancer"], set()),
        (["sg-0123456789"], set()),  # security-group reference
        (["pl-12345"], set()),  # prefix list
        (["203.0.113.0/24", "*"], BOTH),
        ([], set()),
    ],
)
def test_internet_sources(sources, families):
    assert internet_families(sources) == frozenset(families)


@pytest.mark.parametrize(
    ("spec", "ranges"),
    [
        ("22", ((22, 22),)),
        (22, ((22, 22),)),
        (" 3389 ", ((3389, 3389),)),
        ("20-25", ((20, 25),)),
        ("*", ALL_PORTS),  # KICS misses port * in Terraform
        ("Any", ALL_PORTS),
        (["22", "80-90"], ((22, 22), (80, 90))),
        ([3389], ((3389, 3389),)),
    ],
)
def test_port_specs(spec, ranges):
    assert parse_port_spec(spec) == ranges


@pytest.mark.parametrize("spec", ["ssh", "70000", "25-20", "", True])
def test_bad_port_specs(spec):
    with pytest.raises(PortSyntaxError):
        parse_port_spec(spec)


@pytest.mark.parametrize(
    ("from_port", "to_port", "mgmt"),
    [
        (22, 22, [22]),
        ("22", "22", [22]),  # CloudFormation ports may be strings
        (0, 0, []),  # tcp 0..0 is port 0 only
        (0, 65535, [22, 3389]),
        (-1, -1, [22, 3389]),
        (3380, 3390, [3389]),
        (23, 3388, []),
    ],
)
def test_aws_port_ranges(from_port, to_port, mgmt):
    assert ports_in(port_range(from_port, to_port), {22, 3389}) == mgmt


@pytest.mark.parametrize(
    ("protocol", "tcp"),
    [
        ("Tcp", True), ("TCP", True), ("tcp", True), ("6", True), (6, True),
        ("*", True), ("Any", True), ("-1", True), (-1, True), ("all", True),
        ("Udp", False), ("17", False),  # UDP alone never exposes SSH/RDP
        ("Icmp", False), ("icmp", False), ("1", False),  # trivy once flagged ICMP as SSH
        ("Esp", False), ("Ah", False), ("gre", False), ("47", False),
    ],
)
def test_protocols(protocol, tcp):
    assert carries_tcp(frozenset({normalise_protocol(protocol)})) is tcp
