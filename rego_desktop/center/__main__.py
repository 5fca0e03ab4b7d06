"""``python -m rego_desktop.center`` runs the ``rego-center`` command."""

import sys

from rego_desktop.center.cli import main

sys.exit(main())
