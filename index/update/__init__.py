"""Updating: planning what changed, reading and embedding new files, writing the next version."""
