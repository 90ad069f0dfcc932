"""Reading translations for pages: what a transcript can be translated into and at what
price, a job's translations, and a translation beside the text it translates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import Organization
from jobs.languages import language_name
from jobs.models import TranscriptionJob
from jobs.text.language import language_code
from jobs.transcripts.selectors import TranscriptView, transcript_read
from jobs.translation.models import TranslationJob
from jobs.translation.services.intake import translation_quote
from jobs.translation.services.translators import targets_from, translator_label


@dataclass(frozen=True)
class TranslationChoice:
    """One way to translate a transcript: into a language, by a translator, at a price."""

    to_language: str
    language: str
    translator: str
    translator_label: str
    credits: Decimal

    @property
    def value(self) -> str:
        return f"{self.to_language}:{self.translator}"


@dataclass(frozen=True)
class AlignedRow:
    """A translated segment beside the source text it translates."""

    key: str
    start: float
    source_text: str


def transcript_words(view: TranscriptView) -> int:
    # As translation_create counts them, so the price shown is the price held.
    return len(view.text.split())


def translation_choices(job: TranscriptionJob) -> list[TranslationChoice]:
    """Every (language, translator) an enabled translator can do from the transcript's
    language, by language name then best translator first; empty without a transcript."""
    view = transcript_read(job)
    if view is None:
        return []
    source = language_code(view.language or job.language)
    words = transcript_words(view)
    choices = [
        TranslationChoice(
            to_language=target,
            language=language_name(target),
            translator=name,
            translator_label=translator_label(name),
            credits=translation_quote(words, name),
        )
        for target, names in targets_from(source).items()
        for name in names
    ]
    # sorted() is stable: a language's translators keep their best-first order.
    return sorted(choices, key=lambda choice: choice.language)


def translations_of(job: TranscriptionJob) -> QuerySet[TranslationJob]:
    """A job's translations, newest first (the job is already scoped to its organization)."""
    return TranslationJob.objects.filter(organization_id=job.organization_id, source_job=job)


def recent_translations(organization: Organization, limit: int = 5) -> list[TranslationJob]:
    return list(
        TranslationJob.objects.filter(organization=organization).select_related("source_job")[
            :limit
        ]
    )


def aligned_rows(translation: TranslationJob, translated: TranscriptView) -> list[AlignedRow]:
    """Each translated segment with the source text it came from.

    Text translators keep every segment's id and times, so rows pair by id. Whisper's
    English has segments of its own, and a source edited since may have split, merged or
    retimed some, so any other segment gets the source text spoken during it.
    """
    source = transcript_read(translation.source_job)
    segments = source.segments if source else ()
    by_key = {segment.key: segment for segment in segments}
    rows = []
    for segment in translated.segments:
        paired = by_key.get(segment.key)
        if paired is not None and (paired.start, paired.end) == (segment.start, segment.end):
            text = paired.text
        else:
            text = " ".join(
                s.text
                for s in segments
                if min(s.end, segment.end) - max(s.start, segment.start) > 0
            )
        rows.append(AlignedRow(key=segment.key or "", start=segment.start, source_text=text))
    return rows
