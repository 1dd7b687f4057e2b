"""`python -m chalicelib.cli`, the same as the `kindly` console script."""

import sys

from chalicelib.cli import main

sys.exit(main())
