import { execFileSync } from 'node:child_process';

/** End-to-end tests run the shipped bundle, so build it from the current sources first. */
export default function setup() {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
