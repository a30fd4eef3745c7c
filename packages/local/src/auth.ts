import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { errors, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from "jose";

/**
 * The local stand-in for API Gateway's JWT authorizer and for the identity provider behind it: an
 * ES256 key (generated per run, or kept under `.siyu` with `--persist`), tokens minted with it, and
 * verification with the same checks API Gateway makes (signature, `iss`, `aud`/`client_id`, `exp`,
 * `nbf`) followed by the route's scopes (`scope` claim, space separated, or `scp` array).
 */

export const LOCAL_AUDIENCE = "siyu-local";
const ALG = "ES256";

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

export interface MintTokenOptions {
  scopes: readonly string[];
  /** jose duration (`"1h"`, `"30d"`) or seconds from now; negative seconds mint an expired token. */
  expiresIn?: string | number;
  issuer?: string;
  audience?: string;
  subject?: string;
  /** Extra claims (e.g. `username`, `cognito:groups`). */
  claims?: Record<string, unknown>;
}

export type MintToken = (opts: MintTokenOptions) => Promise<string>;

export type VerifyResult =
  | { ok: true; claims: JWTPayload; scopes: string[] }
  | { ok: false; status: 401; detail: string }
  | { ok: false; status: 403; detail: string };

export class DevIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly kid: string;
  private readonly privateKey: VerifyKey;
  private readonly publicKey: VerifyKey;
  readonly publicJwk: JWK;

  private constructor(issuer: string, audience: string, kid: string, privateKey: VerifyKey, publicKey: VerifyKey, publicJwk: JWK) {
    this.issuer = issuer;
    this.audience = audience;
    this.kid = kid;
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.publicJwk = publicJwk;
  }

  /** A new key pair, or the one stored in `keyFile` (created there if missing). */
  static async create(opts: { issuer: string; audience?: string; keyFile?: string }): Promise<DevIssuer> {
    let privateJwk: JWK | undefined;
    if (opts.keyFile && existsSync(opts.keyFile)) {
      privateJwk = JSON.parse(readFileSync(opts.keyFile, "utf8")) as JWK;
    }
    if (!privateJwk) {
      const pair = await generateKeyPair(ALG, { extractable: true });
      privateJwk = { ...(await exportJWK(pair.privateKey)), alg: ALG, kid: `siyu-local-${Date.now().toString(36)}` };
      if (opts.keyFile) {
        mkdirSync(dirname(opts.keyFile), { recursive: true });
        writeFileSync(opts.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
      }
    }
    const { d: _d, ...publicJwk } = privateJwk;
    const kid = privateJwk.kid ?? "siyu-local";
    const privateKey = await importJWK(privateJwk, ALG);
    const publicKey = await importJWK(publicJwk, ALG);
    return new DevIssuer(opts.issuer, opts.audience ?? LOCAL_AUDIENCE, kid, privateKey, publicKey, { ...publicJwk, use: "sig", alg: ALG, kid });
  }

  mint: MintToken = async (opts) => {
    const jwt = new SignJWT({ scope: opts.scopes.join(" "), token_use: "access", ...opts.claims })
      .setProtectedHeader({ alg: ALG, kid: this.kid, typ: "JWT" })
      .setIssuer(opts.issuer ?? this.issuer)
      .setAudience(opts.audience ?? this.audience)
      .setSubject(opts.subject ?? "local-dev")
      .setIssuedAt()
      .setJti(crypto.randomUUID());
    const exp = opts.expiresIn ?? "1h";
    if (typeof exp === "number") jwt.setExpirationTime(Math.floor(Date.now() / 1000) + exp);
    else jwt.setExpirationTime(exp);
    return jwt.sign(this.privateKey);
  };

  /** Verify the `Authorization` header for a route that accepts any of `requiredScopes`. */
  async verify(authorization: string | undefined, requiredScopes: readonly string[]): Promise<VerifyResult> {
    if (!authorization) return { ok: false, status: 401, detail: "The request has no Authorization header; send `Authorization: Bearer <token>`." };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, status: 401, detail: "The Authorization header is not of the form `Bearer <token>`." };
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(m[1]!, this.publicKey, { issuer: this.issuer, algorithms: [ALG], clockTolerance: 0 }));
    } catch (err) {
      return { ok: false, status: 401, detail: describeJwtError(err) };
    }
    const aud = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const clientId = typeof claims["client_id"] === "string" ? claims["client_id"] : undefined;
    if (!aud.includes(this.audience) && clientId !== this.audience) {
      return { ok: false, status: 401, detail: `The token's audience is not "${this.audience}".` };
    }
    const scopes = tokenScopes(claims);
    if (requiredScopes.length > 0 && !requiredScopes.some((s) => scopes.includes(s))) {
      return {
        ok: false,
        status: 403,
        detail: `This route needs one of the scopes ${requiredScopes.join(", ")}; the token has ${scopes.length ? scopes.join(", ") : "none"}.`,
      };
    }
    return { ok: true, claims, scopes };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }
}

export function tokenScopes(claims: JWTPayload): string[] {
  const scope = claims["scope"];
  if (typeof scope === "string") return scope.split(/\s+/).filter(Boolean);
  const scp = claims["scp"];
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === "string");
  return [];
}

/**
 * Claims as API Gateway hands them to the function: every value a string, arrays as `[a b]`
 * (numbers like `exp` arrive as strings too).
 */
export function claimsAsApiGateway(claims: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) out[k] = `[${v.map(String).join(" ")}]`;
    else if (typeof v === "object") out[k] = JSON.stringify(v);
    else out[k] = String(v);
  }
  return out;
}

function describeJwtError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "The token has expired.";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "iss") return "The token was not issued by this platform's issuer.";
    if (err.claim === "nbf") return "The token is not valid yet.";
    return `The token's "${err.claim}" claim is not valid.`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return "The token's signature does not verify.";
  if (err instanceof errors.JOSEAlgNotAllowed) return "The token is not signed with ES256.";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return "The token is malformed.";
  return "The token is not valid.";
}
