/** The client's certificate, read off a TLS socket as the plain data handlers see (`ctx.peerCertificate`). */
import type { DetailedPeerCertificate, PeerCertificate as NodePeerCertificate, TLSSocket } from "node:tls";
import type { PeerCertificate } from "../service.js";

/** The certificate the peer presented, or undefined when it presented none. */
export function peerCertificateOf(socket: TLSSocket): PeerCertificate | undefined {
  const cert = socket.getPeerCertificate(false) as Partial<NodePeerCertificate> | null;
  if (cert === null || cert.raw === undefined) return undefined;
  const subject = attributes(cert.subject);
  const cn = subject["CN"];
  return {
    authorized: socket.authorized,
    ...(!socket.authorized && {
      authorizationError: String(socket.authorizationError ?? "unknown"),
    }),
    subject,
    commonName: Array.isArray(cn) ? cn[0] : (cn as string | undefined),
    issuer: attributes(cert.issuer),
    subjectAltNames: cert.subjectaltname === undefined ? [] : parseSubjectAltNames(cert.subjectaltname),
    fingerprint256: cert.fingerprint256 ?? "",
    serialNumber: (cert.serialNumber ?? "").toUpperCase(),
    validFrom: new Date(cert.valid_from ?? NaN),
    validTo: new Date(cert.valid_to ?? NaN),
  };
}

/** A copy with only string and string-list values (Node's objects have a null prototype). */
function attributes(names: DetailedPeerCertificate["subject"] | undefined): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  if (names === undefined || names === null) return out;
  for (const [key, value] of Object.entries(names as unknown as Record<string, unknown>)) {
    if (typeof value === "string") out[key] = value;
    else if (Array.isArray(value)) out[key] = value.map(String);
  }
  return out;
}

/**
 * Node's `subjectaltname` string (`DNS:a, IP Address:127.0.0.1, URI:"x, y"`: values with commas or
 * quotes are JSON-quoted) as a list, with `IP Address:` written `IP:` as in OpenSSL's configuration.
 */
export function parseSubjectAltNames(text: string): string[] {
  const names: string[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(":", i);
    if (colon < 0) break;
    const type = text.slice(i, colon).trim();
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      // A JSON string: find its closing quote (one not escaped).
      let j = colon + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      value = JSON.parse(text.slice(colon + 1, j + 1)) as string;
      end = text.indexOf(",", j + 1);
    } else {
      end = text.indexOf(", ", colon + 1);
      value = text.slice(colon + 1, end < 0 ? text.length : end);
    }
    names.push(`${type === "IP Address" ? "IP" : type}:${value}`);
    if (end < 0) break;
    i = end + 1;
    while (text[i] === " ") i++;
  }
  return names;
}
