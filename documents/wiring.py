"""The document service from settings: the store and cipher they name."""

from __future__ import annotations

import asyncpg

from config.settings import Environment, Settings
from documents.crypto import DocumentCipher
from documents.service import DocumentService
from documents.store import build_store


def document_service(settings: Settings, pool: asyncpg.Pool) -> DocumentService:
    development = settings.environment in (Environment.DEVELOPMENT, Environment.TEST)
    key_id, keys = settings.documents.keys_for(development)
    return DocumentService(
        pool=pool,
        store=build_store(settings.documents, settings.state_dir),
        cipher=DocumentCipher(key_id, keys),
        max_bytes=settings.documents.max_bytes,
    )
