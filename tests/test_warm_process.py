"""A grading worker's warm process imports what the run's notebooks import, and starts as a stock kernel would.

`warm_kernels.preloads_for` reads the instructor's notebooks: a run of the
first notebooks forks its kernels from a process that has not paid for
scikit-learn and pandas, one of notebook 08 from one that has; an import of
the references or of the instructor's tools, even in the instructor's own
notebook, is never preloaded (every kernel is forked from that memory). Its
environment is the worker's without the grading secret and without the
tuning Dask's nanny gives worker processes (`MALLOC_TRIM_THRESHOLD_`, which
slowed learners' PyTorch training by about a third), unless the instructor set another value,
and with one thread for PyTorch, OpenMP and BLAS (tests/test_grading_hostile_class.py
asks a graded kernel).
"""

import nbformat

from autograder.instructor import secret
from autograder.instructor.warm_kernels import KERNEL_MACHINERY, kernel_environment, preloads_for
from course import notebook


def text_of(assignment: str) -> str:
    return nbformat.writes(notebook(assignment))


def notebook_of(*cells: str) -> str:
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells]))


def test_a_run_of_notebook_01_preloads_what_it_imports_and_not_scikit_learn_or_pandas():
    preloads = preloads_for([text_of("01_single_neuron")])
    assert {"numpy", "torch", "torch.nn", "autograder.plots", "autograder.checks.single_neuron"} <= set(preloads)
    assert set(KERNEL_MACHINERY) <= set(preloads)
    assert not [name for name in preloads if name.split(".")[0] in ("sklearn", "pandas")]


def test_a_run_of_several_notebooks_preloads_what_any_of_them_imports():
    preloads = preloads_for([text_of("01_single_neuron"), text_of("08_binary_classifier")])
    assert {"pandas", "sklearn.linear_model", "autograder.data", "autograder.checks.single_neuron", "autograder.checks.binary_classifier"} <= set(preloads)


def test_notebooks_that_make_pytorch_optimizers_preload_what_the_first_optimizer_imports():
    for uses_an_optimizer in ("torch.optim.SGD(model.parameters(), lr=0.1)", "from torch.optim import Adam", "import torch.optim as optim"):
        assert "torch._dynamo" in preloads_for([notebook_of("import torch", uses_an_optimizer)]), uses_an_optimizer
    assert "torch._dynamo" in preloads_for([text_of("06_pytorch_training")])


def test_notebooks_that_make_no_optimizer_do_not_pay_for_it():
    assert "torch._dynamo" not in preloads_for([text_of("01_single_neuron"), text_of("05_backpropagation")])
    assert "torch._dynamo" not in preloads_for([notebook_of("import torch\noptimizer = 'SGD'  # torch.optim in a comment")])


def test_the_answer_key_and_the_grader_are_never_preloaded():
    instructors = notebook_of(
        "from autograder.exercises import single_neuron\nimport autograder.exercises.binary_classifier as key",
        "from autograder.instructor.secret import require\nimport autograder.instructor",
        "from autograder import exercises, instructor, plots",
    )
    preloads = preloads_for([instructors])
    assert "autograder.plots" in preloads
    assert not [name for name in preloads if name.startswith(("autograder.exercises", "autograder.instructor"))]


def test_cells_with_magics_relative_imports_imports_inside_functions_and_broken_cells():
    preloads = preloads_for([notebook_of(
        "%matplotlib inline\nimport pandas", "!echo hello\nimport copy", "from . import sibling",
        "def f():\n    import scipy.special\n    return 1", "import numpy as\n",
    )])
    assert {"pandas", "copy", "scipy.special"} <= set(preloads)
    assert not [name for name in preloads if "sibling" in name]


def test_the_environment_holds_neither_the_secret_nor_dasks_worker_tuning(monkeypatch):
    monkeypatch.setenv(secret.VARIABLE, "a secret")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # what Dask's nanny sets in its worker processes
    monkeypatch.setenv("COURSE_SETTING", "kept")
    environment = kernel_environment()
    assert secret.VARIABLE not in environment and "MALLOC_TRIM_THRESHOLD_" not in environment
    assert environment["COURSE_SETTING"] == "kept" and environment["PATH"]


def test_the_environment_gives_every_kernel_one_core_even_when_the_worker_had_more(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "8")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    environment = kernel_environment()
    assert environment["OMP_NUM_THREADS"] == environment["MKL_NUM_THREADS"] == environment["OPENBLAS_NUM_THREADS"] == "1"


def test_an_instructors_own_malloc_setting_is_kept(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")
    assert kernel_environment()["MALLOC_TRIM_THRESHOLD_"] == "1000000"
