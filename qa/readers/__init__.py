"""Readers: the span model and its reader, and quote attribution for "What did X say?"."""

from qa.readers.base import Reader, abstention
from qa.readers.quotes.reader import QuoteReader
from qa.readers.span.model import SpanModel
from qa.readers.span.reader import SpanReader

__all__ = ["QuoteReader", "Reader", "SpanModel", "SpanReader", "abstention"]
