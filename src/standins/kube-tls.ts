/** A serving certificate and its private key, PEM encoded. */
export interface ServingCertificate {
  cert: string;
  key: string;
}

/**
 * Makes a self-signed certificate for 127.0.0.1, ::1 and localhost, valid for one day. Clients trust it by
 * listing the certificate itself as their certificate authority.
 */
export async function createServingCertificate(commonName: string): Promise<ServingCertificate> {
  let generate: typeof import('selfsigned').generate;
  try {
    ({ generate } = await import('selfsigned'));
  } catch (error) {
    throw new Error(
      'the Kubernetes stand-in needs the "selfsigned" package to make its TLS certificate: ' +
        `run npm install without --omit=dev (${(error as Error).message})`,
    );
  }
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
