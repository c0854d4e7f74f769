// TLS settings a user gives for wss:// targets (and for https:// proxies); passed to node:tls.

import type { PeerCertificate, SecureVersion } from 'node:tls';

/** TLS settings for wss:// connections; passed to node:tls. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM); replaces the default list. */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Client certificate chain (PEM). */
  cert?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Client private key (PEM). */
  key?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Passphrase of `key` or `pfx`. */
  passphrase?: string;
  /** PKCS#12 bundle with the client key and certificate. */
  pfx?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Server name for SNI and certificate checks; defaults to the URL host. */
  servername?: string;
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
  /**
   * Checks the server's host name against its certificate; return an Error to refuse it
   * (default: node:tls `checkServerIdentity`). The chain is verified either way.
   */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  /** Lowest TLS version to accept, e.g. 'TLSv1.2'. */
  minVersion?: SecureVersion;
}
