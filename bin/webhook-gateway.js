#!/usr/bin/env node
// The `webhook-gateway` command: runs the TypeScript entry point through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('./webhook-gateway.ts');
