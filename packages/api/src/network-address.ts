/**
 * Addresses and ports as Kuma validates them on Dataplanes and ZoneIngresses. Pure functions (no
 * DNS, no sockets): the same rules run in the CLI, the control plane and the browser.
 */
import type { FieldPath, Violations } from './field-path.js';

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const dnsName = /^([a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?$/;

/** An IPv4 address in dotted-quad form or an IPv6 address (Go's `net.ParseIP`, no zone). */
export function isIP(text: string): boolean {
  if (ipv4.test(text)) return true;
  if (!text.includes(':') || /[[\]/%@]/.test(text)) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** A DNS name as govalidator's `IsDNSName` accepts it (an IP address is not a DNS name). */
export function isDnsName(text: string): boolean {
  if (text === '' || text.replaceAll('.', '').length > 255) return false;
  return !isIP(text) && dnsName.test(text);
}

/**
 * Kuma's `validateAddress(path, address)`: the problem is reported at `path.address`, so a
 * ZoneIngress's advertised address is checked at `networking.advertisedAddress.address`.
 */
export function checkAddress(path: FieldPath, address: string, out: Violations): void {
  const at = path.field('address');
  if (address === '') {
    out.add(at, "address can't be empty");
    return;
  }
  if (address === '0.0.0.0' || address === '::') out.add(at, 'must not be 0.0.0.0 or ::');
  if (!isIP(address) && !isDnsName(address)) out.add(at, 'address has to be valid IP address or domain name');
}

/** Kuma's `ValidatePort`: 1..65535. */
export function checkPort(path: FieldPath, port: number | undefined, out: Violations): void {
  if (port === undefined || port === 0 || port > 65_535)
    out.add(path, 'port must be in the range [1, 65535]');
}
