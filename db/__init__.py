"""Postgres: plain-SQL migrations, reference-data seed, connection pools, repositories."""
