/**
 * `npm run measure`: how the code base is cut. For each Lambda, the project files and lines its bundle
 * carries; the Partnero client's files; the longest files and functions of the deployed code.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundledProjectFiles, DEPLOYED, functionSpans, lineCount, ROOT, tsFilesUnder } from './structure.js';

const sum = (files: string[]) => files.reduce((total, file) => total + lineCount(file), 0);
const functions = readdirSync(join(ROOT, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

console.log('bundle                    project files   lines');
for (const name of functions) {
  const files = await bundledProjectFiles(name);
  console.log(`${name.padEnd(26)}${String(files.length).padStart(13)}${String(sum(files)).padStart(8)}`);
  if (process.argv.includes('--files')) for (const file of files) console.log(`  ${file}`);
}
const client = tsFilesUnder('shared/partnero');
console.log(`\nshared/partnero: ${client.length} files, ${sum(client)} lines`);

const deployed = DEPLOYED.flatMap(tsFilesUnder);
const files = deployed.map((file) => ({ file, lines: lineCount(file) })).sort((a, b) => b.lines - a.lines);
console.log('\nlongest files:');
for (const { file, lines } of files.slice(0, 5)) console.log(`  ${String(lines).padStart(4)}  ${file}`);
const spans = deployed.flatMap(functionSpans).sort((a, b) => b.lines - a.lines);
console.log('longest functions:');
for (const { file, name, lines } of spans.slice(0, 5))
  console.log(`  ${String(lines).padStart(4)}  ${file} ${name}`);
