"""The SSRF guard, table-driven: which URLs lib.outbound refuses, and why."""

from __future__ import annotations

import pytest

from lib.outbound import OutboundRefused, OutboundUnresolvable, Resolver, vet_url, vet_url_form

# (url, a phrase the refusal must contain)
REFUSED = [
    ("http://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("http://127.8.9.10:8080/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://10.0.0.1/", "private network"),
    ("http://172.16.5.4/", "private network"),
    ("http://192.168.1.1/", "private network"),
    ("http://[fc00::1]/", "private network"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://169.254.170.2/v2/credentials", "cloud metadata"),
    ("http://100.100.100.200/latest/meta-data", "cloud metadata"),
    ("http://192.0.0.192/", "cloud metadata"),
    ("http://[fd00:ec2::254]/", "cloud metadata"),
    ("http://169.254.1.1/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://255.255.255.255/", "private network"),
    ("http://240.0.0.1/", "private network"),
    ("http://[fec0::1]/", "site-local"),
    ("http://198.18.0.1/", "private network"),
    # IPv4 hidden in IPv6: mapped, compatible, 6to4, NAT64 (both prefixes)
    ("http://[::ffff:127.0.0.1]/", "loopback address hidden in an IPv6 address"),
    ("http://[::ffff:7f00:1]/", "loopback address hidden in an IPv6 address"),
    ("http://[::ffff:169.254.169.254]/", "cloud metadata service hidden"),
    ("http://[::127.0.0.1]/", "loopback address hidden"),
    ("http://[2002:7f00:1::]/", "loopback address hidden"),
    ("http://[2002:a9fe:a9fe::1]/", "cloud metadata service hidden"),
    ("http://[64:ff9b::7f00:1]/", "loopback address hidden"),
    ("http://[64:ff9b::10.0.0.1]/", "private network address hidden"),
    ("http://[64:ff9b:1::a00:1]/", "private network address hidden"),
    # IPv4 in decimal, octal, hex and short notations
    ("http://2130706433/", "unusual notation"),
    ("http://0x7f000001/", "unusual notation"),
    ("http://0177.0.0.1/", "unusual notation"),
    ("http://0x7f.0.0.1/", "unusual notation"),
    ("http://0x7f.1/", "unusual notation"),
    ("http://127.1/", "unusual notation"),
    ("http://10.1/", "unusual notation"),
    ("http://0/", "unusual notation"),
    ("http://3232235777:8080/", "unusual notation"),
    # Names that resolve to refused addresses (through the system resolver)
    ("http://localhost:8000/", "localhost resolves to"),
    ("http://LocalHost/", "localhost resolves to 127.0.0.1"),
    # Not http(s), or no usable host
    ("file:///etc/passwd", "Only http:// and https://"),
    ("gopher://example.com/", "Only http:// and https://"),
    ("http://[fe80::1%25eth0]/", "not a valid host name"),
    ("http:///path", "no host"),
]

ALLOWED = [
    "http://8.8.8.8/hook",
    "https://1.1.1.1:8443/hook?x=1",
    "http://[2606:4700:4700::1111]/",
    "http://[::ffff:8.8.8.8]/",  # a mapped public address is just that address
    "http://[64:ff9b::808:808]/",  # NAT64 of a public address (IPv6-only networks)
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_the_guard_refuses_non_public_destinations(url, reason):
    with pytest.raises(OutboundRefused) as refused:
        vet_url(url)
    assert reason in refused.value.message
    assert refused.value.message.endswith(".")


@pytest.mark.parametrize("url", ALLOWED)
def test_the_guard_allows_public_destinations(url):
    vetted = vet_url(url)
    assert vetted.addresses
    assert vetted.url.startswith(url.split("?")[0].split("/hook")[0].rstrip("/"))


def fake_dns(table: dict[str, list[str]]) -> Resolver:
    def resolver(host: str, port: int) -> list[str]:
        return table[host]

    return resolver


@pytest.mark.parametrize(
    ("host", "addresses", "reason"),
    [
        ("intranet.example", ["10.1.2.3"], "intranet.example resolves to 10.1.2.3"),
        ("cgnat.example", ["100.64.3.4"], "carrier-grade NAT"),
        ("meta.example", ["169.254.169.254"], "cloud metadata"),
        ("mapped.example", ["::ffff:192.168.0.1"], "private network address hidden"),
        # One refused address among public ones is enough: DNS could answer with either.
        ("mixed.example", ["93.184.216.34", "10.0.0.1"], "resolves to 10.0.0.1"),
        ("mixed6.example", ["2606:2800:220:1::", "::1"], "resolves to ::1"),
    ],
)
def test_a_name_resolving_to_a_private_address_is_refused(host, addresses, reason):
    with pytest.raises(OutboundRefused) as refused:
        vet_url(f"https://{host}/hook", resolver=fake_dns({host: addresses}))
    assert reason in refused.value.message


def test_a_public_name_is_vetted_with_every_address_it_resolves_to():
    resolver = fake_dns(
        {"receiver.example": ["93.184.216.34", "2606:2800:220:1::", "93.184.216.34"]}
    )
    vetted = vet_url("https://receiver.example:8443/hook", resolver=resolver)
    assert [str(a) for a in vetted.addresses] == ["93.184.216.34", "2606:2800:220:1::"]
    assert (vetted.host, vetted.port, vetted.scheme) == ("receiver.example", 8443, "https")


@pytest.mark.parametrize(("url", "reason"), [r for r in REFUSED if "resolves to" not in r[1]])
def test_the_form_alone_refuses_the_same_urls_with_the_same_sentence_when_no_name_is_involved(
    url, reason
):
    with pytest.raises(OutboundRefused) as refused:
        vet_url_form(url)
    assert reason in refused.value.message


@pytest.mark.parametrize(
    "url", ["http://localhost:8000/", "http://no-such-host.invalid/", "https://example.com/a"]
)
def test_the_form_alone_never_looks_a_name_up(url):
    # No resolver is consulted, so a name passes whatever it would resolve to; vet_url,
    # at connection time, is what refuses it.
    vet_url_form(url)


def test_a_name_that_does_not_resolve_is_unresolvable_not_refused():
    with pytest.raises(OutboundUnresolvable) as unresolvable:
        vet_url("http://no-such-host.invalid/")
    assert "could not be found" in unresolvable.value.message


def test_the_allow_list_is_empty_by_default(settings):
    assert settings.HARK_OUTBOUND_ALLOWED_NETWORKS == []
    with pytest.raises(OutboundRefused):
        vet_url("http://10.20.30.40/")


def test_allowed_networks_open_chosen_private_ranges_only(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["10.20.0.0/16", "127.0.0.0/8"]
    assert vet_url("http://10.20.30.40/").address.compressed == "10.20.30.40"
    assert vet_url("http://127.0.0.1:9000/").port == 9000
    # The same address hidden in IPv6 is the same address.
    vet_url("http://[::ffff:127.0.0.1]/")
    for still_refused in ("http://10.21.0.1/", "http://169.254.169.254/", "http://[::1]/"):
        with pytest.raises(OutboundRefused):
            vet_url(still_refused)
    # Odd notations stay refused whatever is allowed: parsers disagree about them.
    with pytest.raises(OutboundRefused):
        vet_url("http://2130706433/")
