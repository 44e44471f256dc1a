#!/usr/bin/env node
// The `policyledger` command (package.json "bin"): registers tsx's ESM loader so that Node runs the TypeScript
// sources as they are in a clone (no build step), then runs the CLI (services/cli/main.ts).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../services/cli/main.ts');
await main();
