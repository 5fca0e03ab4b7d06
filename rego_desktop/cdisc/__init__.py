"""CDISC standard package (issue 17): ODM 1.3.2, SDTM and ADaM as SAS transport v5
files and define.xml, produced from the study definition and the analysis rows.

Pure domain code (no Qt). Entry point: :func:`rego_desktop.cdisc.package.write_package`.
"""
