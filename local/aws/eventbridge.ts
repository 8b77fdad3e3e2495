import type { LocalEventBus, PutEventsEntry } from '#local/bus/event-bus.js';
import { type AwsService, validationError } from './json-protocol.js';

/** PutEvents onto the local bus: `{FailedEntryCount, Entries: [{EventId} | {ErrorCode, ErrorMessage}]}`. */
export function eventBridgeService(bus: LocalEventBus): AwsService {
  return {
    name: 'events',
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    operations: {
      PutEvents: (input) => {
        const entries = input.Entries;
        if (!Array.isArray(entries) || entries.length === 0) {
          throw validationError(
            "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
          );
        }
        if (entries.length > 10) {
          throw validationError(
            "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10",
          );
        }
        return bus.putEvents(entries as PutEventsEntry[]);
      },
    },
  };
}
