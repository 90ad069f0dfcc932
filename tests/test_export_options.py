"""Export options from query parameters, and exports through the API with them: every bad
value is a 400 whose message names it and what is allowed, never a 500."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from jobs.engines.base import Segment, TranscriptionResult
from jobs.errors import InvalidJobRequest
from jobs.exporters import EXPORTERS
from jobs.exporters.options import CaptionRules, ExportOptions, export_options_from_query
from jobs.lifecycle.transcription import job_claim, job_complete
from jobs.models import TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO
from tests.support.whisper_transcripts import whisper_segment

JFK = SHARED_AUDIO / "jfk.flac"


def test_absent_options_take_the_defaults_and_the_callers_text_format():
    options = export_options_from_query({}, default_text_format="clean_verbatim")

    assert options == ExportOptions(text_format="clean_verbatim")
    assert options.captions == CaptionRules(42, 2, 17.0, 1.0, 7.0)
    assert options.speaker_names is True


def test_every_option_can_be_set():
    options = export_options_from_query(
        {
            "text_format": "full_verbatim",
            "timestamping": "every_2_minutes",
            "speaker_names": "false",
            "max_line_chars": "32",
            "max_lines": "1",
            "max_chars_per_second": "20.5",
            "min_cue_seconds": "0.5",
            "max_cue_seconds": "6",
        },
        default_text_format="clean_verbatim",
    )

    assert options == ExportOptions(
        "full_verbatim", "every_2_minutes", False, CaptionRules(32, 1, 20.5, 0.5, 6.0)
    )
    assert options.timecode_interval == 120


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"text_format": "verbatim"},
            "Unknown text_format 'verbatim'. Use one of: clean_verbatim, full_verbatim.",
        ),
        (
            {"timestamping": "every_minute"},
            "Unknown timestamping 'every_minute'. Use one of: not_required, every_10_seconds, "
            "every_30_seconds, every_2_minutes, change_of_speaker.",
        ),
        ({"speaker_names": "maybe"}, "speaker_names must be true or false, not 'maybe'."),
        (
            {"max_line_chars": "4.5"},
            "max_line_chars must be a whole number from 10 to 200, not '4.5'.",
        ),
        ({"max_lines": "0"}, "max_lines must be a whole number from 1 to 5, not '0'."),
        (
            {"max_chars_per_second": "nan"},
            "max_chars_per_second must be a number from 5 to 60, not 'nan'.",
        ),
        ({"max_cue_seconds": "99"}, "max_cue_seconds must be a number from 1 to 30, not '99'."),
        (
            {"min_cue_seconds": "5", "max_cue_seconds": "3"},
            "min_cue_seconds (5) cannot be longer than max_cue_seconds (3).",
        ),
    ],
)
def test_a_bad_option_is_refused_with_a_sentence_naming_it(params, message):
    with pytest.raises(InvalidJobRequest) as refused:
        export_options_from_query(params)

    assert refused.value.message == message


# --- Through the API --------------------------------------------------------------------


def upload(persona, path: Path = JFK, **data):
    with path.open("rb") as handle:
        return persona.client().post(
            "/api/v1/transcribe/", {"file": handle, **data}, format="multipart"
        )


@pytest.fixture
def interview_job(alice) -> TranscriptionJob:
    """A completed job whose transcript has two speakers, a filler and stored markup."""
    job = TranscriptionJob.objects.get(pk=upload(alice, diarization="true").json()["id"])
    claim = job_claim(str(job.id))
    assert claim is not None
    rows = [
        (0.0, 4.0, "So, um, shall we start with the <b>budget</b>?", "Ann"),
        (4.0, 9.0, "Yes. The numbers are in & they look fine.", "Raj"),
        (9.0, 11.0, "Good.", "Ann"),
    ]
    segments = [
        Segment(s.start, s.end, s.text, s.confidence, s.words, speaker=who)
        for s, who in ((whisper_segment(a, b, text, "en"), who) for a, b, text, who in rows)
    ]
    result = TranscriptionResult(segments=segments, language="en", duration=11.0, engine="local")
    assert job_complete(claim, result)
    return job


def export(persona, job: TranscriptionJob, **params: str):
    return persona.client().get(f"/api/v1/transcribe/{job.pk}/", params)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"format": "srt", "max_lines": "9"}, "max_lines must be a whole number from 1 to 5"),
        ({"format": "pdf", "timestamping": "hourly"}, "Unknown timestamping 'hourly'."),
        ({"format": "docx", "speaker_names": "nope"}, "speaker_names must be true or false"),
        ({"format": "rtf"}, "Unknown format 'rtf'. Available formats: txt, srt, vtt, json, docx"),
    ],
)
def test_a_bad_export_option_through_the_api_is_a_400_with_the_sentence(
    alice, interview_job, params, fragment
):
    response = export(alice, interview_job, **params)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert fragment in body["message"]


@pytest.mark.django_db
def test_srt_through_the_api_follows_the_requested_line_rules(alice, interview_job):
    response = export(
        alice, interview_job, format="srt", max_line_chars="16", speaker_names="false"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-subrip; charset=utf-8"
    text = response.content.decode()
    lines = [line for line in text.splitlines() if line and "-->" not in line]
    cue_lines = [line for line in lines if not line.isdigit()]
    assert all(len(line) <= 16 for line in cue_lines), cue_lines
    assert "Ann" not in text
    assert "\u2039b\u203abudget\u2039/b\u203a?" in text  # stored markup, never a tag


@pytest.mark.django_db
def test_word_export_through_the_api_is_a_docx_download_with_timecodes(alice, interview_job):
    response = export(
        alice, interview_job, format="docx", timestamping="change_of_speaker",
        text_format="clean_verbatim",
    )  # fmt: skip

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == 'attachment; filename="jfk.docx"'
    paragraphs = [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs]
    assert "Ann: [00:00:00] So, shall we start with the <b>budget</b>?" in paragraphs
    assert "Raj: [00:00:04] Yes. The numbers are in & they look fine." in paragraphs


@pytest.mark.django_db
def test_pdf_export_through_the_api_keeps_fillers_in_full_verbatim(alice, interview_job):
    response = export(alice, interview_job, format="pdf", text_format="full_verbatim")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Ann: So, um, shall we start" in text


@pytest.mark.django_db
def test_html_export_through_the_api_is_a_standalone_escaped_page(alice, interview_job):
    response = export(alice, interview_job, format="html")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="jfk.html"'
    page = response.content.decode()
    assert "&lt;b&gt;budget&lt;/b&gt;" in page
    assert "<b>" not in page
    assert '<span class="speaker">Raj:</span>' in page


@pytest.mark.django_db
def test_the_schema_lists_every_export_format_and_option_with_an_example(client):
    schema = json.loads(
        client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    )
    detail = schema["paths"]["/api/v1/transcribe/{job_id}/"]["get"]
    parameters = {p["name"]: p for p in detail["parameters"]}

    assert set(parameters["format"]["schema"]["enum"]) == set(EXPORTERS)
    assert parameters["format"]["examples"]
    assert set(parameters["text_format"]["schema"]["enum"]) == {"clean_verbatim", "full_verbatim"}
    assert "change_of_speaker" in parameters["timestamping"]["schema"]["enum"]
    assert parameters["speaker_names"]["schema"]["type"] == "boolean"
    assert parameters["max_line_chars"]["schema"] == {"type": "integer", "default": 42}
    assert "from 5 to 60" in parameters["max_chars_per_second"]["description"]
