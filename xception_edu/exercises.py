"""Exercises: one convention for every notebook, so editions can be generated from one source.

An exercise is one self-contained code cell (it may use only ``torch``, ``xception_edu`` and what it
imports itself) that starts with a ``# EXERCISE <id>: <task>`` line, defines what the learner writes,
with the solution between markers and a stub after them, and ends by calling ``check``::

    # EXERCISE 01.conv_params: parameters of a k x k conv from cin to cout channels (no bias)
    def conv_params(cin, cout, k):
        # BEGIN SOLUTION
        return k * k * cin * cout
        # END SOLUTION
        raise NotImplementedError("replace this line with your formula")

    lesson.check("01.conv_params", conv_params)

A task too long for one line goes on over the comment lines right after the header that open with ``#``
and two or more spaces (``#   more of the task``); ``header`` joins them into one sentence, so the task
cell shows it whole and no code line grows past the notebooks' width.

(``lesson`` is the notebook's own module, ``xception_edu.lessons.nb01_standard_convolution``: its checks
are registered here when it is imported.) The solution lives only in the notebook cell.
``strip_solution`` removes it (the student edition),
leaving the stub, which raises ``NotImplementedError`` until the learner fills it in; ``check`` then
says "not done yet" instead of crashing, so "Run all" still reaches the end of the notebook.
Checks compare against the package's own functions, never against stored answers.

Two hint modes (``set_hints``, or the environment variable ``XCEPTION_EDU_HINTS``): ``"fix"`` (self-study,
the default) names the exact fix from the second miss at an exercise on; ``"nudge"`` (grading: the student
and nbgrader editions switch to it in their first cell) names the mistake only, however often the check runs.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
HEADER = re.compile(r"^# EXERCISE (?P<id>\d\d[a-z]?\.[\w.]+):", re.M)
"""An exercise's header line; the id opens with its notebook's number: ``06`` or, in an appendix, ``06a``."""
_CONTINUED = re.compile(r"#[ ]{2,}(?P<more>\S.*)")  # a header's continuation line

_CHECKS: dict[str, Callable] = {}
_FAILURES: dict[str, int] = {}  # failed attempts per exercise since its last pass: graduated hints
HINT_MODES = ("fix", "nudge")
HINTS_VARIABLE = "XCEPTION_EDU_HINTS"
_hints: str | None = None  # set_hints's mode; None: the environment's, else "fix"


def set_hints(mode: str | None) -> None:
    """``"fix"``: a second miss at an exercise names the exact fix (self-study); ``"nudge"``: every miss
    names the mistake only, never the fix (grading). ``None``: back to ``$XCEPTION_EDU_HINTS``, else
    ``"fix"``. A call wins over the variable."""
    global _hints
    if mode is not None and mode not in HINT_MODES:
        raise ValueError(f"hint mode {mode!r}: use 'fix' (self-study) or 'nudge' (grading)")
    _hints = mode


def hints() -> str:
    """The hint mode in force: ``set_hints``'s, else ``$XCEPTION_EDU_HINTS``, else ``"fix"``."""
    mode = _hints or os.environ.get(HINTS_VARIABLE) or "fix"
    if mode not in HINT_MODES:
        raise ValueError(f"{HINTS_VARIABLE}={mode!r}: set it to 'fix' (self-study) or 'nudge' (grading)")
    return mode


class Mismatch(AssertionError):
    """Raised inside a check with a message that helps the learner find the mistake.

    Graduated hints: the message is the nudge toward the idea; ``fix``, when given, names the
    exact fix and is shown only from the learner's second failed attempt at the same exercise on."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message)
        self.fix = fix


def attempt(fn: Callable, args: tuple, case: str, why: str = "", fix: str | None = None):
    """``fn(*args)``: the learner's code run on a case the task defines. Its crash is a miss like a wrong
    value (graduated hints): a ``Mismatch`` naming the case (``"at d = 0"``), the error, and ``why``."""
    try:
        return fn(*args)
    except (NotImplementedError, Mismatch):
        raise
    except Exception as e:
        raise Mismatch(f"{case}: your code raised {type(e).__name__}: {e}. {why}".rstrip(), fix=fix) from e


@dataclass(frozen=True)
class Result:
    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"<{self.exercise}: {'passed' if self.passed else 'not passed'}>"

    def _ipython_display_(self) -> None:
        """Nothing under the cell: ``check`` has printed the verdict, and the notebook's last line
        ``lesson.check(...)`` should not add a second, cryptic ``<08.x: passed>`` line."""


KINDS = ("formula", "build", "predict", "prove", "interpret")
"""What an exercise asks: a closed-form count, code that builds or computes, a prediction made before
running, a derivation, a reading of results. The course's class times count minutes per kind."""
_KINDS: dict[str, str] = {}


def register(exercise_id: str, kind: str | None = None):
    """Decorator: ``fn(answer)`` raises ``Mismatch`` with a helpful message when the answer is wrong.
    ``kind`` is one of ``KINDS``."""
    if kind not in KINDS:
        raise ValueError(f"exercise {exercise_id!r}: kind {kind!r} is not one of {KINDS}")

    def deco(fn: Callable) -> Callable:
        _CHECKS[exercise_id] = fn
        _KINDS[exercise_id] = kind
        return fn

    return deco


def kind_of(exercise_id: str) -> str:
    """The kind an exercise was registered with (one of ``KINDS``)."""
    if exercise_id not in _KINDS:
        raise ValueError(f"no exercise {exercise_id!r}; known exercises: {sorted(_KINDS)}")
    return _KINDS[exercise_id]


def known() -> list[str]:
    """The exercises registered so far (a lesson module registers its own when it is imported)."""
    return sorted(_CHECKS)


def check(exercise_id: str, answer, quiet: bool = False) -> Result:
    """Check a learner's answer; print and return the verdict. Never raises for a wrong answer."""
    if exercise_id not in _CHECKS:
        raise ValueError(f"no exercise {exercise_id!r}; known exercises: {sorted(_CHECKS)} (a notebook's "
                         "exercises are registered by importing its module in xception_edu.lessons)")
    try:
        _CHECKS[exercise_id](answer)
        result = Result(exercise_id, True, f"Correct! ({exercise_id})")
        _FAILURES.pop(exercise_id, None)
    except NotImplementedError:
        result = Result(exercise_id, False, f"Not done yet ({exercise_id}): replace the "
                        "`raise NotImplementedError` line with your answer and run the cell again.")
    except Mismatch as e:
        _FAILURES[exercise_id] = tries = _FAILURES.get(exercise_id, 0) + 1
        if hints() == "nudge":  # grading: the nudge alone, and no fix promised
            more = " (Still stuck? Reread the task and the section above it.)" if tries > 1 else ""
        else:
            more = "" if e.fix is None else f" The fix: {e.fix}" if tries > 1 else \
                " (Still stuck? Run the check again: a second miss names the exact fix.)"
        result = Result(exercise_id, False, f"Not quite ({exercise_id}): {e}{more}")
    except Exception as e:  # the learner's code crashed: say where, don't re-raise into a wall of text
        result = Result(exercise_id, False, f"Your code raised {type(e).__name__}: {e} ({exercise_id})")
    if not quiet:
        print(result.message)
    return result


def reset_attempts(exercise_id: str | None = None) -> None:
    """Forget the failed attempts (of one exercise, or of all): the next miss gets the nudge again."""
    if exercise_id is None:
        _FAILURES.clear()
    else:
        _FAILURES.pop(exercise_id, None)


def split_solution(source: str) -> tuple[str, list[str]]:
    """An exercise cell cut in two: the student version (the lines between the markers removed) and the
    solution (those lines). The one parser of the markers: editions, nbgrader and tests all use it."""
    out, solution, inside = [], [], False
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError("nested '# BEGIN SOLUTION' in an exercise cell")
            inside = True
        elif stripped == END:
            if not inside:
                raise ValueError("'# END SOLUTION' without '# BEGIN SOLUTION' in an exercise cell")
            inside = False
        elif inside:
            solution.append(line)
        else:
            out.append(line)
    if inside:
        raise ValueError("'# BEGIN SOLUTION' is never closed by '# END SOLUTION'")
    return "".join(out), solution


def strip_solution(source: str) -> str:
    """The student version of an exercise cell: the lines between the markers are removed."""
    return split_solution(source)[0]


def header(source: str) -> tuple[str, str] | None:
    """An exercise cell's id and whole task: its header line and the continuation lines right after it
    joined by single spaces. None for a cell with no header."""
    found = HEADER.search(source)
    if found is None:
        return None
    first, *rest = source[found.end():].split("\n")
    task = [first.strip()]
    for line in rest:
        more = _CONTINUED.fullmatch(line.rstrip())
        if more is None:
            break
        task.append(more["more"])
    return found["id"], " ".join(task)


def exercise_id(source: str) -> str | None:
    """An exercise cell's id (None for any other cell)."""
    found = header(source)
    return found[0] if found else None
