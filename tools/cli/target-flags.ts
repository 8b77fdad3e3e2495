import type { TargetOptions } from './target.js';

const quote = (s: string) => (/^[\w./:@=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The target flags again, as a person re-types them ("--stage prod --region eu-west-1"). */
export function targetFlags(options: TargetOptions): string[] {
  const flags: string[] = [];
  if (options.local) flags.push('--local');
  else if (options.stageGiven || !options.outputsFile) flags.push('--stage', options.stage);
  if (options.outputsFile) flags.push('--outputs-file', options.outputsFile);
  if (options.region) flags.push('--region', options.region);
  if (options.profile) flags.push('--profile', options.profile);
  if (options.partneroUrl) flags.push('--partnero-url', options.partneroUrl);
  return flags.map(quote);
}

/** How to run a tool on the same target ("npm run connect -- --stage prod"). */
export const commandFor = (tool: 'connect' | 'doctor', options: TargetOptions) =>
  `npm run ${tool} -- ${targetFlags(options).join(' ')}`;

export const connectCommandFor = (options: TargetOptions) => commandFor('connect', options);
