/**
 * The ingress gateway's local certificate: a CA made for this machine alone and a server certificate
 * it signs for the catalog's `ingress.tls.localHosts` (localhost, 127.0.0.1), so
 * `https://localhost:8443` (make port-forward) verifies against `.secrets/gateway-ca.pem`. The CA's
 * private key is never written: nothing else can be signed with it, and a new certificate means a
 * new CA (delete both files and run `make secrets`). Beyond kind, use cert-manager or your own
 * Secret instead (docs/operations.md).
 */
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export interface GatewayTls {
  /** The CA certificate (PEM): what a client trusts. */
  readonly caPem: string;
  /** The server certificate (PEM) for the gateway's Secret (`tls.crt`). */
  readonly certPem: string;
  /** Its private key, PKCS#8 PEM (`tls.key`). */
  readonly keyPem: string;
}

export interface GatewayTlsOptions {
  /** DNS names and IP addresses the certificate is for. */
  readonly hosts: readonly string[];
  /** @default now */
  readonly notBefore?: Date;
  /**
   * Days the server certificate is valid (browsers refuse more than 398).
   * @default 397
   */
  readonly days?: number;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

const pem = (der: ArrayBuffer, label: string): string =>
  `${x509.PemConverter.encode(der, label).replace(/\r\n/g, '\n').trimEnd()}\n`;

export async function generateGatewayTls(options: GatewayTlsOptions): Promise<GatewayTls> {
  if (options.hosts.length === 0) throw new Error('generateGatewayTls: no hosts');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const notBefore = options.notBefore ?? new Date();
  const days = options.days ?? 397;
  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=mesh-kit local gateway CA',
    notBefore,
    notAfter: new Date(notBefore.getTime() + (days + 1) * DAY_MS),
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.hosts[0]}`,
    issuer: ca.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * DAY_MS),
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        options.hosts.map((h) => (isIP(h) === 0 ? { type: 'dns', value: h } : { type: 'ip', value: h })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const key = await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return { caPem: ca.toString('pem') + '\n', certPem: server.toString('pem') + '\n', keyPem: pem(key, 'PRIVATE KEY') };
}
