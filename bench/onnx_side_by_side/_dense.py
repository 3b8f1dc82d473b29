"""The dense benchmark's modules (bench/dense_side_by_side), loaded under their own names
(dense_bench, dense_report, dense_make_models) so that they do not shadow this benchmark's
bench.py, report.py and make_models.py; sys.path is left as it was."""
import importlib.util
import os
import sys

DENSE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dense_side_by_side")


def load(module):
    name = "dense_" + module
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(DENSE, module + ".py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        saved = list(sys.path)
        try:
            spec.loader.exec_module(mod)
        finally:
            sys.path[:] = saved
    return sys.modules[name]
