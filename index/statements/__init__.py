"""Statements: who said what in a document, found at index time (cues, people, extraction)."""
