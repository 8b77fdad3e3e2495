// `npm run cost`: what the stack costs a month at rest (no traffic), per resource kind, from the
// synthesized template and the dated list prices in tools/cost/prices.json. Offline.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { runMain, ToolError } from '#tools/cli/errors.js';
import { type CfnTemplate, costAtRest } from './cost.js';
import { loadPrices } from './prices.js';
import { formatTable, toJson } from './report.js';

const collect = (value: string, previous: Record<string, string>) => {
  const at = value.indexOf('=');
  if (at < 1) throw new ToolError(`--context takes key=value, not "${value}"`, 2);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
};

const program = new Command('npm run cost --')
  .description(
    'Prints the fixed monthly cost of the stack at rest (no traffic) per resource kind, at the list prices of tools/cost/prices.json.',
  )
  .addOption(
    new Option(
      '--template <file>',
      'read a synthesized template (cdk.out/PartneroReferrals.template.json) instead of synthesizing the stack',
    ),
  )
  .addOption(
    new Option('-c, --context <key=value>', 'CDK context, as with cdk synth -c (repeatable)')
      .argParser(collect)
      .default({}),
  )
  .addOption(new Option('--json', 'print the report as JSON'))
  .addHelpText('after', '\nSee docs/cost.md.');

async function main(): Promise<number> {
  program.parse();
  const options = program.opts<{ template?: string; context: Record<string, string>; json?: boolean }>();
  if (options.template && Object.keys(options.context).length > 0) {
    throw new ToolError('--context applies when synthesizing; drop it with --template', 2);
  }
  let template: CfnTemplate;
  let source: string;
  if (options.template) {
    try {
      template = JSON.parse(readFileSync(options.template, 'utf8')) as CfnTemplate;
    } catch (e) {
      throw new ToolError(`cannot read ${options.template}: ${(e as Error).message}`, 2);
    }
    if (typeof template?.Resources !== 'object') {
      throw new ToolError(`${options.template} is not a CloudFormation template (no Resources)`, 2);
    }
    source = options.template;
  } else {
    // Loaded only here: reading a template needs nothing of the stack's code.
    const { synthesizeStack } = await import('./synth.js');
    const synthesized = synthesizeStack(options.context);
    template = synthesized.template;
    source = `stack ${synthesized.stackName} (synthesized)`;
  }
  const report = costAtRest(template, loadPrices());
  console.log(options.json ? toJson(report, source) : formatTable(report, source));
  return 0;
}

runMain(main);
