"""Translation of transcripts: engines (``jobs.translation.engines``)."""
