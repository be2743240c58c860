/**
 * Authentication as RPC systems do it: a server interceptor checks a bearer token or shared secret from
 * the call's headers (HTTP headers; THeader info headers) before the handler runs, or the certificate
 * the client presented over mutual TLS; the client side sets the header on every call of a channel.
 *
 * Secrets are compared in constant time over their SHA-256 digests (Web Crypto, in Node and browsers
 * alike), so neither a secret's content nor its length shows in how long a refusal takes. A refusal is a
 * CallRefused: the client gets a TApplicationException saying what is missing or wrong, the server's
 * logger a `call-refused` event; neither ever holds what the client sent.
 */
import type { CallContext, PeerCertificate } from "../service.js";
import type { ClientInterceptor, ServerCall, ServerInterceptor } from "./interceptors.js";
import { CallRefused } from "./refused.js";

/** Lets a call through when it returns true. */
export type Verify<T> = (credential: T, ctx: CallContext) => boolean | Promise<boolean>;

interface CredentialOptions {
  /** Calls that need no credential (a health check, say): return true to let them through unchecked. */
  skip?: ((call: ServerCall) => boolean) | undefined;
}

export interface BearerAuthOptions extends CredentialOptions {
  /** The token clients must present. */
  token?: string | undefined;
  /** Tokens any of which is accepted (rotating: the old and the new). */
  tokens?: readonly string[] | undefined;
  /**
   * Decides instead (looks the token up, checks a signature, ...). A function that compares the token
   * with secrets of its own should do so in constant time: `secretsEqual`.
   */
  verify?: Verify<string> | undefined;
}

export interface SharedSecretAuthOptions extends CredentialOptions {
  /** The secret clients must present. */
  secret?: string | undefined;
  /** Secrets any of which is accepted (rotating: the old and the new). */
  secrets?: readonly string[] | undefined;
  /** The header that carries it, as is (no scheme). Default `x-api-key`. */
  header?: string | undefined;
}

export const DEFAULT_SECRET_HEADER = "x-api-key";

/**
 * A server interceptor that lets through only calls with an `Authorization: Bearer <token>` header
 * whose token is `token`, one of `tokens`, or one `verify` accepts.
 */
export function bearerAuth(options: BearerAuthOptions): ServerInterceptor {
  const check = options.verify ?? matcher(secretsOf(options.token, options.tokens, "bearerAuth", "token"));
  return credentialInterceptor(options, "Authorization", "a bearer token", (headers) => {
    const value = headers.get("authorization");
    if (value === null) return undefined;
    const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
    // The reason names no part of the value: a token sent without its scheme would be all of it.
    return match === null ? { malformed: "the Authorization header is not a Bearer token" } : { credential: match[1]! };
  }, check);
}

/** A server interceptor that lets through only calls whose `header` (default `x-api-key`) holds the secret. */
export function sharedSecretAuth(options: SharedSecretAuthOptions): ServerInterceptor {
  const header = (options.header ?? DEFAULT_SECRET_HEADER).toLowerCase();
  const check = matcher(secretsOf(options.secret, options.secrets, "sharedSecretAuth", "secret"));
  return credentialInterceptor(options, displayName(header), "a shared secret", (headers) => {
    const value = headers.get(header);
    return value === null ? undefined : { credential: value };
  }, check);
}

type Extracted = { credential: string } | { malformed: string } | undefined;

function credentialInterceptor(
  options: CredentialOptions,
  header: string,
  what: string,
  extract: (headers: Headers) => Extracted,
  check: Verify<string>,
): ServerInterceptor {
  const skip = options.skip;
  return (next) => async (call) => {
    if (skip?.(call) === true) return next(call);
    const ctx = call.ctx;
    const headers = ctx.requestHeaders;
    const found = extract(headers);
    if (found === undefined) {
      const bare = isEmpty(headers) ? " (the call carried no headers at all: framed and buffered TCP cannot carry them, HTTP and THeader can)" : "";
      throw new CallRefused(`unauthenticated: ${what} is required (the ${header} header)`, `no ${header} header${bare}`);
    }
    if ("malformed" in found) throw new CallRefused(`unauthenticated: ${found.malformed}`, found.malformed);
    if (!(await check(found.credential, ctx))) throw new CallRefused("unauthenticated: the credentials were not accepted", `${what} that was not accepted`);
    return next(call);
  };
}

export interface RequireClientCertificateOptions {
  /**
   * Decides which verified certificates may call (by `commonName`, `subjectAltNames`, `fingerprint256`,
   * and `ctx.service` / `ctx.method`). Default: every certificate that verified.
   */
  allow?: Verify<PeerCertificate> | undefined;
  /** Calls that need no certificate: return true to let them through unchecked. */
  skip?: ((call: ServerCall) => boolean) | undefined;
}

/**
 * A server interceptor for mutual TLS: lets through only calls whose client presented a certificate
 * that verified against the server's CAs (and that `allow` accepts). With a TLS server that requires
 * certificates (`clientCertificate: "require"`) the handshake already refused the rest; with one that
 * only requests them (`"request"`), this is where unverified or missing certificates are refused, with
 * a message the client sees.
 */
export function requireClientCertificate(options: RequireClientCertificateOptions = {}): ServerInterceptor {
  const { allow, skip } = options;
  return (next) => async (call) => {
    if (skip?.(call) === true) return next(call);
    const ctx = call.ctx;
    const cert = ctx.peerCertificate;
    if (cert === undefined) throw new CallRefused("unauthenticated: a client certificate is required", "no client certificate");
    if (!cert.authorized) {
      throw new CallRefused(
        "unauthenticated: the client certificate was not accepted",
        `client certificate ${describeCertificate(cert)} did not verify (${cert.authorizationError ?? "unknown reason"})`,
      );
    }
    if (allow !== undefined && !(await allow(cert, ctx))) {
      throw new CallRefused(`permission denied: this client may not call ${ctx.service}.${ctx.method}`, `client certificate ${describeCertificate(cert)} is not allowed`);
    }
    return next(call);
  };
}

/** `CN=name (SHA-256 AB:CD:...)`: who, for logs. */
export function describeCertificate(cert: PeerCertificate): string {
  return `${cert.commonName !== undefined ? `CN=${cert.commonName}` : "without a CN"} (SHA-256 ${cert.fingerprint256})`;
}

// ------------------------------------------------------------------------------------------------
// client side

/** The value, or a function that gives it per call (a token that is refreshed, say). */
export type CredentialSource = string | (() => string | Promise<string>);

/** A client interceptor that sends `Authorization: Bearer <token>` with every call that has none of its own. */
export function bearerToken(token: CredentialSource): ClientInterceptor {
  return headerInterceptor("authorization", token, (t) => `Bearer ${t}`);
}

/** A client interceptor that sends the secret in `header` (default `x-api-key`) with every call that has none of its own. */
export function sharedSecret(secret: CredentialSource, header: string = DEFAULT_SECRET_HEADER): ClientInterceptor {
  return headerInterceptor(header, secret, (s) => s);
}

function headerInterceptor(header: string, source: CredentialSource, format: (value: string) => string): ClientInterceptor {
  return (next) => async (call) => {
    const headers = call.requestHeaders;
    if (!headers.has(header)) headers.set(header, format(typeof source === "string" ? source : await source()));
    return next(call);
  };
}

// ------------------------------------------------------------------------------------------------
// constant-time comparison

/**
 * True when two strings are equal, in time that depends on neither (their SHA-256 digests are
 * compared, over every byte). For credentials; plain `===` stops at the first difference.
 */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([digest(a), digest(b)]);
  return constantTimeEqual(da, db);
}

/**
 * True when the two byte arrays are equal, looking at every byte whatever it finds. Arrays of different
 * lengths are unequal at once: compare digests, whose length is fixed, when the length is secret too.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const encoder = new TextEncoder();

async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

/** Checks a credential against every accepted secret's digest (all of them, whichever matches). */
function matcher(secrets: readonly string[]): Verify<string> {
  let digests: Promise<Uint8Array[]> | undefined;
  return async (credential) => {
    digests ??= Promise.all(secrets.map(digest));
    const [expected, got] = await Promise.all([digests, digest(credential)]);
    let ok = false;
    for (const d of expected) ok = constantTimeEqual(d, got) || ok;
    return ok;
  };
}

function secretsOf(one: string | undefined, many: readonly string[] | undefined, fn: string, what: string): string[] {
  const all = [...(one === undefined ? [] : [one]), ...(many ?? [])];
  if (all.length === 0) throw new TypeError(`${fn} needs a ${what} (or ${what}s${fn === "bearerAuth" ? ", or verify" : ""})`);
  if (all.some((s) => typeof s !== "string" || s.length === 0)) throw new TypeError(`${fn}: every ${what} must be a non-empty string`);
  return all;
}

function isEmpty(headers: Headers): boolean {
  for (const _ of headers.keys()) return false;
  return true;
}

/** `x-api-key` → `X-Api-Key`, for messages. */
function displayName(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
