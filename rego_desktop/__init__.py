"""rego-desktop: offline data capture for the regorafenib HCC real-world study.

Everything in this package except :mod:`rego_desktop.ui` is free of Qt, so the
rules, storage, crypto and exchange code run from the command line and tests.
"""

__version__ = "0.1.0"
