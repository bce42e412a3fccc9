"""python -m engine.cli: the parcours command."""

import sys

from .main import console

sys.exit(console())
