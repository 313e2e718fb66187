"""Every benchmark module imports: no test runs most of them, so a module moved in core broke
two of them unseen (bench_scale, eval_duplicates) until someone ran them by hand."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import benchmarks

MODULES = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__))


def test_the_benchmarks_are_found():
    assert {"bench_scale", "bench_cull", "bench_vectors", "eval_duplicates"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_a_benchmark_module_imports(name):
    importlib.import_module(f"benchmarks.{name}")
