/**
 * The probe's one decision, pure: whether an event is a request it may make. Anything else is
 * refused with the field and its value, never guessed about: the probe reaches into the VPC, so
 * it requests only `http://<IPv4 address>:<port><path>`.
 */
import { PROBE_MAX_TIMEOUT_MS, type InstanceProbeRequest } from '../../lib/contract/instance-validation';

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** A path (and query) of printable characters without spaces, as the smoke checks' paths are. */
const PATH = /^\/[\x21-\x7e]{0,2047}$/;

/** The request an event asks for, or an error naming every field that is wrong and its value. */
export function probeRequestOf(event: unknown): InstanceProbeRequest {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const problems: string[] = [];
  const check = (field: keyof InstanceProbeRequest, valid: boolean, rule: string) => {
    if (!valid) problems.push(`${field} (${JSON.stringify(e[field]) ?? 'undefined'}) must be ${rule}`);
  };
  const integerBetween = (value: unknown, min: number, max: number) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
  check(
    'address',
    typeof e.address === 'string' && DOTTED_QUAD.test(e.address),
    'an IPv4 address (dotted quad)',
  );
  check('port', integerBetween(e.port, 1, 65535), 'a whole number between 1 and 65535');
  check(
    'path',
    typeof e.path === 'string' && PATH.test(e.path),
    'a path starting with "/", printable characters without spaces',
  );
  check(
    'timeoutMs',
    integerBetween(e.timeoutMs, 1, PROBE_MAX_TIMEOUT_MS),
    `a whole number between 1 and ${PROBE_MAX_TIMEOUT_MS}`,
  );
  if (problems.length > 0) throw new Error(`probe request refused: ${problems.join('; ')}`);
  return { address: e.address, port: e.port, path: e.path, timeoutMs: e.timeoutMs } as InstanceProbeRequest;
}
