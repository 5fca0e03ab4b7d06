"""The endpoint summary as a plain-text table (``rego-desktop summary`` without ``--json``).

Works from the JSON structure of :meth:`StudySummary.to_json
<rego_desktop.analysis.summary.StudySummary.to_json>`, so a pooled summary received as
data renders the same way. Every figure states the number of patients it rests on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rego_desktop.rules.dosing_rules import deviation_name

# Width of the label column of the tables.
_LABEL = 44


def percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def _number(value: float | None) -> str:
    return "NR" if value is None else f"{value:.1f}"


def median_text(median: float | None, ci95: Sequence[float | None] | None) -> str:
    """``9.8 (8.1–12.0)`` months; NR = not reached."""
    lower, upper = ci95 if ci95 else (None, None)
    return f"{_number(median)} ({_number(lower)}–{_number(upper)})"


def rate_text(rate: float | None, ci95: Sequence[float] | None) -> str:
    if rate is None:
        return "beyond follow-up"
    if not ci95:
        return percent(rate)
    return f"{percent(rate)} ({percent(ci95[0])}–{percent(ci95[1])})"


def proportion_text(part: int, n: int) -> str:
    return f"{part} ({percent(part / n if n else None)})"


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _endpoint_lines(name: str, data: Mapping[str, Any]) -> list[str]:
    if data["n"]:
        median = median_text(data["median_months"], data["ci95_months"])
        rate_6 = rate_text(data["rate_6m"], data.get("rate_6m_ci95"))
        rate_12 = rate_text(data["rate_12m"], data.get("rate_12m_ci95"))
    else:
        median = rate_6 = rate_12 = "–"  # no patient: nothing to estimate
    lines = [f"{name:<5}{data['n']:>6}{data['events']:>8}   {median:<24}{rate_6:<26}{rate_12}"]
    missing = data.get("not_computable", 0)
    if missing:
        lines.append(
            f"     not in the {name} figures: {plural(missing, 'analysed patient')} without "
            "the dates needed"
        )
    imputed = data.get("imputed_dates") or {}
    events, censored = imputed.get("events", 0), imputed.get("censored", 0)
    if events or censored:
        lines.append(
            f"     on an imputed date (partial date of death): {plural(events, 'event')}, "
            f"{plural(censored, 'censored time')}"
        )
    return lines


def _rate_line(name: str, data: Mapping[str, Any]) -> str:
    n = data["n"]
    if not n:
        return f"  {name:<5} no analysed patients"
    ci = data["ci95"]
    return (
        f"  {name:<5}{data['responders']:>5} / {n:<6}{percent(data['rate']):>7}   "
        f"95% CI {percent(ci[0])}–{percent(ci[1])} (exact)"
    )


def render_text(summary: Mapping[str, Any]) -> str:
    """The summary as a readable table."""
    patients = summary["patients"]
    analysed = patients["analysed"]
    lines = [
        "Endpoint summary",
        "================",
        f"Patients: {patients['enrolled']} enrolled, "
        f"{plural(patients['screen_failures'], 'screen failure')} (excluded), "
        f"{analysed} analysed (eligible and treated)"
        + (
            f", {patients['incomplete']} not yet analysable (eligibility or first dose "
            "not recorded)"
            if patients.get("incomplete")
            else ""
        )
        + ".",
        "",
        "Time to event (Kaplan-Meier; months = days / 30.4375; NR = not reached)",
        f"{'':<5}{'n':>6}{'events':>8}   {'median (95% CI)':<24}{'6-month rate (95% CI)':<26}"
        "12-month rate (95% CI)",
    ]
    for key, name in (("os", "OS"), ("pfs", "PFS"), ("ttp", "TTP")):
        lines += _endpoint_lines(name, summary[key])

    best = summary.get("best_response", {})
    lines += [
        "",
        f"Response (best overall response, n = {summary['orr']['n']} analysed; "
        "no assessment after day 1 = non-responder)",
    ]
    if best:
        lines.append(
            "  "
            + ", ".join(f"{code} {best.get(code, 0)}" for code in ("CR", "PR", "SD", "PD", "NE"))
            + f", not assessed {best.get('not_assessed', 0)}"
        )
    lines += [_rate_line("ORR", summary["orr"]), _rate_line("DCR", summary["dcr"])]

    lines += [
        "",
        f"Adverse events (n = {analysed} analysed; each patient once per term, worst grade)",
        f"  {'CTCAE term':<{_LABEL}}{'any grade':>16}{'grade >= 3':>16}",
    ]
    events = summary["adverse_events"]
    if not events:
        lines.append("  none reported")
    for row in events:
        lines.append(
            f"  {row['term'][:_LABEL]:<{_LABEL}}"
            f"{proportion_text(row['any_grade'], analysed):>16}"
            f"{proportion_text(row['grade_3_plus'], analysed):>16}"
        )

    lines += ["", *_dosing_lines(summary["dosing"])]
    lines += _not_computable_lines(summary.get("not_computable", []))
    return "\n".join(lines) + "\n"


_ENDPOINT_NAMES = {"os": "OS", "pfs": "PFS", "ttp": "TTP", "response": "response"}


def _not_computable_lines(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each patient left out of an endpoint, one line per patient and reason."""
    if not entries:
        return []
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for e in entries:
        key = (e["subject"], e["reason"], e.get("reason_zh", ""))
        grouped.setdefault(key, []).append(_ENDPOINT_NAMES.get(e["endpoint"], e["endpoint"]))
    lines = ["", "Patients left out of an endpoint (not computable)"]
    for (subject, reason, reason_zh), endpoints in grouped.items():
        zh = f" / {reason_zh}" if reason_zh else ""
        lines.append(f"  {subject:<14}{', '.join(endpoints):<22}{reason}{zh}")
    return lines


def _dosing_lines(dosing: Mapping[str, Any]) -> list[str]:
    n = dosing["n"]
    lines = [f"Dosing (n = {n} analysed patients with a dosing record)"]
    doses = ", ".join(
        f"{mg} mg {proportion_text(count, n)}" for mg, count in dosing["initial_dose_mg"].items()
    )
    unknown = dosing["initial_dose_unknown"]
    if unknown:
        doses += (", " if doses else "") + f"not recorded {proportion_text(unknown, n)}"
    lines.append(f"  {'Initial daily dose':<{_LABEL}}{doses or '–'}")
    cycles = dosing["cycles_median"]
    lines.append(
        f"  {'Cycles started, median':<{_LABEL}}{'–' if cycles is None else f'{cycles:g}'}"
    )
    iqr = dosing["rdi_iqr"]
    rdi = (
        "–"
        if dosing["rdi_median"] is None
        else f"{percent(dosing['rdi_median'], 0)} (IQR {percent(iqr[0], 0)}–"
        f"{percent(iqr[1], 0)}; n = {dosing['rdi_n']})"
    )
    lines.append(f"  {'Relative dose intensity, median':<{_LABEL}}{rdi}")
    for key, label in (
        ("patients_with_reductions", "Patients with a dose reduction"),
        ("patients_with_interruptions", "Patients with an interruption"),
        ("patients_with_label_deviations", "Patients with a label deviation"),
    ):
        lines.append(f"  {label:<{_LABEL}}{proportion_text(dosing[key], n)}")
    for rule, count in dosing.get("label_deviations_by_rule", {}).items():
        name = deviation_name(rule)
        lines.append(f"    {name:<{_LABEL - 2}}{count}")
    return lines
