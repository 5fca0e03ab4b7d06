"""The full check that ``audit --verify`` (and a restore's precondition) reports: altered,
inserted or deleted authority rows, and signatures that no longer cover their casebook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rego_desktop.authority.check import verify
from rego_desktop.authority.errors import AuthorityProblem
from rego_desktop.store.study import OpenStudy


@dataclass(frozen=True)
class AuthorityReport:
    problems: tuple[AuthorityProblem, ...]
    broken_signatures: tuple[str, ...]
    """Subject codes whose current signature no longer covers the casebook."""

    @property
    def intact(self) -> bool:
        return not self.problems and not self.broken_signatures

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.problems:
            out.append(
                f"Authority rows ALTERED outside the program ({len(self.problems)} problem(s)):"
            )
            out.extend(f"  {p.message}" for p in self.problems)
        else:
            out.append(
                "Authority rows intact: users, key slots, signatures, locks and study "
                "metadata verified."
            )
        for code in self.broken_signatures:
            out.append(f"Signature BROKEN: {code} (the casebook was changed after it was signed).")
        return out

    def to_json_object(self) -> dict[str, Any]:
        return {
            "authority_intact": not self.problems,
            "authority_problems": [p.to_json_object() for p in self.problems],
            "broken_signatures": list(self.broken_signatures),
        }


def authority_report(study: OpenStudy) -> AuthorityReport:
    """Every authority problem (audit trail compared too) and every broken signature."""
    from rego_desktop.services.signatures import SignatureService

    with study.reading() as session:
        problems = tuple(verify(session, study.keyring, with_audit=True))
    broken = tuple(SignatureService(study).broken())
    return AuthorityReport(problems, broken)
