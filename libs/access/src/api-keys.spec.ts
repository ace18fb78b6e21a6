import { apiKeyRingFromFiles, generateApiKey, hashApiKey, verifyApiKey } from './api-keys';
import { KeyMaterialError } from './jwt-keys';

describe('API keys', () => {
  const billing = generateApiKey();
  const reports = generateApiKey();
  const ring = apiKeyRingFromFiles([
    { name: 'keys', text: `# backend services\nbilling ${hashApiKey(billing)} sensors,iot.*\n\nreports   ${hashApiKey(reports)}   *   # all streams\n` },
  ]);

  it('verifies a presented key against the stored hashes', () => {
    expect(verifyApiKey(billing, ring)).toEqual({ kind: 'apiKey', id: 'apiKey:billing', streams: ['sensors', 'iot.*'] });
    expect(verifyApiKey(reports, ring)).toEqual({ kind: 'apiKey', id: 'apiKey:reports', streams: ['*'] });
    expect(verifyApiKey(`${billing}x`, ring)).toBeUndefined();
    expect(verifyApiKey('', ring)).toBeUndefined();
    expect(verifyApiKey(hashApiKey(billing), ring)).toBeUndefined();
    expect(verifyApiKey('x'.repeat(10_000), ring)).toBeUndefined();
  });

  it('generates 256-bit keys with a recognisable prefix and hashes them as sha256:<hex>', () => {
    expect(billing).toMatch(/^dsk_[A-Za-z0-9_-]{43}$/);
    expect(hashApiKey('test')).toBe('sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
  });

  it('reports every malformed line with file and line number', () => {
    try {
      apiKeyRingFromFiles([
        { name: 'a', text: `ok ${hashApiKey('k')} s\nok ${hashApiKey('j')} s\nplain secret-in-clear s\nbad/name ${hashApiKey('x')} s\nnostreams ${hashApiKey('y')}\nupper ${hashApiKey('z')} Sensors` },
      ]);
      throw new Error('expected a KeyMaterialError');
    } catch (error) {
      expect((error as KeyMaterialError).problems).toEqual([
        'a:2: duplicate key name "ok"',
        expect.stringMatching(/^a:3: the hash must be sha256:<64 hex digits>/),
        expect.stringMatching(/^a:4: name must be/),
        expect.stringMatching(/^a:5: expected/),
        expect.stringMatching(/^a:6: streams must be/),
      ]);
    }
  });
});
