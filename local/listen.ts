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

/** The address each server was told to listen on (what its Host check accepts besides loopback). */
const listenHosts = new WeakMap<Server, string>();

/** The host a server was started on with `listen` (the `--host` value), if it was. */
export const listenHostOf = (server: Server): string | undefined => listenHosts.get(server);

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
    listenHosts.set(server, host);
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
