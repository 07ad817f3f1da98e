// npm run docs: writes docs/configuration.md from the configuration schema.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_REFERENCE_PATH, renderConfigReference } from '../src/config/reference';

const ROOT = path.resolve(__dirname, '../..');
const target = path.join(ROOT, CONFIG_REFERENCE_PATH);
writeFileSync(target, renderConfigReference());
process.stdout.write(`wrote ${path.relative(ROOT, target)}\n`);
