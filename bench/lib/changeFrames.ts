/**
 * Times store changes to what Ink draws for them: from the first change not drawn yet to the end of the next frame
 * Ink writes or, when the change alters nothing on screen, to the render that found nothing new to write. Ink
 * writes no frame for such a change, and waiting for the next one timed whatever later change drew it (the queue's
 * fresh views of jobs that events had already built draw nothing: their "frame" was the next flush of events, ~100 ms
 * on). Ink with the frame cap off (maxFps 0) writes a changed frame in the same call as its `onRender` hook.
 */
export function changeFrames() {
  const samples: number[] = [];
  let waiting: number[] = [];
  let frames = 0;
  let unchanged = 0;
  const settle = (at: number) => {
    const drawn = waiting.filter((t) => t <= at);
    if (drawn.length === 0) return false;
    samples.push(at - drawn[0]);
    waiting = waiting.filter((t) => t > at);
    return true;
  };
  return {
    /** Change → frame (or → the render that drew nothing), ms. */
    samples,
    /** How many of the samples ended with a render that drew nothing. */
    unchanged: () => unchanged,
    /** The store changed at `at` (performance.now()). */
    changed(at: number) {
      waiting.push(at);
    },
    /** The end of a frame was written at `at`. */
    frame(at: number) {
      frames++;
      settle(at);
    },
    /** Ink's `onRender` hook, called at `at`. */
    rendered(at: number) {
      const framesBefore = frames;
      queueMicrotask(() => {
        if (frames === framesBefore && settle(at)) unchanged++;
      });
    },
  };
}
