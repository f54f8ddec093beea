"""How long the visible checks take to answer in the learner's install: for every known mistake typed as a learner's answer.

    python -m venv /tmp/learner-venv && /tmp/learner-venv/bin/pip install ./learner-lab
    python tests/benchmarks/learner_check_speed.py /tmp/learner-venv/bin/python

Run from the instructor's environment (which supplies the mistakes' source);
the checks run in the learner's Python given. A wrong answer is the slow case
(the check runs the recorded mistakes to name the learner's). Prints the
slowest ten and the target, well under half a second; not a test.
"""

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from learner_install import run  # noqa: E402
from test_learner_install_keeps_the_feedback import mistakes_as_typed  # noqa: E402

TIME_EACH = r'''
import contextlib, io, json, sys, time
from autograder.checks import for_assignment

times = {}
for key, (assignment, name, source) in json.loads(sys.stdin.read()).items():
    namespace = {}
    try:
        exec(source, namespace)
    except Exception:
        continue
    check = getattr(for_assignment(assignment), name)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            check.verdict(namespace[name])
        best = min(best, time.perf_counter() - started)
    times[key] = best
print(json.dumps(times))
'''


def main(python: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        done = run(Path(python), TIME_EACH, Path(folder), input=json.dumps(mistakes_as_typed()))
    if done.returncode:
        sys.exit(done.stderr)
    times = sorted(json.loads(done.stdout).items(), key=lambda item: item[1])
    print(f"{'known mistake':<60}{'seconds':>8}")
    for key, seconds in times[-10:]:
        print(f"{key:<60}{seconds:>8.3f}")
    print(f"{len(times)} wrong answers; median {times[len(times) // 2][1]:.3f} s, slowest {times[-1][1]:.3f} s (target: under 0.5 s)")


if __name__ == "__main__":
    main(sys.argv[1])
