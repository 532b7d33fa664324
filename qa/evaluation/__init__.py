"""Evaluation: SQuAD-format files (``squad``), news questions (``news``) and the report on disk."""
