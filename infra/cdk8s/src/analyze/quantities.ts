/** Kubernetes CPU quantity (`50m`, `1`, `0.5`) in millicores. */
export function cpuMilli(quantity: string | number): number {
  const text = String(quantity);
  if (text.endsWith('m')) return Number(text.slice(0, -1));
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a CPU quantity: '${text}'`);
  return value * 1000;
}

const BINARY: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Kubernetes memory quantity (`64Mi`, `1Gi`, `128M`, bytes) in MiB. */
export function memoryMi(quantity: string | number): number {
  const text = String(quantity);
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(text);
  if (match === null) throw new Error(`not a memory quantity: '${text}'`);
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  if (unit in BINARY) return value * BINARY[unit]!;
  if (unit in DECIMAL) return (value * DECIMAL[unit]!) / 2 ** 20;
  if (unit === '') return value / 2 ** 20;
  throw new Error(`unknown memory unit in '${text}'`);
}

/** Istio duration (`0.3s`, `2s`, `500ms`) in milliseconds. */
export function durationMs(text: string): number {
  const match = /^([0-9.]+)(ms|s|m|h)$/.exec(text);
  if (match === null) throw new Error(`not a duration: '${text}'`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * factor);
}
