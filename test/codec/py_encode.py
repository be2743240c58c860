#!/usr/bin/python3
"""Encode JSON-convention values with Apache Thrift's generated Python code (0.17, pure Python).

Used by test/codec/apache-vectors.test.ts for the vectors whose rpcgen bytes cannot equal the vector's
own bytes by construction: py_vectors.py builds objects with every unset field = None, so a field
with an IDL default (OneOfEach.a_bite = 0x7f, ...) that the generator left unset is not on the wire,
while rpcgen writes `v.a_bite ?? 127`. The test fills those defaults into the JSON value (from the
IDL model) and asks Apache, through this script, for the bytes of the filled value.

  py_encode.py --gen-dir .tmp/peers/py < requests.jsonl > responses.jsonl

Each request line: {"module", "type", "value"} (value in the JSON convention of py_vectors.py).
Each response line: {"binary": "<hex>", "compact": "<hex>"} or {"error": "..."}.

Sets and maps are handed to the generated writers as sequences (a list; py_vectors.ItemsList), so
they are written in exactly the order the JSON lists them, without hashing anything.
"""

import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "vectors"))
sys.dont_write_bytecode = True

import py_vectors as pv  # noqa: E402  (re-executes with PYTHONHASHSEED=0 when needed)


def double_from_json(j):
    if isinstance(j, str):
        special = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf"), "-0": -0.0}
        if j not in special:
            raise ValueError("bad double %r" % j)
        return special[j]
    if isinstance(j, bool) or not isinstance(j, (int, float)):
        raise TypeError("double expected, got %r" % (j,))
    return float(j)


def from_json(mod, t, j):
    t = mod.schema.resolve(t)
    k = t[0]
    if k == "struct":
        sd = mod.schema.structs[t[1]]
        if not isinstance(j, dict):
            raise TypeError("%s: object expected" % t[1])
        by_name = {f.name: f for f in sd.fields}
        unknown = sorted(set(j) - set(by_name))
        if unknown:
            raise KeyError("%s has no field(s) %s" % (t[1], unknown))
        kwargs = {f.name: None for f in sd.fields}
        for name, x in j.items():
            kwargs[name] = from_json(mod, by_name[name].type, x)
        return mod.classes[t[1]](**kwargs)
    if k == "enum":
        return int(j)
    if k == "list":
        return [from_json(mod, t[1], x) for x in j]
    if k == "set":
        return [from_json(mod, t[1], x) for x in j["$set"]]
    if k == "map":
        return pv.ItemsList([(from_json(mod, t[1], a), from_json(mod, t[2], b)) for a, b in j["$map"]])
    b = t[1]
    if b == "bool":
        if not isinstance(j, bool):
            raise TypeError("bool expected, got %r" % (j,))
        return j
    if b in ("i8", "i16", "i32"):
        return int(j)
    if b == "i64":
        return int(j, 10)
    if b == "double":
        return double_from_json(j)
    if b == "string":
        return j
    if b == "binary":
        return bytes.fromhex(j["$hex"])
    raise TypeError("unknown type %r" % (t,))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gen-dir", required=True)
    args = ap.parse_args()
    mods = pv.load_modules(args.gen_dir, None)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            mod = mods[req["module"]]
            obj = from_json(mod, ("struct", req["type"]), req["value"])
            out = {"binary": pv.encode(obj, "binary").hex(), "compact": pv.encode(obj, "compact").hex()}
        except Exception as ex:  # noqa: BLE001 - reported to the TypeScript side
            out = {"error": "%s: %s" % (type(ex).__name__, ex)}
        sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
