"""The learner's install holds no answer key: no reference, known mistake, example answer or hidden case.

It is built the way the README says (`pip install ./learner-lab` in a fresh
venv, once a run: see tests/learner_install.py) and every module of it is
imported there. Then:

- nothing of the answer key or the grader is installed, as source or
  bytecode, and no installed file holds the source of a reference, a known
  mistake, an example answer or a hidden-case maker;
- every function and class of it, called on fresh inputs (cases drawn from a
  seed no check uses), returns nothing the reference returns on them;
- no input or reference output of a hidden case can be found in its files,
  read as bytes or as the arrays the recorded expectations hold, while the
  reference outputs on the visible cases can (so the search reads them).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import inspect
import io
import json
import pickle
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.checks import for_assignment
from autograder.checks.compare import FLOAT32
from autograder.exercises import declared
from autograder.instructor import hidden_cases, secret
from course import ASSIGNMENTS, declaration
from learner_install import run

FRESH_SEED = 20_261_201  # no check's visible or hidden cases are drawn from it: inputs the install has never seen
CASES_EACH = 1  # fresh cases per exercise: every callable of the install is called on each (drawing plots takes a while)
NOTEBOOKS = [assignment.split("_", 1)[1] for assignment in ASSIGNMENTS]

# Runs in the learner's venv: imports every module of the install, then calls every function and class of it on
# every fresh input it can take; prints {module: [file, ...]} and writes {(exercise, case): [(name, result), ...]}.
CALL_EVERYTHING = r'''
import inspect, io, json, contextlib, pickle, pkgutil, importlib, signal, sys, time
import autograder

modules = {"autograder": autograder}
for info in pkgutil.walk_packages(autograder.__path__, "autograder."):
    modules[info.name] = importlib.import_module(info.name)
candidates = {}
for module_name, module in modules.items():
    for name, value in vars(module).items():
        if callable(value) and (getattr(value, "__module__", None) == module_name or not hasattr(value, "__module__")):
            candidates[f"{module_name}.{name}"] = value

def on_alarm(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, on_alarm)
inputs, results, spent = pickle.load(open(sys.argv[1], "rb")), {}, {}
for key, payload in inputs.items():
    try:
        args, kwargs = pickle.loads(payload)
    except Exception:
        continue
    found = results.setdefault(key, [])
    for name, candidate in candidates.items():
        try:
            inspect.signature(candidate).bind(*args, **kwargs)
        except (TypeError, ValueError):
            continue
        signal.setitimer(signal.ITIMER_REAL, 2)
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                value = candidate(*pickle.loads(payload)[0], **kwargs)
            found.append((name, pickle.dumps(value)))
        except BaseException:
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            spent[name] = spent.get(name, 0) + time.perf_counter() - started
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
pickle.dump(results, open(sys.argv[2], "wb"))
print(sorted(spent.items(), key=lambda item: -item[1])[:15], file=sys.stderr)
print(json.dumps({name: getattr(module, "__file__", "") for name, module in modules.items()}))
'''


def fresh_cases():
    """{(exercise, case index): (case, pickled (args, kwargs))} for every exercise, on inputs drawn from FRESH_SEED."""
    found = {}
    for notebook in NOTEBOOKS:
        for exercise in declared(notebook):
            drawn = hidden_cases.as_checks_see_them(list(exercise.hidden_cases(FRESH_SEED)))
            for index, case in enumerate(drawn[:CASES_EACH]):
                try:
                    found[exercise.name, index] = case, pickle.dumps((case.args, case.kwargs))
                except (pickle.PicklingError, TypeError, AttributeError):
                    continue
    return found


@pytest.fixture(scope="module")
def installed(learner_python, tmp_path_factory):
    """(the install's modules and their files, what each of its callables returned on each fresh case, the cases)."""
    folder = tmp_path_factory.mktemp("call-everything")
    cases = fresh_cases()
    (folder / "inputs.pickle").write_bytes(pickle.dumps({key: payload for key, (_, payload) in cases.items()}))
    done = run(learner_python, CALL_EVERYTHING, folder, "inputs.pickle", "results.pickle")
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.splitlines()[-1])
    results = pickle.loads((folder / "results.pickle").read_bytes())
    return modules, results, cases


def installed_files(learner_python) -> list[Path]:
    package = next(learner_python.parents[1].glob("lib/python*/site-packages/autograder"))
    return [path for path in sorted(package.rglob("*")) if path.is_file()]


def test_the_install_holds_the_checks_but_not_the_answer_key_or_the_grader(installed, learner_python):
    modules, _, _ = installed
    assert {f"autograder.checks.{notebook}" for notebook in NOTEBOOKS} <= modules.keys()
    assert {f"autograder.checks.recorded.{notebook}" for notebook in NOTEBOOKS} <= modules.keys()
    assert all("site-packages" in path for path in modules.values()), "imported from the install, not the repository"
    files = [str(path) for path in installed_files(learner_python)]
    assert any(path.endswith(".pyc") for path in files), "the modules were imported, so their bytecode is there too"
    assert not [path for path in files if "/exercises" in path or "/instructor" in path or "grading-secret" in path]


def answer_key_functions():
    """Every function of the answer key: references, known mistakes, example answers, hidden-case makers."""
    for notebook in NOTEBOOKS:
        for exercise in declared(notebook):
            yield exercise.reference
            yield exercise.hidden_cases
            yield from (example.answer for example in [*exercise.mistakes, *exercise.wrong])
            yield from exercise.right


def without_docstring(function) -> str:
    """A function's source from its `def` line on, without its docstring (which the notebook shows learners)."""
    source = textwrap.dedent(inspect.getsource(function))
    if function.__doc__ and '"""' in source:
        start = source.index('"""')
        source = source[:start] + source[source.index('"""', start + 3) + 3 :]
    return "\n".join(line for line in source.splitlines() if line.strip())


def test_no_installed_file_holds_the_source_of_an_answer(learner_python):
    files = [path.read_bytes().decode("utf-8", "replace") for path in installed_files(learner_python)]
    text = "\0".join("\n".join(line for line in file.splitlines() if line.strip()) for file in files)
    leaked = sorted({function.__qualname__ for function in answer_key_functions() if without_docstring(function) in text})
    assert not leaked, f"the learner's install holds the source of {leaked}"


def test_no_function_of_the_install_returns_a_references_answer_on_a_fresh_input(installed):
    _, results, cases = installed
    checks = {check.name: check for assignment in ASSIGNMENTS for check in for_assignment(assignment).EXERCISES}
    assert {name for name, _ in results} == set(checks), "every exercise's fresh inputs reached the install"
    matches, compared = [], set()
    for (name, index), returned in results.items():
        check, case = checks[name], cases[name, index][0]
        reference = declaration(check).reference
        expected = check.observe(reference, case)
        if not answers_like(check, expected, case, reference(*case.args, **case.kwargs)):
            continue  # judged by what it does to its inputs (a training step): no returned value is its answer
        compared.add(name)
        for candidate, value in returned:
            if answers_like(check, expected, case, pickle.loads(value)):
                matches.append(f"{candidate} on {name}'s case {case.name!r}")
    assert len(compared) > len(checks) * 3 / 4, f"a returned value is the answer of only {sorted(compared)}"
    assert not matches, "the learner's install answers like a reference: " + "; ".join(matches)


def answers_like(check, expected, case, value) -> bool:
    """Whether returning `value` on `case` is judged the reference's answer (a value that cannot be compared is not)."""
    got = check.observe(lambda *args, **kwargs: value, case)
    try:
        return got.error is None and check.same_behaviour(expected, got)
    except Exception:
        return False


def arrays_in(value, found=None) -> list[np.ndarray]:
    """Every array (and tensor, as an array) in a nest of tuples, lists, dicts and objects' attributes."""
    found = [] if found is None else found
    if isinstance(value, torch.Tensor):
        found.append(value.detach().numpy())
    elif isinstance(value, np.ndarray):
        found.append(value)
    elif isinstance(value, (tuple, list)):
        for item in value:
            arrays_in(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            arrays_in(item, found)
    elif isinstance(value, torch.nn.Module):
        arrays_in(list(value.state_dict().values()), found)
    return found


def telling(arrays) -> list[np.ndarray]:
    """The numeric arrays that could not be there by chance (four distinct values or more)."""
    return [array for array in arrays if array.dtype.kind in "fiu" and np.unique(array).size >= 4]


def byte_forms(array: np.ndarray) -> tuple[bytes, ...]:
    """The start of an array's bytes in each dtype it may be stored in."""
    dtypes = {array.dtype, np.dtype(np.float32), np.dtype(np.float64)} if array.dtype.kind == "f" else {array.dtype}
    return tuple(np.ascontiguousarray(array, dtype=dtype).tobytes()[:64] for dtype in dtypes)


class Install:
    """Every byte of the install's files and of every base64 string in its JSON, and the arrays those strings hold.

    The recorded expectations were computed on the machine that released the course: on another CPU the reference's
    floating-point results can differ in their last bits (other vector instructions), so an array is also found when
    a recorded one of its shape agrees with it within the checks' own float32 tolerance.
    """

    def __init__(self, learner_python):
        parts, self.arrays = [], {}
        for path in installed_files(learner_python):
            data = path.read_bytes()
            parts.append(data)
            if path.suffix == ".json":
                for decoded in base64_strings(json.loads(data)):
                    parts.append(decoded)
                    if decoded.startswith(b"\x93NUMPY"):
                        array = np.load(io.BytesIO(decoded), allow_pickle=False)
                        self.arrays.setdefault(array.shape, []).append(array)
        self.everything = b"\0".join(parts)

    def holds(self, array: np.ndarray) -> bool:
        if any(form in self.everything for form in byte_forms(array)):
            return True
        return any(agrees(array, recorded) for recorded in self.arrays.get(array.shape, []))


def base64_strings(document) -> list[bytes]:
    """The decoded form of every string in a JSON document that is base64 (where recorded arrays are)."""
    strings, pending = [], [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending += list(item.values())
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, str) and len(item) > 40:
            with contextlib.suppress(binascii.Error, ValueError):
                strings.append(base64.b64decode(item, validate=True))
    return strings


def agrees(array: np.ndarray, recorded: np.ndarray) -> bool:
    if array.dtype.kind != "f" or recorded.dtype.kind != "f":
        return array.dtype.kind == recorded.dtype.kind and np.array_equal(array, recorded)
    return bool(np.allclose(recorded.astype(np.float64), array.astype(np.float64), rtol=FLOAT32.rtol, atol=FLOAT32.atol))


def test_no_hidden_case_can_be_read_from_the_install(installed, learner_python):
    install = Install(learner_python)
    hidden, visible = [], []
    for assignment in ASSIGNMENTS:
        for check in for_assignment(assignment).EXERCISES:
            exercise = declaration(check)
            key = secret.assignment_key(secret.require(Path.cwd()), check.notebook)
            for student in ("ada", "grace"):
                for case in hidden_cases.draw(exercise, key, student):
                    hidden += telling(arrays_in([case.args, case.kwargs, case.context, check.observe(exercise.reference, case).result]))
            visible += telling(arrays_in([check.observe(exercise.reference, case).result for case in check.cases()]))
    assert hidden and visible

    assert sum(map(install.holds, visible)) > len(visible) * 3 / 4, "the search finds the reference's outputs the install does hold"
    assert not [array for array in hidden if install.holds(array)], "a hidden case's values are in the learner's install"
