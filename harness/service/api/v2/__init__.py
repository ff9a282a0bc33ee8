"""The v2 images API (``/v2``), backed by the database directly."""
