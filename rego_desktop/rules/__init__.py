"""Pure clinical rules: unit conversion, scores, day counting, dosing checks, endpoints.

Nothing here touches storage or Qt. Every function takes plain values or small frozen
dataclasses, so the same rule runs behind a wizard page, in the CLI and in tests.

- ``derived``: ``Computed`` / ``NotComputable`` results shared by every derivation.
- ``units``: explicit laboratory unit conversion (never guessed).
- ``scores``: BMI, Child-Pugh, ALBI.
- ``dates``: age in completed years, inclusive durations, study days (no day 0).
- ``response``: best overall response and time to it.
- ``time_to_event``: OS, PFS and TTP in days from the first dose, with censoring.
- ``findings``: bilingual findings with severity (error / deviation / warning).
- ``dosing``: regorafenib dose calendar, dose measures and label checks; built from
  ``dosing_records`` (inputs), ``dosing_rules`` (label limits, rule catalogue),
  ``dosing_plan`` (cycle windows), ``dosing_checks`` (record checks),
  ``dosing_calendar`` (dose runs between dated entries; the day-by-day view is built
  only when read) and ``dosing_messages`` (texts).
"""
