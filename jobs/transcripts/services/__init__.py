"""Writes to transcripts: storing an engine's output (``storing``) and every edit a
person makes (``editing``), each edit a new version with a revision row."""
