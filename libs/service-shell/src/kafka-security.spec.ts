import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, kafkaEnvSchema, kafkaSecurityFrom, parseConfig } from './config';

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Kafka TLS and SASL from the environment', () => {
  it('is plaintext without settings', () => {
    expect(kafkaSecurityFrom(parseConfig('t', kafkaEnvSchema, {}))).toEqual({});
  });

  it('turns on TLS, reads the CA and client certificate files, and SASL', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ds-tls-'));
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, name), pem);
    const config = parseConfig('t', kafkaEnvSchema, {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: path.join(dir, 'ca.pem'),
      KAFKA_SSL_CERT_FILE: path.join(dir, 'cert.pem'),
      KAFKA_SSL_KEY_FILE: path.join(dir, 'key.pem'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'deltastream',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(kafkaSecurityFrom(config)).toEqual({
      ssl: { rejectUnauthorized: true, ca: [pem], cert: pem, key: pem },
      sasl: { mechanism: 'scram-sha-512', username: 'deltastream', password: 's3cret' },
    });
    expect(kafkaSecurityFrom(parseConfig('t', kafkaEnvSchema, { KAFKA_SSL: 'true' }))).toEqual({ ssl: true });
  });

  it('refuses unreadable files, non-PEM files and unknown mechanisms, naming the key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ds-tls-'));
    writeFileSync(path.join(dir, 'junk.txt'), 'not a certificate');
    const attempt = () =>
      parseConfig('t', kafkaEnvSchema, { KAFKA_SSL: 'maybe', KAFKA_SSL_CA_FILE: path.join(dir, 'missing.pem'), KAFKA_SSL_CERT_FILE: path.join(dir, 'junk.txt'), KAFKA_SASL_MECHANISM: 'kerberos' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/KAFKA_SSL: expected true or false/);
      expect(problems).toMatch(/KAFKA_SSL_CA_FILE: .*missing\.pem cannot be read: ENOENT/);
      expect(problems).toMatch(/KAFKA_SSL_CERT_FILE: .*junk\.txt is not a PEM file/);
      expect(problems).toMatch(/KAFKA_SASL_MECHANISM/);
    }
  });
});
