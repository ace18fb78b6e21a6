const NON_NEGATIVE_INTEGER = /^\d+$/;

/**
 * Orders two entity versions: numerically when both are non-negative integers of any length, else by
 * UTF-16 code units (plain string order). Returns <0, 0 or >0 like a sort comparator.
 *
 * Numeric comparison is done on the digits themselves (strip leading zeros, longer is bigger, then text
 * order), which is exactly BigInt order without allocating a BigInt per event.
 */
export function compareVersions(a: string, b: string): number {
  if (NON_NEGATIVE_INTEGER.test(a) && NON_NEGATIVE_INTEGER.test(b)) {
    const x = stripLeadingZeros(a);
    const y = stripLeadingZeros(b);
    if (x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function stripLeadingZeros(digits: string): string {
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start += 1;
  return start === 0 ? digits : digits.slice(start);
}
