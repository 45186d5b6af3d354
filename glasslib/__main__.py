"""``python -m glasslib`` is the ``glasslib`` command."""

import sys

from glasslib.cli import main

sys.exit(main())
