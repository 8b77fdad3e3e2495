import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from '#local/config.js';
import type { ActivityLog } from './activity-log.js';
import type { EventBridgeEvent } from './event.js';

export type { EventBridgeEvent } from './event.js';

import { type EventPattern, matchesPattern } from './pattern.js';

/** One PutEvents entry as it arrives over the wire (field names as in the AWS API). */
export interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
  TraceHeader?: unknown;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface LocalRule {
  name: string;
  bus: string;
  pattern: EventPattern;
  /** Called with each matching event (e.g. SendMessage of the event JSON to a queue). */
  target: (event: EventBridgeEvent) => void;
}

/** EventBridge's limit for one entry: Source + DetailType + Detail (+ Resources), in UTF-8 bytes. */
export const MAX_ENTRY_BYTES = 256 * 1024;

const isoSeconds = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

class EntryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function requiredString(entry: PutEventsEntry, field: 'Source' | 'DetailType' | 'Detail'): string {
  const value = entry[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new EntryError(
      'InvalidArgument',
      `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
    );
  }
  return value;
}

function parseTime(value: unknown): Date {
  if (value === undefined || value === null) return new Date();
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new EntryError('InvalidArgument', 'Parameter Time is not valid.');
  return date;
}

/**
 * Event buses in memory: `PutEvents` entries become full EventBridge events, are logged, and go to
 * every rule of their bus whose pattern matches. The `default` bus always exists (so an order system
 * that forgets `EventBusName` sees its events logged, but no rule of the project's bus gets them).
 */
export class LocalEventBus {
  private readonly buses = new Set<string>(['default']);
  private readonly rules: LocalRule[] = [];

  constructor(
    private readonly region: string,
    private readonly log: ActivityLog,
  ) {}

  createBus(name: string): void {
    this.buses.add(name);
  }

  addRule(rule: LocalRule): void {
    if (!this.buses.has(rule.bus)) throw new Error(`No local bus ${rule.bus}`);
    this.rules.push(rule);
  }

  arnOf(bus: string): string {
    return `arn:aws:events:${this.region}:${LOCAL_ACCOUNT_ID}:event-bus/${bus}`;
  }

  /** The PutEvents operation: one result per entry, in order; failed entries are not published. */
  putEvents(entries: PutEventsEntry[]): { FailedEntryCount: number; Entries: PutEventsResultEntry[] } {
    const results = entries.map((entry): PutEventsResultEntry => {
      try {
        return { EventId: this.publish(entry) };
      } catch (e) {
        if (e instanceof EntryError) return { ErrorCode: e.code, ErrorMessage: e.message };
        return { ErrorCode: 'InternalException', ErrorMessage: 'Internal error' };
      }
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  private busName(value: unknown): string {
    if (value === undefined || value === null || value === '') return 'default';
    const name = String(value).replace(/^arn:aws[a-z-]*:events:[^:]*:\d{12}:event-bus\//, '');
    if (!this.buses.has(name))
      throw new EntryError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return name;
  }

  private publish(entry: PutEventsEntry): string {
    const bus = this.busName(entry.EventBusName);
    const source = requiredString(entry, 'Source');
    const detailType = requiredString(entry, 'DetailType');
    const detailText = requiredString(entry, 'Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(detailText);
    } catch {
      throw new EntryError('MalformedDetail', 'Detail is malformed.');
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      throw new EntryError('MalformedDetail', 'Detail is malformed.');
    }
    const resources = Array.isArray(entry.Resources) ? entry.Resources.map(String) : [];
    const size = [source, detailType, detailText, ...resources].reduce((n, s) => n + Buffer.byteLength(s), 0);
    if (size > MAX_ENTRY_BYTES) {
      throw new EntryError('InvalidArgument', `Event size exceeds the ${MAX_ENTRY_BYTES} byte limit.`);
    }
    const event: EventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: LOCAL_ACCOUNT_ID,
      time: isoSeconds(parseTime(entry.Time)),
      region: this.region,
      resources,
      detail: detail as Record<string, unknown>,
    };
    const matched = this.rules.filter((r) => r.bus === bus && matchesPattern(r.pattern, event));
    this.log.append({ kind: 'event', bus, event, rules: matched.map((r) => r.name) });
    for (const rule of matched) rule.target(event);
    return event.id;
  }
}
