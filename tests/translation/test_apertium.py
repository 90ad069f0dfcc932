"""Apertium for real: Debian's packages, run as a separate process (bin/test installs
apertium, apertium-eng-spa, apertium-fr-es, apertium-es-pt, apertium-spa-ita,
apertium-eng-cat and apertium-spa-cat)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from jobs.engines.base import ProviderError
from jobs.translation.engines import (
    apertium,
    disabled_translators,
    enabled_translators,
    get_translator,
)
from jobs.translation.engines.apertium import installed_modes, routes
from jobs.translation.engines.base import TextSegment
from tests.audio_fixtures import SHARED_AUDIO

JFK = (SHARED_AUDIO / "jfk.txt").read_text().strip()


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents sent through Apertium (still for real, warm or not), by mode."""
    started: list[str] = []
    real_run = apertium._run

    def spy(mode: str, document: str) -> str:
        started.append(mode)
        return real_run(mode, document)

    monkeypatch.setattr(apertium, "_run", spy)
    return started


def translate(texts: list[str], source: str, target: str) -> list[str]:
    segments = [TextSegment(str(index), text) for index, text in enumerate(texts)]
    return get_translator("apertium").translate(segments, source, target)


def test_it_is_offered_on_this_machine_with_its_installed_pairs():
    assert "apertium" in [info.name for info in enabled_translators()]
    assert "apertium" not in disabled_translators()
    modes = installed_modes("apertium")
    assert modes[("en", "es")] == "eng-spa"  # three-letter codes read as ISO 639-1
    assert modes[("es", "fr")] == "es-fr"  # two-letter ones as they are
    # Regional variants and debugging modes are not pairs of their own.
    assert all("_" not in mode and mode.count("-") == 1 for mode in modes.values())


def test_english_to_spanish_translates_the_jfk_speech():
    [spanish] = translate([JFK], "en", "es")
    assert "país" in spanish
    assert "*" not in spanish  # unknown words are not marked


def test_english_to_french_is_chained_through_spanish(runs):
    assert routes("apertium")[("en", "fr")] == ("eng-spa", "es-fr")
    [french] = translate([JFK], "en", "fr")
    assert "pays" in french
    assert runs == ["eng-spa", "es-fr"]


def test_discovered_pairs_include_the_chained_ones():
    pairs = get_translator("apertium").pairs()
    direct = {("en", "es"), ("es", "en"), ("es", "fr"), ("fr", "es"), ("es", "pt"), ("es", "it")}
    chained = {("en", "fr"), ("fr", "en"), ("en", "pt"), ("en", "it"), ("pt", "fr"), ("ca", "it")}
    assert direct | chained <= pairs
    assert all(len(source) == 2 and len(target) == 2 for source, target in pairs)
    assert all(source != target for source, target in pairs)
    # The shortest chain wins: Catalan has a pair of its own with English.
    assert routes("apertium")[("en", "ca")] == ("eng-cat",)


def test_fifty_segments_come_back_one_for_one_from_one_run(runs):
    odd = ["", "   ", "...", "?!", "<p>not a tag</p>", "a &amp; b < c", "line\nbreak", "</p><p>"]
    texts = [*odd, *(f"My friend number {n} is here." for n in range(42))]
    assert len(texts) == 50

    out = translate(texts, "en", "es")

    assert len(out) == 50
    assert len(runs) == 1
    assert out[:2] == ["", ""]  # empty stays empty
    assert out[2] == "..."
    assert out[3] == "?!"
    assert "<p>" in out[4]  # text that looks like the separator is passed through as text
    assert out[5].count("&") == 1
    assert out[5].count("<") == 1
    assert "\n" not in out[6]
    assert out[7] == "</p><p>"
    assert out[8:] == [f"Mi número de amigo {n} es aquí." for n in range(42)]


def test_words_do_not_move_across_segments():
    # In plain text Apertium would read on across the line ("El gato / negro").
    first, second = translate(["the black", "cat is here"], "en", "es")
    assert "gato" not in first
    assert "gato" in second


def test_a_run_that_loses_blocks_falls_back_to_one_run_per_segment(settings, tmp_path, runs):
    # Real Apertium behind a wrapper that merges the first two blocks of any document.
    wrapper = tmp_path / "apertium"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import subprocess, sys\n"
        "done = subprocess.run(['apertium', *sys.argv[1:]], input=sys.stdin.buffer.read(),\n"
        "                      capture_output=True)\n"
        "out = done.stdout.decode()\n"
        "if out.count('<p>') > 1:\n"
        "    out = out.replace('</p>', '', 1)\n"
        "sys.stdout.write(out)\n"
        "sys.exit(done.returncode)\n"
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    settings.HARK_APERTIUM_COMMAND = str(wrapper)
    settings.HARK_APERTIUM_WARM_SECONDS = 0  # every document through the wrapper

    out = translate(["my country", "", "your friend", "the black cat"], "en", "es")

    assert out == ["Mi país", "", "Vuestro amigo", "El gato negro"]
    assert len(runs) == 1 + 3  # the batch, then each non-empty segment alone


def test_it_says_how_to_install_apertium_when_it_is_missing(settings):
    settings.HARK_APERTIUM_COMMAND = str(Path("/nonexistent/apertium"))
    assert "apt-get install apertium" in disabled_translators()["apertium"]
    assert "apertium" not in [info.name for info in enabled_translators()]
    assert get_translator("apertium").pairs() == frozenset()


def test_a_pair_it_cannot_translate_is_a_permanent_error():
    with pytest.raises(ProviderError) as caught:
        translate(["hello"], "en", "ja")
    assert caught.value.permanent
    assert "from en to ja" in caught.value.message


def test_the_same_language_comes_back_unchanged(runs):
    assert translate(["hello", ""], "en", "en") == ["hello", ""]
    assert runs == []
