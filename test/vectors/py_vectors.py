#!/usr/bin/python3
"""Cross-check vectors from Apache Thrift's own Python implementation (0.17, Debian python3-thrift).

Run with Debian's interpreter (/usr/bin/python3); only the standard library and Apache's `thrift`
package are used. The generated Python code comes from scripts/gen-peer-code (.tmp/peers/py), and
the IDL it was generated from from .tmp/peers/idl (derived from --gen-dir unless --idl-dir is given).

Modes
-----
  py_vectors.py --gen-dir .tmp/peers/py --seed N --count K --out FILE
      For EVERY struct, union and exception of ThriftTest (v0.16, no uuid) and DebugProtoTest
      (uuid fields removed), generate K deterministic pseudo-random values, serialize each with
      TBinaryProtocol (strict write), TCompactProtocol (pure Python, not accelerated) and
      TJSONProtocol into a TMemoryBuffer, and write a JSON array, one entry per line:
        {"module": "ThriftTest"|"DebugProtoTest", "type": "Xtruct",
         "binary": "<hex>", "compact": "<hex>", "json": "<hex>", "value": <json>}
      ("json" is the hex of the UTF-8 TJSONProtocol text, e.g. 7b2231223a7b22737472223a2241227d7d
      for {"1":{"str":"A"}}.)
      Optional entry keys:
        "nan": true            the value holds at least one NaN double (one extra entry per type
                               whose value graph can hold a double). Python writes the quiet NaN
                               7ff8000000000000; compare these semantically, not byte for byte.
        "pyDecodeError": "..." Apache's Python library cannot decode its own bytes for this value
                               (e.g. set<Insanity>: Insanity holds a dict, so it is unhashable).
        "jsonNonFinite": true  the value holds a NaN or an infinite double (or a string "NaN" ...).
                               Python's TJSONProtocol writes them as `nan`, `inf`, `-inf` (bare as
                               values, which its own reader rejects; quoted as map keys); C++ (and
                               rpcgen) write the quoted strings "NaN", "Infinity", "-Infinity",
                               which Python reads. Then also:
        "jsonCpp": "<hex>"     the same value written by Apache's TJSONProtocol with only
                               writeDouble changed to the C++ form for those three values: the
                               bytes rpcgen must write.
        "pyJsonDecodeError": "..."  Apache cannot decode its own JSON bytes for this value (bare
                               non-finite doubles; set<Insanity>-like values as "pyDecodeError").
      Every other entry has been decoded back by Apache (all three protocols) and compared with
      "value".
  py_vectors.py --gen-dir .tmp/peers/py --decode [--apache-defaults]
      Reads JSON lines {"module", "type", "protocol": "binary"|"compact"|"json", "hex"} on stdin and prints,
      one line each, the value Apache's generated Python code decodes (same convention), or
      {"error": "..."}. Decoding must consume all bytes, and the struct must pass Apache's
      validate() (required fields present). By default IDL default values are NOT filled in for
      fields absent from the wire (the generated constructors' defaults are set to None), so the
      output shows what was on the wire; --apache-defaults keeps Apache's defaults.
  py_vectors.py --gen-dir .tmp/peers/py --encode
      Reads JSON lines {"module", "type", "value"} (value in the convention below) on stdin and
      prints, one line each, {"binary": "<hex>", "compact": "<hex>", "json": "<hex>"} as Apache's
      generated code writes that value (plus "jsonCpp" when the value holds a non-finite double,
      as for the vectors), or {"error": "..."}. Unset fields are None (not written);
      sets and maps are written in the order the JSON lists them.
  py_vectors.py --gen-dir .tmp/peers/py --selftest
      Checks reference bytes from thrift-notes §2.2/§2.3/§2.4 (Xtruct("Zero",1,-3,-5), Bools, testI32,
      testDouble, testList, testMap args and full CALL messages), the decode and encode paths and
      determinism.

JSON value convention (the TypeScript side converts with it)
------------------------------------------------------------
  struct / union / exception -> object keyed by field NAME, only the fields that are set
                                (a union has exactly one in generated vectors)
  bool                       -> true / false
  i8, i16, i32, enum         -> number (an enum is its i32 value; generated enums are valid members)
  i64                        -> string of decimal digits, e.g. "-9223372036854775808"
  double                     -> number, or one of the strings "NaN", "Infinity", "-Infinity", "-0"
  string                     -> string (JSON text is ASCII: astral chars appear as surrogate pairs)
  binary                     -> {"$hex": "<lowercase hex>"}
  list                       -> array
  set                        -> {"$set": [...]}   in the iteration order Python used when writing
  map                        -> {"$map": [[k, v], ...]}   in the iteration order Python used
  Hex is lowercase. Set/map order is the wire order of the "binary"/"compact" bytes.

Values are seeded per (seed, module, type, index), so adding a type does not change the others.
String hashing is pinned (PYTHONHASHSEED=0, the script re-executes itself) so set iteration order,
and therefore the bytes, are reproducible.
"""

import argparse
import importlib
import inspect
import json
import math
import os
import random
import re
import struct
import sys
import time

if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

from thrift.Thrift import TType, TFrozenDict  # noqa: E402
from thrift.protocol import TBinaryProtocol, TCompactProtocol, TJSONProtocol  # noqa: E402
from thrift.transport import TTransport  # noqa: E402

MODULES = ("ThriftTest", "DebugProtoTest")


# ----------------------------------------------------------------------------------------------
# Minimal IDL reader. The generated Python code lacks what we need (thrift_spec has no enum
# types, no requiredness, no union marker, and is empty for structs with negative field ids), so
# the IDL the code was generated from is read here. Covers the 0.17 grammar used by the two
# files; the resulting schema is cross-checked against every non-empty thrift_spec.
# ----------------------------------------------------------------------------------------------

TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|\#[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>[+-]?(?:0x[0-9A-Fa-f]+|\d*\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+))
  | (?P<ident>[A-Za-z_](?:\.?[A-Za-z_0-9])*)
  | (?P<sym>[:;,{}()=<>\[\]*&])
    """,
    re.S | re.X,
)

BASE_TYPES = {"bool", "byte", "i8", "i16", "i32", "i64", "double", "string", "binary"}


class Field(object):
    def __init__(self, fid, name, req, ftype):
        self.id, self.name, self.req, self.type = fid, name, req, ftype


class StructDef(object):
    def __init__(self, kind, name, fields):
        self.kind, self.name, self.fields = kind, name, fields


class Schema(object):
    def __init__(self):
        self.enums = {}     # name -> {member: value}
        self.typedefs = {}  # name -> type node
        self.structs = {}   # name -> StructDef (declaration order kept)

    def resolve(self, t):
        """Resolve typedefs; named types become ('enum', n) or ('struct', n)."""
        seen = 0
        while t[0] == "named":
            n = t[1]
            if n in self.typedefs:
                t = self.typedefs[n]
            elif n in self.enums:
                return ("enum", n)
            elif n in self.structs:
                return ("struct", n)
            else:
                raise ValueError("unknown type %r" % n)
            seen += 1
            if seen > 100:
                raise ValueError("typedef loop at %r" % n)
        return t


class IdlParser(object):
    def __init__(self, text, path):
        self.path = path
        self.toks = []
        pos = 0
        while pos < len(text):
            m = TOKEN_RE.match(text, pos)
            if not m:
                raise SyntaxError("%s: cannot lex at %r" % (path, text[pos:pos + 30]))
            pos = m.end()
            if m.lastgroup in ("ws", "comment"):
                continue
            self.toks.append((m.lastgroup, m.group(m.lastgroup)))
        self.i = 0
        self.schema = Schema()

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else (None, None)

    def next(self):
        t = self.peek()
        if t[0] is None:
            raise SyntaxError("%s: unexpected end of file" % self.path)
        self.i += 1
        return t

    def expect(self, val):
        t = self.next()
        if t[1] != val:
            raise SyntaxError("%s: expected %r, got %r (token %d)" % (self.path, val, t[1], self.i))
        return t

    def accept(self, val):
        if self.peek()[1] == val and self.peek()[0] in ("sym", "ident"):
            self.i += 1
            return True
        return False

    def ident(self):
        t = self.next()
        if t[0] != "ident":
            raise SyntaxError("%s: expected identifier, got %r" % (self.path, t[1]))
        return t[1]

    def skip_balanced(self, open_, close):
        self.expect(open_)
        depth = 1
        while depth:
            t = self.next()
            if t[0] == "sym" and t[1] == open_:
                depth += 1
            elif t[0] == "sym" and t[1] == close:
                depth -= 1

    def annotations(self):
        if self.peek() == ("sym", "("):
            self.skip_balanced("(", ")")

    def sep(self):
        if self.peek()[0] == "sym" and self.peek()[1] in (",", ";"):
            self.i += 1

    def skip_value(self):
        t = self.peek()
        if t == ("sym", "["):
            self.skip_balanced("[", "]")
        elif t == ("sym", "{"):
            self.skip_balanced("{", "}")
        else:
            self.next()

    def parse_type(self):
        name = self.ident()
        if name in ("map", "set", "list"):
            if self.accept("cpp_type"):
                self.next()
            self.expect("<")
            if name == "map":
                k = self.parse_type()
                self.expect(",")
                v = self.parse_type()
                node = ("map", k, v)
            else:
                node = (name, self.parse_type())
            self.expect(">")
            if name == "list" and self.accept("cpp_type"):
                self.next()
        elif name in BASE_TYPES:
            node = ("base", "i8" if name == "byte" else name)
        else:
            node = ("named", name)
        self.annotations()
        return node

    def parse_fields(self):
        fields = []
        auto = -1
        self.expect("{")
        while not self.accept("}"):
            fid = None
            if self.peek()[0] == "number" and self.peek(1) == ("sym", ":"):
                fid = int(self.next()[1], 0)
                self.next()
            if fid is None or fid <= 0:
                fid, auto = auto, auto - 1
            req = "default"
            if self.peek()[1] in ("required", "optional"):
                req = self.next()[1]
            ftype = self.parse_type()
            self.accept("&")
            name = self.ident()
            if self.accept("="):
                self.skip_value()
            while self.peek()[1] in ("xsd_optional", "xsd_nillable"):
                self.next()
            if self.accept("xsd_attrs"):
                self.skip_balanced("{", "}")
            self.annotations()
            self.sep()
            fields.append(Field(fid, name, req, ftype))
        return fields

    def parse(self):
        s = self.schema
        while self.peek()[0] is not None:
            kw = self.ident()
            if kw in ("include", "cpp_include"):
                self.next()
            elif kw == "namespace":
                self.next()
                self.next()
                self.annotations()
            elif kw == "typedef":
                t = self.parse_type()
                name = self.ident()
                self.annotations()
                s.typedefs[name] = t
            elif kw == "const":
                self.parse_type()
                self.ident()
                self.expect("=")
                self.skip_value()
            elif kw == "enum":
                name = self.ident()
                members, nxt = {}, 0
                self.expect("{")
                while not self.accept("}"):
                    m = self.ident()
                    if self.accept("="):
                        nxt = int(self.next()[1], 0)
                    members[m] = nxt
                    nxt += 1
                    self.annotations()
                    self.sep()
                s.enums[name] = members
            elif kw in ("struct", "union", "exception"):
                name = self.ident()
                self.accept("xsd_all")
                s.structs[name] = StructDef(kw, name, self.parse_fields())
            elif kw == "service":
                self.ident()
                if self.accept("extends"):
                    self.ident()
                self.skip_balanced("{", "}")
            else:
                raise SyntaxError("%s: unexpected %r" % (self.path, kw))
            self.annotations()
            self.sep()
        return s


# ----------------------------------------------------------------------------------------------
# Loading and cross-checking
# ----------------------------------------------------------------------------------------------

TTYPE_OF_BASE = {
    "bool": TType.BOOL, "i8": TType.BYTE, "i16": TType.I16, "i32": TType.I32, "i64": TType.I64,
    "double": TType.DOUBLE, "string": TType.STRING, "binary": TType.STRING,
}


class Module(object):
    def __init__(self, name, gen_dir, idl_dir, apache_defaults):
        self.name = name
        path = os.path.join(idl_dir, name + ".thrift")
        with open(path, encoding="utf-8") as f:
            self.schema = IdlParser(f.read(), path).parse()
        self.ttypes = importlib.import_module(name + ".ttypes")
        self.classes = {}
        for sname, sd in self.schema.structs.items():
            cls = getattr(self.ttypes, sname)
            self.classes[sname] = cls
            is_exc = issubclass(cls, Exception)
            if is_exc != (sd.kind == "exception"):
                raise AssertionError("%s.%s: IDL kind %s but Python class exception=%s"
                                     % (name, sname, sd.kind, is_exc))
            self._check_spec(sname, sd, cls)
            if not apache_defaults:
                init = cls.__dict__.get("__init__")
                if init is not None and init.__defaults__:
                    init.__defaults__ = (None,) * len(init.__defaults__)
        for ename, members in self.schema.enums.items():
            pyenum = getattr(self.ttypes, ename)
            if dict(pyenum._NAMES_TO_VALUES) != members:
                raise AssertionError("%s.%s: enum values differ from Python" % (name, ename))

    def _ttype(self, t):
        t = self.schema.resolve(t)
        if t[0] == "base":
            return TTYPE_OF_BASE[t[1]]
        return {"enum": TType.I32, "struct": TType.STRUCT, "list": TType.LIST,
                "set": TType.SET, "map": TType.MAP}[t[0]]

    def _check_args(self, t, args, where):
        t = self.schema.resolve(t)
        k = t[0]
        if k == "base" and t[1] in ("string", "binary"):
            want = "BINARY" if t[1] == "binary" else "UTF8"
            if args != want:
                raise AssertionError("%s: spec %r, IDL %s" % (where, args, t[1]))
        elif k == "struct":
            if args[0] is not self.classes.get(t[1], getattr(self.ttypes, t[1])):
                raise AssertionError("%s: struct class mismatch" % where)
        elif k in ("list", "set"):
            if args[0] != self._ttype(t[1]):
                raise AssertionError("%s: element ttype mismatch" % where)
            self._check_args(t[1], args[1], where + "[]")
        elif k == "map":
            if args[0] != self._ttype(t[1]) or args[2] != self._ttype(t[2]):
                raise AssertionError("%s: map ttypes mismatch" % where)
            self._check_args(t[1], args[1], where + "{k}")
            self._check_args(t[2], args[3], where + "{v}")

    def _check_spec(self, sname, sd, cls):
        spec = getattr(cls, "thrift_spec", None)
        if not spec:  # empty for negative ids; nothing to check against
            if any(f.id > 0 for f in sd.fields):
                raise AssertionError("%s.%s: empty thrift_spec" % (self.name, sname))
            return
        by_id = {e[0]: e for e in spec if e is not None}
        if set(by_id) != set(f.id for f in sd.fields):
            raise AssertionError("%s.%s: field ids differ IDL %s vs spec %s"
                                 % (self.name, sname, sorted(f.id for f in sd.fields), sorted(by_id)))
        for f in sd.fields:
            e = by_id[f.id]
            where = "%s.%s.%s" % (self.name, sname, f.name)
            if e[2] != f.name or e[1] != self._ttype(f.type):
                raise AssertionError("%s: spec %r does not match IDL" % (where, e[:3]))
            self._check_args(f.type, e[3], where)


# ----------------------------------------------------------------------------------------------
# JSON convention
# ----------------------------------------------------------------------------------------------

def double_json(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0.0 and math.copysign(1.0, x) < 0:
        return "-0"
    return x


def to_json(mod, t, v):
    t = mod.schema.resolve(t)
    k = t[0]
    if k == "struct":
        sd = mod.schema.structs[t[1]]
        out = {}
        for f in sd.fields:
            x = getattr(v, f.name, None)
            if x is not None:
                out[f.name] = to_json(mod, f.type, x)
        return out
    if k == "enum":
        return int(v)
    if k == "list":
        return [to_json(mod, t[1], x) for x in v]
    if k == "set":
        return {"$set": [to_json(mod, t[1], x) for x in v]}
    if k == "map":
        return {"$map": [[to_json(mod, t[1], a), to_json(mod, t[2], b)] for a, b in v.items()]}
    b = t[1]
    if b == "bool":
        if not isinstance(v, bool):
            raise TypeError("bool expected, got %r" % (v,))
        return v
    if b in ("i8", "i16", "i32"):
        return int(v)
    if b == "i64":
        return str(int(v))
    if b == "double":
        return double_json(float(v))
    if b == "string":
        if not isinstance(v, str):
            raise TypeError("str expected, got %r" % (type(v),))
        return v
    if b == "binary":
        return {"$hex": bytes(v).hex()}
    raise TypeError("unknown type %r" % (t,))


def canon(j):
    """Order-insensitive form of a JSON value, for comparing a decoded value with the original."""
    if isinstance(j, dict):
        if "$set" in j and len(j) == 1:
            return {"$set": sorted((canon(x) for x in j["$set"]), key=_key)}
        if "$map" in j and len(j) == 1:
            return {"$map": sorted(([canon(a), canon(b)] for a, b in j["$map"]), key=_key)}
        return {k: canon(x) for k, x in j.items()}
    if isinstance(j, list):
        return [canon(x) for x in j]
    return j


def _key(x):
    return json.dumps(x, sort_keys=True)


def contains_nan(j):
    if j == "NaN":
        return True
    if isinstance(j, dict):
        return any(contains_nan(x) for x in j.values())
    if isinstance(j, list):
        return any(contains_nan(x) for x in j)
    return False


# ----------------------------------------------------------------------------------------------
# Value generation
# ----------------------------------------------------------------------------------------------

STRING_POOLS = [
    (40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_:/"),
    (8, "".join(chr(c) for c in range(0x20)) + "\x7f"),                 # control chars incl. NUL
    (8, "\"\\/'{}[]<>&%$#@!?`~^|+=*"),                                  # JSON / shell specials
    (10, "éßñøÆ€¢£¥©®°±µ¶·ÀÿĀžΩπλЖизньעבריתالعربية日本語中文한국어ไทย"),   # 2-3 byte UTF-8
    (6, "\u00a0\u0301\u200b\u200d\u2028\u2029\ufeff\ufffd\ufffe\uffff\u07ff\u0800"),  # edges
    (8, "\U0001F600\U0001F389\U0001D11E\U00010348\U0001F004\U0001F9EA\U00010000\U0010FFFF"
        "\U0001F468\u200d\U0001F469"),                                  # astral (4-byte UTF-8)
]
SPECIAL_DOUBLES = [
    0.0, -0.0, 1.0, -1.0, 1.5, 0.1, -5.235098235, -0.000341012439638598279, 123456789.125,
    float("inf"), float("-inf"), 5e-324, -5e-324, 2.2250738585072014e-308,
    2.225073858507201e-308, 1.7976931348623157e308, -1.7976931348623157e308,
    9007199254740992.0, 9007199254740993.0, 1e21, 1e-7, 1e300, -1e-300,
]
INT_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64}


class Unhashable(Exception):
    pass


class ItemsList(object):
    """A map whose keys Python cannot hash (e.g. mutable structs): what the generated writer
    needs is len() and .items(); the order is the list order."""

    def __init__(self, pairs):
        self.pairs = pairs

    def __len__(self):
        return len(self.pairs)

    def items(self):
        return iter(self.pairs)


class Generator(object):
    def __init__(self, mod, rng, max_depth=3, nan_mode=False):
        self.mod, self.rng, self.max_depth, self.nan_mode = mod, rng, max_depth, nan_mode

    def has_struct(self, t):
        t = self.mod.schema.resolve(t)
        if t[0] == "struct":
            return True
        if t[0] in ("list", "set"):
            return self.has_struct(t[1])
        if t[0] == "map":
            return self.has_struct(t[1]) or self.has_struct(t[2])
        return False

    def stable_hash(self, t):
        """True if Python's hash of values of this type depends on the values only (given
        PYTHONHASHSEED=0), so a real set of them iterates in a reproducible order."""
        t = self.mod.schema.resolve(t)
        if t[0] in ("base", "enum"):
            return True
        if t[0] in ("list", "set"):
            return self.stable_hash(t[1])
        return False

    def is_scalar(self, t):
        t = self.mod.schema.resolve(t)
        return t[0] in ("base", "enum")

    # -- scalars --
    def gen_int(self, bits):
        r = self.rng
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        if r.random() < 0.25:
            return r.choice([lo, hi, 0, -1, 1, lo + 1, hi - 1])
        b = r.randint(0, bits - 1)          # a random magnitude exercises every varint length
        v = r.getrandbits(b) if b else 0
        return -v - 1 if r.random() < 0.5 else v

    def gen_double(self, in_key):
        d = self._gen_double(in_key)
        # Set elements and map keys are JavaScript Set/Map keys in rpcgen, compared with SameValueZero:
        # -0 there becomes 0 (a documented limitation), so keys never carry -0 here.
        return 0.0 if in_key and d == 0.0 else d

    def _gen_double(self, in_key):
        r = self.rng
        if self.nan_mode and not in_key and r.random() < 0.5:
            return float("nan")
        x = r.random()
        if x < 0.3:
            return r.choice(SPECIAL_DOUBLES)
        if x < 0.55:
            while True:
                d = struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
                if not math.isnan(d):
                    return d
        if x < 0.8:
            digits = r.randint(1, 17)  # decimal mantissa, exponent anywhere from subnormal to huge
            mant = r.randrange(10 ** digits)
            return float("%s%de%d" % ("-" if r.random() < 0.5 else "", mant, r.randint(-345, 308 - digits)))
        return round(r.uniform(-1e6, 1e6), r.randint(0, 6))

    def gen_len(self):
        x = self.rng.random()
        if x < 0.1:
            return 0
        if x < 0.8:
            return self.rng.randint(1, 12)
        if x < 0.95:
            return self.rng.randint(13, 64)
        return self.rng.randint(100, 300)

    def gen_string(self):
        n = self.gen_len()
        weights = [w for w, _ in STRING_POOLS]
        pools = [p for _, p in STRING_POOLS]
        out = []
        for _ in range(n):
            out.append(self.rng.choice(self.rng.choices(pools, weights)[0]))
        return "".join(out)

    def gen_binary(self):
        n = self.gen_len()
        if n and self.rng.random() < 0.1:
            return bytes(range(256))[:n] if n <= 256 else bytes(i % 256 for i in range(n))
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    # -- containers --
    def gen_size(self, depth, elem_scalar):
        r = self.rng
        if depth >= self.max_depth:
            return r.choice([0, 0, 1])
        x = r.random()
        if x < 0.2:
            return 0
        if x < 0.8:
            return r.randint(1, 3)
        if x < 0.93 or not elem_scalar:
            return r.randint(4, 6)
        return r.randint(14, 17)  # compact: 14 fits the short header, 15+ needs the long form

    def value(self, t, depth, in_key=False):
        mod = self.mod
        t = mod.schema.resolve(t)
        k = t[0]
        if k == "base":
            b = t[1]
            if b == "bool":
                return self.rng.random() < 0.5
            if b in INT_BITS:
                return self.gen_int(INT_BITS[b])
            if b == "double":
                return self.gen_double(in_key)
            if b == "string":
                return self.gen_string()
            return self.gen_binary()
        if k == "enum":
            return self.rng.choice(sorted(mod.schema.enums[t[1]].values()))
        if k == "struct":
            return self.gen_struct(t[1], depth + 1)
        if k == "list":
            n = self.gen_size(depth, self.is_scalar(t[1]))
            items = [self.value(t[1], depth + 1, in_key) for _ in range(n)]
            return tuple(items) if in_key else items
        if k == "set":
            n = self.gen_size(depth, self.is_scalar(t[1]))
            elems = self.unique([self.value(t[1], depth + 1, True) for _ in range(n)], t[1])
            if not self.stable_hash(t[1]):
                # Struct and map elements: generated classes and TFrozenDict hash the class object
                # (id-based, so set order would change from run to run), and mutable structs and
                # dicts cannot be hashed at all. A deduplicated list plays the set: the writer only
                # iterates it, so "$set" still lists the elements in wire order.
                return tuple(elems) if in_key else elems
            return frozenset(elems) if in_key else set(elems)
        if k == "map":
            n = self.gen_size(depth, self.is_scalar(t[1]) and self.is_scalar(t[2]))
            keys = self.unique([self.value(t[1], depth + 1, True) for _ in range(n)], t[1])
            pairs = [(kk, self.value(t[2], depth + 1, in_key)) for kk in keys]
            try:
                d = dict(pairs)
                return TFrozenDict(d) if in_key else d
            except TypeError:
                return ItemsList(pairs)
        raise TypeError(t)

    def unique(self, items, t):
        seen, out = set(), []
        for x in items:
            key = _key(canon(to_json(self.mod, t, x)))
            if key not in seen:
                seen.add(key)
                out.append(x)
        return out

    def gen_struct(self, name, depth):
        sd = self.mod.schema.structs[name]
        kwargs = {f.name: None for f in sd.fields}
        if sd.kind == "union":
            if sd.fields:
                f = self.rng.choice(sd.fields)
                kwargs[f.name] = self.value(f.type, depth)
        else:
            p_set = 1.0 if self.nan_mode else 0.75
            for f in sd.fields:
                if f.req != "required":
                    if depth >= self.max_depth and self.has_struct(f.type):
                        continue
                    if self.rng.random() >= p_set:
                        continue
                kwargs[f.name] = self.value(f.type, depth)
        return self.mod.classes[name](**kwargs)


def has_double(mod, t, seen):
    t = mod.schema.resolve(t)
    if t[0] == "base":
        return t[1] == "double"
    if t[0] == "struct":
        if t[1] in seen:
            return False
        seen.add(t[1])
        return any(has_double(mod, f.type, seen) for f in mod.schema.structs[t[1]].fields)
    if t[0] in ("list", "set"):
        return has_double(mod, t[1], seen)
    if t[0] == "map":
        return has_double(mod, t[2], seen)  # NaN keys are never generated
    return False


# ----------------------------------------------------------------------------------------------
# Encoding / decoding with Apache's library (pure Python)
# ----------------------------------------------------------------------------------------------

PROTOCOLS = {
    "binary": lambda tr: TBinaryProtocol.TBinaryProtocol(tr, strictRead=False, strictWrite=True),
    "compact": lambda tr: TCompactProtocol.TCompactProtocol(tr),
    "json": lambda tr: TJSONProtocol.TJSONProtocol(tr),
}


def encode(obj, protocol):
    buf = TTransport.TMemoryBuffer()
    prot = PROTOCOLS[protocol](buf)
    assert prot._fast_encode is None, "accelerated protocol in use"
    obj.write(prot)
    return buf.getvalue()


def decode(mod, type_name, protocol, data, validate=True):
    cls = mod.classes[type_name]
    buf = TTransport.TMemoryBuffer(data)
    prot = PROTOCOLS[protocol](buf)
    assert prot._fast_decode is None, "accelerated protocol in use"
    if isinstance(inspect.getattr_static(cls, "read"), classmethod):  # immutable classes
        obj = cls.read(prot)
    else:
        obj = cls()
        obj.read(prot)
    left = len(data) - buf._buffer.tell()
    if left:
        raise ValueError("%d trailing byte(s) after the struct" % left)
    if validate:
        obj.validate()
    return obj


def load_modules(gen_dir, idl_dir, apache_defaults=False):
    gen_dir = os.path.abspath(gen_dir)
    if not os.path.isdir(gen_dir):
        sys.exit("py_vectors: --gen-dir %s does not exist (run scripts/gen-peer-code)" % gen_dir)
    idl_dir = os.path.abspath(idl_dir or os.path.join(gen_dir, "..", "idl"))
    sys.path.insert(0, gen_dir)
    sys.dont_write_bytecode = True
    return {m: Module(m, gen_dir, idl_dir, apache_defaults) for m in MODULES}


# ----------------------------------------------------------------------------------------------
# Modes
# ----------------------------------------------------------------------------------------------

def contains_non_finite(j):
    if j in ("NaN", "Infinity", "-Infinity"):
        return True
    if isinstance(j, dict):
        return any(contains_non_finite(x) for x in j.values())
    if isinstance(j, list):
        return any(contains_non_finite(x) for x in j)
    return False


class CppDoublesJSONProtocol(TJSONProtocol.TJSONProtocol):
    """Apache's TJSONProtocol, except that NaN and the infinities are written as C++ writes them:
    the quoted strings "NaN", "Infinity", "-Infinity" (never double-quoted in key position)."""

    def writeDouble(self, dbl):
        if math.isnan(dbl) or math.isinf(dbl):
            self.context.write()
            self.trans.write(b'"NaN"' if math.isnan(dbl) else b'"Infinity"' if dbl > 0 else b'"-Infinity"')
        else:
            TJSONProtocol.TJSONProtocol.writeDouble(self, dbl)


def encode_json_cpp(obj):
    buf = TTransport.TMemoryBuffer()
    obj.write(CppDoublesJSONProtocol(buf))
    return buf.getvalue()


def make_entry(mod, type_name, obj, nan):
    b = encode(obj, "binary")
    c = encode(obj, "compact")
    js = encode(obj, "json")
    value = to_json(mod, ("struct", type_name), obj)
    e = {"module": mod.name, "type": type_name, "binary": b.hex(), "compact": c.hex(), "json": js.hex(),
         "value": value}
    if nan:
        e["nan"] = True
    # JSON is checked on its own, so that the binary/compact keys keep their meaning.
    if contains_non_finite(value):
        e["jsonNonFinite"] = True
        e["jsonCpp"] = encode_json_cpp(obj).hex()
    if True:
        try:
            want = _key(canon(value))
            got = _key(canon(to_json(mod, ("struct", type_name), decode(mod, type_name, "json", js))))
            if got != want:
                raise AssertionError("%s.%s json round trip differs:\n%s\n%s" % (mod.name, type_name, want, got))
        except AssertionError:
            raise
        except Exception as ex:  # noqa: BLE001 - recorded for the TypeScript side
            e["pyJsonDecodeError"] = "%s: %s" % (type(ex).__name__, ex)
    # Apache must read back what it wrote (set/map order may differ: compare canonically).
    try:
        want = _key(canon(value))
        for proto, data in (("binary", b), ("compact", c)):
            got = _key(canon(to_json(mod, ("struct", type_name), decode(mod, type_name, proto, data))))
            if got != want:
                raise AssertionError("%s.%s %s round trip differs:\n%s\n%s" % (mod.name, type_name, proto, want, got))
    except AssertionError:
        raise
    except Exception as ex:  # noqa: BLE001 - recorded for the TypeScript side
        e["pyDecodeError"] = "%s: %s" % (type(ex).__name__, ex)
    return e


def generate(mods, seed, count, max_depth):
    entries, stats = [], {}
    for mname in MODULES:
        mod = mods[mname]
        for tname in mod.schema.structs:
            for i in range(count):
                rng = random.Random("%s:%s:%s:%d" % (seed, mname, tname, i))
                obj = Generator(mod, rng, max_depth).gen_struct(tname, 0)
                entries.append(make_entry(mod, tname, obj, False))
            if has_double(mod, ("struct", tname), set()):
                for attempt in range(50):
                    rng = random.Random("%s:%s:%s:nan:%d" % (seed, mname, tname, attempt))
                    obj = Generator(mod, rng, max_depth, nan_mode=True).gen_struct(tname, 0)
                    if contains_nan(to_json(mod, ("struct", tname), obj)):
                        entries.append(make_entry(mod, tname, obj, True))
                        break
                else:
                    print("py_vectors: no NaN case found for %s.%s" % (mname, tname), file=sys.stderr)
            stats.setdefault(mname, 0)
            stats[mname] += 1
    return entries, stats


def dump_entries(entries):
    return "[\n" + ",\n".join(json.dumps(e, ensure_ascii=True, allow_nan=False) for e in entries) + "\n]\n"


def run_decode(mods, stream_in, stream_out):
    for line in stream_in:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            mod = mods.get(req.get("module"))
            if mod is None:
                raise KeyError("unknown module %r" % req.get("module"))
            tname = req.get("type")
            if tname not in mod.classes:
                raise KeyError("unknown type %r in %s" % (tname, mod.name))
            proto = req.get("protocol")
            if proto not in PROTOCOLS:
                raise KeyError("unknown protocol %r" % proto)
            obj = decode(mod, tname, proto, bytes.fromhex(req["hex"]))
            out = to_json(mod, ("struct", tname), obj)
        except Exception as ex:  # noqa: BLE001
            out = {"error": ("%s: %s" % (type(ex).__name__, ex)) if str(ex) else type(ex).__name__}
        stream_out.write(json.dumps(out, ensure_ascii=True, allow_nan=False) + "\n")
        stream_out.flush()


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
    """The object Apache's generated writers take for a value in the JSON convention. Sets are
    lists and maps ItemsList, so they are written in the listed order without hashing anything."""
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
        return ItemsList([(from_json(mod, t[1], a), from_json(mod, t[2], b)) for a, b in j["$map"]])
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


def run_encode(mods, stream_in, stream_out):
    for line in stream_in:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            mod = mods.get(req.get("module"))
            if mod is None:
                raise KeyError("unknown module %r" % req.get("module"))
            tname = req.get("type")
            if tname not in mod.classes:
                raise KeyError("unknown type %r in %s" % (tname, mod.name))
            obj = from_json(mod, ("struct", tname), req["value"])
            out = {p: encode(obj, p).hex() for p in ("binary", "compact", "json")}
            if contains_non_finite(req["value"]):
                out["jsonCpp"] = encode_json_cpp(obj).hex()
        except Exception as ex:  # noqa: BLE001
            out = {"error": ("%s: %s" % (type(ex).__name__, ex)) if str(ex) else type(ex).__name__}
        stream_out.write(json.dumps(out, ensure_ascii=True, allow_nan=False) + "\n")
        stream_out.flush()


def h(s):
    return bytes.fromhex(re.sub(r"\s+", "", s))


def selftest(mods, max_depth):
    tt = mods["ThriftTest"]
    T = tt.ttypes
    svc = importlib.import_module("ThriftTest.ThriftTest")
    zero = b"Zero".hex()
    checks = [
        # (name, object, binary hex or None, compact hex or None) — bytes from thrift-notes §2.2/2.3
        ("Xtruct(Zero,1,-3,-5)", T.Xtruct("Zero", 1, -3, -5),
         "0b0001 00000004" + zero + " 030004 01 080009 fffffffd 0a000b fffffffffffffffb 00",
         "18 04" + zero + " 33 01 55 05 26 09 00"),
        ("Bools(true,false)", T.Bools(True, False), "02000101 02000200 00", "11 12 00"),
        ("testI32_args(-1)", svc.testI32_args(-1), "080001 ffffffff 00", "15 01 00"),
        ("testDouble_args(1.5)", svc.testDouble_args(1.5), "040001 3ff8000000000000 00",
         "17 000000000000f83f 00"),
        ("testList_args([1,-1])", svc.testList_args([1, -1]), None, "19 25 02 01 00"),
        ("testMap_args({0:1,-1:-2})", svc.testMap_args({0: 1, -1: -2}), None, "1b 02 55 00 02 01 03 00"),
        ("testStruct_args(Xtruct)", svc.testStruct_args(T.Xtruct("Zero", 1, -3, -5)),
         "0c0001 0b0001 00000004" + zero + " 030004 01 080009 fffffffd 0a000b fffffffffffffffb 00 00",
         "1c 18 04" + zero + " 33 01 55 05 26 09 00 00"),
    ]
    n = 0
    for name, obj, bhex, chex in checks:
        for proto, want in (("binary", bhex), ("compact", chex)):
            if want is None:
                continue
            got = encode(obj, proto)
            assert got == h(want), "%s %s: got %s want %s" % (name, proto, got.hex(), h(want).hex())
            n += 1
    # Full CALL messages through Apache's generated client (seqid 0).
    for proto, call, want in (
        ("binary", lambda c: c.send_testI32(-1),
         "80010001 00000007" + b"testI32".hex() + " 00000000 080001ffffffff 00"),
        ("compact", lambda c: c.send_testI32(-1), "82 21 00 07" + b"testI32".hex() + " 15 01 00"),
        ("compact", lambda c: c.send_testStruct(T.Xtruct("Zero", 1, -3, -5)),
         "82 21 00 0a" + b"testStruct".hex() + " 1c 18 04" + zero + " 33 01 55 05 26 09 00 00"),
    ):
        buf = TTransport.TMemoryBuffer()
        call(svc.Client(PROTOCOLS[proto](buf)))
        assert buf.getvalue() == h(want), "CALL %s: got %s want %s" % (proto, buf.getvalue().hex(), h(want).hex())
        n += 1
    # TJSONProtocol reference text (thrift-notes §2.4).
    for name, obj, want in (
        ("testI32_args(-1)", svc.testI32_args(-1), '{"1":{"i32":-1}}'),
        ("Xtruct(Zero,1,-3,-5)", T.Xtruct("Zero", 1, -3, -5),
         '{"1":{"str":"Zero"},"4":{"i8":1},"9":{"i32":-3},"11":{"i64":-5}}'),
        ("Bools(true,false)", T.Bools(True, False), '{"1":{"tf":1},"2":{"tf":0}}'),
        ("testDouble_args(1.5)", svc.testDouble_args(1.5), '{"1":{"dbl":1.5}}'),
        ("testList_args([1,2,3])", svc.testList_args([1, 2, 3]), '{"1":{"lst":["i32",3,1,2,3]}}'),
        ("testStringMap_args", svc.testStringMap_args({"1": "a"}), '{"1":{"map":["str","str",1,{"1":"a"}]}}'),
        ("testMap_args({1:2})", svc.testMap_args({1: 2}), '{"1":{"map":["i32","i32",1,{"1":2}]}}'),
        ("testBinary_args", svc.testBinary_args(b"\x00\xff"), '{"1":{"str":"AP8="}}'),
        ("testDouble_args(0.1)", svc.testDouble_args(0.1), '{"1":{"dbl":0.10000000000000001}}'),
    ):
        got = encode(obj, "json")
        assert got == want.encode(), "%s json: got %r want %r" % (name, got, want)
        n += 1
    buf = TTransport.TMemoryBuffer()
    svc.Client(PROTOCOLS["json"](buf)).send_testI32(-1)
    assert buf.getvalue() == b'[1,"testI32",1,0,{"1":{"i32":-1}}]', buf.getvalue()
    n += 1
    # JSON convention and the decode path.
    e = make_entry(tt, "Xtruct", T.Xtruct("Zero", 1, -3, -5), False)
    assert e["value"] == {"string_thing": "Zero", "byte_thing": 1, "i32_thing": -3, "i64_thing": "-5"}, e
    assert "pyDecodeError" not in e
    import io
    reqs = "".join(json.dumps({"module": "ThriftTest", "type": "Xtruct", "protocol": p, "hex": e[p]}) + "\n"
                   for p in ("binary", "compact", "json"))
    reqs += json.dumps({"module": "ThriftTest", "type": "Xtruct", "protocol": "binary", "hex": "0b00"}) + "\n"
    reqs += json.dumps({"module": "ThriftTest", "type": "Xtruct", "protocol": "binary", "hex": e["binary"] + "00"}) + "\n"
    out = io.StringIO()
    run_decode(mods, io.StringIO(reqs), out)
    res = [json.loads(x) for x in out.getvalue().splitlines()]
    assert res[0] == e["value"] and res[1] == e["value"] and res[2] == e["value"], res
    assert "error" in res[3] and "error" in res[4], res
    n += 5
    # The encode path reproduces the entry's bytes.
    out = io.StringIO()
    run_encode(mods, io.StringIO(json.dumps({"module": "ThriftTest", "type": "Xtruct", "value": e["value"]}) + "\n"), out)
    enc = json.loads(out.getvalue())
    assert enc == {"binary": e["binary"], "compact": e["compact"], "json": e["json"]}, enc
    n += 1
    d = T.Xtruct2(byte_thing=None, struct_thing=None, i32_thing=None)
    assert to_json(tt, ("struct", "Xtruct2"), d) == {}
    assert double_json(-0.0) == "-0" and double_json(float("-inf")) == "-Infinity"
    n += 2
    # Determinism.
    a, _ = generate({"ThriftTest": tt, "DebugProtoTest": mods["DebugProtoTest"]}, 7, 1, max_depth)
    b, _ = generate({"ThriftTest": tt, "DebugProtoTest": mods["DebugProtoTest"]}, 7, 1, max_depth)
    assert dump_entries(a) == dump_entries(b), "generation is not deterministic"
    n += 1
    print("py_vectors selftest: %d checks ok" % n, file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gen-dir", required=True, help="output of scripts/gen-peer-code (.tmp/peers/py)")
    ap.add_argument("--idl-dir", help="IDL the code was generated from (default: GEN_DIR/../idl)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--max-depth", type=int, default=3)
    ap.add_argument("--out", help="vector file to write")
    ap.add_argument("--decode", action="store_true", help="decode JSON-lines requests from stdin")
    ap.add_argument("--encode", action="store_true", help="encode JSON-lines values from stdin")
    ap.add_argument("--apache-defaults", action="store_true",
                    help="keep IDL defaults for absent fields when decoding")
    ap.add_argument("--selftest", action="store_true")
    args = ap.parse_args()

    mods = load_modules(args.gen_dir, args.idl_dir, args.apache_defaults)
    if args.decode:
        run_decode(mods, sys.stdin, sys.stdout)
        return
    if args.encode:
        run_encode(mods, sys.stdin, sys.stdout)
        return
    if args.selftest:
        selftest(mods, args.max_depth)
    if args.out:
        t0 = time.time()
        entries, stats = generate(mods, args.seed, args.count, args.max_depth)
        text = dump_entries(entries)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        tmp = args.out + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write(text)
        os.replace(tmp, args.out)
        nan = sum(1 for e in entries if e.get("nan"))
        bad = sum(1 for e in entries if "pyDecodeError" in e)
        print("py_vectors: %d vectors (%s; %d NaN cases, %d Apache cannot decode) in %.2fs -> %s"
              % (len(entries), ", ".join("%s %d types" % kv for kv in stats.items()), nan, bad,
                 time.time() - t0, args.out), file=sys.stderr)
    elif not args.selftest:
        ap.error("give --out FILE, --decode, --encode or --selftest")


if __name__ == "__main__":
    main()
