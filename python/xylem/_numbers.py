"""Numbers and writing: reals tagged with their precision, and the JSON text.

A float32 value is written as the shortest text that reads back to the same float32, a
float64 value as the shortest text that reads back to the same double (docs/format.md,
"Numbers"); NaN and infinities as the strings "nan", "inf", "-inf".
"""

import json
import math

import numpy as np


class Num:
    """A real number to be written with a given precision ("float32" or "float64")."""
    __slots__ = ("v", "p")

    def __init__(self, v, p):
        self.v = v
        self.p = p


def num_text(v, p):
    v = float(v)
    if math.isnan(v):
        return '"nan"'
    if math.isinf(v):
        return '"inf"' if v > 0 else '"-inf"'
    if p == "float32":
        f = np.float32(v)
        if float(f) != v:
            raise ValueError("not a float32 value: %r" % v)
        return str(f)               # numpy: the shortest text that reads back to f
    return repr(v)                  # shortest round-trip float64


def nums(values, p):
    """An array (any shape, flattened in C order) -> list of Num."""
    return [Num(float(v), p) for v in np.asarray(values, dtype=np.float64).ravel()]


def dump(obj, indent=0):
    """JSON text; Num values written with their precision; short arrays inline."""
    pad = " " * indent
    if isinstance(obj, Num):
        return num_text(obj.v, obj.p)
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return json.dumps(obj)
    if isinstance(obj, (int, np.integer)):
        return str(int(obj))
    if isinstance(obj, (float, np.floating)):
        return num_text(obj, "float64")
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = ["%s%s: %s" % (pad + " ", json.dumps(k), dump(v, indent + 1)) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in obj):
            return "[" + ", ".join(dump(v) for v in obj) + "]"
        return "[\n" + ",\n".join(pad + " " + dump(v, indent + 1) for v in obj) + "\n" + pad + "]"
    raise TypeError("cannot write %r" % type(obj))


def plain(obj):
    """The document with every Num replaced by a float (for callers of export_dict)."""
    if isinstance(obj, Num):
        return float(obj.v)
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def write_text(path, text):
    with open(path, "w", newline="\n") as fh:
        fh.write(text)
    return path
