import sys

from rego_desktop.cli.main import main

sys.exit(main())
