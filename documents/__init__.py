"""Documents of a TKA application (passport scan, CV, diploma, pendamping statement, RPTKA
plan, annual reports): checked on upload, encrypted at rest, opened only by whom needs them.

Workflows never hold the bytes: they carry a `DocumentRef` (opaque id, kind, SHA-256)."""
