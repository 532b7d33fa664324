"""The documents panel: its table, uploads with their progress, and removals."""
