/**
 * Cross-origin requests from browsers: which origins may call, what a preflight is answered, and what
 * every response to an allowed origin carries. A preflight echoes the headers the browser asks for
 * (`Authorization`, tracing headers ...), unlike Apache's Node server, whose fixed list refuses them.
 */

export interface CorsOptions {
  /** Allowed origins: `*` (any), a list of exact origins (`https://app.example.com`), or a test. */
  origins: "*" | readonly string[] | ((origin: string) => boolean);
  /** Allow cookies and HTTP authentication (`Access-Control-Allow-Credentials: true`). Default false. */
  credentials?: boolean | undefined;
  /** Request headers a preflight allows; default: whatever the browser asks for. */
  allowHeaders?: readonly string[] | undefined;
  /** Response headers browser code may read, besides those the handler sets (always exposed). */
  exposeHeaders?: readonly string[] | undefined;
  /** How long browsers may cache a preflight, in seconds. Default 600. */
  maxAgeSeconds?: number | undefined;
}

export class Cors {
  private readonly allow: (origin: string) => boolean;

  constructor(private readonly options: CorsOptions) {
    const origins = options.origins;
    if (origins === "*") this.allow = () => true;
    else if (typeof origins === "function") this.allow = origins;
    else if (Array.isArray(origins)) {
      const set = new Set(origins.map((o) => o.replace(/\/$/, "").toLowerCase()));
      this.allow = (origin) => set.has(origin.toLowerCase());
    } else throw new TypeError(`cors.origins must be "*", a list of origins or a function, got ${typeof origins}`);
  }

  /** True when `origin` may call. */
  allows(origin: string): boolean {
    return this.allow(origin);
  }

  /** The headers of a preflight answer for an allowed origin. */
  preflight(origin: string, methods: readonly string[], requestHeaders: string | undefined): Record<string, string> {
    const headers = this.common(origin);
    headers["access-control-allow-methods"] = methods.join(", ");
    const allowHeaders = this.options.allowHeaders?.join(", ") ?? requestHeaders;
    if (allowHeaders) headers["access-control-allow-headers"] = allowHeaders;
    headers["access-control-max-age"] = String(this.options.maxAgeSeconds ?? 600);
    headers["vary"] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
    return headers;
  }

  /** The headers of an answer to an allowed origin; `set` are the response headers the handler set. */
  response(origin: string, set: Iterable<string>): Record<string, string> {
    const headers = this.common(origin);
    const exposed = new Set([...(this.options.exposeHeaders ?? []), ...set].map((h) => h.toLowerCase()));
    if (exposed.size > 0) headers["access-control-expose-headers"] = [...exposed].join(", ");
    headers["vary"] = "Origin";
    return headers;
  }

  private common(origin: string): Record<string, string> {
    const credentials = this.options.credentials === true;
    // `*` cannot be combined with credentials: echo the origin then.
    const headers: Record<string, string> = { "access-control-allow-origin": this.options.origins === "*" && !credentials ? "*" : origin };
    if (credentials) headers["access-control-allow-credentials"] = "true";
    return headers;
  }
}
