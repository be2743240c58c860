#!/usr/bin/python3
"""ThriftTest server on Apache Thrift's Python library (Debian python3-thrift 0.17), for rpcgen's
cross-language matrix. Our own program, with Apache's cross-test command line and the reference
handler semantics of thrift-notes §4.6.

  test_server.py --port=N --protocol={binary,compact,json,header,multi,multic,multij,multih}
                 --transport={buffered,framed,http,zlib} [--zlib] [--domain-socket=PATH] [--ssl] [--genpydir=DIR] [-v]

The generated code (`thrift --gen py` of ThriftTest.v0.16-nouuid.thrift) comes from
scripts/gen-peer-code (.tmp/peers/py). Listens on 127.0.0.1 (or the Unix socket), serves each
connection in its own thread, prints nothing unless something is wrong (or -v), and exits 0 at once
on SIGHUP, SIGINT or SIGTERM. A positional server type (TSimpleServer, ...) is accepted and ignored,
as Apache's runner may pass one.

--transport=http is Apache's THttpServer, as Apache's TestServer.py runs it: http.server's
single-threaded HTTP/1.0 server (a connection per request), POST on any path, the reply with status
200, a oneway call answered with a 200 before its handler runs. It listens on TCP only: Apache's
TestServer.py ignores --domain-socket for http (so Apache's py *_http-domain cells fail); this one
refuses it (exit 2), and --zlib with it (THttpServer has no transport to wrap). http.server's request
log (a stderr line per request) is left out unless -v.

header and multih use THeaderProtocol, accepting every client type Apache's header servers can detect
(THeader, framed and unframed binary and compact) and answering each in kind. zlib (or --zlib) is
TZlibTransportFactory in place of the buffered or framed transport, as Apache's TestServer.py does.

--ssl: TSSLServerSocket (with http: THttpServer's socket wrapped in the same TLS context) with the key
files of $THRIFT_TEST_KEYS_DIR, else the project's .tmp/keys (scripts/make-test-keys; Apache's
test/keys layout): server.crt and server.key; client certificates are asked for and verified against
CA.pem and client.crt (pinned: Apache's is self-issued), but not required, as Apache's 0.17 clients
send none. Connections closed before their handshake (port probes) are not logged.
"""

import argparse
import logging
import os
import signal
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

PROTOCOLS = ("binary", "compact", "json", "header", "multi", "multic", "multij", "multih")
TRANSPORTS = ("buffered", "framed", "http", "zlib")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=9090)
    ap.add_argument("--protocol", choices=PROTOCOLS, default="binary")
    ap.add_argument("--transport", choices=TRANSPORTS, default="buffered")
    ap.add_argument("--zlib", action="store_true")
    ap.add_argument("--domain-socket", dest="domain_socket", default=None)
    ap.add_argument("--ssl", action="store_true")
    ap.add_argument("--genpydir", default=os.path.join(ROOT, ".tmp", "peers", "py"))
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-q", "--quiet", action="store_true")
    ap.add_argument("server_type", nargs="?", default="TThreadedServer")
    return ap.parse_args()


args = parse_args()
if args.transport == "http" and args.domain_socket:
    sys.stderr.write("test_server.py: Apache's THttpServer listens on TCP only (no --domain-socket with --transport=http)\n")
    sys.exit(2)
if args.transport == "http" and args.zlib:
    sys.stderr.write("test_server.py: Apache's THttpServer has no transport to wrap (no --zlib with --transport=http)\n")
    sys.exit(2)
sys.path.insert(0, args.genpydir)
sys.dont_write_bytecode = True

from thrift.Thrift import TException  # noqa: E402
from thrift.TMultiplexedProcessor import TMultiplexedProcessor  # noqa: E402
from thrift.protocol import TBinaryProtocol, TCompactProtocol, THeaderProtocol, TJSONProtocol  # noqa: E402
from thrift.server import THttpServer, TServer  # noqa: E402
from thrift.transport import TSocket, TSSLSocket, TTransport, TZlibTransport  # noqa: E402
from thrift.transport.THeaderTransport import THeaderClientType  # noqa: E402

try:
    from ThriftTest import SecondService, ThriftTest  # noqa: E402
    from ThriftTest.ttypes import Insanity, Numberz, Xception, Xception2, Xtruct  # noqa: E402
except ImportError as e:
    sys.exit("test_server.py: cannot import the generated ThriftTest code from %s (%s); run scripts/gen-peer-code"
             % (args.genpydir, e))


def log(msg):
    if args.verbose:
        sys.stderr.write("test_server.py: %s\n" % msg)
        sys.stderr.flush()


class ThriftTestHandler(object):
    def testVoid(self):
        log("testVoid()")

    def testString(self, thing):
        log("testString(%r)" % thing[:40])
        return thing

    def testBool(self, thing):
        return thing

    def testByte(self, thing):
        return thing

    def testI32(self, thing):
        return thing

    def testI64(self, thing):
        return thing

    def testDouble(self, thing):
        return thing

    def testBinary(self, thing):
        return thing

    def testStruct(self, thing):
        return thing

    def testNest(self, thing):
        return thing

    def testMap(self, thing):
        return thing

    def testStringMap(self, thing):
        return thing

    def testSet(self, thing):
        return thing

    def testList(self, thing):
        return thing

    def testEnum(self, thing):
        return thing

    def testTypedef(self, thing):
        return thing

    def testMapMap(self, hello):
        log("testMapMap(%d)" % hello)
        return {-4: {-4: -4, -3: -3, -2: -2, -1: -1}, 4: {1: 1, 2: 2, 3: 3, 4: 4}}

    def testInsanity(self, argument):
        log("testInsanity(...)")
        return {1: {Numberz.TWO: argument, Numberz.THREE: argument}, 2: {Numberz.SIX: Insanity()}}

    def testMulti(self, arg0, arg1, arg2, arg3, arg4, arg5):
        return Xtruct(string_thing="Hello2", byte_thing=arg0, i32_thing=arg1, i64_thing=arg2)

    def testException(self, arg):
        log("testException(%r)" % arg)
        if arg == "Xception":
            raise Xception(errorCode=1001, message=arg)
        if arg == "TException":
            # Undeclared: the processor answers with TApplicationException INTERNAL_ERROR.
            raise TException(message=arg)

    def testMultiException(self, arg0, arg1):
        log("testMultiException(%r, %r)" % (arg0, arg1))
        if arg0 == "Xception":
            raise Xception(errorCode=1001, message="This is an Xception")
        if arg0 == "Xception2":
            raise Xception2(errorCode=2002, struct_thing=Xtruct(string_thing="This is an Xception2"))
        return Xtruct(string_thing=arg1)

    def testOneway(self, secondsToSleep):
        log("testOneway(%d)" % secondsToSleep)
        # The IDL says sleep the given seconds; Apache's servers sleep a third of it, and the
        # cross-test client expects the next call on the connection to be answered soon after.
        time.sleep(secondsToSleep / 3.0)


class SecondServiceHandler(object):
    def secondtestString(self, thing):
        return 'testString("' + thing + '")'


class QuietExpected(logging.Filter):
    """Drops the traceback Apache's generated processor logs for the deliberate undeclared error of
    testException("TException"), and TSSLServerSocket's for connections closed before any handshake
    (port probes); every other log record goes out."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        if type(exc) is TException and getattr(exc, "message", None) == "TException":
            return False
        probe = isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError)) or (
            isinstance(exc, ssl.SSLError) and "EOF" in str(exc))
        return not (probe and record.getMessage().startswith("Error while accepting"))


def keys_dir():
    d = os.environ.get("THRIFT_TEST_KEYS_DIR") or os.path.join(ROOT, ".tmp", "keys")
    for f in ("server.crt", "server.key", "CA.pem", "client.crt"):
        if not os.path.exists(os.path.join(d, f)):
            sys.exit("test_server.py: --ssl needs %s (set THRIFT_TEST_KEYS_DIR, or run node dist/scripts/make-test-keys.js)"
                     % os.path.join(d, f))
    return d


def ssl_server_context():
    keys = keys_dir()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(keys, "server.crt"), os.path.join(keys, "server.key"))
    # client.crt first: Apache's has the same subject as its CA.pem (the server's certificate), and
    # OpenSSL takes the first certificate of a name as the issuer it checks the signature with.
    context.load_verify_locations(os.path.join(keys, "client.crt"))
    context.load_verify_locations(os.path.join(keys, "CA.pem"))
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


def ssl_server_socket(port):
    # A client certificate names its holder, not the address it connects from: no address check.
    return TSSLSocket.TSSLServerSocket(host="127.0.0.1", port=port, ssl_context=ssl_server_context(),
                                       validate_callback=lambda cert, addr: None)


def main():
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(QuietExpected())
    handler.setFormatter(logging.Formatter("test_server.py: %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO if args.verbose else logging.WARNING)

    proto = args.protocol
    base = {"binary": "binary", "multi": "binary", "compact": "compact", "multic": "compact",
            "json": "json", "multij": "json", "header": "header", "multih": "header"}[proto]
    all_client_types = [THeaderClientType.HEADERS, THeaderClientType.FRAMED_BINARY, THeaderClientType.UNFRAMED_BINARY,
                        THeaderClientType.FRAMED_COMPACT, THeaderClientType.UNFRAMED_COMPACT]
    pfactory = {
        "binary": lambda: TBinaryProtocol.TBinaryProtocolFactory(strictRead=False, strictWrite=True),
        "compact": lambda: TCompactProtocol.TCompactProtocolFactory(),
        "json": lambda: TJSONProtocol.TJSONProtocolFactory(),
        "header": lambda: THeaderProtocol.THeaderProtocolFactory(allowed_client_types=all_client_types),
    }[base]()
    if args.zlib or args.transport == "zlib":
        tfactory = TZlibTransport.TZlibTransportFactory()
    elif args.transport == "framed":
        tfactory = TTransport.TFramedTransportFactory()
    else:
        tfactory = TTransport.TBufferedTransportFactory()

    tt = ThriftTest.Processor(ThriftTestHandler())
    if proto.startswith("multi"):
        processor = TMultiplexedProcessor()
        processor.registerProcessor("ThriftTest", tt)
        processor.registerProcessor("SecondService", SecondService.Processor(SecondServiceHandler()))
        processor.registerDefault(tt)
    else:
        processor = tt

    if args.ssl and args.domain_socket:
        sys.exit("test_server.py: --ssl goes with TCP, not --domain-socket")
    if args.transport == "http":
        if not args.verbose:
            import http.server
            http.server.BaseHTTPRequestHandler.log_request = lambda self, code="-", size="-": None
        server = THttpServer.THttpServer(processor, ("127.0.0.1", args.port), pfactory)
        if args.ssl:
            # THttpServer's own HTTPS (cert_file=...) makes a client-side context, which cannot serve.
            # The handshake runs as each connection is accepted; one that fails (a probe) is dropped there.
            server.httpd.socket = ssl_server_context().wrap_socket(server.httpd.socket, server_side=True)
        where = "http%s://127.0.0.1:%d/" % ("s" if args.ssl else "", args.port)
    elif args.domain_socket:
        sock = TSocket.TServerSocket(unix_socket=args.domain_socket)
        where = args.domain_socket
        server = TServer.TThreadedServer(processor, sock, tfactory, pfactory, daemon=True)
    elif args.ssl:
        sock = ssl_server_socket(args.port)
        where = "127.0.0.1:%d (TLS)" % args.port
        server = TServer.TThreadedServer(processor, sock, tfactory, pfactory, daemon=True)
    else:
        sock = TSocket.TServerSocket(host="127.0.0.1", port=args.port)
        where = "127.0.0.1:%d" % args.port
        server = TServer.TThreadedServer(processor, sock, tfactory, pfactory, daemon=True)

    def stop(signum, _frame):
        log("signal %d: exiting" % signum)
        try:
            if args.domain_socket and os.path.exists(args.domain_socket):
                os.unlink(args.domain_socket)
        except OSError:
            pass
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)  # worker threads are daemons; do not wait for open connections

    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)

    log("serving %s/%s on %s" % (proto, args.transport, where))
    server.serve()


if __name__ == "__main__":
    main()
