"""``python -m aihubmix_frame``: the command line."""

import sys

from .cli import main

sys.exit(main())
