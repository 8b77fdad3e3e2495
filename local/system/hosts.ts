/** The host in the URLs people open: `localhost` for the loopback and wildcard addresses. */
export function publicHost(host: string): string {
  if (host === '127.0.0.1' || host === 'localhost' || host === '0.0.0.0' || host === '::' || host === '::1') {
    return 'localhost';
  }
  return host.includes(':') ? `[${host}]` : host;
}

/** The host the system's parts call each other on (a wildcard address is no destination). */
export function internalHost(host: string): string {
  if (host === '0.0.0.0' || host === 'localhost') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
