/** Kubernetes resource quantities: parse for arithmetic, keep the written form for output. */

const CPU_RE = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY_RE = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/;

const MEMORY_FACTORS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

export class QuantityError extends Error {
  constructor(
    readonly value: unknown,
    readonly kind: 'cpu' | 'memory' | 'storage',
  ) {
    super(
      kind === 'cpu'
        ? `"${String(value)}" is not a CPU quantity; write cores like "2" or "0.5", or millicores like "500m"`
        : `"${String(value)}" is not a ${kind} quantity; write bytes with a binary suffix like "512Mi" or "2Gi"`,
    );
    this.name = 'QuantityError';
  }
}

/** CPU in millicores. Accepts "2", "0.5", "500m", or a number of cores. */
export function parseCpu(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new QuantityError(value, 'cpu');
    return Math.round(value * 1000);
  }
  const m = CPU_RE.exec(String(value).trim());
  if (!m) throw new QuantityError(value, 'cpu');
  const n = Number(m[1]);
  return m[2] === 'm' ? Math.round(n) : Math.round(n * 1000);
}

/** Memory or storage in bytes. Accepts "512Mi", "2Gi", "1G", "1048576". */
export function parseBytes(value: string | number, kind: 'memory' | 'storage' = 'memory'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new QuantityError(value, kind);
    return value;
  }
  const m = MEMORY_RE.exec(String(value).trim());
  if (!m) throw new QuantityError(value, kind);
  return Number(m[1]) * (MEMORY_FACTORS[m[2] ?? ''] ?? 1);
}

/** Human figure for tables: "25.9" vCPU, "52.0" GiB. */
export function cores(millicores: number): string {
  return (millicores / 1000).toFixed(millicores % 100 === 0 ? 1 : 2);
}
export function gib(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(1);
}
