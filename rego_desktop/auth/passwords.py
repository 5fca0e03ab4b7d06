"""Password rules, shown to people before they choose one."""

from __future__ import annotations

from rego_desktop.study.schema import Label

MIN_LENGTH = 10

RULES = Label(
    f"At least {MIN_LENGTH} characters, with letters and digits, and not containing the user name.",
    f"至少{MIN_LENGTH}个字符,须同时包含字母和数字,且不能包含用户名。",
)


def password_problem_labels(password: str, username: str = "") -> list[Label]:
    """Why ``password`` is refused, in English and Chinese (empty when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(
            Label(
                f"it has {len(password)} characters; at least {MIN_LENGTH} are needed",
                f"只有{len(password)}个字符，至少需要{MIN_LENGTH}个",
            )
        )
    if not any(c.isalpha() for c in password):
        problems.append(Label("it has no letter", "不含字母"))
    if not any(c.isdigit() for c in password):
        problems.append(Label("it has no digit", "不含数字"))
    if username and username.casefold() in password.casefold():
        problems.append(Label("it contains the user name", "包含用户名"))
    if password and len(set(password)) < 4:
        problems.append(Label("it repeats too few different characters", "不同的字符太少"))
    return problems


def password_problems(password: str, username: str = "") -> list[str]:
    """Why ``password`` is refused, in English (see :func:`password_problem_labels`)."""
    return [problem.en for problem in password_problem_labels(password, username)]


def join_problems(problems: list[Label]) -> Label:
    """The reasons as one phrase in each language ("; " and "；" between them)."""
    return Label("; ".join(p.en for p in problems), "；".join(p.zh for p in problems))
