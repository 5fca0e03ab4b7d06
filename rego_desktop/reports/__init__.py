"""Per-patient PDF summaries (reportlab, no Qt).

- :mod:`.pdf`: :func:`~.pdf.render_pdf` / :func:`~.pdf.patient_pdf` (bytes),
  :func:`~.pdf.write_pdf` and :func:`~.pdf.write_all` (files, ``rego-desktop pdf``);
- :mod:`.data`: what a summary reads (casebook, queries, signatures) and the join of
  edit-check findings with queries;
- :mod:`.timeline`: the drawn dosing timeline; :mod:`.layout`, :mod:`.fonts`,
  :mod:`.labels`: tables, page furniture, CJK font, the summary's own wording.
"""
