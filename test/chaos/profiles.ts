import { type AdversaryRates, NO_FAULTS } from './adversary.js';

/**
 * Fault profiles of the chaos schedules: each stresses one part of what Partnero and AWS may do, and
 * `mixed` does everything at once. Schedule `seed` runs profile `PROFILE_NAMES[seed % 4]`.
 */
export interface Profile {
  name: string;
  /** The adversarial Partnero's rates outside a storm. */
  partnero: AdversaryRates;
  /** 429 storms: the chance per step that one starts (or ends), and the 429 rate during one. */
  storms?: { toggle: number; rate: number };
  /** The chance that an invocation stops at each of its external calls (before or after it). */
  stopPerCall: number;
  /** The local DynamoDB's fault rate (throttles, 500s, writes that commit then fail). */
  dynamoFaults: number;
  /** The chance that a reconciler run reads the sweep index as it was a few steps ago. */
  staleIndex: number;
  /** The chance per step that two reconciler runs overlap (on top of the usual one). */
  overlap: number;
  /** The queue's maxReceiveCount; a message received more often goes to the DLQ, redriven later. */
  maxReceiveCount: number;
  /** The chance that a ChangeMessageVisibility meets a stale receipt handle. */
  staleReceipt: number;
}

const base: Omit<Profile, 'name' | 'partnero'> = {
  stopPerCall: 0.01,
  dynamoFaults: 0.01,
  staleIndex: 0.1,
  overlap: 0.05,
  maxReceiveCount: 10,
  staleReceipt: 0.05,
};

export const PROFILES: Record<string, Profile> = {
  /** Look-ups that lag and reorder, late writes up to the horizon, DELETE of either copy. */
  lagging: {
    ...base,
    name: 'lagging',
    partnero: {
      ...NO_FAULTS,
      lagging: true,
      late: 0.12,
      commitThenFail: 0.06,
      failBefore: 0.03,
      rateLimited: 0.02,
      newestCopy: 0.5,
    },
  },
  /** 429 storms, a low maxReceiveCount with DLQ redrives, stale receipt handles. */
  storms: {
    ...base,
    name: 'storms',
    partnero: {
      ...NO_FAULTS,
      lagging: true,
      rateLimited: 0.05,
      failBefore: 0.03,
      late: 0.03,
      newestCopy: 0.5,
    },
    storms: { toggle: 0.12, rate: 0.85 },
    maxReceiveCount: 3,
    staleReceipt: 0.3,
  },
  /** Invocations that stop at any external call, DynamoDB faults, overlapping runs, a stale index. */
  stops: {
    ...base,
    name: 'stops',
    partnero: {
      ...NO_FAULTS,
      lagging: true,
      late: 0.05,
      commitThenFail: 0.05,
      failBefore: 0.03,
      newestCopy: 0.5,
    },
    stopPerCall: 0.06,
    dynamoFaults: 0.04,
    staleIndex: 0.4,
    overlap: 0.3,
  },
  /** Everything at once. */
  mixed: {
    ...base,
    name: 'mixed',
    partnero: {
      ...NO_FAULTS,
      lagging: true,
      late: 0.08,
      commitThenFail: 0.05,
      failBefore: 0.04,
      rateLimited: 0.04,
      newestCopy: 0.5,
    },
    storms: { toggle: 0.05, rate: 0.7 },
    stopPerCall: 0.03,
    dynamoFaults: 0.02,
    staleIndex: 0.25,
    overlap: 0.15,
    maxReceiveCount: 4,
    staleReceipt: 0.15,
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES);
export const profileOf = (seed: number): Profile =>
  PROFILES[PROFILE_NAMES[seed % PROFILE_NAMES.length] as string] as Profile;
