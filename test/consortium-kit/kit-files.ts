/** Reading a generated kit back as its users' tools would. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import type { KitNetwork } from '../../services/consortium-kit/kit.js';

export function readKitNetwork(out: string): KitNetwork {
  return JSON.parse(readFileSync(path.join(out, 'network.json'), 'utf8')) as KitNetwork;
}

/** A member's environment files as a shell that sources them (`set -a; . ./secrets.env; . ./api.env`) would see. */
export function memberEnvironment(out: string, member: string, files = ['secrets.env', 'api.env']): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const file of files) Object.assign(environment, parseEnv(readFileSync(path.join(out, member, file), 'utf8')));
  return environment;
}
