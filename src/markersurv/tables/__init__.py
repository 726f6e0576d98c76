"""Output tables: written atomically and byte-reproducibly, read back one way."""
