import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { clientIp } from '@deltastream/access';

/**
 * At most `maxPerAddress` open TCP connections per client address on the HTTP port (WebSocket, SSE and
 * everything else), checked when the socket opens, before a byte is read: one address cannot tie up the
 * edge with idle or slow sockets (each holds memory and a file descriptor) whatever it sends on them. Only
 * where the edge sees clients' own addresses — behind proxies every socket comes from a proxy, whose own
 * limits apply there. IPv6 addresses count per /64, like the other limits.
 */
export class SocketCap {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly maxPerAddress: number,
    private readonly onRefused: (address: string) => void,
  ) {}

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
  }

  /** Open sockets of `address` right now. */
  count(address: string): number {
    return this.open.get(address) ?? 0;
  }

  private admit(socket: Socket): void {
    const address = clientIp(socket.remoteAddress, undefined, 0);
    const current = this.open.get(address) ?? 0;
    if (current >= this.maxPerAddress) {
      this.onRefused(address);
      socket.destroy();
      return;
    }
    this.open.set(address, current + 1);
    socket.once('close', () => {
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    });
  }
}
