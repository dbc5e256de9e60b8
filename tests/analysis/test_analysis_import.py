"""The analysis package stays light to import: pingouin only when asked for by name."""

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


def test_small_samples_do_not_import_pingouin_unless_asked():
    small = ("import numpy as np\n"
             "from survey_app.analysis import engines\n"
             "x, y = np.array([1., 2, 3, 5, 4, 2]), np.array([2., 3, 4, 4, 5, 5])\n"
             "engines.mann_whitney(x, y, '{0}')\n"
             "engines.wilcoxon_pratt(np.r_[x, x], np.r_[y, x[::-1]], '{0}')\n"
             "engines.welch_t(x, y, '{0}')\n"
             "engines.paired_t(x, y, '{0}')\n"
             "engines.mcnemar((x > 3).astype(int), (y > 3).astype(int), '{0}')")
    assert "pingouin" not in _modules_after(small.format("auto"))
    assert "pingouin" in _modules_after(small.format("pingouin"))


def test_large_samples_never_import_pingouin():
    modules = _modules_after(
        "import numpy as np\n"
        "from survey_app.analysis import engines\n"
        "x = np.arange(2000.) % 5\n"
        "engines.mann_whitney(x, x[::-1], 'auto')\n"
        "engines.wilcoxon_pratt(x, x[::-1], 'auto')")
    assert "pingouin" not in modules
