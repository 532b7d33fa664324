"""Sources: finding document files, reading each format, cleaning clutter, recognising copies."""
