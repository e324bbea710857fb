"""`python -m castle_local` is the `castle` command (the repository's ./castle script runs it)."""

import sys

from castle_local.cli import main

sys.exit(main())
