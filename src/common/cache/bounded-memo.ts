/**
 * `compute` with its results remembered by key, for values the hot path works out again and
 * again from a few distinct texts (limit amounts, upstream URLs, model names). Past `maxEntries`
 * keys it starts over instead of growing: a forgotten key only costs one more `compute`. Keys
 * longer than `maxKeyLength` (text a client controls) are computed every time and never kept.
 */
export function boundedMemo<V extends NonNullable<unknown>>(
  compute: (key: string) => V,
  maxEntries: number,
  maxKeyLength = Number.POSITIVE_INFINITY,
): (key: string) => V {
  const known = new Map<string, V>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (key.length <= maxKeyLength) {
        if (known.size >= maxEntries) known.clear();
        known.set(key, value);
      }
    }
    return value;
  };
}
