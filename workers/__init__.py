"""Worker processes: wire task queues to workflows and activities."""
