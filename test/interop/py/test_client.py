#!/usr/bin/python3
"""ThriftTest client on Apache Thrift's Python library (Debian python3-thrift 0.17), for rpcgen's
cross-language matrix. Our own program, with Apache's cross-test command line:

  test_client.py --host=H --port=N --protocol={binary,compact,json,header,multi,multic,multij,multih}
                 --transport={buffered,framed,http,zlib} [--zlib] [--domain-socket=PATH] [--ssl] [--http-path=PATH]
                 [-n LOOPS] [--genpydir=DIR] [--timeout=SECONDS] [--no-neg-zero] [--no-control-chars] [-v] [-q]

It calls every ThriftTest method (and, for multi*, SecondService and the default processor), checks
every result exactly, and exits with Apache's bitmask of failed groups: 1 base types, 2 structs,
4 containers, 8 exceptions, 64 other (seqids, multiplexing, connection); 0 only when all pass.
Beyond Apache's own Python client it covers testInsanity, testStringMap, i64/i32/i8 extremes,
control-character and astral Unicode strings, all 256 byte values, empty containers, and the
special doubles (NaN, -0, +-Infinity, subnormals) in binary and compact.

--transport=http is Apache's THttpClient, as Apache's TestClient.py uses it: a POST to
http://HOST:PORT/ (--http-path names another path; Apache's runner passes none) on a new connection
for each message, the status never checked. A oneway call waits for its response's headers, so a
server that never answers one (Apache's Node.js server) fails testOneway by the timeout. THttpClient
has no Unix-socket mode: --domain-socket with http is refused (exit 64), as is --zlib.

Seqids: Apache's generated Python client always sends 0. This one rewrites them on the wire
(counting up from 0x7ffffff0, so they wrap to negative values) and checks that every reply carries
the seqid of its call.

header and multih are THeaderProtocol (binary inside) over the transport, as Apache's TestClient.py
composes them: over framed, each THeader frame sits in a frame. zlib (or --zlib) is TZlibTransport
(level 9) around the buffered (or framed) transport.

--ssl: TSSLSocket (with http, THttpClient on an https:// URL) verifying the server against CA.pem
and the host name, presenting client.crt and client.key, from $THRIFT_TEST_KEYS_DIR, else the
project's .tmp/keys (scripts/make-test-keys; Apache's test/keys layout).

JSON limits (of Apache's libraries, not of the protocol): Python's TJSONProtocol writes NaN and
infinities as bare `nan` / `inf`, which no reader accepts, and Node's writes -0 as `0`, so in json
the special doubles are not sent. --no-neg-zero leaves -0 out in binary and compact too, for a server
whose library drops its sign (Apache's Node.js library writes -0 as +0 in every protocol).
--no-control-chars leaves the C0 control characters without a short escape (all but \\b \\t \\n
\\f \\r) out of the strings sent in json: Python's TJSONProtocol writes them raw, and Apache's Go
library (0.17) rejects them raw.
"""

import argparse
import math
import os
import socket
import ssl
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

PROTOCOLS = ("binary", "compact", "json", "header", "multi", "multic", "multij", "multih")
TRANSPORTS = ("buffered", "framed", "http", "zlib")

BASETYPES, STRUCTS, CONTAINERS, EXCEPTIONS, UNKNOWN = 1, 2, 4, 8, 64


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="localhost")
    ap.add_argument("--port", type=int, default=9090)
    ap.add_argument("--protocol", choices=PROTOCOLS, default="binary")
    ap.add_argument("--transport", choices=TRANSPORTS, default="buffered")
    ap.add_argument("--zlib", action="store_true")
    ap.add_argument("--domain-socket", dest="domain_socket", default=None)
    ap.add_argument("--http-path", dest="http_path", default=None, help="the path to POST to (--transport=http; default /)")
    ap.add_argument("--ssl", action="store_true")
    ap.add_argument("-n", "--testloops", type=int, default=1)
    ap.add_argument("--genpydir", default=os.path.join(ROOT, ".tmp", "peers", "py"))
    ap.add_argument("--timeout", type=float, default=10.0, help="socket timeout per call, seconds")
    ap.add_argument("--no-neg-zero", dest="neg_zero", action="store_false",
                    help="do not send -0.0 (for servers that lose its sign, e.g. Apache's Node.js library)")
    ap.add_argument("--no-control-chars", dest="control_chars", action="store_false",
                    help="in json, send no control characters that are written raw (for servers that reject "
                         "them, e.g. Apache's Go library)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-q", "--quiet", action="store_true")
    return ap.parse_args()


args = parse_args()
if args.http_path is not None and args.transport != "http":
    sys.stderr.write("test_client.py: --http-path goes with --transport=http\n")
    sys.exit(64)
if args.transport == "http" and args.domain_socket:
    sys.stderr.write("test_client.py: Apache's THttpClient has no Unix-socket mode (no --domain-socket with --transport=http)\n")
    sys.exit(64)
if args.transport == "http" and args.zlib:
    sys.stderr.write("test_client.py: Apache's THttpClient is not a transport to wrap (no --zlib with --transport=http)\n")
    sys.exit(64)
sys.path.insert(0, args.genpydir)
sys.dont_write_bytecode = True

from thrift.Thrift import TApplicationException, TException, TType  # noqa: E402
from thrift.protocol import TBinaryProtocol, TCompactProtocol, THeaderProtocol, TJSONProtocol  # noqa: E402
from thrift.protocol.TMultiplexedProtocol import TMultiplexedProtocol  # noqa: E402
from thrift.protocol.TProtocolDecorator import TProtocolDecorator  # noqa: E402
from thrift.transport import THttpClient, TSocket, TSSLSocket, TTransport, TZlibTransport  # noqa: E402
from thrift.transport.THeaderTransport import THeaderClientType  # noqa: E402

try:
    from ThriftTest import SecondService, ThriftTest  # noqa: E402
    from ThriftTest.ttypes import Insanity, Numberz, Xception, Xception2, Xtruct, Xtruct2  # noqa: E402
except ImportError as e:
    sys.exit("test_client.py: cannot import the generated ThriftTest code from %s (%s); run scripts/gen-peer-code"
             % (args.genpydir, e))


class SeqidMismatch(Exception):
    pass


class Seqids(object):
    """One counter per connection, shared by every service client on it."""

    def __init__(self):
        self.next = 0x7FFFFFF0
        self.sent = None

    def take(self):
        s = self.next
        self.next = s + 1 if s < 0x7FFFFFFF else -0x80000000
        self.sent = s
        return s


class SeqidChecking(TProtocolDecorator):
    """Sends our own seqids and checks that each reply echoes the seqid of the last call."""

    def __init__(self, protocol, seqids):
        self.seqids = seqids

    def writeMessageBegin(self, name, type, seqid):
        super(SeqidChecking, self).writeMessageBegin(name, type, self.seqids.take())

    def readMessageBegin(self):
        name, type, seqid = super(SeqidChecking, self).readMessageBegin()
        if seqid != self.seqids.sent:
            raise SeqidMismatch("reply to %s has seqid %d, the call had %d" % (name, seqid, self.seqids.sent))
        return name, type, seqid


# ------------------------------------------------------------------------------------------------
# comparing


def same_double(a, b):
    if not isinstance(a, float) or not isinstance(b, float):
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def show(v, limit=120):
    s = repr(v)
    return s if len(s) <= limit else s[:limit] + "..."


ZERO_OF = {TType.STRING: str, TType.BOOL: bool, TType.BYTE: int, TType.I16: int, TType.I32: int,
           TType.I64: int, TType.DOUBLE: float, TType.LIST: list, TType.SET: set, TType.MAP: dict}


def unset_as_zero(v):
    """Structs (also inside maps and lists) with their unset fields as zero values. ThriftTest's
    fields have default requiredness: C++ and Go servers write every one (their structs always hold
    a value) where Python leaves unset ones out, so the checks that expect unset fields take either."""
    if isinstance(v, dict):
        return {k: unset_as_zero(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unset_as_zero(x) for x in v]
    spec = getattr(type(v), "thrift_spec", None)
    if spec is None:
        return v
    fields = {}
    for field in spec:
        if field is None:
            continue
        ttype, name = field[1], field[2]
        value = getattr(v, name)
        if value is None and ttype in ZERO_OF:
            value = ZERO_OF[ttype]()
        fields[name] = unset_as_zero(value)
    # A new value: some ThriftTest structs are immutable (python.immutable).
    return type(v)(**fields)


def expect_equal(got, want, exact_type=None):
    if exact_type is not None and type(got) is not exact_type:
        raise AssertionError("got %s %s, want %s %s" % (type(got).__name__, show(got), exact_type.__name__, show(want)))
    if got != want:
        raise AssertionError("got %s, want %s" % (show(got), show(want)))


# ------------------------------------------------------------------------------------------------
# the run


class Run(object):
    def __init__(self):
        self.mask = 0
        self.passed = 0
        self.failed = 0
        self.broken = None  # why the connection is unusable
        self.not_run = 0

    def fail(self, group, name, why):
        self.mask |= group
        self.failed += 1
        if not args.quiet:
            sys.stderr.write("FAIL %s: %s\n" % (name, why))

    def check(self, group, name, fn):
        if self.broken is not None:
            self.mask |= group
            self.failed += 1
            self.not_run += 1
            return
        t0 = time.time()
        try:
            fn()
        except AssertionError as e:
            self.fail(group, name, str(e))
            return
        except SeqidMismatch as e:
            # The rest of that reply is still unread: the connection is out of step.
            self.broken = "connection out of step after a seqid mismatch at %s" % name
            self.fail(group | UNKNOWN, name, str(e))
            return
        except (TTransport.TTransportException, OSError) as e:
            # OSError: THttpClient lets socket errors and timeouts through as they are.
            self.broken = "connection broken at %s (%s)" % (name, e)
            self.fail(group, name, "transport error: %s: %s" % (type(e).__name__, e))
            return
        except Exception as e:  # noqa: BLE001
            self.fail(group, name, "%s: %s" % (type(e).__name__, e))
            if args.verbose:
                traceback.print_exc()
            return
        self.passed += 1
        if args.verbose:
            sys.stderr.write("ok   %s (%.1f ms)\n" % (name, (time.time() - t0) * 1000))


def echo(run, group, name, method, values, compare=None):
    for i, v in enumerate(values):
        def call(v=v):
            got = method(v)
            if compare is not None:
                if not compare(got, v):
                    raise AssertionError("got %s, want %s" % (show(got), show(v)))
            else:
                expect_equal(got, v)
        run.check(group, "%s #%d %s" % (name, i, show(v, 40)), call)


def run_tests(run, client, second, plain, base_protocol):
    json = base_protocol == "json"

    run.check(BASETYPES, "testVoid", lambda: expect_equal(client.testVoid(), None))

    raw_controls = args.control_chars or not json
    strings = [
        "Python" * 20,
        "",
        "".join(chr(c) for c in range(0x20) if raw_controls or chr(c) in "\b\t\n\f\r") + "\x7f\"\\/'{}[],:",
        "Afrikaans Alemannisch Aragonés العربية مصرى Asturianu Aymar aru Azərbaycan Башҡорт Boarisch "
        "Žemaitėška Беларуская Беларуская (тарашкевіца) Български Bamanankan বাংলা Brezhoneg Bosanski "
        "Català Mìng-dĕ̤ng-ngṳ̄ Нохчийн Cebuano ᏣᎳᎩ Česky Словѣ́ньскъ / ⰔⰎⰑⰂⰡⰐⰠⰔⰍⰟ Чӑвашла Cymraeg "
        "日本語 中文 한국어 ไทย עברית 😀🎉𝄞𐍈🀄🧪\U00010000\U0010FFFF 👨‍👩 \u2028\u2029\ufeff\ufffd",
        "x" * 70000,
    ]
    echo(run, BASETYPES, "testString", client.testString, strings, lambda g, w: type(g) is str and g == w)
    echo(run, BASETYPES, "testBool", client.testBool, [True, False], lambda g, w: g is w)
    echo(run, BASETYPES, "testByte", client.testByte, [1, 0, -1, 63, -127, 127, -128])
    echo(run, BASETYPES, "testI32", client.testI32, [-1, 0, 1, 0x7FFFFFFF, -0x80000000, 65536])
    echo(run, BASETYPES, "testI64", client.testI64,
         [1, 0, -1, -34359738368, 2 ** 53 + 1, -(2 ** 53) - 1, 2 ** 63 - 1, -(2 ** 63)])
    doubles = [-5.235098235, 0.0, -1.0, -0.000341012439638598279, 1.5, 0.1, 1e300, 5e-324,
               2.2250738585072014e-308, 1.7976931348623157e308, 1234567890123456.25]
    if not json:
        doubles += [float("nan"), float("inf"), float("-inf")]
        if args.neg_zero:
            doubles.append(-0.0)
    echo(run, BASETYPES, "testDouble", client.testDouble, doubles, same_double)
    binaries = [bytes(range(256)), b"", b"\x00", b"\xff\xfe", bytes(range(256)) * 40 + b"\x01"]
    echo(run, BASETYPES, "testBinary", client.testBinary, binaries, lambda g, w: bytes(g) == w)

    x = Xtruct(string_thing="Zero", byte_thing=1, i32_thing=-3, i64_thing=-5)
    x2 = Xtruct(string_thing="\u00e9\U0001F600\n", byte_thing=-128, i32_thing=0x7FFFFFFF, i64_thing=-(2 ** 63))
    echo(run, STRUCTS, "testStruct", client.testStruct, [x, x2])
    echo(run, STRUCTS, "testNest", client.testNest,
         [Xtruct2(byte_thing=1, struct_thing=x, i32_thing=5), Xtruct2(byte_thing=0, struct_thing=x2, i32_thing=0)])

    echo(run, CONTAINERS, "testMap", client.testMap,
         [{0: 1, 1: 2, 2: 3, 3: 4, -1: -2}, {}, {-0x80000000: 0x7FFFFFFF}])
    echo(run, CONTAINERS, "testStringMap", client.testStringMap,
         [{"a": "2", "b": "blah", "some": "thing", "": "empty", "\u00e9\U0001F600": "\n\"\\"}, {}])
    echo(run, CONTAINERS, "testSet", client.testSet, [{8, 1, 42}, set(), {-1, 0, 0x7FFFFFFF}])
    echo(run, CONTAINERS, "testList", client.testList, [[1, 4, 9, -42], [], list(range(-50, 50))])

    echo(run, STRUCTS, "testEnum", client.testEnum,
         [Numberz.ONE, Numberz.TWO, Numberz.THREE, Numberz.FIVE, Numberz.SIX, Numberz.EIGHT])
    echo(run, STRUCTS, "testTypedef", client.testTypedef, [0xFFFFFFFFFFFFFF, -1, 2 ** 63 - 1])

    def map_map():
        expect_equal(client.testMapMap(42), {-4: {-4: -4, -3: -3, -2: -2, -1: -1}, 4: {1: 1, 2: 2, 3: 3, 4: 4}})
    run.check(CONTAINERS, "testMapMap", map_map)

    def insanity():
        arg = Insanity(userMap={Numberz.FIVE: 5, Numberz.EIGHT: 8},
                       xtructs=[Xtruct("Goodbye4", 4, 4, 4), Xtruct("Hello2", 2, 2, 2)])
        got = client.testInsanity(arg)
        expect_equal(unset_as_zero(got), unset_as_zero({1: {Numberz.TWO: arg, Numberz.THREE: arg}, 2: {Numberz.SIX: Insanity()}}))
    run.check(STRUCTS, "testInsanity", insanity)

    def multi():
        got = client.testMulti(74, 0xFF00FF, 0xFFFFFFFFD0D0, {0: "abc", -1: "\u00e9"}, Numberz.FIVE, 0xF0F0F0)
        expect_equal(got, Xtruct(string_thing="Hello2", byte_thing=74, i32_thing=0xFF00FF, i64_thing=0xFFFFFFFFD0D0))
    run.check(STRUCTS, "testMulti", multi)

    def exc_xception():
        try:
            client.testException("Xception")
        except Xception as e:
            expect_equal((e.errorCode, e.message), (1001, "Xception"))
            return
        raise AssertionError("no Xception raised")
    run.check(EXCEPTIONS, 'testException("Xception")', exc_xception)

    def exc_texception():
        try:
            client.testException("TException")
        except TApplicationException:
            return
        except TException as e:
            if isinstance(e, (Xception, Xception2)):
                raise AssertionError("got %r, want a TApplicationException" % (e,))
            return
        raise AssertionError("no exception raised")
    run.check(EXCEPTIONS, 'testException("TException")', exc_texception)
    for arg in ("Safe", "success"):
        run.check(EXCEPTIONS, 'testException("%s")' % arg, lambda arg=arg: expect_equal(client.testException(arg), None))

    def mexc(arg0, check):
        def f():
            try:
                got = client.testMultiException(arg0, "test 1")
            except (Xception, Xception2) as e:
                check(e)
                return
            check(got)
        return f

    def want_x(e):
        if not isinstance(e, Xception):
            raise AssertionError("got %s, want Xception" % show(e))
        expect_equal((e.errorCode, e.message), (1001, "This is an Xception"))

    def want_x2(e):
        if not isinstance(e, Xception2):
            raise AssertionError("got %s, want Xception2" % show(e))
        expect_equal((e.errorCode, unset_as_zero(e.struct_thing)), (2002, unset_as_zero(Xtruct(string_thing="This is an Xception2"))))

    def want_ok(v):
        expect_equal(unset_as_zero(v), unset_as_zero(Xtruct(string_thing="test 1")))
    run.check(EXCEPTIONS, 'testMultiException("Xception")', mexc("Xception", want_x))
    run.check(EXCEPTIONS, 'testMultiException("Xception2")', mexc("Xception2", want_x2))
    run.check(EXCEPTIONS, 'testMultiException("success")', mexc("success", want_ok))

    def oneway():
        t0 = time.time()
        client.testOneway(1)
        took = time.time() - t0
        if took >= 3:
            raise AssertionError("testOneway(1) took %.1f s: the client must not wait for the server" % took)
        expect_equal(client.testString("Python"), "Python")
    run.check(BASETYPES, "testOneway(1), then testString on the same connection", oneway)

    if second is not None:
        run.check(UNKNOWN, 'SecondService.secondtestString("foobar")',
                  lambda: expect_equal(second.secondtestString("foobar"), 'testString("foobar")'))
        run.check(UNKNOWN, "unprefixed testString (default processor)",
                  lambda: expect_equal(plain.testString("default"), "default"))
        run.check(UNKNOWN, "multiplexed testI32 after the others", lambda: expect_equal(client.testI32(7), 7))


def main():
    base = {"binary": "binary", "multi": "binary", "compact": "compact", "multic": "compact",
            "json": "json", "multij": "json", "header": "header", "multih": "header"}[args.protocol]
    if args.ssl and args.domain_socket:
        sys.stderr.write("test_client.py: --ssl goes with TCP, not --domain-socket\n")
        return UNKNOWN
    keys = os.environ.get("THRIFT_TEST_KEYS_DIR") or os.path.join(ROOT, ".tmp", "keys")
    if args.transport == "http":
        host = "[%s]" % args.host if ":" in args.host else args.host
        where = "http%s://%s:%d%s" % ("s" if args.ssl else "", host, args.port, args.http_path or "/")
        if args.ssl:
            transport = THttpClient.THttpClient(where, cafile=os.path.join(keys, "CA.pem"),
                                                cert_file=os.path.join(keys, "client.crt"), key_file=os.path.join(keys, "client.key"))
        else:
            transport = THttpClient.THttpClient(where)
        transport.setTimeout(args.timeout * 1000)
    else:
        if args.domain_socket:
            sock = TSocket.TSocket(unix_socket=args.domain_socket)
            where = args.domain_socket
        elif args.ssl:
            sock = TSSLSocket.TSSLSocket(args.host, args.port, ca_certs=os.path.join(keys, "CA.pem"),
                                         certfile=os.path.join(keys, "client.crt"), keyfile=os.path.join(keys, "client.key"))
            where = "%s:%d (TLS)" % (args.host, args.port)
        else:
            sock = TSocket.TSocket(args.host, args.port)
            where = "%s:%d" % (args.host, args.port)
        sock.setTimeout(args.timeout * 1000)
        transport = TTransport.TFramedTransport(sock) if args.transport == "framed" else TTransport.TBufferedTransport(sock)
        if args.zlib or args.transport == "zlib":
            transport = TZlibTransport.TZlibTransport(transport, 9)
    proto = {
        "binary": lambda t: TBinaryProtocol.TBinaryProtocol(t, strictRead=False, strictWrite=True),
        "compact": lambda t: TCompactProtocol.TCompactProtocol(t),
        "json": lambda t: TJSONProtocol.TJSONProtocol(t),
        "header": lambda t: THeaderProtocol.THeaderProtocol(t, [THeaderClientType.HEADERS]),
    }[base](transport)
    seqids = Seqids()
    checked = SeqidChecking(proto, seqids)
    if args.protocol.startswith("multi"):
        client = ThriftTest.Client(TMultiplexedProtocol(checked, "ThriftTest"))
        second = SecondService.Client(TMultiplexedProtocol(checked, "SecondService"))
        plain = ThriftTest.Client(checked)
    else:
        client, second, plain = ThriftTest.Client(checked), None, None

    run = Run()
    t0 = time.time()
    try:
        transport.open()
        if args.transport == "http":
            # THttpClient connects on each flush: check once that the server accepts connections, so
            # that a server that is not there exits 64 as over TCP. Over HTTPS through a handshake (a
            # connection dropped before it is worth a log line to some servers); the calls verify.
            probe = socket.create_connection((args.host, args.port), timeout=args.timeout)
            if args.ssl:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                probe = context.wrap_socket(probe, server_hostname=args.host)
                probe.unwrap()
            probe.close()
    except Exception as e:  # noqa: BLE001
        sys.stderr.write("test_client.py: cannot connect to %s: %s\n" % (where, e))
        return UNKNOWN
    try:
        for _ in range(args.testloops):
            run_tests(run, client, second, plain, base)
    finally:
        try:
            transport.close()
        except Exception:  # noqa: BLE001
            pass
    if run.not_run and not args.quiet:
        sys.stderr.write("FAIL %d more checks not run: %s\n" % (run.not_run, run.broken))
    if not args.quiet:
        sys.stdout.write("test_client.py %s/%s %s: %d checks passed, %d failed in %.2fs (exit %d)\n"
                         % (args.protocol, args.transport, where, run.passed, run.failed, time.time() - t0, run.mask))
    return run.mask


if __name__ == "__main__":
    sys.exit(main())
