"""The feedback page a learner reads: nbgrader's, through an accessible template (templates/accessible_feedback/).

The template extends nbgrader's "feedback" template: the page says its
language and holds its content in one landmark, and accessible_feedback.css
gives links an underline and all text 4.5:1 contrast; the code is coloured
with a Pygments style whose colours all have that contrast on white.
`configure(config)` points nbgrader's GenerateFeedback (stock `nbgrader
generate_feedback` through nbgrader_config.py, and the grade command's
workers) at it.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "accessible_feedback"
TEMPLATE_FILE = "accessible_feedback.html.j2"  # not index.html.j2: it extends nbgrader's, found by that name
CODE_STYLE = "xcode"  # Pygments' style whose every colour has the most contrast on white (at least 5:1)


def configure(config) -> None:
    """Make GenerateFeedback in traitlets `config` (nbgrader_config.py's `c`) render the accessible template."""
    import nbgrader

    nbgrader_templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    config.HTMLExporter.template_name = TEMPLATE_NAME
    config.HTMLExporter.template_file = TEMPLATE_FILE
    config.HTMLExporter.extra_template_basedirs = [str(nbgrader_templates), str(TEMPLATES)]
    config.CSSHTMLHeaderPreprocessor.style = CODE_STYLE
