"""Fixtures of the notification tests."""

from tests.api.conftest import api  # noqa: F401 - the API stack fixture, for the API tests
