import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActivityLog, ActivityRecord } from '#local/bus/activity-log.js';

const HEARTBEAT_MS = 15_000;

/**
 * Streams bus activity as Server-Sent Events (`id` = the record's seq, `data` = the record as JSON).
 * A reconnecting EventSource sends `Last-Event-ID` and gets what it missed; `?after=N` does the same.
 */
export function streamActivity(
  req: IncomingMessage,
  res: ServerResponse,
  log: ActivityLog,
  after: number | undefined,
) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (record: ActivityRecord) => {
    if (!res.destroyed) res.write(`id: ${record.seq}\ndata: ${JSON.stringify(record)}\n\n`);
  };
  res.write('retry: 2000\n\n');
  const lastId = Number(req.headers['last-event-id'] ?? after);
  if (Number.isFinite(lastId)) for (const record of log.recent(lastId)) send(record);
  const unsubscribe = log.subscribe(send);
  const heartbeat = setInterval(() => {
    if (!res.destroyed) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  req.on('close', stop);
  res.on('close', stop);
}
