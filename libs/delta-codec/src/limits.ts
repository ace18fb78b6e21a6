/**
 * First byte of every frame: high nibble 0xD marks a delta-codec frame, low nibble is the format version.
 * The encoder writes version 2 (nested values shredded into columns); the decoder also reads version 1
 * (top-level columns only), which frames kept in Kafka from earlier releases carry.
 */
export const FORMAT_VERSION_BYTE = 0xd2;
export const FORMAT_V1 = 0xd1;

/**
 * Frame-size caps, enforced by the encoder and checked by the decoder. Bit-packed constant streams cost no
 * bytes per value, so a count read from a frame cannot always be validated against the bytes left; these
 * caps bound what a corrupt count can make the decoder allocate.
 */
export const MAX_RECORDS = 1 << 20;
/** Field values (top-level keys) summed over all records of a frame. */
export const MAX_CELLS = 1 << 22;
/**
 * Entries of nested objects and arrays shredded into columns per frame (each container counts its own
 * entry and one per item). Past it, the encoder writes further nested values whole (generic encoding), so
 * a frame's total entries stay under MAX_CELLS + MAX_NESTED_ENTRIES, which bounds the decoder's work.
 */
export const MAX_NESTED_ENTRIES = 1 << 21;

/** Nesting depth of objects/arrays inside a field value; bounds the (recursive) decoder's stack. */
export const MAX_DEPTH = 256;

/**
 * Largest magnitude an integer column value may have. Columns apply up to two levels of differencing and
 * streams one more plus a frame-of-reference offset; 2^48 keeps every intermediate below 2^53, so plain
 * doubles stay exact and no BigInt is needed on the hot path. Epoch milliseconds fit (up to year 10889).
 */
export const MAX_INT_MAGNITUDE = 2 ** 48;

/** Most decimal places a number column is scaled by; values needing more are stored as float64. */
export const MAX_DECIMAL_SCALE = 9;
