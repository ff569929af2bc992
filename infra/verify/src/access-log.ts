/** The fields of one Envoy access-log entry that the checks look at. */
export interface AccessLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Envoy response flags (`UO`, `UH`, `UT`, `URX`…); empty when the flag field is `-`. */
  readonly flags: readonly string[];
}

// Istio's default TEXT format starts `[start] "METHOD PATH PROTOCOL" CODE FLAGS …`.
const TEXT_LINE = /^\[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) (\S+)/;

/**
 * Parses one line of an istio-proxy container log, in Istio's default TEXT format or its JSON
 * encoding (`accessLogEncoding: JSON`). Lines that are not access-log entries give undefined.
 */
export function parseAccessLogLine(line: string): AccessLogEntry | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (typeof entry.response_code !== 'number' || typeof entry.method !== 'string') return undefined;
    return {
      method: entry.method,
      path: typeof entry.path === 'string' ? entry.path : '',
      status: entry.response_code,
      flags: splitFlags(typeof entry.response_flags === 'string' ? entry.response_flags : '-'),
    };
  }
  const match = TEXT_LINE.exec(trimmed);
  if (match === null) return undefined;
  const [, method = '', path = '', status = '0', flags = '-'] = match;
  return { method, path, status: Number(status), flags: splitFlags(flags) };
}

export function parseAccessLog(text: string): AccessLogEntry[] {
  return text.split('\n').flatMap((line) => parseAccessLogLine(line) ?? []);
}

function splitFlags(field: string): string[] {
  return field === '-' || field === '' ? [] : field.split(',');
}
