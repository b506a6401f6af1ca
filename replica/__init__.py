"""A local replica of 乡村干部报's e-paper, its news web site and a spam mirror.

It stands in for the live sites wherever there is no internet: tests, `make demo` and the
benchmarks. `python -m replica serve` starts it; `replica.site.build_site` renders it in
process (the spider tests use that to get saved pages without a server).
"""
