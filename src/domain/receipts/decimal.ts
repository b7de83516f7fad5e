/**
 * Money and quantities as decimal strings, computed in integer minor units (BigInt): no float ever
 * touches an amount, so client and server compute the same totals to the cent.
 */

/** "12.5" with scale 2 → 1250n. The string must already be validated (digits, at most `scale` decimals). */
export function parseDecimal(text: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  return BigInt(whole + fraction.padEnd(scale, '0'));
}

/** 1250n with scale 2 → "12.50". */
export function formatDecimal(units: bigint, scale: number): string {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  return scale === 0 ? sign + digits : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Integer division rounding half away from zero (the usual commercial rounding). */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (2n * n + d) / (2n * d);
  return negative ? -quotient : quotient;
}

/** A regex for non-negative decimals with up to `maxDecimals` fraction digits and no leading zeros. */
export function decimalPattern(maxDecimals: number): RegExp {
  return new RegExp(`^(0|[1-9]\\d{0,11})(\\.\\d{1,${maxDecimals}})?$`);
}
