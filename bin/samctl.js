#!/usr/bin/env node
// dist/bundle/ is samctl and its dependencies in one file per command (esbuild, at `npm run build`):
// a command starts in about half the time the separate modules under dist/ take to load.
import { run } from '../dist/bundle/cli.js';

process.exitCode = await run(process.argv);
