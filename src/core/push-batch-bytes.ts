/**
 * A push request is bounded by size as well as by count. The server refuses a body past its limit
 * (`limits.maxBodyBytes`, 1 MiB by default, counted after gzip is undone) with 413, for the whole
 * request, and that would stop the queue. Counting alone would make that a matter of how large the
 * receipts happen to be. So a batch stops before its JSON text passes PUSH_BATCH_MAX_CHARS. A single
 * mutation above the budget still travels alone: only the server can say whether it fits.
 *
 * JSON text length is counted in UTF-16 units. Those become at most 3 bytes of UTF-8 each, so 256 Ki
 * units stay within a 1 MiB limit.
 */
export const PUSH_BATCH_MAX_CHARS = 256 * 1024;

/**
 * How many of `items`, from the first, fit the budget (always at least one when there is one), and
 * the JSON characters those take.
 */
export function countWithinBudget(items: readonly unknown[], maxChars = PUSH_BATCH_MAX_CHARS): { count: number; chars: number } {
  // The usual batch fits whole: one stringify of the array answers for all of it. Its text is each
  // item's, a comma between two and the brackets: `length - 1` is the per-item count below, exactly.
  const whole = JSON.stringify(items).length - 1;
  if (whole <= maxChars || items.length <= 1) return { count: items.length, chars: items.length === 0 ? 0 : whole };
  let used = 0;
  for (let i = 0; i < items.length; i += 1) {
    // +1 for the comma between array elements.
    const size = JSON.stringify(items[i]).length + 1;
    if (used + size > maxChars && i > 0) return { count: i, chars: used };
    used += size;
  }
  return { count: items.length, chars: used };
}
