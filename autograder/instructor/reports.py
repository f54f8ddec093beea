"""What the instructor reads after grading: a summary table and a per-exercise report.

Both are computed from the results the grading workers return (one per
learner: score, each test cell's points and the headline of its failure).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)


def exercise_rows(results: list[dict], exercises: list[tuple[str, float]]) -> list[dict]:
    """One row per exercise: mean score, share of full marks, the most common failure headlines."""
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
                "common_failures": " | ".join(f"{count}x {headline}" for headline, count in failures.most_common(3)),
            }
        )
    return rows


def _short(headline: str) -> str:
    """A failure headline without the case it happened on, so that equal mistakes count together."""
    return headline.split(" on the case ")[0].rstrip(":")


def write_exercise_report(rows: list[dict], folder: Path) -> tuple[Path, Path]:
    """exercises.csv and exercises.png in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / "exercises.csv"
    with open(table, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]) if rows else ["exercise"])
        writer.writeheader()
        writer.writerows(rows)
    figure, ax = plt.subplots(figsize=(12, 0.8 * len(rows) + 1.8))
    figure.subplots_adjust(left=0.2, right=0.55, top=0.85, bottom=0.18)
    positions = list(range(len(rows)))
    ax.barh([p - 0.2 for p in positions], [row["mean_score"] / row["points"] for row in rows], height=0.4, label="mean score (share of the points)")
    ax.barh([p + 0.2 for p in positions], [row["full_marks_share"] for row in rows], height=0.4, label="share of learners with full marks")
    for position, row in zip(positions, rows):
        failures = row["common_failures"].split(" | ")
        text = "most common failures:\n" + "\n".join(failure[:80] for failure in failures) if failures[0] else "no failures"
        ax.annotate(text, xy=(1.03, position), xycoords=("axes fraction", "data"), va="center", fontsize=7.5)
    ax.set_yticks(positions, [f"{row['exercise']}\n({row['points']:g} points, {row['learners']} learners)" for row in rows])
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="share")
    ax.set_title("How the class did on each exercise", loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.02 * len(rows)), ncol=2, fontsize=8, frameon=False)
    picture = folder / "exercises.png"
    figure.savefig(picture, dpi=100, bbox_inches="tight")
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


def summary_table(results: list[dict]) -> str:
    """A plain-text table: one line per learner with score, status and what went wrong."""
    lines = [f"{'learner':<20} {'score':>11}  {'status':<24} notes", "-" * 100]
    for result in sorted(results, key=lambda result: result["student"]):
        score = "—" if result.get("score") is None else f"{result['score']:g} / {result['max_score']:g}"
        status = _status(result)
        fault = result.get("grader_fault")
        grader = [f"the grader failed ({fault}; {result.get('attempts', 1)} attempts): run the command again"] if fault else []
        notes = "; ".join(grader + result.get("problems", []) + result.get("notes", []))
        if result.get("calls_reference"):
            notes = f"called the reference implementation in {', '.join(result['calls_reference'])}; " + notes
        lines.append(f"{result['student']:<20} {score:>11}  {status:<24} {notes}".rstrip())
    return "\n".join(lines)


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
