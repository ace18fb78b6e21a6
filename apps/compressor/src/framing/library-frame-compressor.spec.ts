import { Codec, PayloadEncoding } from '@deltastream/contracts';
import { decodeFramePayload, fromProtoCodec } from '@deltastream/compression';
import { decodeRecords, encodeRecords, recordsFromJson, type JsonRecord } from '@deltastream/delta-codec';
import { LibraryFrameCompressor } from './library-frame-compressor';
import type { CompressedPayload } from './frame-compressor.port';

/**
 * A few GitHub-like webhook payloads (nested, URL-heavy, every record about another repository): in a
 * frame this small, LZ matching over the JSON text beats the delta form's string table and columns.
 */
function urlHeavy(count: number): JsonRecord[] {
  let state = 17;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const word = () => `${['octo', 'hello', 'world', 'spoon', 'knife', 'cat', 'api', 'kit'][Math.floor(random() * 8)]}${Math.floor(random() * 100)}`;
  const user = (login: string): JsonRecord => {
    const url = `https://api.github.com/users/${login}`;
    return { login, id: Math.floor(random() * 1e8), avatar_url: `https://avatars.githubusercontent.com/u/${Math.floor(random() * 1e8)}?v=4`, url, html_url: `https://github.com/${login}`, followers_url: `${url}/followers`, gists_url: `${url}/gists{/gist_id}`, repos_url: `${url}/repos`, type: 'User', site_admin: false };
  };
  return Array.from({ length: count }, (_, i) => {
    const [owner, name, number] = [word(), word(), Math.floor(random() * 5000)];
    const repo = `https://api.github.com/repos/${owner}/${name}`;
    const issue = { url: `${repo}/issues/${number}`, repository_url: repo, labels_url: `${repo}/issues/${number}/labels{/name}`, comments_url: `${repo}/issues/${number}/comments`, html_url: `https://github.com/${owner}/${name}/issues/${number}`, id: Math.floor(random() * 1e9), number, title: `Fix the ${word()} in ${word()}`, user: user(owner) };
    return { id: `issue:${issue.id}`, version: i, payload: { action: 'opened', issue, sender: user(word()) } };
  });
}

const sensorLike = (count: number): JsonRecord[] => Array.from({ length: count }, (_, i) => ({ id: `s-${i % 10}`, t: 1_700_000_000_000 + i * 1000, temp: 20 + (i % 7) / 10, status: 'ok' }));

function recordsOf(result: CompressedPayload): JsonRecord[] {
  const raw = decodeFramePayload({ codec: fromProtoCodec(result.codec), payload: result.payload, rawSize: result.rawSize, checksum: result.crc32c }, { maxBytes: 1 << 24 });
  return result.encoding === PayloadEncoding.JSON ? recordsFromJson(raw) : decodeRecords(raw);
}

describe('LibraryFrameCompressor', () => {
  const zstd = new LibraryFrameCompressor(new Map([['s', { codec: 'zstd' as const }]]));

  it('sends the JSON form of a delta payload when it compresses smaller, and it decodes to the same records', () => {
    const records = urlHeavy(5);
    const result = zstd.compress('s', encodeRecords(records, { entityKey: 'id' }), PayloadEncoding.DELTA_V1);
    expect(result.encoding).toBe(PayloadEncoding.JSON);
    expect(result.codec).toBe(Codec.ZSTD);
    expect(recordsOf(result)).toEqual(records);
  });

  it('keeps the delta form where it is smaller', () => {
    const records = sensorLike(200);
    const result = zstd.compress('s', encodeRecords(records, { entityKey: 'id' }), PayloadEncoding.DELTA_V1);
    expect(result.encoding).toBe(PayloadEncoding.DELTA_V1);
    expect(recordsOf(result)).toEqual(records);
  });

  it('keeps the delta form when JSON cannot carry the records exactly (-0)', () => {
    const records = urlHeavy(5).map((r, i) => (i === 3 ? { ...r, z: -0 } : r));
    const result = zstd.compress('s', encodeRecords(records, { entityKey: 'id' }), PayloadEncoding.DELTA_V1);
    expect(result.encoding).toBe(PayloadEncoding.DELTA_V1);
    expect(Object.is(recordsOf(result)[3]?.['z'], -0)).toBe(true);
  });

  it('passes a payload that is not a delta payload through in its own encoding', () => {
    const garbage = new TextEncoder().encode('x'.repeat(4000));
    expect(zstd.compress('s', garbage, PayloadEncoding.DELTA_V1).encoding).toBe(PayloadEncoding.DELTA_V1);
    const json = new TextEncoder().encode(JSON.stringify(sensorLike(100)));
    expect(zstd.compress('s', json, PayloadEncoding.JSON).encoding).toBe(PayloadEncoding.JSON);
  });
});
