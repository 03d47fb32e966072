#!/usr/bin/env node
// Runs the local coordinator's CLI from the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/coordinator.ts');
