"""Warm Apertium pipelines: the same translation as a fresh ``apertium`` process, from
programs that stay running between documents, and never a stuck or broken one kept."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.engines.base import ProviderError
from jobs.translation.engines import apertium_warm, get_translator
from jobs.translation.engines.apertium_warm import mode_file, warm_pipelines_close
from jobs.translation.engines.base import TextSegment
from tests.audio_fixtures import SHARED_AUDIO
from tests.translation.test_apertium import translate


@pytest.fixture(autouse=True)
def no_pipeline_left_behind() -> Iterator[None]:
    warm_pipelines_close()
    yield
    warm_pipelines_close()


def pipeline_pids(mode: str) -> list[int]:
    return apertium_warm._pipelines[mode].pids


def test_a_warm_pipeline_translates_exactly_as_a_fresh_apertium_process(settings) -> None:
    references = [*sorted(SHARED_AUDIO.glob("librivox_*.txt")), SHARED_AUDIO / "jfk.txt"]
    texts = [line for path in references for line in path.read_text().split(". ") if line]
    texts += ["a &amp; b < c", "Hark's 3 speakers said: “hello”!", "</p><p>", ""]

    warm = translate(texts, "en", "es")
    assert "eng-spa" in apertium_warm._pipelines
    settings.HARK_APERTIUM_WARM_SECONDS = 0
    fresh = translate(texts, "en", "es")

    assert warm == fresh
    assert any("país" in text for text in warm)


def test_documents_after_the_first_reuse_the_running_programs() -> None:
    translator = get_translator("apertium")

    [first] = translator.translate([TextSegment("1", "my country")], "en", "es")
    started = pipeline_pids("eng-spa")
    [second] = translator.translate([TextSegment("1", "your friend")], "en", "es")

    assert (first, second) == ("Mi país", "Vuestro amigo")
    assert pipeline_pids("eng-spa") == started


def test_a_chained_pair_keeps_each_of_its_modes_warm() -> None:
    [french] = get_translator("apertium").translate(
        [TextSegment("1", (SHARED_AUDIO / "jfk.txt").read_text())], "en", "fr"
    )
    assert "pays" in french
    assert {"eng-spa", "es-fr"} <= set(apertium_warm._pipelines)


def test_a_program_that_died_between_documents_is_replaced_by_fresh_ones() -> None:
    assert translate(["my country"], "en", "es") == ["Mi país"]
    broken = pipeline_pids("eng-spa")
    os.kill(broken[3], signal.SIGKILL)  # one program in the middle of the pipeline

    assert translate(["my country"], "en", "es") == ["Mi país"]
    assert not set(pipeline_pids("eng-spa")) & set(broken)


def test_a_program_that_dies_during_a_document_fails_it_for_now_and_is_dropped(
    settings, tmp_path: Path
) -> None:
    # A "pair" whose program answers one byte and exits.
    (tmp_path / "die-early.mode").write_text("head -c 1\n")
    settings.HARK_APERTIUM_MODES_DIR = str(tmp_path)
    path = mode_file("die-early")
    assert path is not None

    with pytest.raises(ProviderError, match="failed translating with die-early") as failed:
        apertium_warm.warm_translate("die-early", path, "<p>hello</p>")

    assert failed.value.permanent is False
    assert "die-early" not in apertium_warm._pipelines


def test_an_idle_pipeline_is_stopped_and_its_programs_reaped() -> None:
    translate(["my country"], "en", "es")
    pipeline = apertium_warm._pipelines["eng-spa"]

    pipeline.expire()  # what its idle timer calls

    assert "eng-spa" not in apertium_warm._pipelines
    assert pipeline.alive() is False
    assert not [pid for pid in pipeline.pids if Path(f"/proc/{pid}").exists()]


def test_the_idle_timer_stops_a_pipeline_after_the_configured_seconds(settings) -> None:
    settings.HARK_APERTIUM_WARM_SECONDS = 0.2
    translate(["my country"], "en", "es")
    pipeline = apertium_warm._pipelines["eng-spa"]
    deadline = time.monotonic() + 20
    while pipeline.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pipeline.alive() is False


def test_with_warm_seconds_zero_every_document_runs_a_fresh_apertium(settings) -> None:
    settings.HARK_APERTIUM_WARM_SECONDS = 0
    assert translate(["my country"], "en", "es") == ["Mi país"]
    assert mode_file("eng-spa") is None
    assert apertium_warm._pipelines == {}


def test_a_pipeline_that_hangs_is_killed_at_the_timeout_as_a_temporary_failure(
    settings, tmp_path: Path
) -> None:
    # A "pair" whose only program never answers.
    (tmp_path / "hang-ing.mode").write_text("tail -f /dev/null\n")
    settings.HARK_APERTIUM_MODES_DIR = str(tmp_path)
    settings.HARK_TRANSLATION_TIMEOUT_SECONDS = 1
    path = mode_file("hang-ing")
    assert path is not None

    started = time.monotonic()
    with pytest.raises(ProviderError, match="did not finish within 1 seconds") as failed:
        apertium_warm.warm_translate("hang-ing", path, "<p>hello</p>")

    assert time.monotonic() - started < 30
    assert failed.value.permanent is False
    assert "hang-ing" not in apertium_warm._pipelines


def test_a_pair_whose_programs_cannot_be_started_to_stay_is_translated_by_apertium(
    monkeypatch,
) -> None:
    monkeypatch.setattr(apertium_warm, "_WBLANK_MODE", "false")  # exits 1: no pipeline
    assert translate(["my country"], "en", "es") == ["Mi país"]
    assert apertium_warm._pipelines == {}
