"""What the transcription endpoints answer, as serializers for the OpenAPI schema.

The views build their bodies in ``results``/``serializers``/``quote``/``reference``;
these classes describe those bodies field by field so the docs show real shapes (and
tests/test_api_schema.py checks every documented example against them).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.api_schema import CursorPageOutput

S = serializers


class OrderedTranslationOutput(S.Serializer[Any]):
    """The translation ordered with a transcription (``translate_to``)."""

    id = S.UUIDField(allow_null=True, help_text="Null while it waits for the transcript.")
    translation_id = S.UUIDField(allow_null=True, required=False)
    from_language = S.CharField(required=False)
    to_language = S.CharField()
    status = S.CharField(help_text="waiting, queued, processing, completed, failed, canceled")
    estimated_credits = S.FloatField(allow_null=True)
    url = S.URLField(allow_null=True, required=False, help_text="GET it for the translation.")
    credits_used = S.FloatField(allow_null=True, required=False)
    error = S.CharField(required=False)


class JobCreatedOutput(S.Serializer[Any]):
    id = S.UUIDField()
    job_id = S.UUIDField(help_text="The same as id (Gumzo's name).")
    status = S.CharField(help_text="queued; fetching for a job from a URL")
    estimated_credits = S.FloatField(allow_null=True)
    estimated_wait = S.IntegerField(help_text="Seconds until it is likely done.")
    created_at = S.DateTimeField()
    translation = OrderedTranslationOutput(required=False)
    order_total = S.FloatField(required=False, help_text="With translate_to: both prices.")


class WordOutput(S.Serializer[Any]):
    word = S.CharField()
    start = S.FloatField(allow_null=True)
    end = S.FloatField(allow_null=True)
    confidence = S.FloatField(allow_null=True, required=False)
    aligned = S.BooleanField(required=False, help_text="False while a typed word is placed.")


class JobSegmentOutput(S.Serializer[Any]):
    id = S.CharField(required=False, help_text="Stable id for the editing API.")
    start = S.FloatField(required=False, help_text="Seconds; left out with timestamps=false.")
    end = S.FloatField(required=False)
    text = S.CharField(allow_blank=True)
    speaker = S.CharField(allow_null=True, help_text="The speaker's display name.")
    speaker_id = S.CharField(allow_null=True, required=False)
    language = S.CharField(allow_null=True, required=False)
    confidence = S.FloatField(allow_null=True, required=False)
    words = WordOutput(many=True, required=False, help_text="With ?words=true.")


class SpeakerTimeOutput(S.Serializer[Any]):
    id = S.CharField()
    name = S.CharField()
    label = S.CharField(allow_blank=True)  # type: ignore[assignment]  # a field, not the attribute
    speaking_time = S.FloatField(help_text="Seconds.")


class ChunkProgressOutput(S.Serializer[Any]):
    total = S.IntegerField()
    done = S.IntegerField()


class JobDetailOutput(S.Serializer[Any]):
    """A job in AudioToTextAI's result shape: the transcript fields once completed, the
    error once failed."""

    id = S.UUIDField()
    job_id = S.UUIDField(required=False)
    status = S.CharField(
        help_text="fetching (a URL's media is being downloaded; nothing held yet), queued, "
        "processing, completed, failed, canceled"
    )
    progress = S.IntegerField(required=False, help_text="Percent.")
    filename = S.CharField(required=False, allow_blank=True)
    name = S.CharField(required=False, allow_blank=True, help_text="What the dashboard shows.")
    tags = S.ListField(child=S.CharField(), required=False, help_text="By name, sorted.")
    model = S.CharField(required=False)
    created_at = S.DateTimeField(required=False)
    estimated_credits = S.FloatField(allow_null=True, required=False)
    url = S.URLField(required=False, help_text="The URL it was fetched from.")
    # "from" is a Python keyword: the trimmed range is declared through the class namespace.
    vars()["from"] = S.FloatField(required=False, help_text="Trimmed start, seconds.")
    till = S.FloatField(allow_null=True, required=False, help_text="Trimmed end, seconds.")
    chunks = ChunkProgressOutput(required=False)
    provider = S.CharField(required=False)
    providers = S.ListField(child=S.CharField(), required=False)
    transcript = S.CharField(required=False, allow_blank=True)
    duration_seconds = S.FloatField(required=False)
    language = S.CharField(required=False, allow_blank=True)
    credits_used = S.FloatField(allow_null=True, required=False)
    speakers = SpeakerTimeOutput(many=True, required=False)
    edited = S.BooleanField(required=False)
    version = S.IntegerField(required=False)
    finished_at = S.DateTimeField(allow_null=True, required=False)
    summary = S.CharField(required=False, allow_blank=True)
    topics = S.ListField(child=S.CharField(), required=False)
    segments = JobSegmentOutput(many=True, required=False, help_text="With ?segments=true.")
    error_message = S.CharField(required=False)
    error = S.CharField(required=False)
    translation = OrderedTranslationOutput(required=False)


class JobSummaryOutput(S.Serializer[Any]):
    id = S.UUIDField()
    job_id = S.UUIDField()
    status = S.CharField()
    progress = S.IntegerField()
    filename = S.CharField(allow_blank=True)
    name = S.CharField(allow_blank=True, help_text="What the dashboard shows.")
    tags = S.ListField(child=S.CharField(), help_text="By name, sorted.")
    model = S.CharField()
    language = S.CharField(allow_blank=True)
    duration_seconds = S.FloatField()
    estimated_credits = S.FloatField(allow_null=True)
    credits_used = S.FloatField(allow_null=True)
    created_at = S.DateTimeField()
    finished_at = S.DateTimeField(allow_null=True)
    price = S.FloatField(allow_null=True, help_text="What it cost, or will cost while it runs.")
    paid_at = S.DateTimeField(allow_null=True)
    seconds = S.IntegerField()


class JobPageOutput(CursorPageOutput):
    results = JobSummaryOutput(many=True)


class TagOutput(S.Serializer[Any]):
    id = S.IntegerField()
    name = S.CharField()
    created_at = S.DateTimeField()


class TagCountOutput(TagOutput):
    jobs = S.IntegerField(help_text="How many of the organization's jobs carry it.")


class TagListOutput(S.Serializer[Any]):
    results = TagCountOutput(many=True)


class BatchFileOutput(S.Serializer[Any]):
    """One file of a batch, in its place: the job created for it (as
    ``POST /api/v1/transcribe/`` answers), or why none was."""

    filename = S.CharField(allow_blank=True)
    id = S.UUIDField(required=False)
    job_id = S.UUIDField(required=False)
    status = S.CharField(help_text="queued, or failed when no job was created")
    estimated_credits = S.FloatField(allow_null=True, required=False)
    estimated_wait = S.IntegerField(required=False, help_text="Seconds until it is likely done.")
    created_at = S.DateTimeField(required=False)
    translation = OrderedTranslationOutput(required=False)
    order_total = S.FloatField(required=False, help_text="With translate_to: both prices.")
    error = S.CharField(required=False, help_text="When it failed: the error code.")
    message = S.CharField(required=False, help_text="When it failed: why.")


class BatchOutput(S.Serializer[Any]):
    created = S.IntegerField()
    failed = S.IntegerField()
    results = BatchFileOutput(many=True, help_text="One per file, in the order sent.")


class TranslationEstimateOutput(S.Serializer[Any]):
    to_language = S.CharField()
    from_language = S.CharField(allow_null=True)
    estimated_words = S.IntegerField()
    words_per_minute = S.IntegerField()
    translator = S.CharField()
    price_per_word = S.FloatField()
    estimated_credits = S.FloatField(help_text="The most the translation will cost.")


class QuoteOutput(S.Serializer[Any]):
    mode = S.CharField()
    status = S.CharField()
    model = S.CharField()
    language = S.CharField(allow_blank=True)
    estimated_credits = S.FloatField()
    order_total = S.FloatField()
    seconds = S.IntegerField()
    duration_seconds = S.FloatField()
    in_wallet = S.FloatField()
    sufficient_credits = S.BooleanField()
    estimated_wait = S.IntegerField()
    delivery_estimate = S.CharField(help_text="UTC, YYYY-MM-DD HH:MM:SS.")
    translation = TranslationEstimateOutput(required=False)


class LanguageOutput(S.Serializer[Any]):
    code = S.CharField(allow_blank=True, help_text="Empty for auto-detection.")
    name = S.CharField()
    engines = S.ListField(child=S.CharField())


class LanguagesOutput(S.Serializer[Any]):
    languages = LanguageOutput(many=True)


class ModelOutput(S.Serializer[Any]):
    id = S.CharField()
    label = S.CharField()  # type: ignore[assignment]  # a field, not the attribute
    languages = S.ListField(child=S.CharField())
    diarization = S.BooleanField()
    word_timestamps = S.BooleanField()
    vocabulary = S.BooleanField()
    aliases = S.ListField(child=S.CharField())
    detects_language = S.BooleanField()
    translation = S.BooleanField(help_text="Translates speech into English.")
    max_upload_bytes = S.IntegerField(allow_null=True)
    max_duration_seconds = S.FloatField(allow_null=True)
    price_per_minute = S.FloatField()
    quality_rank = S.IntegerField()
    speed_rank = S.IntegerField()
    upstream = S.BooleanField()


class ModelAliasOutput(S.Serializer[Any]):
    id = S.CharField()
    alias_for = S.CharField()
    documented_by = S.CharField(allow_blank=True)


class RoutingOutput(S.Serializer[Any]):
    model = S.CharField()
    prefer = S.ListField(child=S.CharField())
    default = S.CharField()


class ModelsOutput(S.Serializer[Any]):
    models = ModelOutput(many=True)
    aliases = ModelAliasOutput(many=True)
    routing = RoutingOutput()


class EnginePriceOutput(S.Serializer[Any]):
    model = S.CharField()
    label = S.CharField()  # type: ignore[assignment]  # a field, not the attribute
    per_minute = S.FloatField()


class OptionPriceOutput(S.Serializer[Any]):
    option = S.CharField()
    label = S.CharField()  # type: ignore[assignment]  # a field, not the attribute
    per_minute = S.FloatField()


class PriceTableOutput(S.Serializer[Any]):
    unit = S.CharField()
    billed_per_seconds = S.IntegerField()
    rounding = S.CharField()
    engines = EnginePriceOutput(many=True, help_text="Only engines that can run here now.")
    options = OptionPriceOutput(many=True)


class OpenAIWordOutput(S.Serializer[Any]):
    word = S.CharField()
    start = S.FloatField()
    end = S.FloatField()


class OpenAISegmentOutput(S.Serializer[Any]):
    id = S.IntegerField()
    seek = S.IntegerField()
    start = S.FloatField()
    end = S.FloatField()
    text = S.CharField(allow_blank=True)
    tokens = S.ListField(child=S.IntegerField())
    temperature = S.FloatField()
    avg_logprob = S.FloatField()
    compression_ratio = S.FloatField()
    no_speech_prob = S.FloatField()
    speaker = S.CharField(required=False)


class OpenAITextOutput(S.Serializer[Any]):
    """``response_format=json`` is ``text`` alone; ``verbose_json`` adds the rest."""

    text = S.CharField(allow_blank=True)
    task = S.CharField(required=False, help_text="transcribe or translate")
    language = S.CharField(required=False, allow_blank=True)
    duration = S.FloatField(required=False)
    segments = OpenAISegmentOutput(many=True, required=False)
    words = OpenAIWordOutput(many=True, required=False)


class OpenAIModelOutput(S.Serializer[Any]):
    id = S.CharField()
    object = S.CharField()
    created = S.IntegerField()
    owned_by = S.CharField()
    alias_for = S.CharField(required=False, help_text="What serves another service's id.")


class OpenAIModelListOutput(S.Serializer[Any]):
    object = S.CharField()
    data = OpenAIModelOutput(many=True)  # type: ignore[assignment]  # a field, not the attribute
