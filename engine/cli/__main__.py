"""python -m engine.cli: the parcours command."""

import sys

from .main import main

sys.exit(main())
