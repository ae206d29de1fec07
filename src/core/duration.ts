// Durations as users write them for rotation: "90d", "12h", "30m", "30s", or combined ("1d12h").

const UNITS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
const DURATION = /^(?:\d+[dhms])+$/;

/** The rule, for messages. */
export const DURATION_RULE = 'a duration like "90d", "12h", "30m" or "30s" (units may be combined: "1d12h")';

/** Milliseconds in a duration, or undefined when the text is not one (or is zero). */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([dhms])/g)) ms += Number(amount) * UNITS[unit!]!;
  return ms > 0 ? ms : undefined;
}

/** Parses a service timestamp (ISO 8601; Nova's has no zone and means UTC) to epoch ms, or undefined. */
export function parseServiceTime(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * When a rotation falls due: `from` (ISO time the key was made) plus `every`; undefined when either
 * is missing or unreadable.
 */
export function rotationDue(from: unknown, every: unknown): number | undefined {
  const made = typeof from === "string" ? parseServiceTime(from) : undefined;
  const ms = parseDuration(every);
  return made === undefined || ms === undefined ? undefined : made + ms;
}
