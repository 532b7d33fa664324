"""Quote attribution: the statement store and the reader for "What did X say (about Y)?"."""
