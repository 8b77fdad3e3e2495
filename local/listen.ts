import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A port the system could not bind; `start.ts` turns it into a one-line message and exit code 1. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly what: string,
    readonly setting: string,
  ) {
    super(
      `Port ${port} (${what}) is already in use. Stop whatever is using it, or pick another port with ${setting}.`,
    );
  }
}

/** Listens on `port` (0 = any free port) and resolves with the port actually bound. */
export function listen(
  server: Server,
  port: number,
  host: string,
  label: { what: string; setting: string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, label.what, label.setting) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server, cutting open (keep-alive, SSE) connections so it does not wait for them. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
