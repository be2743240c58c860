/**
 * What TLS failures mean, in words that name the host and what is wrong, from Node's and OpenSSL's
 * error codes: for the client (its connection attempt rejects with them), and for the server (it logs
 * failed handshakes as `connection-error` events with them).
 */
import type { TLSSocket } from "node:tls";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";

/** What went wrong with a certificate, by OpenSSL's verify code (Node's `error.code`, `authorizationError`). */
const VERIFY_REASONS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: "it has expired",
  CERT_NOT_YET_VALID: "it is not valid yet (is a clock wrong?)",
  DEPTH_ZERO_SELF_SIGNED_CERT: "it is self-signed, and not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "its chain ends at a CA that is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "it is not signed by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT: "it is not signed by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "it is not signed by a trusted CA",
  CERT_SIGNATURE_FAILURE: "its signature does not verify",
  CERT_REVOKED: "it has been revoked",
  CERT_UNTRUSTED: "it is not trusted for this purpose",
  CERT_REJECTED: "it is rejected for this purpose",
  INVALID_PURPOSE: "it is not for this purpose (its extended key usage)",
  INVALID_CA: "its issuer is not a valid CA",
  PATH_LENGTH_EXCEEDED: "its chain is longer than its CA allows",
};

/** TLS alerts a peer sends about our certificate (OpenSSL's reason codes, as Node's `ERR_SSL_*`). */
const CERTIFICATE_ALERTS: Readonly<Record<string, string>> = {
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: "it has expired",
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: "it is not signed by a CA the peer trusts",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: "it is not acceptable",
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: "it is not acceptable",
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: "it has been revoked",
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: "its kind is not supported",
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: "access was denied",
};

const NO_COMMON_VERSION = new Set([
  "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
  "ERR_SSL_UNSUPPORTED_PROTOCOL",
  "ERR_SSL_NO_PROTOCOLS_AVAILABLE",
  "ERR_SSL_VERSION_TOO_LOW",
  "ERR_SSL_VERSION_TOO_HIGH",
  "ERR_SSL_TLSV1_ALERT_INSUFFICIENT_SECURITY",
]);
const NO_COMMON_CIPHER = new Set(["ERR_SSL_NO_SHARED_CIPHER", "ERR_SSL_NO_CIPHERS_AVAILABLE", "ERR_SSL_NO_CIPHER_MATCH"]);
const NOT_TLS = new Set([
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  "ERR_SSL_HTTP_REQUEST",
  "ERR_SSL_HTTPS_PROXY_REQUEST",
  "ERR_SSL_RECORD_LENGTH_MISMATCH",
]);
/** Failures of the network under the handshake: worded as any connection failure. */
const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EADDRNOTAVAIL", "ENOENT", "EACCES"]);

interface NodeError {
  code?: string;
  message?: string;
  /** OpenSSL's reason ("wrong version number"), or the altname mismatch's details. */
  reason?: string;
  host?: string;
  cert?: { subjectaltname?: string; subject?: { CN?: string | string[] } };
}

function fields(error: unknown): NodeError {
  return typeof error === "object" && error !== null ? (error as NodeError) : { message: String(error) };
}

/**
 * Node's code for an error, with the OpenSSL reason behind a generic one (`EPROTO` from a write that
 * met "wrong version number") turned into the `ERR_SSL_*` code Node gives it elsewhere.
 */
export function sslCode(error: unknown): string | undefined {
  const e = fields(error);
  if (e.code !== undefined && e.code !== "EPROTO") return e.code;
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(e.message ?? "");
  if (ssl !== null) return `ERR_SSL_${ssl[1]!.trim().toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
  return e.code;
}

/** OpenSSL's reason, or Node's message without OpenSSL's `80EC...:error:0A00...:SSL routines:` noise. */
function plainReason(e: NodeError): string {
  if (e.reason !== undefined && e.reason !== "") return e.reason;
  const message = (e.message ?? "").trim();
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(message);
  return ssl !== null ? ssl[1]!.trim() : message;
}

/** What a client sees go wrong; undefined for network failures that are no TLS matter. */
export function clientTlsReason(error: unknown, host: string, presentedCertificate: boolean): string | undefined {
  const e = fields(error);
  const code = sslCode(error) ?? "";
  if (NETWORK.has(code)) return undefined;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    const names = e.cert?.subjectaltname ?? (e.cert?.subject?.CN !== undefined ? `CN=${String(e.cert.subject.CN)}` : undefined);
    return `the server's certificate${names !== undefined ? ` (for ${names})` : ""} is not valid for '${e.host ?? host}'`;
  }
  const verify = VERIFY_REASONS[code];
  if (verify !== undefined) {
    const fix = code.includes("ISSUER") || code.includes("LEAF") || code.includes("SELF_SIGNED") ? " (give the CA that signed it as tls.ca)" : "";
    return `the server's certificate is not accepted: ${verify}${fix}`;
  }
  if (code === "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" || code === "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE") {
    return "the server requires a client certificate, and none was given (tls.cert and tls.key)";
  }
  if (code === "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE") {
    return presentedCertificate
      ? "the server refused the handshake (no TLS version or cipher suite in common?)"
      : "the server refused the handshake: it may require a client certificate (tls.cert and tls.key), or share no TLS version or cipher suite";
  }
  const alert = CERTIFICATE_ALERTS[code];
  if (alert !== undefined) return `the server refused this client's certificate: ${alert}`;
  if (NO_COMMON_VERSION.has(code)) return "no TLS version both sides accept (minVersion, maxVersion)";
  if (NO_COMMON_CIPHER.has(code)) return "no cipher suite both sides accept (ciphers)";
  if (NOT_TLS.has(code)) return "the server did not answer in TLS (is this a plain-TCP port?)";
  if (code === "ECONNRESET" || code === "EPIPE" || /before secure TLS connection/.test(e.message ?? "")) {
    return presentedCertificate
      ? "the server closed the connection during the handshake (does it serve TLS on this port? does it take this client's certificate?)"
      : "the server closed the connection during the handshake (does it serve TLS on this port?)";
  }
  return plainReason(e);
}

/** The rejection of a client's connection attempt whose handshake failed (or whose network did). */
export function clientTlsError(error: unknown, peer: string, host: string, presentedCertificate: boolean): TTransportException {
  if (error instanceof TTransportException) return error;
  const reason = clientTlsReason(error, host, presentedCertificate);
  const message =
    reason === undefined ? `cannot connect to ${peer}: ${fields(error).message ?? String(error)}` : `TLS handshake with ${peer} failed: ${reason}`;
  return new TTransportException(TTransportExceptionType.NOT_OPEN, message, {
    cause: error,
  });
}

/**
 * Why an open TLS connection was lost, when TLS says more than "lost: <error>": an alert after the
 * handshake (TLS 1.3 refuses a client certificate after the client finished its part), or a close
 * with no reply at all after presenting a certificate (how Node's servers refuse one).
 */
export function describeTlsLoss(socket: TLSSocket, error: Error | undefined, peer: string, presentedCertificate: boolean): string | undefined {
  const code = error === undefined ? undefined : (sslCode(error) ?? "");
  if (code !== undefined && code.startsWith("ERR_SSL_")) {
    return `connection to ${peer} lost: TLS: ${clientTlsReason(error, peer, presentedCertificate) ?? plainReason(fields(error))}`;
  }
  // Node's servers close; others (Python's) reset.
  const closed = code === undefined || code === "ECONNRESET" || code === "EPIPE";
  if (closed && presentedCertificate && socket.bytesRead === 0) {
    return `connection to ${peer} closed by the server before any reply: a server that refuses the client's certificate after the TLS 1.3 handshake closes like this (its log says why)`;
  }
  return undefined;
}

/** Why a client's handshake failed, for the server's log. */
export function serverTlsReason(error: unknown, socket: TLSSocket | undefined, handshakeTimeoutMs: number): string {
  const e = fields(error);
  const code = sslCode(error) ?? "";
  const refused = socket?.authorizationError;
  if (refused !== undefined && refused !== null) {
    const why = VERIFY_REASONS[String(refused)] ?? String(refused);
    return `the client's certificate was refused: ${why} (${String(refused)})`;
  }
  if (code === "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE") return "the client presented no certificate, and this server requires one";
  if (code === "ERR_TLS_HANDSHAKE_TIMEOUT") return `the client did not complete the TLS handshake within ${handshakeTimeoutMs} ms`;
  const alert = CERTIFICATE_ALERTS[code];
  if (alert !== undefined) return `the client refused this server's certificate: ${alert}`;
  if (NO_COMMON_VERSION.has(code)) return "no TLS version both sides accept (the client's and this server's minVersion / maxVersion)";
  if (NO_COMMON_CIPHER.has(code)) return "no cipher suite both sides accept (ciphers)";
  if (NOT_TLS.has(code)) return "the client does not speak TLS";
  if (code === "ECONNRESET" || code === "EPIPE") return "the client closed the connection during the handshake (does it trust this server's certificate?)";
  return plainReason(e);
}

/** A failed handshake, as the server logs it. */
export function serverTlsError(error: unknown, socket: TLSSocket | undefined, handshakeTimeoutMs: number): TTransportException {
  return new TTransportException(TTransportExceptionType.NOT_OPEN, `TLS handshake failed: ${serverTlsReason(error, socket, handshakeTimeoutMs)}`, {
    cause: error,
  });
}
