// Rewrites the `berth serve` options table in README.md from src/config.ts
// (run after `npm run build`; src/config.test.ts fails while the two differ).
import { readFileSync, writeFileSync } from 'node:fs';
import { optionsTable } from '../dist/src/config.js';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const start = readme.indexOf('| option | env | default |');
const end = readme.indexOf('\n\n', start);
if (start < 0 || end < 0) throw new Error('README.md has no options table to replace');
writeFileSync(file, readme.slice(0, start) + optionsTable() + readme.slice(end));
