"""Start rego-desktop: `python main.py` opens the application window.

Same as the `rego-desktop` console script; subcommands work here too
(`python main.py --help`).
"""

import sys

from rego_desktop.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
