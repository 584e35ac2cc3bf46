/**
 * Certificates made at test time (nothing that could pass for a real key is committed): a test CA
 * and server certificates it signs, written as PEM files into a temp folder.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import selfsigned from 'selfsigned';
import { tempDir } from './cli.js';

export interface Pem {
  cert: string;
  key: string;
  /** The certificate's file. */
  certFile: string;
  keyFile: string;
}

const DAY_MS = 86_400_000;

function write(name: string, cert: string, key: string): Pem {
  const dir = tempDir('vorel-tls-');
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}-key.pem`);
  writeFileSync(certFile, cert);
  writeFileSync(keyFile, key, { mode: 0o600 });
  return { cert, key, certFile, keyFile };
}

/** A CA that only this test run trusts. */
export async function testCa(name = 'vorel-sync test CA'): Promise<Pem> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return write('ca', pems.cert, pems.private);
}

/** A server certificate signed by `ca` for these IP addresses; `expired` makes it a week out of date. */
export async function serverCert(ca: Pem, ips: readonly string[], opts: { expired?: boolean } = {}): Promise<Pem> {
  const now = Date.now();
  const dates = opts.expired ? { notBeforeDate: new Date(now - 30 * DAY_MS), notAfterDate: new Date(now - 7 * DAY_MS) } : {};
  const pems = await selfsigned.generate([{ name: 'commonName', value: ips[0] ?? 'server' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.key, cert: ca.cert },
    ...dates,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: ips.map((ip) => ({ type: 7, ip })) },
    ],
  });
  return write('server', pems.cert, pems.private);
}

/** A certificate for these IP addresses that signs itself, as `openssl req -x509` makes one (trusted by no one). */
export async function selfSignedCert(ips: readonly string[]): Promise<Pem> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: ips[0] ?? 'server' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: ips.map((ip) => ({ type: 7, ip })) },
    ],
  });
  return write('self-signed', pems.cert, pems.private);
}
