"""Seeing Hark run: ``/health/``, ``/metrics``, request ids in every log line, and the
workers' heartbeats that both read."""
