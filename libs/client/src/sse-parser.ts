// An incremental text/event-stream parser (HTML Standard, "Server-sent events", §9.2.6), for the SSE
// transport over fetch: EventSource cannot send headers, cannot be told where to resume per stream, and
// does not exist in Node. Pure; chunks may split anywhere, including between CR and LF.

export type SseItem =
  | { readonly kind: 'event'; readonly event: string; readonly data: string; readonly id: string | undefined }
  /** A comment line (the edge's heartbeats and its `: subscribed …` greeting). */
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'retry'; readonly ms: number };

export class SseParser {
  private buffer = '';
  /** Where the search for the next line end resumes (text before it has none). */
  private scanFrom = 0;
  private started = false;
  /** The previous chunk ended in CR: a LF opening the next chunk belongs to it. */
  private skipLineFeed = false;
  private eventType = '';
  private data: string[] = [];
  private lastEventId: string | undefined;

  /** Feeds decoded text; returns the items completed by it. */
  push(chunk: string): SseItem[] {
    const items: SseItem[] = [];
    let text = chunk;
    if (text.length === 0) return items;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLineFeed && text.startsWith('\n')) text = text.slice(1);
    this.skipLineFeed = false;
    this.buffer += text;
    const lineEnd = /[\r\n]/g;
    lineEnd.lastIndex = this.scanFrom;
    let start = 0;
    for (let match = lineEnd.exec(this.buffer); match !== null; match = lineEnd.exec(this.buffer)) {
      const end = match.index;
      let next = end + 1;
      if (this.buffer[end] === '\r') {
        if (next < this.buffer.length) {
          if (this.buffer[next] === '\n') next++;
        } else this.skipLineFeed = true;
      }
      this.line(this.buffer.slice(start, end), items);
      start = next;
      lineEnd.lastIndex = next;
    }
    this.buffer = this.buffer.slice(start);
    this.scanFrom = this.buffer.length;
    return items;
  }

  private line(line: string, items: SseItem[]): void {
    if (line === '') return this.dispatch(items);
    if (line.startsWith(':')) {
      items.push({ kind: 'comment', text: line.slice(1).replace(/^ /, '') });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        return;
      case 'data':
        this.data.push(value);
        return;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        return;
      case 'retry':
        if (/^\d+$/.test(value)) items.push({ kind: 'retry', ms: Number(value) });
        return;
      default:
        return; // unknown fields are ignored
    }
  }

  private dispatch(items: SseItem[]): void {
    const type = this.eventType;
    this.eventType = '';
    if (this.data.length === 0) return;
    const data = this.data.join('\n');
    this.data = [];
    items.push({ kind: 'event', event: type === '' ? 'message' : type, data, id: this.lastEventId });
  }
}
