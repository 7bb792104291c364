import { describe, expect, it } from 'vitest';
import { changeFrames } from '../../bench/lib/changeFrames';

// Ink with the frame cap off calls its onRender hook, then writes the frame (if anything changed) in the same call.
const afterTheRender = () => Promise.resolve();

describe('changeFrames: a store change → what Ink draws for it (the Batch tab benchmark)', () => {
  it('ends a change that draws nothing at the render that found nothing to write, not at a later frame', async () => {
    const times = changeFrames();
    times.changed(100); // the queue's fresh views of jobs the events built: nothing new on screen
    times.rendered(102);
    await afterTheRender();
    times.changed(190); // the next flush of events draws
    times.rendered(191);
    times.frame(194);
    await afterTheRender();
    expect(times.samples).toEqual([2, 4]);
    expect(times.unchanged()).toBe(1);
  });

  it('ends changes at the frame that draws them, timed from the first', async () => {
    const times = changeFrames();
    times.changed(10);
    times.changed(12);
    times.rendered(15);
    times.frame(17);
    await afterTheRender();
    times.rendered(40); // a render with no change waiting (a key's) times nothing
    await afterTheRender();
    expect(times.samples).toEqual([7]);
    expect(times.unchanged()).toBe(0);
  });

  it('keeps a change made after the render for the next frame', async () => {
    const times = changeFrames();
    times.changed(10);
    times.rendered(11);
    times.changed(12); // before the render's own end (a layout effect's store write)
    await afterTheRender();
    times.frame(30);
    expect(times.samples).toEqual([1, 18]);
  });
});
