"""What the v1 and v2 APIs (and the cache filter) share about image data:
deleting it, the limits of an upload, the body of a download, the URLs a
client may name."""
