// Number, size, duration and time formatting shared by the pages.

const INTEGER = new Intl.NumberFormat('en-US');

export const int = (n: number): string => INTEGER.format(Math.round(n));

export function ms(n: number): string {
  if (n < 10) return `${n.toFixed(1)} ms`;
  if (n < 10_000) return `${int(n)} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function duration(sec: number): string {
  if (sec < 60) return `${sec} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${sec % 60} s`;
  return `${Math.floor(sec / 3600)} h ${Math.floor((sec % 3600) / 60)} min`;
}

export function clock(iso: string | number): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour12: false });
}

export function ago(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 1 ? 'just now' : `${s} s ago`;
}

/** Type OIDs of numbers (int2/4/8, float4/8, numeric, oid): right-aligned in tables. */
export const NUMERIC_OIDS = new Set([20, 21, 23, 26, 700, 701, 1700]);
