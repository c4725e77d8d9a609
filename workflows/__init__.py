"""Deterministic orchestration: Temporal workflows. No I/O library is imported here."""
