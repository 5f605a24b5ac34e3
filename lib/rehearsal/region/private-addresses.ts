/**
 * Private IPv4 addresses of simulated instances: one /20 subnet per Availability Zone of the VPC
 * (10.0.0.0/16), addresses handed out in launch order, never reused within a region. Counted, not
 * drawn: allocating them takes nothing from any random stream.
 */

/** Addresses AWS reserves at the start of every subnet (network, router, DNS, future use). */
const RESERVED_AT_START = 4;
/** A /20 holds 4096 addresses; the last one (broadcast) is reserved too. */
const SUBNET_SIZE = 4096;

export class PrivateAddresses {
  private readonly usedPerSubnet = new Map<number, number>();

  /** The next free address in the subnet of the `azIndex`-th Availability Zone (0-based). */
  public next(azIndex: number): string {
    if (!Number.isInteger(azIndex) || azIndex < 0 || azIndex > 15) {
      throw new Error(`PrivateAddresses.next: azIndex (${azIndex}) must be a whole number in [0, 15]`);
    }
    const used = this.usedPerSubnet.get(azIndex) ?? 0;
    const offset = RESERVED_AT_START + used;
    if (offset >= SUBNET_SIZE - 1) {
      throw new Error(`PrivateAddresses.next: the subnet of AZ #${azIndex} has no free address left`);
    }
    this.usedPerSubnet.set(azIndex, used + 1);
    const base = azIndex * SUBNET_SIZE + offset;
    return `10.0.${Math.floor(base / 256)}.${base % 256}`;
  }
}
