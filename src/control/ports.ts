import net from 'node:net';
import type { PortRange } from '../config.js';

function isBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Hands out database ports: the lowest port of the range that no database
 * holds and nothing on the machine listens on. Allocations are serialised
 * and reserved until the caller has recorded the port.
 */
export class PortAllocator {
  private readonly reserved = new Set<number>();
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly range: PortRange,
    private readonly usedPorts: () => Set<number>,
  ) {}

  allocate(): Promise<number> {
    const result = this.lock.then(() => this.find());
    this.lock = result.catch(() => undefined);
    return result;
  }

  release(port: number): void {
    this.reserved.delete(port);
  }

  private async find(): Promise<number> {
    const used = this.usedPorts();
    for (let port = this.range.first; port <= this.range.last; port++) {
      if (used.has(port) || this.reserved.has(port)) continue;
      if (!(await isBindable(port))) continue;
      this.reserved.add(port);
      return port;
    }
    throw new Error(`No free database port is left in ${this.range.first}-${this.range.last}.`);
  }
}
