// HEC `time`: epoch seconds with an optional fraction, a JSON number or a
// string of one. Converted through its decimal text, not by multiplying a
// float, so 1796580338.946567 is exactly 1796580338946567000 ns (1.005 s is
// 1005 ms, where 1.005 * 1000 would floor to 1004).

const DECIMAL = /^([0-9]{1,11})(?:\.([0-9]{1,9})[0-9]*)?$/;

export interface HecTime {
  readonly ms: number;
  readonly nanos: string;
}

function decimalText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    const text = String(value);
    return /e/i.test(text) ? value.toFixed(9) : text;
  }
  return undefined;
}

/** The time as ms and exact ns text; undefined when it is not epoch seconds. */
export function parseHecTime(value: unknown): HecTime | undefined {
  const text = decimalText(value);
  const match = text === undefined ? null : DECIMAL.exec(text);
  if (match === null) return undefined;
  // Whole seconds have at most 11 digits and the fraction 9: both parts, and
  // seconds × 1000 + ms, are exact in a double; the ns text is their digits.
  const seconds = Number(match[1]!);
  const fraction = (match[2] ?? '').padEnd(9, '0');
  return { ms: seconds * 1000 + Number(fraction.slice(0, 3)), nanos: seconds === 0 ? String(Number(fraction)) : `${seconds}${fraction}` };
}
