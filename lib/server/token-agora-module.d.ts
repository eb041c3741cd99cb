/**
 * Types for the part of agora-token's AccessToken2 implementation that
 * token-agora.ts uses (and its spec, to build tokens with a given issue
 * time): the package's own typings declare its builders only, not the class
 * that parses and verifies a token. Field names are the package's (version
 * pinned in package.json for that reason).
 */
declare module 'agora-token/src/AccessToken2.js' {
  /** One service of a parsed token. */
  interface ParsedService {
    service_type(): number;
  }

  /** The RTM service (type 2) as parsed: the user id and privilege → seconds after issue. */
  interface ParsedRtmService extends ParsedService {
    readonly __user_id: Buffer;
    readonly __privileges: Readonly<Record<number, number>>;
  }

  /** A token as `from_string` leaves it. */
  interface ParsedAccessToken2 {
    /** After `from_string`: the app id's bytes. */
    readonly appId: Buffer;
    /** Seconds since the epoch. */
    readonly issueTs: number;
    /** The whole token's lifetime, seconds after `issueTs`. */
    readonly expire: number;
    /** Parses a `007…` token; false for anything else (it catches its own errors). */
    from_string(token: string): boolean;
    /** HMAC-SHA256 of the parsed signing info with the key derived from the certificate, compared in constant time. */
    verifySignature(appCertificate: string): boolean;
    getServices(serviceType: number): ParsedService[];
  }

  /** A token being built: `issueTs` in seconds since the epoch, `expire` in seconds after it. */
  interface AccessToken2Builder {
    add_service(service: ServiceRtmBuilder): void;
    /** The token, or '' when the app id or certificate is not 32 hex digits. */
    build(): string;
  }

  interface ServiceRtmBuilder {
    /** `expire`: seconds after the token's issue time. */
    add_privilege(privilege: number, expire: number): void;
  }

  const accessToken2: {
    AccessToken2: {
      new (): ParsedAccessToken2;
      new (appId: string, appCertificate: string, issueTs: number, expire: number): AccessToken2Builder;
    };
    kRtmServiceType: number;
    ServiceRtm: { new (userId: string): ServiceRtmBuilder; readonly kPrivilegeLogin: number };
  };
  export default accessToken2;
  export type { ParsedAccessToken2, ParsedRtmService };
}
