"""Process configuration: one settings object, and logging configured once."""
