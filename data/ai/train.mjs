// A training run small enough to run anywhere (Node only, no GPU, no packages): fits y = 3x + 1 by gradient
// descent on 64 noisy points and prints its metrics the way infradeck reads them (README, "AI workloads").
//   node ai/train.mjs --lr 0.05 --steps 200        (INFRADECK_PARAM_SEED picks the noise; default 1)
// Every 10 steps a JSON metric line; every 50 a key=value line of the evaluation; a checkpoint file at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { lr: { type: 'string' }, steps: { type: 'string' } } });
const lr = Number(values.lr ?? 0.05);
const steps = Math.floor(Number(values.steps ?? 200));
if (!(lr > 0) || !(steps > 0)) {
  console.error(`train: --lr must be > 0 and --steps a whole number > 0 (got ${values.lr}, ${values.steps})`);
  process.exit(2);
}

// A seeded generator (mulberry32): the same seed gives the same data, so runs compare.
let state = Number(process.env.INFRADECK_PARAM_SEED ?? 1) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const data = Array.from({ length: 64 }, () => {
  const x = random() * 2 - 1;
  return { x, y: 3 * x + 1 + (random() - 0.5) * 0.2 };
});
const train = data.slice(0, 48);
const test = data.slice(48);

let w = 0;
let b = 0;
const mse = (set) => set.reduce((s, p) => s + (w * p.x + b - p.y) ** 2, 0) / set.length;
console.log(`training y = w*x + b on ${train.length} points, lr ${lr}, ${steps} steps`);
for (let step = 1; step <= steps; step++) {
  let gw = 0;
  let gb = 0;
  for (const p of train) {
    const err = w * p.x + b - p.y;
    gw += (2 * err * p.x) / train.length;
    gb += (2 * err) / train.length;
  }
  w -= lr * gw;
  b -= lr * gb;
  if (step % 10 === 0 || step === 1) console.log(JSON.stringify({ step, loss: mse(train), w, b }));
  if (step % 50 === 0) console.log(`step=${step} val_loss=${mse(test)}`);
}

const folder = resolve('.cache', 'ai', 'checkpoints', process.env.INFRADECK_RUN ?? 'manual');
mkdirSync(folder, { recursive: true });
const file = join(folder, `step-${steps}.json`);
writeFileSync(file, `${JSON.stringify({ w, b, steps, lr })}\n`);
console.log(JSON.stringify({ checkpoint: `file://${file}`, step: steps }));
console.log(`done: w=${w.toFixed(3)} b=${b.toFixed(3)} (the truth: 3 and 1)`);
