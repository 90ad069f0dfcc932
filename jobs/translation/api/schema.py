"""What the translation endpoints take and answer, as serializers (the answers
themselves are built in ``output``; these describe them for the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.api_schema import CursorPageOutput

S = serializers


class TranslateInput(S.Serializer[Any]):
    job_id = S.CharField(max_length=64, help_text="A completed transcription's id.")
    to_language = S.CharField(max_length=20, help_text="A language code (BCP-47), e.g. fr.")
    webhook_url = S.URLField(
        required=False, allow_blank=True, max_length=500,
        help_text="Receives Gumzo's webhook when the translation finishes.",
    )  # fmt: skip
    model = S.CharField(
        required=False, allow_blank=True, max_length=40,
        help_text="A translator's name, or auto (the default).",
    )  # fmt: skip
    prefer = S.CharField(
        required=False, allow_blank=True, max_length=10,
        help_text="How auto ranks translators: quality, speed or cost.",
    )  # fmt: skip
    fallbacks = S.ListField(
        child=S.CharField(max_length=40), required=False, max_length=5,
        help_text="Translators tried in order when the one before fails transiently.",
    )  # fmt: skip


class TranslationSegmentOutput(S.Serializer[Any]):
    id = S.CharField(allow_null=True)
    start = S.FloatField()
    end = S.FloatField()
    speaker = S.CharField(allow_null=True)
    speaker_id = S.CharField(allow_null=True)
    text = S.CharField(allow_blank=True)


class TranslationCreatedOutput(S.Serializer[Any]):
    translation_id = S.UUIDField()
    id = S.UUIDField(help_text="The same as translation_id.")
    job_id = S.UUIDField(help_text="The transcription translated.")
    status = S.CharField()
    from_language = S.CharField()
    to_language = S.CharField()
    words = S.IntegerField(help_text="Source words priced.")
    estimated_credits = S.FloatField(allow_null=True)
    estimated_wait = S.IntegerField(required=False, help_text="Seconds.")
    created_at = S.DateTimeField()


class TranslationOutput(TranslationCreatedOutput):
    """A translation: the result fields once completed, the error once failed."""

    progress = S.IntegerField(required=False)
    model = S.CharField(required=False)
    providers = S.ListField(child=S.CharField(), required=False)
    provider = S.CharField(required=False, allow_blank=True)
    credits_used = S.FloatField(allow_null=True, required=False)
    finished_at = S.DateTimeField(allow_null=True, required=False)
    transcript = S.CharField(required=False, allow_blank=True)
    segments = TranslationSegmentOutput(many=True, required=False)
    error = S.CharField(required=False)
    error_message = S.CharField(required=False)


class TranslationPageOutput(CursorPageOutput):
    results = TranslationOutput(many=True)
