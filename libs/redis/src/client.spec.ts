import { redactUrl } from './client';

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('redis://user:s3cret@10.0.0.1:6380/2')).toBe('redis://user:***@10.0.0.1:6380/2');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('never echoes an unparseable URL (it may hold a secret)', () => {
    expect(redactUrl('not a url with pa55word')).toBe('[unparseable redis url]');
  });
});
