import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { type LocalEndpoint, localEndpointFileFor, writeOutputsFiles } from '#local/system/stack-outputs.js';

const endpoint = (port: number): LocalEndpoint => ({
  stackName: 'partnero-referrals-local',
  awsEndpointUrl: `http://127.0.0.1:${port}`,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  partneroApiUrl: `http://127.0.0.1:${port + 1}`,
});

describe('the local outputs files', () => {
  it('are removed when their system stops', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'outputs-')), 'outputs.json');
    const undo = writeOutputsFiles(file, { ApiUrl: 'http://127.0.0.1:3000' }, endpoint(4566));
    expect(existsSync(file) && existsSync(localEndpointFileFor(file))).toBe(true);
    undo();
    expect(existsSync(file) || existsSync(localEndpointFileFor(file))).toBe(false);
  });

  it('of a first system come back when a second one, started on other ports, stops', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'outputs-')), 'outputs.json');
    writeOutputsFiles(file, { ApiUrl: 'http://127.0.0.1:3000' }, endpoint(4566));
    const first = [readFileSync(file, 'utf8'), readFileSync(localEndpointFileFor(file), 'utf8')];
    const undoSecond = writeOutputsFiles(file, { ApiUrl: 'http://127.0.0.1:3100' }, endpoint(4600));
    expect(readFileSync(file, 'utf8')).toContain('3100');
    undoSecond();
    expect([readFileSync(file, 'utf8'), readFileSync(localEndpointFileFor(file), 'utf8')]).toEqual(first);
  });
});
