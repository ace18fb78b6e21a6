import { DeltaDecodeError } from './errors';
import { stringAt } from './generic';
import { setField } from './json';
import { MAX_CELLS, MAX_DEPTH, MAX_NESTED_ENTRIES } from './limits';
import type { ByteReader } from './reader';
import type { StringTable } from './strings';
import type { JsonRecord, JsonValue } from './types';
import type { ByteWriter } from './writer';

// Nested records are shredded into columns by path, so `properties.mag` or `geometry.coordinates[1]` of
// every record lands in one column and delta-codes like a top-level field would.
//
// A node is one path step: a key of an object or an index of an array, under a parent node (or the record
// itself). Array items past MAX_INDEX_NODE share that node, so a long list costs a bounded node table
// while short tuples (coordinates) still get a column per position.
//
// A shape is the exact structure of one object or array: its entries in order, each `node << 2 | tag`:
//   LEAF    the value is the next one in the node's column
//   OBJECT  followed by the shape id of that object
//   ARRAY   followed by the shape id of that array
// so key order, empty objects and arrays, and null versus a missing key all round-trip. Shapes are shared:
// a record's shape is one entry per field, and a nested object that recurs in the frame (the `repository`
// of every GitHub event) is written once however many records hold it. A shape only refers to shapes
// written before it. Values that are not shredded (past the per-frame budget) are LEAF values of a nested
// kind, written by the generic encoding (columns.ts).
//
// Wire form of the node table: count, then per node `parent + 1` (0: the record) and `label << 1 | isIndex`
// (label: string-table index of the key, or the array index). Parents precede their children.
// Wire form of a shape: entry count, then the entries (with their shape ids).

export const LEAF = 0;
export const OBJECT = 1;
export const ARRAY = 2;

/** Array items at this index and beyond share one node. */
export const MAX_INDEX_NODE = 15;

const ROOT = -1;

/**
 * How often each path holds a value in a frame (first pass of the encoder). A nested object or array is
 * shredded only where its paths recur — on average at least MIN_VALUES_PER_PATH values per child path —
 * since a column costs a few bytes of its own: a stable `repository` object is shredded, a bag of keys
 * that differ from record to record is written whole (generic encoding), as is everything in a frame of
 * one record.
 */
class PathStats {
  values = 0;
  keys: Map<string, PathStats> | undefined;
  items: PathStats[] | undefined;
  private shredded: boolean | undefined;

  observe(value: JsonValue | undefined, depth: number): void {
    this.values++;
    if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return;
    if (Array.isArray(value)) {
      const items = (this.items ??= []);
      for (let i = 0; i < value.length; i++) (items[Math.min(i, MAX_INDEX_NODE)] ??= new PathStats()).observe(value[i], depth + 1);
      return;
    }
    for (const key of Object.keys(value)) this.keyChild(key).observe(value[key], depth + 1);
  }

  keyChild(key: string): PathStats {
    const keys = (this.keys ??= new Map());
    let child = keys.get(key);
    if (child === undefined) keys.set(key, (child = new PathStats()));
    return child;
  }

  child(label: string | number): PathStats {
    const child = typeof label === 'number' ? this.items?.[label] : this.keys?.get(label);
    return child ?? EMPTY_STATS;
  }

  get shreds(): boolean {
    if (this.shredded === undefined) {
      let paths = 0;
      let values = 0;
      for (const child of this.keys?.values() ?? []) {
        paths++;
        values += child.values;
      }
      for (const child of this.items ?? []) {
        paths++;
        values += child.values;
      }
      this.shredded = values >= MIN_VALUES_PER_PATH * paths;
    }
    return this.shredded;
  }
}

const MIN_VALUES_PER_PATH = 2;
const EMPTY_STATS = new PathStats();

/** Encoder side: the node table and the columns' values, filled record by record. */
export class Shredder {
  readonly parents: number[] = [];
  /** Key of each node, or its array index. */
  readonly labels: (string | number)[] = [];
  readonly columns: { values: JsonValue[]; groups: number[] }[] = [];
  private readonly rootKeys = new Map<string, number>();
  private readonly childKeys: (Map<string, number> | undefined)[] = [];
  private readonly childIndexes: (number[] | undefined)[] = [];
  private nestedBudget = MAX_NESTED_ENTRIES;
  private readonly shapes: number[][] = [];
  private readonly shapeIds = new Map<string, number>();
  private readonly rootStats = new PathStats();
  private readonly stats: PathStats[] = [];

  /** First pass: counts the paths of a record's nested values, which decides what is shredded. */
  observe(record: JsonRecord, keys: readonly string[]): void {
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      const value = record[key];
      if (typeof value === 'object' && value !== null) this.rootStats.keyChild(key).observe(value, 0);
    }
  }

  /** Node of `key` under `parent` (ROOT for a top-level field). */
  keyNode(parent: number, key: string): number {
    const children = parent === ROOT ? this.rootKeys : (this.childKeys[parent] ??= new Map());
    let node = children.get(key);
    if (node === undefined) {
      node = this.addNode(parent, key);
      children.set(key, node);
    }
    return node;
  }

  /**
   * Appends the entry of a field's value to `entries` (the shape being built) and its leaves to their
   * columns. Throws TypeError for what JSON cannot hold and RangeError past MAX_DEPTH levels of nesting.
   */
  field(entries: number[], node: number, value: JsonValue | undefined, group: number, depth = 0): void {
    if (value === undefined) throw new TypeError(`delta-codec: a value at "${this.pathOf(node)}" is undefined, which is not JSON`);
    const array = Array.isArray(value);
    const keys = typeof value !== 'object' || value === null || array ? undefined : Object.keys(value);
    const size = array ? value.length : keys?.length;
    if (size === undefined || size >= this.nestedBudget || !(this.stats[node] ?? EMPTY_STATS).shreds) {
      entries.push(node << 2);
      const column = this.columns[node] as { values: JsonValue[]; groups: number[] };
      column.values.push(value);
      column.groups.push(group);
      return;
    }
    if (depth >= MAX_DEPTH) throw new RangeError(`delta-codec: values nest deeper than ${MAX_DEPTH} levels`);
    this.nestedBudget -= size + 1;
    const inner: number[] = [];
    if (array) {
      for (let i = 0; i < size; i++) this.field(inner, this.indexNode(node, i), value[i], group, depth + 1);
    } else {
      for (const key of keys ?? []) this.field(inner, this.keyNode(node, key), (value as JsonRecord)[key], group, depth + 1);
    }
    entries.push((node << 2) | (array ? ARRAY : OBJECT), this.shape(inner));
  }

  /** Id of the shape with these entries, added on first use (after the shapes its entries refer to). */
  shape(entries: number[]): number {
    const key = entries.join(',');
    let id = this.shapeIds.get(key);
    if (id === undefined) {
      id = this.shapes.length;
      this.shapeIds.set(key, id);
      this.shapes.push(entries);
    }
    return id;
  }

  /** Writes the node table, then the shapes. */
  write(writer: ByteWriter, strings: StringTable): void {
    writer.varint(this.parents.length);
    for (let node = 0; node < this.parents.length; node++) {
      writer.varint((this.parents[node] ?? ROOT) + 1);
      const label = this.labels[node] ?? 0;
      writer.varint(typeof label === 'number' ? label * 2 + 1 : strings.index(label) * 2);
    }
    writer.varint(this.shapes.length);
    for (const entries of this.shapes) {
      let count = 0;
      for (let i = 0; i < entries.length; i += ((entries[i] ?? 0) & 3) === LEAF ? 1 : 2) count++;
      writer.varint(count);
      for (const entry of entries) writer.varint(entry);
    }
  }

  private indexNode(parent: number, index: number): number {
    const children = (this.childIndexes[parent] ??= []);
    const at = Math.min(index, MAX_INDEX_NODE);
    return (children[at] ??= this.addNode(parent, at));
  }

  private addNode(parent: number, label: string | number): number {
    const node = this.parents.length;
    this.stats.push((parent === ROOT ? this.rootStats : (this.stats[parent] ?? EMPTY_STATS)).child(label));
    this.parents.push(parent);
    this.labels.push(label);
    this.columns.push({ values: [], groups: [] });
    return node;
  }

  private pathOf(node: number): string {
    const steps: string[] = [];
    for (let at = node; at !== ROOT; at = this.parents[at] ?? ROOT) {
      const label = this.labels[at];
      steps.push(typeof label === 'number' ? `[${label}]` : `.${label}`);
    }
    return steps.reverse().join('').replace(/^\./, '');
  }
}

/** Decoder side: a node's parent and key (undefined for an array index node). */
export interface Nodes {
  readonly parents: Int32Array;
  readonly keys: (string | undefined)[];
}

export function readNodes(reader: ByteReader, strings: readonly string[]): Nodes {
  const count = reader.count(2, 'node');
  const parents = new Int32Array(count);
  const keys = new Array<string | undefined>(count);
  for (let node = 0; node < count; node++) {
    const parent = reader.varint() - 1;
    if (parent >= node) throw new DeltaDecodeError(`node ${node} has parent ${parent}, which does not precede it`);
    parents[node] = parent;
    const label = reader.varint();
    keys[node] = label % 2 === 1 ? undefined : stringAt(strings, label / 2);
  }
  return { parents, keys };
}

/** Top-level fields of the pre-v2 format: every node a key of the record. */
export function topLevelNodes(names: string[]): Nodes {
  return { parents: new Int32Array(names.length).fill(ROOT), keys: names };
}

const KEY_NODES = 1;
const INDEX_NODES = 2;
const EMPTY = -2;
/** Entries a frame may expand to: what the encoder's caps allow together. */
export const MAX_ENTRIES = MAX_CELLS + MAX_NESTED_ENTRIES;

/** Decoded shapes, validated: every record built from them is a tree of bounded depth and size. */
export interface Shapes {
  /** Per shape: triples (node, tag, shape id of a container's contents). */
  readonly entries: Int32Array[];
  /** Entries a shape expands to, nested ones included (at most MAX_ENTRIES + 1). */
  readonly sizes: Float64Array;
  /** Parent node of a shape's entries (EMPTY for a shape without entries). */
  readonly parents: Int32Array;
  /** KEY_NODES | INDEX_NODES: the kinds of node among a shape's entries. */
  readonly kinds: Uint8Array;
}

/**
 * Reads the shapes, checking that each fits the node table — its entries are children of one node, a
 * container's contents are children of the container's node (key nodes in an object, index nodes in an
 * array), refer only to earlier shapes and nest at most MAX_DEPTH levels — and how many entries each
 * expands to, so a few bytes of shared shapes cannot make the decoder build an unbounded record.
 */
export function readShapes(reader: ByteReader, nodes: Nodes): Shapes {
  const count = reader.count(1, 'shape');
  const shapes: Shapes = {
    entries: new Array<Int32Array>(count),
    sizes: new Float64Array(count),
    parents: new Int32Array(count),
    kinds: new Uint8Array(count),
  };
  const depths = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    const entries = new Int32Array(reader.count(1, 'shape entry') * 3);
    let size = entries.length / 3;
    let depth = 0;
    let parent = EMPTY;
    let kinds = 0;
    for (let at = 0; at < entries.length; at += 3) {
      const entry = reader.varint();
      const node = Math.floor(entry / 4);
      const tag = entry % 4;
      if (node >= nodes.parents.length) throw new DeltaDecodeError(`node ${node} is out of range`);
      if (parent === EMPTY) parent = nodes.parents[node] ?? ROOT;
      else if (nodes.parents[node] !== parent) throw new DeltaDecodeError(`shape ${s} mixes children of different nodes`);
      kinds |= nodes.keys[node] === undefined ? INDEX_NODES : KEY_NODES;
      entries[at] = node;
      entries[at + 1] = tag;
      if (tag === LEAF) continue;
      if (tag !== OBJECT && tag !== ARRAY) throw new DeltaDecodeError(`unknown shape entry tag ${tag}`);
      const inner = reader.varint();
      if (inner >= s) throw new DeltaDecodeError(`shape ${s} refers to shape ${inner}, which does not precede it`);
      checkContents(shapes, inner, node, tag);
      entries[at + 2] = inner;
      size = Math.min(MAX_ENTRIES + 1, size + (shapes.sizes[inner] ?? 0));
      depth = Math.max(depth, (depths[inner] ?? 0) + 1);
    }
    if (depth > MAX_DEPTH) throw new DeltaDecodeError(`values nest deeper than ${MAX_DEPTH} levels`);
    shapes.entries[s] = entries;
    shapes.sizes[s] = size;
    shapes.parents[s] = parent;
    shapes.kinds[s] = kinds;
    depths[s] = depth;
  }
  return shapes;
}

/** Shapes of the version-1 format: the column ids of a record's keys, all leaves. */
export function flatShapes(columnLists: Int32Array[]): Shapes {
  return {
    entries: columnLists.map((columns) => {
      const entries = new Int32Array(columns.length * 3);
      for (let k = 0; k < columns.length; k++) entries[3 * k] = columns[k] ?? 0;
      return entries;
    }),
    sizes: Float64Array.from(columnLists, (columns) => columns.length),
    parents: Int32Array.from(columnLists, (columns) => (columns.length === 0 ? EMPTY : ROOT)),
    kinds: Uint8Array.from(columnLists, (columns) => (columns.length === 0 ? 0 : KEY_NODES)),
  };
}

/** Checks that `shape` may be the contents of a container of this node and tag. */
function checkContents(shapes: Shapes, shape: number, node: number, tag: number): void {
  const parent = shapes.parents[shape];
  if (parent === undefined) throw new DeltaDecodeError(`shape ${shape} is out of range`);
  const kinds = shapes.kinds[shape] ?? 0;
  if (parent !== EMPTY && (parent !== node || kinds !== (tag === ARRAY ? INDEX_NODES : KEY_NODES))) {
    throw new DeltaDecodeError(`shape ${shape} does not fit where it is used`);
  }
}

/** Checks that `shape` may be a record's, and returns how many entries it expands to. */
export function recordSize(shapes: Shapes, shape: number): number {
  checkContents(shapes, shape, ROOT, OBJECT);
  return shapes.sizes[shape] ?? 0;
}

/** Builds records from shapes and columns; each column is consumed in order. */
export class Assembler {
  private readonly cursors: Int32Array;

  constructor(
    private readonly shapes: Shapes,
    private readonly keys: (string | undefined)[],
    private readonly columns: JsonValue[][],
  ) {
    this.cursors = new Int32Array(keys.length);
  }

  record(shape: number): JsonRecord {
    const record: JsonRecord = {};
    this.fill(record, shape);
    return record;
  }

  private fill(target: JsonRecord | JsonValue[], shape: number): void {
    const entries = this.shapes.entries[shape] as Int32Array;
    for (let at = 0, i = 0; at < entries.length; at += 3, i++) {
      const node = entries[at] ?? 0;
      const tag = entries[at + 1];
      let value: JsonValue;
      if (tag === LEAF) {
        const cursor = this.cursors[node] ?? 0;
        this.cursors[node] = cursor + 1;
        value = this.columns[node]?.[cursor] ?? null;
      } else {
        value = tag === OBJECT ? {} : [];
        this.fill(value, entries[at + 2] ?? 0);
      }
      if (Array.isArray(target)) target[i] = value;
      else setField(target, this.keys[node] ?? '', value);
    }
  }
}
