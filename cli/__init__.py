"""The `sinergi` command line."""
