"""What the release command derives for the checks of the learner's install: visible sides and recorded expectations.

For each notebook's module of declarations, autograder/exercises/<notebook>.py,
two files in autograder/checks/recorded/ (see there):

- `<notebook>.py`, the visible side: the module's statements that the
  exercises' specs need (their cases, properties, hints, tolerances and what
  those use), copied as they are written, and a `Spec(...)` in place of each
  `Exercise(...)`. Which statements are needed is worked out from the names
  each one uses (`symtable` tells a function's globals from its locals). If a
  spec needed a reference, a step of one, anything a reference calls, a
  known mistake, an example answer, a hidden case or an import from the
  answer key, there is no visible side: `VisibleSideError` names what and why.
- `<notebook>.json`: what the reference and each known mistake do on every
  visible case, observed as the check observes them and reduced to what it
  compares.

A record is stale when a check would judge differently with the fresh one,
not when its floating-point bits differ (another machine's PyTorch may round
otherwise), so releasing on another machine rewrites nothing.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import symtable
from pathlib import Path
from typing import Any, Iterable

from autograder.checks import recorded
from autograder.checks.check import Check
from autograder.checks.observe import Observation, Readings, one_thread
from autograder.checks.properties import Property
from autograder.checks.spec import Spec
from autograder.checks.transport import decode_observation
from autograder.exercises import ReferenceExpectations, declared

DECLARATIONS = Path(__file__).resolve().parents[1] / "exercises"
INSTRUCTOR_ONLY = {"hidden_cases", "mistakes", "right", "wrong", "uses"}  # keywords of Exercise(...) that are not the spec's
ANSWER_KEY = "autograder.exercises"


class VisibleSideError(Exception):
    """A notebook's specs cannot be separated from its answers; the message says which names and why."""


def visible_side(notebook: str) -> str:
    """The source of autograder/checks/recorded/<notebook>.py, made from autograder/exercises/<notebook>.py."""
    path = DECLARATIONS / f"{notebook}.py"
    source = path.read_text()
    module = _Module(source, path)
    exercises = {exercise.name: exercise for exercise in declared(notebook)}
    declarations = module.exercise_calls()
    if [name for _, name, _ in declarations] != list(exercises):
        raise VisibleSideError(f"{path.name}: the Exercise(...) declarations do not match the exercises it declares")
    roots, forbidden, references = set(), {}, set()
    for statement, name, call in declarations:
        for keyword in call.keywords:
            if keyword.arg not in INSTRUCTOR_ONLY:
                roots |= module.names_in(keyword.value)
        steps, answers = _answers(call)
        references |= steps
        forbidden.update({answer: f"an answer of {name}" for answer in steps | answers})
    for name in module.closure(references) & module.functions_and_classes():
        forbidden.setdefault(name, "called by a reference")
    kept = module.closure(roots)
    leaks = {name: forbidden[name] for name in kept if name in forbidden}
    leaks |= {name: "imported from the answer key" for name in kept if module.imported_from(name, ANSWER_KEY)}
    if leaks:
        listed = "; ".join(f"{name} ({why})" for name, why in sorted(leaks.items()))
        raise VisibleSideError(
            f"{path.name}: the visible cases, properties and hints would need {listed}. Keep them free of references, "
            "known mistakes, example answers and hidden cases: the learner's install holds them."
        )
    imports = [module.import_text(statement, kept) for statement in module.imports()]
    imports = [line for line in imports if line and not line.startswith("from autograder")]
    ours = [line for line in [module.import_text(statement, kept) for statement in module.imports()] if line.startswith("from autograder")]
    parts = [_header(notebook, source), "\n".join(imports) + "\n", "\n".join([*ours, "from autograder.checks.spec import Spec"])]
    body = []
    specs = {statement: (name, call) for statement, name, call in declarations}
    for statement in module.statements:
        if statement in specs:
            body.append(_spec_text(statement, *specs[statement], exercises[specs[statement][0]].spec, module))
        elif module.defines(statement) & kept and not isinstance(statement, (ast.Import, ast.ImportFrom)):
            body.append(module.text(statement))
    names = ", ".join(module.target(statement) for statement, _, _ in declarations)
    body.append(f"SPECS = ({names},)  # in notebook order")
    return "\n".join(parts) + "\n\n\n" + "\n\n\n".join(body) + "\n"


def records(notebook: str) -> dict[str, dict]:
    """What the reference and each known mistake of every exercise of the notebook do on its visible cases."""
    found = {}
    for exercise in declared(notebook):
        check = Check(exercise.spec, {}, None, notebook, {})
        cases = exercise.spec.cases()
        expectations = ReferenceExpectations(exercise, check, cases)
        with one_thread():
            expected = [compared(exercise.spec, expectations.expected(index)) for index in range(len(cases))]
            mistakes = [
                (mistake.name, mistake.hint, [compared(exercise.spec, mistake.observed(index)) for index in range(len(cases))])
                for mistake in expectations.mistakes()
            ]
        for index, observation in enumerate(expected):
            if observation.error is not None:
                raise RuntimeError(f"the reference for {exercise.name} failed on {cases[index].name!r}: {observation.error}")
        found[exercise.name] = recorded.record_of(expected, mistakes, [case.name for case in cases])
    return found


def records_text(found: dict[str, dict]) -> str:
    return json.dumps(found, indent=1, allow_nan=False) + "\n"


def same_records(notebook: str, old: dict, new: dict) -> bool:
    """Whether every check of the notebook judges alike with the `old` and the `new` records."""
    if old.keys() != new.keys():
        return False
    exercises = {exercise.name: exercise for exercise in declared(notebook)}
    for name, fresh in new.items():
        before = old[name]
        if before["cases"] != fresh["cases"] or [(m["name"], m["hint"]) for m in before["mistakes"]] != [(m["name"], m["hint"]) for m in fresh["mistakes"]]:
            return False
        check = Check(exercises[name].spec, {}, None, notebook, {})
        pairs = [(before["expected"], fresh["expected"])] + [(a["observed"], b["observed"]) for a, b in zip(before["mistakes"], fresh["mistakes"])]
        if not all(_alike(check, one, other) for ones, others in pairs for one, other in zip(ones, others)):
            return False
    return True


def _alike(check: Check, one: dict, other: dict) -> bool:
    first, second = decode_observation(one), decode_observation(other)
    return first.warnings == second.warnings and check.same_behaviour(first, second) and check.same_behaviour(second, first)


def compared(spec: Spec, observation: Observation) -> Observation:
    """An observation reduced to what a check compares: of a function judged by properties, only the properties."""
    if not isinstance(observation.result, Readings):
        return observation
    names = {item.name for item in spec.properties if isinstance(item, Property)}
    return dataclasses.replace(observation, result=Readings({key: value for key, value in observation.result.items() if key in names}))


def _answers(call: ast.Call) -> tuple[set[str], set[str]]:
    """The names a declaration gives as answers: (its reference and the steps of it that mistakes replace,
    the mistakes, example answers and hidden cases)."""
    steps, others = {call.args[0].id}, set()
    for keyword in call.keywords:
        if keyword.arg == "hidden_cases" and isinstance(keyword.value, ast.Name):
            others.add(keyword.value.id)
        if keyword.arg in ("mistakes", "right", "wrong"):
            for node in ast.walk(keyword.value):
                if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
                    others.add(node.args[0].id)
                    steps |= {k.value.id for k in node.keywords if k.arg == "replacing" and isinstance(k.value, ast.Name)}
                elif isinstance(node, ast.List):
                    others |= {element.id for element in node.elts if isinstance(element, ast.Name)}
    return steps, others


def _header(notebook: str, source: str) -> str:
    title = (ast.get_docstring(ast.parse(source)) or notebook).splitlines()[0].rstrip(".")
    return (
        f'"""The visible side of {title[:1].lower() + title[1:]}.\n\n'
        f"Written by the release command from autograder/exercises/{notebook}.py; do not edit it. It holds what the\n"
        "checks of the learner's install need of those exercises (their visible cases, properties and hints), and\n"
        "no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.\n"
        '"""\n'
    )


def _spec_text(statement: ast.stmt, name: str, call: ast.Call, spec: Spec, module: _Module) -> str:
    lines = [f"{module.target(statement)} = Spec(", f"    {_literal(spec.name)},", f"    {_literal(spec.parameters)},"]
    for keyword in call.keywords:
        if keyword.arg not in INSTRUCTOR_ONLY:
            lines.append(f"    {keyword.arg}={module.segment(keyword.value)},")
    if spec.uses:
        lines.append(f"    uses={_literal(tuple(spec.uses))},")
    return "\n".join(lines) + "\n)"


def _literal(value: str | tuple[str, ...]) -> str:
    """A string, or a tuple of them, as Python source in double quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "(" + ", ".join(_literal(item) for item in value) + ("," if len(value) == 1 else "") + ")"


class _Module:
    """A module's top-level statements, what each defines, and the module-level names each one uses."""

    def __init__(self, source: str, path: Path):
        self.source, self.lines = source, source.splitlines()
        tree = ast.parse(source)
        self.statements = [s for s in tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        scopes = symtable.symtable(source, str(path), "exec").get_children()
        self._uses = {statement: self._module_level_names(statement) | self._scope_globals(statement, scopes) for statement in self.statements}
        self._definer = {name: statement for statement in self.statements for name in self.defines(statement)}

    def exercise_calls(self) -> list[tuple[ast.stmt, str, ast.Call]]:
        found = []
        for statement in self.statements:
            value = getattr(statement, "value", None)
            if isinstance(statement, ast.Assign) and isinstance(value, ast.Call) and getattr(value.func, "id", "") == "Exercise":
                found.append((statement, value.args[0].id, value))
        return found

    def imports(self) -> list[ast.stmt]:
        return [statement for statement in self.statements if isinstance(statement, (ast.Import, ast.ImportFrom))]

    def defines(self, statement: ast.stmt) -> set[str]:
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            return {statement.name}
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        return {node.id for target in targets if target is not None for node in ast.walk(target) if isinstance(node, ast.Name)}

    def functions_and_classes(self) -> set[str]:
        return {statement.name for statement in self.statements if isinstance(statement, (ast.FunctionDef, ast.ClassDef))}

    def names_in(self, node: ast.AST) -> set[str]:
        """The names an expression reads (the module's among them are what `closure` follows)."""
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

    def closure(self, roots: Iterable[str]) -> set[str]:
        """The names `roots` need, themselves included: what defines them, and what that uses, over and over."""
        seen, pending = set(), list(roots)
        while pending:
            name = pending.pop()
            if name in seen or name not in self._definer:
                continue
            seen.add(name)
            statement = self._definer[name]
            if not isinstance(statement, (ast.Import, ast.ImportFrom)):  # an import's other names are kept only if used
                pending += [*self._uses[statement], *self.defines(statement)]
        return seen

    def imported_from(self, name: str, package: str) -> bool:
        statement = self._definer.get(name)
        return isinstance(statement, ast.ImportFrom) and (statement.module or "").startswith(package)

    def import_text(self, statement: ast.stmt, kept: set[str]) -> str:
        aliases = [alias for alias in statement.names if (alias.asname or alias.name).split(".")[0] in kept]
        if not aliases:
            return ""
        names = ", ".join(alias.name + (f" as {alias.asname}" if alias.asname else "") for alias in aliases)
        return f"from {statement.module} import {names}" if isinstance(statement, ast.ImportFrom) else f"import {names}"

    def target(self, statement: ast.Assign) -> str:
        return statement.targets[0].id

    def text(self, statement: ast.stmt) -> str:
        first = min([statement.lineno, *(decorator.lineno for decorator in getattr(statement, "decorator_list", []))])
        return "\n".join(self.lines[first - 1 : statement.end_lineno])

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node)

    def _module_level_names(self, statement: ast.stmt) -> set[str]:
        """The names a statement reads at module level: outside the bodies of the functions, lambdas and classes it makes."""
        names, pending = set(), [statement]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                pending += [*getattr(node, "decorator_list", []), *node.args.defaults, *(d for d in node.args.kw_defaults if d)]
            elif isinstance(node, ast.ClassDef):
                pending += [*node.decorator_list, *node.bases, *(keyword.value for keyword in node.keywords)]
            elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                pending.append(node.generators[0].iter)
            else:
                pending += list(ast.iter_child_nodes(node))
        return names

    def _scope_globals(self, statement: ast.stmt, scopes: list[symtable.SymbolTable]) -> set[str]:
        """The global names the functions, lambdas, classes and comprehensions a statement makes refer to."""
        names: set[str] = set()
        pending = [scope for scope in scopes if statement.lineno <= scope.get_lineno() <= statement.end_lineno]
        while pending:
            scope = pending.pop()
            names |= {symbol.get_name() for symbol in scope.get_symbols() if symbol.is_global() and symbol.is_referenced()}
            pending += scope.get_children()
        return names


def derived_files(notebooks: Iterable[str]) -> dict[Path, Any]:
    """{path: what it should hold} for every notebook: the visible side's source and the records (a dict)."""
    files: dict[Path, Any] = {}
    for notebook in notebooks:
        files[recorded.FOLDER / f"{notebook}.py"] = visible_side(notebook)
        files[recorded.data_path(notebook)] = records(notebook)
    return files

