"""The analysis package stays light to import: pingouin only when a small test runs."""

import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True).stdout
    return set(output.split())


def test_importing_the_package_does_not_import_pingouin_or_matplotlib():
    modules = _modules_after("import survey_app.analysis")
    assert "survey_app.analysis" in modules
    assert "pingouin" not in modules
    assert "matplotlib" not in modules


def test_pingouin_is_imported_by_a_small_sample_test():
    modules = _modules_after(
        "import numpy as np\n"
        "from survey_app.analysis import engines\n"
        "engines.mann_whitney(np.array([1., 2, 3]), np.array([2., 3, 4]), 'auto')")
    assert "pingouin" in modules


def test_large_samples_never_import_pingouin():
    modules = _modules_after(
        "import numpy as np\n"
        "from survey_app.analysis import engines\n"
        "x = np.arange(2000.) % 5\n"
        "engines.mann_whitney(x, x[::-1], 'auto')\n"
        "engines.wilcoxon_pratt(x, x[::-1], 'auto')")
    assert "pingouin" not in modules
