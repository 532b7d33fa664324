"""The span reader: a trained extractive model and how it reads passages into an answer."""
