"""Storage: index versions on disk (manifest, records, postings, vectors) and back ends."""
