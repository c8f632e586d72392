"""python3 -m mallard_report: the mallard-report command (cli.main)."""

import sys

from .cli import main

sys.exit(main())
