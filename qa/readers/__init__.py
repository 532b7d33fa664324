"""Readers: the span model and its reader, quote attribution for "What did X say?", and the
router the pipeline holds, which sends each question to one of them."""

from qa.readers.base import Reader, abstention
from qa.readers.quotes.reader import QuoteReader
from qa.readers.router import ReaderFactory, ReaderParts, RoutingReader, route_questions
from qa.readers.span.model import SpanModel
from qa.readers.span.reader import SpanReader

__all__ = [
    "QuoteReader",
    "Reader",
    "ReaderFactory",
    "ReaderParts",
    "RoutingReader",
    "SpanModel",
    "SpanReader",
    "abstention",
    "route_questions",
]
