"""The docs stay true: the README stays a five-minute read with its two commands, the layers
picture in docs/ARCHITECTURE.md is what the import contracts say (docs/make_layers.py), and
every path, Python name and catalog table the docs name exists."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
README_MAX_WORDS = 1500   # about five minutes of reading (issue 32); details go to docs/

TICKED = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"^(?:core|models|desktop|tests|benchmarks|packaging|resources|docs)/[\w./-]*$")
DOTTED = re.compile(r"^(?:core|models|desktop)(?:\.\w+)+$")
MODULE_NAMES = re.compile(r"`((?:core|models|desktop)/[\w/]+(?:\.py)?/?)` \(([^)]*)\)")


def make_layers():
    spec = importlib.util.spec_from_file_location("make_layers", ROOT / "docs" / "make_layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resolves(dotted: str) -> bool:
    """`core.search.engine.search`: the longest importable prefix, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def stale_names(text: str) -> list[str]:
    """Paths that do not exist, dotted names that do not resolve, and `path` (`name`, ...)
    names the module does not have."""
    out = []
    for token in TICKED.findall(text):
        missing_path = PATH.match(token) and not (ROOT / token).exists()
        if missing_path or (DOTTED.match(token) and not resolves(token)):
            out.append(token)
    for path, names in MODULE_NAMES.findall(text):
        module = path.rstrip("/").removesuffix(".py").replace("/", ".")
        out += [f"{path}: {n}" for n in TICKED.findall(names)
                if re.fullmatch(r"\w+", n) and not resolves(f"{module}.{n}")]
    return out


def catalog_tables() -> set[str]:
    sql = "\n".join(p.read_text() for p in (ROOT / "core/catalog/migrations").glob("*.sql"))
    return set(re.findall(r"CREATE (?:VIRTUAL )?TABLE (?:IF NOT EXISTS )?(\w+)", sql))


def glossary_tables(text: str) -> list[str]:
    """The names in the last column of the glossary's table."""
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [row.rstrip(" |").rsplit(" | ", 1)[-1] for row in rows[1:]]
    return [t for cell in cells for t in TICKED.findall(re.sub(r"\([^)]*\)", "", cell))]


def test_the_readme_is_a_five_minute_read_with_its_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.split()) <= README_MAX_WORDS, "move details to docs/ (GUIDE, BENCHMARKS)"
    block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL).group(1)   # the first one
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == [
        "make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)


def test_the_layers_picture_is_the_import_contracts():
    ml = make_layers()
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert ml.block() in doc, "run: .venv/bin/python docs/make_layers.py --write"


def test_the_layers_picture_follows_a_changed_contract():
    ml = make_layers()
    contracts = [{"id": "core-layers", "name": "core's rooms", "type": "layers",
                  "containers": ["core"], "layers": ["cli", "organize | search", "(query)"]}]
    text = ml.block(contracts)
    assert "core_cli --> core_organize" in text and "core_search --> core_query" in text
    assert "`organize` | `search`" in text and text not in ml.block()
    doc = f"before\n{ml.BEGIN}\nold\n{ml.END}\nafter\n"
    assert ml.written(doc, text) == f"before\n{text}\nafter\n"


def test_every_name_the_docs_give_exists():
    stale = {p.relative_to(ROOT).as_posix(): s for p in DOCS
             if (s := stale_names(p.read_text(encoding="utf-8")))}
    assert stale == {}, "the docs name what is not there (moved? renamed?): " + repr(stale)


def test_every_table_the_glossary_names_exists():
    text = (ROOT / "docs" / "GLOSSARY.md").read_text(encoding="utf-8")
    named = glossary_tables(text)
    assert {"roots", "clusters", "text_vectors", "journal"} <= set(named)
    assert set(named) - catalog_tables() == set()


def test_the_name_checks_can_fail():
    bad = ("`core/scan/nowhere.py` and `core.search.engine.no_such_function` and "
           "`core/scan/roots.py` (`add_root`, `no_such_name`), `core.scan.roots.add_root`, "
           "`core/scan/roots.py`, `tests/data/faces`")
    assert stale_names(bad) == ["core/scan/nowhere.py", "core.search.engine.no_such_function",
                                "core/scan/roots.py: no_such_name"]
    table = ("| a | b | tables |\n|---|---|---|\n"
             "| x | y | `roots` (column `not_a_table`), `no_such_table` |\n")
    assert set(glossary_tables(table)) - catalog_tables() == {"no_such_table"}
