// A CA and a broker certificate for 127.0.0.1/localhost, made with openssl, and
// the PKCS#12 keystore the broker reads. Test use only.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCertificates {
  /** PEM CA certificate: the client's ssl.ca.location. */
  readonly caFile: string;
  /** PKCS#12 keystore with the broker's key and certificate chain. */
  readonly keystoreFile: string;
  readonly keystorePassword: string;
}

export function makeCertificates(dir: string): TestCertificates {
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=metricstream test CA',
    '-keyout', file('ca.key'), '-out', file('ca.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('broker.key'), '-out', file('broker.csr'));
  writeFileSync(file('broker.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl('x509', '-req', '-in', file('broker.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', file('broker.ext'), '-out', file('broker.pem'));
  const keystorePassword = 'test-keystore';
  openssl('pkcs12', '-export', '-in', file('broker.pem'), '-inkey', file('broker.key'), '-certfile', file('ca.pem'),
    '-name', 'broker', '-passout', `pass:${keystorePassword}`, '-out', file('broker.p12'));
  return { caFile: file('ca.pem'), keystoreFile: file('broker.p12'), keystorePassword };
}
