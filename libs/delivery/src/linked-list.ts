/** A node of one LinkedList; keep it to remove the value in O(1). */
export interface ListNode<T> {
  readonly value: T;
  prev: ListNode<T> | undefined;
  next: ListNode<T> | undefined;
  list: LinkedList<T> | undefined;
}

/**
 * Doubly linked list with O(1) push, insert-before and removal anywhere. The connection queue needs
 * removal from the middle (dropping one stream's frames among others') without the dead slots an
 * array-backed queue would accumulate while a client is blocked.
 */
export class LinkedList<T> {
  private head: ListNode<T> | undefined;
  private tail: ListNode<T> | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  first(): ListNode<T> | undefined {
    return this.head;
  }

  push(value: T): ListNode<T> {
    const node: ListNode<T> = { value, prev: this.tail, next: undefined, list: this };
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.count++;
    return node;
  }

  /** Inserts before `anchor`, which must belong to this list. */
  insertBefore(anchor: ListNode<T>, value: T): ListNode<T> {
    if (anchor.list !== this) throw new Error('insertBefore: the anchor belongs to another list');
    const node: ListNode<T> = { value, prev: anchor.prev, next: anchor, list: this };
    if (anchor.prev) anchor.prev.next = node;
    else this.head = node;
    anchor.prev = node;
    this.count++;
    return node;
  }

  /** Removes the node; a node already removed (or from another list) is left alone. */
  remove(node: ListNode<T>): void {
    if (node.list !== this) return;
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = undefined;
    node.next = undefined;
    node.list = undefined;
    this.count--;
  }

  clear(): void {
    for (let node = this.head; node; ) {
      const next = node.next;
      node.prev = undefined;
      node.next = undefined;
      node.list = undefined;
      node = next;
    }
    this.head = undefined;
    this.tail = undefined;
    this.count = 0;
  }

  *values(): IterableIterator<T> {
    for (let node = this.head; node; node = node.next) yield node.value;
  }
}
