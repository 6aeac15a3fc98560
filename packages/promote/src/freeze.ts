import type { FreezeWindow, Weekday } from './policy.ts';

/** Freeze windows evaluated in their own time zone with Intl (DST-correct, no tz database of our own). */

export type FreezeState = { frozen: false } | { frozen: true; window: FreezeWindow; reopensAt: Date };

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(at: Date, timeZone: string): { day: Weekday; minute: number } {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(at).map((p) => [p.type, p.value]));
  return { day: parts.weekday as Weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

function activeWindow(windows: readonly FreezeWindow[], at: Date): FreezeWindow | undefined {
  return windows.find((w) => {
    const local = localParts(at, w.timeZone);
    return w.days.includes(local.day) && local.minute >= w.from && local.minute < w.to;
  });
}

/** Frozen now? If so, the first minute at which no window applies (windows may chain, e.g. Fri evening + weekend). */
export function evaluateFreeze(windows: readonly FreezeWindow[], now: Date): FreezeState {
  const window = activeWindow(windows, now);
  if (!window) return { frozen: false };
  const start = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000;
  for (let t = start, limit = start + 15 * 24 * 60 * 60_000; t < limit; t += 60_000) {
    if (!activeWindow(windows, new Date(t))) return { frozen: true, window, reopensAt: new Date(t) };
  }
  return { frozen: true, window, reopensAt: new Date(start + 15 * 24 * 60 * 60_000) };
}

export function describeInZone(at: Date, timeZone: string): string {
  const local = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).format(at);
  return `${at.toISOString()} (${local})`;
}
