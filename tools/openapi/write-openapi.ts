import { writeFileSync } from 'node:fs';
import { buildOpenApi } from './openapi.js';

/** `npm run openapi`: writes docs/openapi.json. A test fails when the committed file is stale. */
const target = new URL('../../docs/openapi.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
