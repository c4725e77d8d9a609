"""Documents: those of a TKA application (passport scan, CV, diploma, pendamping statement,
RPTKA plan, annual reports: checked on upload, encrypted at rest, opened only by whom needs
them; workflows carry a `DocumentRef`, never the bytes) and those Sinergi produces (the
handover package PDF, `handover_pdf.py`, kept in `package_store.py`)."""
