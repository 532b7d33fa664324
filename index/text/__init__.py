"""Text: cutting a document into chunks and sentences with exact character offsets."""
