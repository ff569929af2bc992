import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { HeaderCarrier } from '../trace-context.js';

/** Trace headers (and any others) as NATS message headers. */
export function toNatsHeaders(values: Readonly<Record<string, string>>): MsgHdrs {
  const result = natsHeaders();
  for (const [key, value] of Object.entries(values)) result.set(key, value);
  return result;
}

/** NATS message headers as a carrier the propagators read (lower-case keys, as HTTP has them). */
export function fromNatsHeaders(headers: MsgHdrs | undefined): HeaderCarrier {
  const carrier: HeaderCarrier = {};
  if (headers === undefined) return carrier;
  for (const [key, values] of headers) {
    if (values.length > 0) carrier[key.toLowerCase()] = values.length === 1 ? values[0] : values;
  }
  return carrier;
}
