"""The whole study workflow through the two command lines, as real processes:
sites fill, check, summarise and export; the center registers, verifies and merges."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SITE_PASSWORD = "Site-password-2024"
CENTER_PASSPHRASE = "Center-passphrase-2024"


def run(
    module: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("REGO_")}
    full.update(
        REGO_DATA_DIR=os.environ["REGO_DATA_DIR"],
        REGO_PASSWORD=SITE_PASSWORD,
        REGO_CENTER_PASSPHRASE=CENTER_PASSPHRASE,
    )
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env=full,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.mark.slow
def test_sites_to_center(tmp_path: Path) -> None:
    center_keys = tmp_path / "center-keys"
    registry = tmp_path / "site-keys"
    registry.mkdir()
    ok(
        run(
            "rego_desktop.center",
            "keygen",
            "--out",
            str(center_keys),
            "--name",
            "Coordinating Center",
        )
    )
    public = next(center_keys.glob("*public*.json"))

    summaries = {}
    transfers = []
    for site, seed in (("BJ01", 1), ("SH02", 2)):
        db = tmp_path / f"{site}.rego"
        ok(
            run(
                "rego_desktop",
                "demo",
                "--db",
                str(db),
                "--patients",
                "30",
                "--seed",
                str(seed),
                "--site",
                site,
            )
        )
        findings = json.loads(ok(run("rego_desktop", "check", "--db", str(db), "--json")))
        for finding in findings:
            for key in ("subject", "form", "field", "rule", "severity", "message", "status"):
                assert key in finding
        assert {f["severity"] for f in findings} <= {"error", "deviation", "warning"}
        summary = json.loads(ok(run("rego_desktop", "summary", "--db", str(db), "--json")))
        assert set(summary) >= {
            "patients",
            "os",
            "pfs",
            "ttp",
            "orr",
            "dcr",
            "adverse_events",
            "dosing",
        }
        assert summary["patients"]["enrolled"] == 30
        for endpoint in ("os", "pfs", "ttp"):
            assert set(summary[endpoint]) >= {
                "n",
                "events",
                "median_months",
                "ci95_months",
                "rate_6m",
                "rate_12m",
            }
        for rate in ("orr", "dcr"):
            assert set(summary[rate]) >= {"n", "responders", "rate", "ci95"}
        summaries[site] = summary
        key_file = tmp_path / f"{site}-site-key.json"
        ok(run("rego_desktop", "site-key", "--db", str(db), "--out", str(key_file)))
        fingerprint = json.loads(key_file.read_text(encoding="utf-8"))["fingerprint"]
        ok(
            run(
                "rego_desktop.center",
                "register-site",
                "--site-keys",
                str(registry),
                "--fingerprint",
                fingerprint,
                str(key_file),
            )
        )
        transfer = tmp_path / f"{site}.rgt"
        ok(
            run(
                "rego_desktop",
                "export",
                "--db",
                str(db),
                "--center-key",
                str(public),
                "--out",
                str(transfer),
            )
        )
        transfers.append(transfer)

    ok(run("rego_desktop.center", "verify", "--site-keys", str(registry), *map(str, transfers)))
    center_db = tmp_path / "center.db"
    merged = ok(
        run(
            "rego_desktop.center",
            "merge",
            "--db",
            str(center_db),
            "--key",
            str(center_keys),
            "--site-keys",
            str(registry),
            *map(str, transfers),
        )
    )
    assert "BJ01" in merged
    assert "SH02" in merged
    again = run(
        "rego_desktop.center",
        "merge",
        "--db",
        str(center_db),
        "--key",
        str(center_keys),
        "--site-keys",
        str(registry),
        *map(str, transfers),
    )
    assert again.returncode == 0, again.stderr
    pooled = json.loads(
        ok(run("rego_desktop.center", "summary", "--db", str(center_db), "--json", "--by-site"))
    )
    assert pooled["patients"] == 60
    assert pooled["summary"]["patients"]["enrolled"] == 60
    for site, summary in summaries.items():
        assert pooled["by_site"][site]["os"] == summary["os"]
        assert pooled["by_site"][site]["orr"] == summary["orr"]

    # An altered transfer file is refused with a one-line reason, and nothing changes.
    tampered = tmp_path / "tampered.rgt"
    data = bytearray(transfers[0].read_bytes())
    data[len(data) // 2] ^= 0x40
    tampered.write_bytes(bytes(data))
    refused = run("rego_desktop.center", "verify", "--site-keys", str(registry), str(tampered))
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "tampered.rgt" in refused.stderr
