"""Readers: the span model and its reader, and quote attribution for "What did X say?"."""

from qa.readers.base import Reader, abstention
from qa.readers.quotes import QuoteReader
from qa.readers.span_model import SpanModel
from qa.readers.span_reader import SpanReader

__all__ = ["QuoteReader", "Reader", "SpanModel", "SpanReader", "abstention"]
