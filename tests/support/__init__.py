"""Data and helpers shared by test modules."""
