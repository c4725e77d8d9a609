"""Activities: the I/O the workflows ask for (Postgres, registries), idempotent under retry."""
