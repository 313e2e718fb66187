"""On-demand benchmarks: `.venv/bin/python -m benchmarks.bench_<name>`. Not part of `make test`."""
