"""The domain stays headless: core/ and models/ import with Qt made impossible to import."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BLOCK_QT = """
import importlib, importlib.abc, pkgutil, sys
class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'):
            raise ImportError('Qt is blocked in this test: ' + name)
sys.meta_path.insert(0, BlockQt())
for pkg in ('core', 'models'):
    module = importlib.import_module(pkg)
    for info in pkgutil.walk_packages(module.__path__, pkg + '.'):
        importlib.import_module(info.name)
print('ok', len(sys.modules))
"""


def test_core_and_models_import_without_qt():
    result = subprocess.run([sys.executable, "-c", BLOCK_QT], cwd=ROOT, capture_output=True, check=False,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok")


def test_no_qt_import_statements_below_desktop():
    offenders = [
        str(p.relative_to(ROOT)) for pkg in ("core", "models") for p in (ROOT / pkg).rglob("*.py")
        if any(line.lstrip().startswith(("import PySide6", "from PySide6"))
               for line in p.read_text(encoding="utf-8").splitlines())
    ]
    assert offenders == []
