"""Embedding: the sentence-transformers model for chunks, and a NumPy encoder for questions."""
