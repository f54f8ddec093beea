"""What the instructor reads after grading: a summary table and a per-exercise report.

Both are computed from the results the grading workers return (one per
learner: score, each test cell's points and the headline of its failure).
"""

from __future__ import annotations

import csv
import textwrap
from collections import Counter
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.transforms import offset_copy  # noqa: E402

FAILURES_SHOWN = 3  # most common failures per exercise, in the table and the picture
FAILURE_WIDTH = 72  # characters per line of a failure in the picture
FAILURE_LINES = 2  # lines a failure may take in the picture before it is shortened
FAILURE_PAD = 8  # points between the bars and the failures beside them
SUMMARY_RULE = 100  # the longest rule under the summary's heading, in characters


def exercise_rows(results: list[dict], exercises: list[tuple[str, float]]) -> list[dict]:
    """One row per exercise: mean score, share of full marks, the most common failures as (headline, count)."""
    graded = [result for result in results if result.get("cells")]
    rows = []
    for name, points in exercises:
        scores = [result["cells"][name][0] or 0 for result in graded if name in result["cells"]]
        failures = Counter(
            _short(result["verdicts"][name]) for result in graded if result.get("verdicts", {}).get(name)
        )
        rows.append(
            {
                "exercise": name,
                "points": points,
                "learners": len(scores),
                "mean_score": round(sum(scores) / len(scores), 3) if scores else 0.0,
                "full_marks_share": round(sum(score >= points for score in scores) / len(scores), 3) if scores else 0.0,
                "common_failures": failures.most_common(FAILURES_SHOWN),
            }
        )
    return rows


def _short(headline: str) -> str:
    """A failure headline without the case it happened on, so that equal mistakes count together."""
    return headline.split(" on the case ")[0].rstrip(":")


def write_exercise_report(rows: list[dict], folder: Path) -> tuple[Path, Path]:
    """exercises.csv (failures whole) and exercises.png (failures shortened to fit) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / "exercises.csv"
    with open(table, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]) if rows else ["exercise"])
        writer.writeheader()
        for row in rows:
            failures = " | ".join(f"{count}x {headline}" for headline, count in row["common_failures"])
            writer.writerow(row | {"common_failures": failures})
    figure = exercise_figure(rows, table.name)
    picture = folder / "exercises.png"
    figure.savefig(picture)
    plt.close(figure)
    return table, picture


def mark_not_graded(grades: Path, assignment: str, students: list[str]) -> None:
    """Blank the scores nbgrader's export gives submissions the grader failed on: they are not zero, they are not graded yet."""
    if not students:
        return
    with open(grades, newline="") as file:
        rows = list(csv.DictReader(file))
        fields = list(rows[0]) if rows else []
    for row in rows:
        if row.get("assignment") == assignment and row.get("student_id") in students:
            row.update(raw_score="", score="", late_submission_penalty="")
    with open(grades, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def exercise_figure(rows: list[dict], whole_text_in: str = "exercises.csv") -> Figure:
    """Bars of mean score and full marks per exercise, with its most common failures beside them.

    Every text stays inside the figure: long failures are wrapped, then shortened
    with an ellipsis (the column's heading then says where they are whole); the
    layout makes room for the widest label and failure, and the figure widens
    where the bars would otherwise be left narrower than 4 inches.
    """
    blocks = [_failure_block(row["common_failures"]) for row in rows]
    shortened = any(cut for _, cut in blocks)
    lines_per_row = max([2] + [block.count("\n") + 1 for block, _ in blocks])
    figure, bars = plt.subplots(figsize=(12, 1.6 + len(rows) * (0.3 + 0.16 * lines_per_row)), layout="constrained", dpi=100)
    positions = list(range(len(rows)))
    bars.barh([p - 0.2 for p in positions], [row["mean_score"] / row["points"] if row["points"] else 0 for row in rows],
              height=0.4, label="mean score (share of the points)")
    bars.barh([p + 0.2 for p in positions], [row["full_marks_share"] for row in rows], height=0.4, label="share of learners with full marks")
    bars.set_yticks(positions, [_exercise_label(row) for row in rows], multialignment="right")
    bars.set(xlim=(0, 1), ylim=(max(len(rows), 1) - 0.5, -0.5), xlabel="share")
    bars.set_title("How the class did on each exercise", loc="left")
    failures = bars.twinx()
    failures.set_ylim(bars.get_ylim())
    failures.set_yticks(positions, [block for block, _ in blocks], fontsize=7.5, multialignment="left")
    failures.tick_params(axis="y", length=0, pad=FAILURE_PAD)
    heading = "most common failures" + (f" (shortened; {whole_text_in} has them whole)" if shortened else "")
    # As the axis' label, whose width the layout makes room for (it ignores a title's width), above the failures.
    failures.set_ylabel(heading, rotation=0, ha="left", va="bottom", fontsize=8.5)
    failures.yaxis.set_label_coords(1.0, 1.01, transform=offset_copy(failures.transAxes, figure, x=FAILURE_PAD, units="points"))
    figure.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    _widen_to_fit(figure, bars)
    return figure


def _failure_block(failures: list[tuple[str, int]]) -> tuple[str, bool]:
    """The lines that show an exercise's failures in the picture, and whether any had to be shortened."""
    if not failures:
        return "no failures", False
    lines, shortened = [], False
    for headline, count in failures:
        wrapped = textwrap.wrap(f"{count}× {headline}", width=FAILURE_WIDTH, subsequent_indent="    ")
        if len(wrapped) > FAILURE_LINES:
            shortened = True
            wrapped = wrapped[:FAILURE_LINES]
            wrapped[-1] = wrapped[-1][: FAILURE_WIDTH - 2] + " …"
        lines += wrapped
    return "\n".join(lines), shortened


def _exercise_label(row: dict) -> str:
    return f"{row['exercise']}\n{_count(row['points'], 'point')}, {_count(row['learners'], 'learner')} graded"


def _count(number: float, noun: str) -> str:
    """`1 point`, `2 points`, `0.5 points`."""
    return f"{number:g} {noun}{'' if number == 1 else 's'}"


def _widen_to_fit(figure: Figure, bars, minimum_bar_width: float = 4.0) -> None:
    """Make the figure wide enough that the bars keep `minimum_bar_width` inches beside the labels and failures."""
    figure.canvas.draw()
    bar_width = bars.get_position().width * figure.get_figwidth()
    if bar_width < minimum_bar_width:
        figure.set_figwidth(figure.get_figwidth() + minimum_bar_width - bar_width)
        figure.canvas.draw()


def summary_table(results: list[dict]) -> str:
    """A plain-text table: one line per learner with score, status and what went wrong (one note per line)."""
    rows = [
        (result["student"], _score(result), _status(result), _notes(result))
        for result in sorted(results, key=lambda result: result["student"])
    ]
    name_width = max([len("learner")] + [len(name) for name, *_ in rows])
    score_width = max([len("score")] + [len(score) for _, score, *_ in rows])
    status_width = max([len("status")] + [len(status) for _, _, status, _ in rows])

    def line(name: str, score: str, status: str, note: str) -> str:
        return f"{name:<{name_width}}  {score:>{score_width}}  {status:<{status_width}}  {note}".rstrip()

    lines = [line("learner", "score", "status", "notes")]
    for name, score, status, notes in rows:
        first, *others = notes or [""]
        lines.append(line(name, score, status, first))
        lines += [line("", "", "", note) for note in others]
    rule = "-" * max(len(lines[0]), min(max(map(len, lines)), SUMMARY_RULE))
    return "\n".join([lines[0], rule, *lines[1:]])


def _score(result: dict) -> str:
    return "—" if result.get("score") is None else f"{result['score']:g} / {result['max_score']:g}"


def _notes(result: dict) -> list[str]:
    fault = result.get("grader_fault")
    grader = [f"the grader failed ({fault}; {result.get('attempts', 1)} attempts): run the command again"] if fault else []
    called = result.get("calls_reference")
    reference = [f"called the reference implementation in {', '.join(called)}"] if called else []
    return grader + reference + result.get("problems", []) + result.get("notes", [])


def _status(result: dict) -> str:
    if result.get("grader_fault"):
        return "NOT GRADED (grader)"
    if result.get("unusable"):
        return "unusable, 0 points"
    if result.get("score") is None:
        return "not graded"
    if result.get("problems") or result.get("calls_reference"):
        return "graded, with problems"
    return "graded"


def write_course_report(results: dict[str, list[dict]], folder: Path) -> list[Path]:
    """reports/course/: grades.csv (a learner × assignment table), grades.png (its heatmap) and summary.txt.

    `results` holds each assignment's results, in course order. A submission
    the grader failed on, or one never handed in, has no score: its cell is
    empty in the table and grey in the picture. The summary names every
    learner with a problem, assignment by assignment.
    """
    folder.mkdir(parents=True, exist_ok=True)
    assignments = list(results)
    learners = sorted({result["student"] for outcomes in results.values() for result in outcomes})
    by_cell = {(result["student"], assignment): result for assignment, outcomes in results.items() for result in outcomes}
    table = folder / "grades.csv"
    with open(table, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["learner", *assignments, "total", "max_total"])
        for learner in learners:
            scores = [_course_score(by_cell.get((learner, assignment))) for assignment in assignments]
            maxima = [result.get("max_score") or 0 for assignment in assignments if (result := by_cell.get((learner, assignment)))]
            writer.writerow([learner, *("" if score is None else f"{score:g}" for score in scores),
                             f"{sum(score or 0 for score in scores):g}", f"{sum(maxima):g}"])
    picture = folder / "grades.png"
    figure = course_heatmap(learners, assignments, by_cell)
    figure.savefig(picture)
    plt.close(figure)
    summary = folder / "summary.txt"
    summary.write_text(course_summary(learners, assignments, by_cell) + "\n")
    return [table, picture, summary]


def _course_score(result: dict | None) -> float | None:
    if result is None or result.get("grader_fault") or result.get("score") is None:
        return None
    return float(result["score"])


def course_heatmap(learners: list[str], assignments: list[str], by_cell: dict) -> Figure:
    """Each learner's share of each assignment's points, in a colour scale that reads the same to colour-blind eyes."""
    shares = np.full((len(learners), len(assignments)), np.nan)
    for row, learner in enumerate(learners):
        for column, assignment in enumerate(assignments):
            result = by_cell.get((learner, assignment))
            score = _course_score(result)
            if score is not None and result.get("max_score"):
                shares[row, column] = score / result["max_score"]
    height = min(2.5 + 0.28 * len(learners), 120)
    figure, axes = plt.subplots(figsize=(2.2 + 1.2 * len(assignments), height), layout="constrained", dpi=100)
    axes.set_facecolor("#d0d0d0")  # no score: not handed in, or not graded yet
    image = axes.imshow(np.ma.masked_invalid(shares), cmap="viridis", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    axes.set_xticks(range(len(assignments)), assignments, rotation=30, ha="right")
    axes.set_yticks(range(len(learners)), learners)
    if len(learners) * len(assignments) <= 600:
        for row in range(len(learners)):
            for column in range(len(assignments)):
                share = shares[row, column]
                text = "—" if np.isnan(share) else f"{share:.0%}"
                axes.text(column, row, text, ha="center", va="center", fontsize=7, color="white" if not np.isnan(share) and share < 0.6 else "black")
    axes.set_title("Share of the points, learner by assignment (grey: no score)", loc="left")
    figure.colorbar(image, ax=axes, label="share of the points", shrink=min(1.0, 8 / height + 0.3))
    return figure


def course_summary(learners: list[str], assignments: list[str], by_cell: dict) -> str:
    """Who has problems where: one block per learner with any, one line per assignment concerned."""
    blocks = []
    for learner in learners:
        lines = []
        for assignment in assignments:
            result = by_cell.get((learner, assignment))
            if result is None:
                continue
            status = _status(result)
            if status != "graded":
                notes = "; ".join(_notes(result))
                lines.append(f"  {assignment}: {status}" + (f": {notes}" if notes else ""))
        if lines:
            blocks.append("\n".join([learner, *lines]))
    graded = len(learners)
    heading = f"{graded} {'learner' if graded == 1 else 'learners'}, {len(assignments)} assignments; " + (
        f"{len(blocks)} with problems:" if blocks else "no problems."
    )
    return "\n\n".join([heading, *blocks])
