"""Thin HTTP layer: FastAPI routes that authenticate, authorize and hand off to workflows."""
