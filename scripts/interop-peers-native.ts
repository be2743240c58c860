/**
 * Apache Thrift 0.17's own C++ and Go cross-test programs as implementations in the interop matrix:
 * test/cpp TestServer/TestClient and test/go testserver/testclient from the shared v0.17.0 sources,
 * built by scripts/build-peers against Debian's libthrift-dev and golang-thrift-dev into .tmp/peers/.
 * They are independent implementations of binary, compact, JSON, header, zlib, HTTP and TLS.
 *
 * `SUPPORTED` records what each program can do (its --help and Apache's tests.json 0.17 entry);
 * `ENABLED` is what the matrix runs of it today: what rpcgen has. Turning on a protocol, transport
 * or socket kind for them once the matrix knows it is one word in `ENABLED`.
 *
 * What running them showed:
 * - The C++ server writes to stderr when a connection closes before the TLS handshake, so the
 *   runner's readiness probe completes one in ip-ssl cells; with header, when a connection closes at
 *   all ("TConnectedClient output close failed", "Broken pipe"); and over TLS, when a client leaves
 *   without TLS's close or races the server's (Go's and C++'s clients). The matrix fails a server that
 *   writes to stderr, so those lines are its `serverStderrNoise` (cppServerNoise says which, when).
 * - --ssl: both programs read Apache's test/keys from a place of their own (the C++ ones beside their
 *   directory, the Go server from --certPath), so an ip-ssl cell with them gives the other side that
 *   set too (`sslKeys`). The C++ client verifies the server against CA.pem; the Go client does not.
 * - The C++ HTTP server never answers oneway calls (fixed after 0.17 by THRIFT-6021), so clients that
 *   wait for the empty HTTP reply fail by their timeout (Python's, rpcgen's) or hang (Go's); the C++
 *   HTTP client does not read the answer to its oneway call, so it fails against every server that
 *   sends one (Python's, Go's, rpcgen's: "No more data to read"). KNOWN_FAILURES lists these cells.
 * - Go has no multiplexed protocols in its programs, and its --domain-socket flag fails at start
 *   ("missing port in address"): TCP only.
 * - Go's TJSONProtocol reads strings with encoding/json, which rejects raw control characters
 *   (RFC 8259 wants U+0000..U+001F escaped). The C++, Go and rpcgen writers escape them; Python's
 *   and Node's write all but \b \t \n \f \r raw, so our clients get --no-control-chars against
 *   the Go server.
 * - The C++ TJSONProtocol drops an escaped NUL from the strings it reads (`\u0000` comes back as
 *   nothing; the rest of the C0 range survives), so our clients get --no-control-chars against the
 *   C++ server too: rpcgen's writer escapes NUL (Python's and Node's send it raw, which C++ reads).
 * - C++ and Go servers write every default-requiredness field of a struct they return (their
 *   structs always hold a value), where Python and Node leave unset ones out; the clients' checks
 *   take either.
 * - The Go server sleeps the full testOneway(n) seconds before it reads the next call on that
 *   connection (the C++ server returns at once), so every cell with the Go server takes over a second.
 * - Neither client takes our clients' flags (`clientFlagsAgainst`); both exit non-zero on any failed
 *   check (C++: Apache's bitmask; Go: 1, from log.Fatal).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Cell, Implementation, Protocol, Socket, Transport } from "./interop-matrix.js";

export type NativePeer = "cpp" | "go";

/** Everything each program supports (not all of it runs in the matrix yet). */
export const SUPPORTED = {
  cpp: {
    protocols: ["binary", "compact", "json", "header", "multi", "multic", "multih", "multij"],
    // Server: also websocket; client: also evhttp. zlib as `--transport=zlib --zlib`.
    transports: ["buffered", "framed", "http", "zlib"],
    // ip-ssl: `--ssl`, keys from ../../keys beside .libs; domain: `--domain-socket=PATH` (also
    // --abstract-namespace).
    sockets: ["ip", "ip-ssl", "domain"],
  },
  go: {
    protocols: ["binary", "compact", "json", "header"],
    // zlib: `--transport=zlib` (the --zlib flag is accepted and ignored).
    transports: ["buffered", "framed", "http", "zlib"],
    // ip-ssl: `--ssl`, the server's keys from --certPath; the client does not verify the server.
    sockets: ["ip", "ip-ssl"],
  },
} as const satisfies Record<NativePeer, { protocols: readonly string[]; transports: readonly string[]; sockets: readonly string[] }>;

/** What the matrix runs of them today: TCP framings and protocols rpcgen implements. */
const ENABLED: { protocols: readonly Protocol[]; transports: readonly Transport[]; sockets: readonly Socket[] } = {
  protocols: ["binary", "compact", "json", "header", "multi", "multic", "multij", "multih"],
  transports: ["buffered", "framed", "zlib", "http"],
  sockets: ["ip", "domain", "ip-ssl"],
};

const both = <T extends string>(enabled: readonly T[], supported: readonly string[]): T[] => enabled.filter((x) => supported.includes(x));

/** What the C++ server prints on stderr when a THeader connection ends (the client closed it first). */
const CPP_HEADER_CLOSE_NOISE: readonly RegExp[] = [
  /^Thrift: .* TConnectedClient (input|output) close failed: (Called write on non-open socket|write\(\) send\(\): Broken pipe|TTransportException: Transport not open)$/,
  /^Thrift: .* TSocket::write_partial\(\) send\(\) <(Host: \S+ Port: \d+|Path: .*)>: Broken pipe$/,
];

/** What the C++ server prints when a TLS connection ends without TLS's close, or races its own close. */
const CPP_TLS_CLOSE_NOISE: readonly RegExp[] = [
  /^Thrift: .* TConnectedClient (died|input close failed|output close failed): SSL_(read|write): .* \(SSL_error_code = \d+\)$/,
  /^Thrift: .* SSL_shutdown: Broken pipe \(SSL_error_code = 6\)$/,
];

/**
 * The C++ server's stderr lines about connections ending, none of them a failure of the cell (the
 * clients' checks tell that): with header, closing THeaderTransport flushes into the socket the client
 * has already closed; over TLS, a client that leaves without TLS's close (close_notify), or while the
 * server writes its own, is logged as died or failed; Apache's Go and C++ clients also open a
 * connection they close before its handshake ("shutdown while in init"; the C++ one in multiplexed
 * cells). With header over TLS the same line follows a failed flush at close ("bad write retry"),
 * whatever the client, when the client's close wins the race. A connection the runner's probe opens
 * completes its handshake and closes cleanly, so it is not among them.
 */
function cppServerNoise(cell: Cell): readonly RegExp[] {
  const header = cell.protocol === "header" || cell.protocol === "multih";
  const tls = cell.socket === "ip-ssl";
  const closedInInit = tls && (header || cell.client.name === "go" || cell.client.name === "cpp");
  return [
    ...(header ? CPP_HEADER_CLOSE_NOISE : []),
    ...(tls ? CPP_TLS_CLOSE_NOISE : []),
    ...(closedInInit ? [/^Thrift: .* SSL_shutdown: shutdown while in init \(SSL_error_code = 1\)$/] : []),
  ];
}

/** Where scripts/build-peers puts each program and its keys, relative to the project root. */
export const NATIVE_PATHS = {
  cppServer: ".tmp/peers/cpp/test/cpp/.libs/TestServer",
  cppClient: ".tmp/peers/cpp/test/cpp/.libs/TestClient",
  goServer: ".tmp/peers/go/bin/testserver",
  goClient: ".tmp/peers/go/bin/testclient",
  goKeys: ".tmp/peers/go/keys",
  cppKeys: ".tmp/peers/cpp/test/keys",
} as const;

/**
 * Why a peer cannot run here (not built, built from other inputs, or unbuildable: the packages or the
 * shared sources are missing), or undefined when it is built and current. Asks `scripts/build-peers
 * --check`, which builds nothing.
 */
export function nativePeerMissing(root: string, peer: NativePeer): string | undefined {
  const r = spawnSync("bash", [join(root, "scripts/build-peers"), "--check", peer], { encoding: "utf8", timeout: 30_000 });
  if (r.error !== undefined) return `cannot run scripts/build-peers --check: ${r.error.message}`;
  if (r.status === 0) return undefined;
  const why = r.stderr.trim().replace(/^build-peers: /gm, "");
  return why || `scripts/build-peers --check ${peer} exited with ${r.status}`;
}

/** The C++ and Go programs as matrix implementations (run with the project root as working directory). */
export function nativeImplementations(root: string): Implementation[] {
  return [
    {
      name: "cpp",
      // Threaded: the default, "simple", serves one connection at a time, and the Node.js client
      // calls the default processor over a second connection while its first is open.
      server: [join(root, NATIVE_PATHS.cppServer), "--server-type=threaded"],
      client: [join(root, NATIVE_PATHS.cppClient)],
      protocols: both(ENABLED.protocols, SUPPORTED.cpp.protocols),
      transports: both(ENABLED.transports, SUPPORTED.cpp.transports),
      sockets: both(ENABLED.sockets, SUPPORTED.cpp.sockets),
      foreignClient: true,
      sslKeys: join(root, NATIVE_PATHS.cppKeys),
      serverStderrNoise: cppServerNoise,
      // C++'s JSON reader drops an escaped NUL, which rpcgen's writer sends escaped.
      clientFlagsAgainst: ["--no-control-chars"],
      unavailable: () => nativePeerMissing(root, "cpp"),
    },
    {
      name: "go",
      // --host: the default, localhost, could resolve to ::1 first; the runner probes 127.0.0.1.
      server: [join(root, NATIVE_PATHS.goServer), "--host=127.0.0.1", `--certPath=${join(root, NATIVE_PATHS.goKeys)}`],
      client: [join(root, NATIVE_PATHS.goClient)],
      protocols: both(ENABLED.protocols, SUPPORTED.go.protocols),
      transports: both(ENABLED.transports, SUPPORTED.go.transports),
      sockets: both(ENABLED.sockets, SUPPORTED.go.sockets),
      foreignClient: true,
      sslKeys: join(root, NATIVE_PATHS.goKeys),
      // Go's JSON reader rejects raw control characters, which Python's and Node's writers send raw.
      clientFlagsAgainst: ["--no-control-chars"],
      unavailable: () => nativePeerMissing(root, "go"),
    },
  ];
}
