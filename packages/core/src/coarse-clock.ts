/**
 * A coarse monotonic clock for the in-process hit path: `performance.now()` sampled, then the
 * sample reused by the reads of the same event-loop job, until the microtask queue drains or
 * 1,024 reads have used it, whichever comes first. A hit then costs no clock call (reading the
 * clock costs more than the Map lookup itself), and a reading is never ahead of the real
 * clock, only behind it: never from before the job that reads it began (an I/O callback, a
 * timer), so a request that arrives after some moment is answered on a reading taken after
 * it; within one job, behind by the time since the sample, at most 1,024 reads. Every backend
 * in the process shares the one sample.
 */

/** Reads one sample may answer before the real clock is read again. */
export const COARSE_CLOCK_MAX_READS = 1024;

let sample = 0;
/** Reads the current sample may still answer; 0 means read the real clock. */
let readsLeft = 0;
let forgetQueued = false;

function forgetSample(): void {
  forgetQueued = false;
  readsLeft = 0;
}

function takeSample(): number {
  sample = performance.now();
  readsLeft = COARSE_CLOCK_MAX_READS - 1;
  if (!forgetQueued) {
    forgetQueued = true;
    // Runs before the event loop takes its next job: no sample outlives the job that took it.
    queueMicrotask(forgetSample);
  }
  return sample;
}

/** `performance.now()`, possibly a little old (see the module comment). */
export function coarseNow(): number {
  if (readsLeft > 0) {
    readsLeft--;
    return sample;
  }
  return takeSample();
}
