import fc from 'fast-check';
import { SseParser, type SseItem } from './sse-parser';

const line = fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
const events = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('event' as const), event: fc.option(line.filter((s) => s !== ''), { nil: undefined }), data: fc.array(line, { minLength: 1, maxLength: 3 }), id: fc.option(line.filter((s) => !s.includes('\0')), { nil: undefined }) }),
    fc.record({ kind: fc.constant('comment' as const), text: line.filter((s) => !s.startsWith(' ')) }),
    fc.record({ kind: fc.constant('retry' as const), ms: fc.nat() }),
  ),
  { maxLength: 12 },
);

type Events = typeof events extends fc.Arbitrary<infer T> ? T : never;

function serialize(list: Events, eol: () => string): string {
  let text = '';
  for (const item of list) {
    if (item.kind === 'comment') text += `:${item.text}${eol()}`;
    else if (item.kind === 'retry') text += `retry: ${item.ms}${eol()}`;
    else {
      if (item.id !== undefined) text += `id: ${item.id}${eol()}`;
      if (item.event !== undefined) text += `event: ${item.event}${eol()}`;
      for (const data of item.data) text += `data: ${data}${eol()}`;
      text += eol();
    }
  }
  return text;
}

/** The items the serialized list must parse to (ids persist from one event to the next, per the standard). */
function expected(list: Events): SseItem[] {
  let id: string | undefined;
  return list.map((item): SseItem => {
    if (item.kind !== 'event') return item;
    if (item.id !== undefined) id = item.id;
    return { kind: 'event', event: item.event ?? 'message', data: item.data.join('\n'), id };
  });
}

function parseInChunks(text: string, cuts: number[]): SseItem[] {
  const parser = new SseParser();
  const items: SseItem[] = [];
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (text.length + 1))].sort((a, b) => a - b)) {
    items.push(...parser.push(text.slice(at, cut)));
    at = cut;
  }
  items.push(...parser.push(text.slice(at)));
  return items;
}

describe('SseParser', () => {
  it('parses any event stream the same however it is chunked and whichever line ends it uses', () => {
    fc.assert(
      // One line-end style per stream (a CR then a separate LF would be one CRLF, by definition).
      fc.property(events, fc.constantFrom('\n', '\r\n', '\r'), fc.array(fc.nat(), { maxLength: 10 }), (list, eol, cuts) => {
        const text = serialize(list, () => eol);
        expect(parseInChunks(text, cuts)).toEqual(expected(list));
      }),
      { numRuns: 2000 },
    );
  });

  it('handles the standard examples: BOM, field without colon, unknown fields, no trailing blank line', () => {
    const parser = new SseParser();
    expect(parser.push('\ufeffdata\nfoo: bar\ndata:x\n\n')).toEqual([{ kind: 'event', event: 'message', data: '\nx', id: undefined }]);
    expect(parser.push('event: gap\ndata: {"a":1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ kind: 'event', event: 'gap', data: '{"a":1}', id: undefined }]);
    expect(parser.push('event: nodata\n\nretry: x\n')).toEqual([]);
  });

  it('reads a frame line split into many small chunks without rescanning it each time', () => {
    const parser = new SseParser();
    const data = 'A'.repeat(200_000);
    const text = `event: frame\ndata: ${data}\n\n`;
    const items: SseItem[] = [];
    for (let i = 0; i < text.length; i += 100) items.push(...parser.push(text.slice(i, i + 100)));
    expect(items).toEqual([{ kind: 'event', event: 'frame', data, id: undefined }]);
  });
});
