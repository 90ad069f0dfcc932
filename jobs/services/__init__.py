"""Writes for transcription jobs: intake, lifecycle, and the worker's protocol."""
