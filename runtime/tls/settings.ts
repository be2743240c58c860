/** Node's TLS options from rpcgen's: verification on unless named off, client certificates by mode. */
import type { ConnectionOptions as NodeTlsConnectOptions, TlsOptions as NodeTlsServerOptions } from "node:tls";
import type { ClientCertificateMode, TlsClientOptions, TlsServerSettings } from "./options.js";

/** Node's default is 120 s: too long to hold a connection that never completes its handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

const warned = new Set<string>();

/**
 * `tls.connect` options for `target` (for messages and the warning). Verification is explicitly on, so
 * NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn it off behind the code's back.
 */
export function clientTlsOptions(tls: TlsClientOptions | undefined, target: string): NodeTlsConnectOptions {
  const { insecureSkipVerify, ...rest } = tls ?? {};
  const raw = rest as { rejectUnauthorized?: unknown };
  if ("rejectUnauthorized" in raw) {
    if (raw.rejectUnauthorized === false) {
      throw new TypeError("tls.rejectUnauthorized is not taken: to accept any certificate (unsafe), say tls: { insecureSkipVerify: true }");
    }
    delete raw.rejectUnauthorized;
  }
  if (insecureSkipVerify === true) {
    warnInsecure(target);
    return { ...rest, rejectUnauthorized: false };
  }
  return { ...rest, rejectUnauthorized: true };
}

/** One process warning per target whose certificates go unchecked. */
function warnInsecure(target: string): void {
  if (warned.has(target)) return;
  warned.add(target);
  process.emitWarning(`TLS certificate verification is off for ${target} (insecureSkipVerify): anyone on the path can pose as the server`, {
    code: "RPCGEN_INSECURE_TLS",
  });
}

const MODES: readonly ClientCertificateMode[] = ["none", "request", "require"];

/** `tls.createServer` options: client certificates asked for by mode, the handshake bounded. */
export function serverTlsOptions(settings: TlsServerSettings): NodeTlsServerOptions {
  const { clientCertificate = "none", maxHandshakes: _maxHandshakes, ...rest } = settings;
  for (const name of ["requestCert", "rejectUnauthorized"]) {
    if (name in rest) throw new TypeError(`tls.${name} is not taken: say tls: { clientCertificate: "require" } (or "request", or "none")`);
  }
  if (!MODES.includes(clientCertificate))
    throw new TypeError(`tls.clientCertificate must be ${MODES.map((m) => `"${m}"`).join(", ")} (got ${String(clientCertificate)})`);
  const timeout = rest.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  if (!(timeout > 0) || !Number.isFinite(timeout)) throw new TypeError(`tls.handshakeTimeout must be a positive number of ms (got ${timeout})`);
  return {
    ...rest,
    handshakeTimeout: timeout,
    requestCert: clientCertificate !== "none",
    rejectUnauthorized: clientCertificate === "require",
  };
}
