"""The coordinating center's window (``rego-center`` without a command).

The Qt layer only presents: every operation is a plain function of
:mod:`rego_desktop.center` (the same code as the ``rego-center`` commands).
"""
