"""Provides `python -m tutor`, the same as the `torch-tutor` command."""

import sys

from tutor.cli.main import main

sys.exit(main())
