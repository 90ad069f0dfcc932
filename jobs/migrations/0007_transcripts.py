# Results move from columns on the job to editable transcripts (jobs.transcripts).

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GAP = 1 << 16
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8A6D00", "#56B4E9", "#6B6B6B", "#A0522D")


def move_results(apps, schema_editor):
    """Each job's results (columns on the job, index-numbered segments, free-text
    speakers) become its original Transcript, nothing lost: a job with text but no
    segment rows gets one segment holding all of it."""
    Job = apps.get_model("jobs", "TranscriptionJob")
    OldSegment = apps.get_model("jobs", "TranscriptSegment")
    Transcript = apps.get_model("jobs", "Transcript")
    Speaker = apps.get_model("jobs", "Speaker")
    Segment = apps.get_model("jobs", "Segment")
    with_segments = set(OldSegment.objects.values_list("job_id", flat=True).distinct())
    jobs = Job.objects.filter(
        models.Q(pk__in=with_segments)
        | ~models.Q(transcript_text="")
        | models.Q(status="completed")
    )
    for job in jobs.iterator():
        transcript = Transcript.objects.create(
            job=job,
            kind="original",
            language=job.detected_language or job.language,
            version=1,
            is_current=True,
            summary=job.summary,
            topics=job.topics or [],
        )
        rows = list(OldSegment.objects.filter(job=job).order_by("index"))
        speakers = {}
        for row in rows:
            if row.speaker and row.speaker not in speakers:
                position = len(speakers)
                speakers[row.speaker] = Speaker.objects.create(
                    transcript=transcript,
                    key=uuid.uuid4(),
                    label=row.speaker,
                    name=row.speaker,
                    color=COLORS[position % len(COLORS)],
                    position=position,
                )
        segments = [
            Segment(
                transcript=transcript,
                key=uuid.uuid4(),
                position=(number + 1) * GAP,
                start=row.start,
                end=row.end,
                speaker=speakers.get(row.speaker),
                language=row.language,
                text=row.text,
                words=[{**word, "aligned": True} for word in row.words],
                confidence=row.confidence,
            )
            for number, row in enumerate(rows)
        ]
        if not segments and job.transcript_text.strip():
            segments = [
                Segment(
                    transcript=transcript,
                    key=uuid.uuid4(),
                    position=GAP,
                    start=0.0,
                    end=job.duration_seconds,
                    text=job.transcript_text.strip(),
                )
            ]
        Segment.objects.bulk_create(segments)


def move_results_back(apps, schema_editor):
    """Rolling back: each job's current transcript (edits included) back into columns."""
    Job = apps.get_model("jobs", "TranscriptionJob")
    OldSegment = apps.get_model("jobs", "TranscriptSegment")
    Transcript = apps.get_model("jobs", "Transcript")
    Segment = apps.get_model("jobs", "Segment")
    for transcript in Transcript.objects.filter(is_current=True).exclude(kind="translated"):
        rows = list(
            Segment.objects.filter(transcript=transcript)
            .select_related("speaker")
            .order_by("position")
        )
        Job.objects.filter(pk=transcript.job_id).update(
            transcript_text=" ".join(row.text for row in rows if row.text),
            detected_language=transcript.language,
            summary=transcript.summary,
            topics=transcript.topics,
        )
        OldSegment.objects.bulk_create(
            OldSegment(
                job_id=transcript.job_id,
                index=index,
                start=row.start,
                end=row.end,
                text=row.text,
                speaker=row.speaker.name[:60] if row.speaker else "",
                language=row.language,
                confidence=row.confidence,
                words=[
                    {
                        key: word[key]
                        for key in ("word", "start", "end", "confidence")
                        if key in word
                    }
                    for word in row.words
                ],
            )
            for index, row in enumerate(rows)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("jobs", "0006_task_prompt_speakers_segment_language"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Transcript",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("original", "Engine output"),
                            ("edited", "Edited"),
                            ("translated", "Translation"),
                        ],
                        max_length=12,
                    ),
                ),
                ("language", models.CharField(blank=True, max_length=12)),
                ("version", models.PositiveIntegerField(default=1)),
                ("is_current", models.BooleanField(default=True)),
                ("summary", models.TextField(blank=True)),
                ("topics", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="transcripts",
                        to="jobs.transcriptionjob",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="derived",
                        to="jobs.transcript",
                    ),
                ),
            ],
            options={
                "ordering": ("job", "created_at", "id"),
            },
        ),
        migrations.CreateModel(
            name="Speaker",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.UUIDField(default=uuid.uuid4, editable=False)),
                ("label", models.CharField(blank=True, max_length=60)),
                ("name", models.CharField(max_length=100)),
                ("color", models.CharField(blank=True, max_length=7)),
                ("position", models.PositiveIntegerField(default=0)),
                (
                    "transcript",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="speakers",
                        to="jobs.transcript",
                    ),
                ),
            ],
            options={
                "ordering": ("transcript", "position", "id"),
            },
        ),
        migrations.CreateModel(
            name="Segment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.UUIDField(default=uuid.uuid4, editable=False)),
                ("position", models.BigIntegerField()),
                ("start", models.FloatField()),
                ("end", models.FloatField()),
                ("language", models.CharField(blank=True, max_length=12)),
                ("text", models.TextField(blank=True)),
                ("words", models.JSONField(blank=True, default=list)),
                ("confidence", models.FloatField(default=0)),
                ("edited", models.BooleanField(default=False)),
                (
                    "speaker",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="segments",
                        to="jobs.speaker",
                    ),
                ),
                (
                    "transcript",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="segments",
                        to="jobs.transcript",
                    ),
                ),
            ],
            options={
                "ordering": ("transcript", "position"),
            },
        ),
        migrations.CreateModel(
            name="Revision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                ("action", models.CharField(max_length=20)),
                ("summary", models.CharField(blank=True, max_length=300)),
                ("changes", models.JSONField(default=list)),
                ("reverts", models.PositiveIntegerField(blank=True, null=True)),
                ("undone_by", models.PositiveIntegerField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "api_key",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.apikey",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "transcript",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="revisions",
                        to="jobs.transcript",
                    ),
                ),
            ],
            options={
                "ordering": ("transcript", "-version"),
            },
        ),
        migrations.AddConstraint(
            model_name="transcript",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "translated"), _negated=True),
                fields=("job", "kind"),
                name="one_original_and_one_edited_per_job",
            ),
        ),
        migrations.AddConstraint(
            model_name="speaker",
            constraint=models.UniqueConstraint(
                fields=("transcript", "key"), name="one_speaker_per_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="segment",
            constraint=models.UniqueConstraint(
                fields=("transcript", "key"), name="one_segment_per_key"
            ),
        ),
        migrations.AddIndex(
            model_name="segment",
            index=models.Index(
                fields=["transcript", "position"], name="jobs_segmen_transcr_12b298_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="revision",
            constraint=models.UniqueConstraint(
                fields=("transcript", "version"), name="one_revision_per_version"
            ),
        ),
        # Back, the current version's text survives; versions and revisions do not.
        migrations.RunPython(move_results, move_results_back),
        migrations.RemoveField(
            model_name="transcriptionjob",
            name="detected_language",
        ),
        migrations.RemoveField(
            model_name="transcriptionjob",
            name="summary",
        ),
        migrations.RemoveField(
            model_name="transcriptionjob",
            name="topics",
        ),
        migrations.RemoveField(
            model_name="transcriptionjob",
            name="transcript_text",
        ),
        migrations.DeleteModel(
            name="TranscriptSegment",
        ),
    ]
