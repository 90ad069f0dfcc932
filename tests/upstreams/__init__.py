"""Loopback servers speaking the upstream speech APIs' documented protocols."""
