"""Run every benchmark and print one table.

    python bench/run.py [--only TEXT] [--no-others] [--json FILE]

First makes sure the cached 10,000-patient demo study exists (generated once, about
4 minutes; see ``benchkit.demo_study``). Then runs each case of ``bench_site.py`` and
every other ``bench/bench_*.py`` script that exists (endpoints, checks, summary, PDF,
exchange, ...), each in its own process, and collects their figures: ``BENCH {json}``
lines (see ``benchkit``), or for scripts that print plain text, the timing lines it
recognises. The peak memory is the peak resident set of each process. Full output of
every script goes to ``/tmp/rego-bench/logs/``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchkit import BENCH_DIR, PASSWORD, ROOT, USER, demo_study  # noqa: E402

SITE_CASES = ("cold_start", "login", "save", "patient_list", "patient_list_gui", "backup")
OWN = {"bench_site.py"}


def script_args(name: str, db: Path) -> list[str]:
    """Arguments for other scripts: the cached study where they take one, and sizes that
    keep the whole run within minutes."""
    return {
        "bench_pdf.py": ["--patients", "200"],
        "bench_summary.py": ["--db", str(db)],
    }.get(name, [])


TIMEOUT_S = 30 * 60
BENCH_LINE = re.compile(r"^BENCH (\{.*\})\s*$")
# Plain-text figures other scripts print: "label ....   1.23 s" / "... 45.6 ms each".
SECONDS_LINE = re.compile(
    r"^(?P<label>\S.*?)\s{2,}(?P<value>\d+(?:\.\d+)?) ?(?P<unit>ms|s)(?: \((?P<extra>.*)\))?$"
)
PDF_LINE = re.compile(r"^(?P<n>\d+) PDFs .*?(?P<value>\d+(?:\.\d+)?) ms each")
# Figures of scripts with their own layout: (pattern with a "value" group, unit, name).
SCRIPT_FIGURES: dict[str, list[tuple[re.Pattern[str], str, str]]] = {
    "bench_checks.py": [
        (
            re.compile(r"^run_checks: median (?P<value>[\d.]+) ms"),
            "ms",
            "edit checks per patient (run_checks, median)",
        ),
        (
            re.compile(r"^\s*first run:\s+(?P<value>[\d.]+) s"),
            "s",
            "check command, 1,000 patients, first run",
        ),
        (
            re.compile(r"^\s*second run:\s+(?P<value>[\d.]+) s"),
            "s",
            "check command, 1,000 patients, nothing changed",
        ),
    ],
}
# Targets for figures other scripts report: (words all in the name, words not in it).
TARGETS: tuple[tuple[tuple[str, ...], tuple[str, ...], float], ...] = (
    (("summary",), (), 2.0),
    (("export",), ("preview",), 5.0),
    (("merge", "20"), ("again",), 20.0),
)


@dataclass
class Figure:
    name: str
    median_s: float | None
    p95_s: float | None = None
    peak_mib: float | None = None
    target_s: float | None = None
    source: str = ""
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target_s is None or self.median_s is None:
            return ""
        worst = self.p95_s if self.p95_s is not None else self.median_s
        return "ok" if worst < self.target_s else "MISSED"


def run_process(
    command: list[str], log: Path, env: dict[str, str]
) -> tuple[str, float, float, int]:
    """Output, wall seconds, peak MiB and exit code of one benchmark process."""
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            out.write(line)
            out.flush()
            lines.append(line)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return "".join(lines), wall, usage.ru_maxrss / 1024, process.returncode


def parse(output: str, source: str, peak: float) -> list[Figure]:
    figures = []
    for line in output.splitlines():
        match = BENCH_LINE.match(line)
        if match:
            data = json.loads(match.group(1))
            figures.append(
                Figure(
                    data["name"],
                    float(data["median_s"]),
                    data.get("p95_s"),
                    float(data.get("peak_mib", peak)),
                    data.get("target_s"),
                    source,
                    data.get("note", ""),
                )
            )
    if figures:
        return figures
    for pattern, unit, name in SCRIPT_FIGURES.get(source, []):
        for line in output.splitlines():
            found = pattern.match(line)
            if found:
                value = float(found["value"]) / (1000 if unit == "ms" else 1)
                figures.append(Figure(name, value))
                break
    for line in output.splitlines():
        line = line.rstrip()
        pdf = PDF_LINE.match(line)
        if pdf:
            figures.append(
                Figure(f"PDF per patient ({pdf['n']} patients)", float(pdf["value"]) / 1000)
            )
            continue
        match = SECONDS_LINE.match(line)
        if match:
            value = float(match["value"]) / (1000 if match["unit"] == "ms" else 1)
            label = match["label"].strip(" .:").replace("`", "")
            figures.append(Figure(label, value, note=match["extra"] or ""))
    for figure in figures:
        figure.source, figure.peak_mib = source, peak
        words = figure.name.lower()
        for must, must_not, target in TARGETS:
            if all(k in words for k in must) and not any(k in words for k in must_not):
                figure.target_s = figure.target_s or target
    return figures


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(figures: list[Figure]) -> str:
    rows = [("Measurement", "median", "p95", "peak MiB", "target", "", "script")]
    for f in figures:
        rows.append(
            (
                f.name,
                fmt_time(f.median_s),
                fmt_time(f.p95_s),
                f"{f.peak_mib:.0f}" if f.peak_mib is not None else "",
                f"< {fmt_time(f.target_s)}" if f.target_s is not None else "",
                f.verdict,
                f.source,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(w) if i in (0, 5, 6) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", metavar="TEXT", help="only cases/scripts whose name has TEXT")
    parser.add_argument("--no-others", action="store_true", help="only bench_site.py cases")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    args = parser.parse_args(argv)

    db = demo_study(10_000)
    logs = BENCH_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "REGO_BENCH_DB": str(db),
        "REGO_BENCH_USER": USER,
        "REGO_BENCH_PASSWORD": PASSWORD,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
    }
    jobs: list[tuple[str, list[str]]] = [
        (f"bench_site.py {case}", [sys.executable, str(HERE / "bench_site.py"), case])
        for case in SITE_CASES
    ]
    if not args.no_others:
        for script in sorted(HERE.glob("bench_*.py")):
            if script.name not in OWN:
                extra = script_args(script.name, db)
                jobs.append((script.name, [sys.executable, str(script), *extra]))
    if args.only:
        jobs = [job for job in jobs if args.only in job[0]]

    figures: list[Figure] = []
    problems: list[str] = []
    for source, command in jobs:
        print(f"running {source} ...", file=sys.stderr, flush=True)
        stem = source.replace(" ", "-").replace(".py", "")
        log = logs / f"{stem}.log"
        data = BENCH_DIR / "data" / stem  # settings, caches: never the real profile
        data.mkdir(parents=True, exist_ok=True)
        job_env = {**env, "REGO_DATA_DIR": str(data), "REGO_PASSWORD": PASSWORD}
        output, wall, peak, code = run_process(command, log, job_env)
        found = parse(output, source, peak)
        if code != 0:
            problems.append(f"{source} exited with {code} (see {log})")
        if not found:
            found = [Figure(f"{source} (whole script)", wall, peak_mib=peak, source=source)]
        figures.extend(found)

    print(f"Benchmarks on {db.name} ({db.stat().st_size / 2**20:.0f} MiB), {os.cpu_count()} CPUs")
    print(table(figures))
    for problem in problems:
        print(f"! {problem}")
    print(f"(full output of each script: {logs})")
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in figures], indent=2), encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
