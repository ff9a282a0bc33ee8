"""The v1 images API (``/v1``), reached through the registry."""
