/**
 * cfn-lint on the synthesized template (as infra/app.ts makes it: tagged with project and stage), with
 * the default configuration and a configured one: no error may remain. A finding is ignored only when
 * it matches one of IGNORED exactly (rule id, resource type, property), each with its reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { Tags } from 'aws-cdk-lib';
import { synth } from '#test/infra/synth.js';
import { describeWithTool } from '#test/support/moto-server.js';

interface Finding {
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[] };
}

/** Findings ignored by rule id, only on the resource type and property named, and why. */
const IGNORED = [
  {
    rule: 'E3002',
    resourceType: 'AWS::CloudWatch::Dashboard',
    property: 'Tags',
    reason:
      'CloudFormation accepts Tags on AWS::CloudWatch::Dashboard (CDK tags it with the stack), but the ' +
      'resource schema cfn-lint 1.51 ships predates that property',
  },
];

/** The configurations linted: the defaults, and one that turns on the optional pieces. */
const CONFIGS: Record<string, unknown> = {
  defaults: {},
  configured: {
    stageName: 'prod',
    corsOrigins: ['https://app.example.com'],
    jwt: { issuer: 'https://id.example.com/', audience: ['web'] },
    alarmEmail: 'ops@example.com',
    orderEvents: { batchSize: 50, maxBatchingWindowSeconds: 5 },
  },
};

function countBy(ids: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}

describeWithTool('cfn-lint', 'cfn-lint on the synthesized template', () => {
  it(`finds no error in the stacks (${Object.keys(CONFIGS).join(', ')})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
    const templates: Record<string, { file: string; json: { Resources: Record<string, { Type: string }> } }> =
      {};
    let findings: (Finding & { Filename: string })[];
    try {
      for (const [name, config] of Object.entries(CONFIGS)) {
        const { template } = synth(config, {}, (stack) => {
          Tags.of(stack).add('project', 'partnero-referrals');
          Tags.of(stack).add('stage', 'dev');
        });
        const file = join(dir, `${name}.json`);
        const json = template.toJSON() as { Resources: Record<string, { Type: string }> };
        writeFileSync(file, JSON.stringify(json, null, 1));
        templates[name] = { file, json };
      }
      // One run for every template (cfn-lint's start-up is most of its time). It exits non-zero
      // whenever it finds anything; the JSON on stdout says what.
      let out: string;
      try {
        const files = Object.values(templates).map((t) => t.file);
        out = execFileSync('cfn-lint', ['--format', 'json', ...files], { encoding: 'utf8' });
      } catch (error) {
        out = String((error as { stdout?: string }).stdout ?? '');
        if (!out.trim().startsWith('[')) throw error;
      }
      findings = JSON.parse(out) as (Finding & { Filename: string })[];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const errors: string[] = [];
    for (const [name, { file, json }] of Object.entries(templates)) {
      const mine = findings.filter((f) => f.Filename === file);
      const ignoredBy = (f: Finding) => {
        const [section, id, properties, property] = f.Location.Path;
        const type = section === 'Resources' ? json.Resources[String(id)]?.Type : undefined;
        return IGNORED.find(
          (i) =>
            i.rule === f.Rule.Id &&
            i.resourceType === type &&
            properties === 'Properties' &&
            i.property === property,
        );
      };
      const describe = (f: Finding) => `${name}: ${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`;
      errors.push(...mine.filter((f) => f.Level === 'Error' && !ignoredBy(f)).map(describe));
      console.info(
        `cfn-lint, ${name} stack: ignored ${JSON.stringify(mine.filter(ignoredBy).map(describe))}; ` +
          `warnings by rule ${JSON.stringify(countBy(mine.filter((f) => f.Level !== 'Error').map((f) => f.Rule.Id)))}`,
      );
    }
    expect(errors).toEqual([]);
  }, 60_000);
});
