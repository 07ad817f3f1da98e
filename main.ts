#!/usr/bin/env node
// Entry point compiled to dist/main.js so `node dist/main.js` starts the
// daemon; the composition root is src/main.ts.
import { runMain } from './src/main';

runMain(process.argv.slice(2));
