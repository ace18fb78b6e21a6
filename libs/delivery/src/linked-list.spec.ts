import fc from 'fast-check';
import { LinkedList, type ListNode } from './linked-list';

describe('LinkedList', () => {
  it('pushes, inserts before and removes anywhere', () => {
    const list = new LinkedList<string>();
    const b = list.push('b');
    const d = list.push('d');
    list.insertBefore(b, 'a');
    list.insertBefore(d, 'c');
    expect([...list.values()]).toEqual(['a', 'b', 'c', 'd']);
    list.remove(b);
    list.remove(b);
    expect([...list.values()]).toEqual(['a', 'c', 'd']);
    expect(list.size).toBe(3);
    list.clear();
    expect(list.size).toBe(0);
    expect(list.first()).toBeUndefined();
  });

  it('refuses an anchor from another list and ignores its nodes on remove', () => {
    const one = new LinkedList<number>();
    const other = new LinkedList<number>();
    const foreign = other.push(1);
    one.push(2);
    expect(() => one.insertBefore(foreign, 3)).toThrow('another list');
    one.remove(foreign);
    expect([...other.values()]).toEqual([1]);
    expect([...one.values()]).toEqual([2]);
  });

  it('behaves like an array under any mix of operations (property)', () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant('push' as const), value: fc.integer() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer() }),
      fc.record({ op: fc.constant('remove' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const list = new LinkedList<number>();
        const model: Array<ListNode<number>> = [];
        for (const operation of operations) {
          if (operation.op === 'push') model.push(list.push(operation.value));
          else if (model.length > 0) {
            const index = operation.at % model.length;
            const anchor = model[index];
            if (!anchor) throw new Error('index out of range');
            if (operation.op === 'insert') model.splice(index, 0, list.insertBefore(anchor, operation.value));
            else {
              list.remove(anchor);
              model.splice(index, 1);
            }
          }
          expect([...list.values()]).toEqual(model.map((node) => node.value));
          expect(list.size).toBe(model.length);
          expect(list.first()?.value).toBe(model[0]?.value);
        }
      }),
    );
  });
});
