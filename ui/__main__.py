"""``python -m ui`` runs the ``qa`` command."""

import sys

from ui.cli import main

sys.exit(main())
