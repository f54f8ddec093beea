"""How long every check takes to answer: for a right answer, and for a wrong one.

    python tests/benchmarks/check_speed.py

A wrong answer costs more than a right one: the check also runs the known
mistakes over all cases to name the learner's. The target is well under half a
second for either. Prints one row per check, slowest last; not a test, since
timings on a shared machine vary.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course import declaration, exercises  # noqa: E402


def seconds(check, function, hidden=False, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        check.verdict(function, hidden)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    rows = []
    for assignment, check in exercises():
        exercise = declaration(check)
        wrong = exercise.wrong_answers()[-1].answer
        rows.append((check.name, seconds(check, exercise.reference), seconds(check, exercise.reference, hidden=True), seconds(check, wrong)))
    rows.sort(key=lambda row: max(row[1:]))
    print(f"{'check':<28}{'right (s)':>10}{'hidden (s)':>11}{'wrong (s)':>10}")
    for name, right, hidden, wrong in rows:
        print(f"{name:<28}{right:>10.3f}{hidden:>11.3f}{wrong:>10.3f}")
    print(f"slowest answer: {max(max(row[1:]) for row in rows):.3f} s (target: under 0.5 s)")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
