/**
 * A coarse monotonic clock for the in-process hit path: `performance.now()` sampled, then the
 * sample reused until a 1 ms timer fires or 1,024 reads have used it, whichever comes first.
 * A hit then costs no clock call (reading the clock costs more than the Map lookup itself),
 * and a reading is never ahead of the real clock, only behind it: by at most about 1 ms, or by
 * the 1,024 reads, or by one event-loop turn that runs longer than that without yielding to
 * timers. Every backend in the process shares the one sample and at most one pending timer
 * (unref'd, so it never keeps the process alive).
 */

/** Reads one sample may answer before the real clock is read again. */
export const COARSE_CLOCK_MAX_READS = 1024;

/** How long one sample may answer, in ms (the timer that forgets it). */
export const COARSE_CLOCK_RESOLUTION_MS = 1;

let sample = 0;
/** Reads the current sample may still answer; 0 means read the real clock. */
let readsLeft = 0;
let timerPending = false;

function forgetSample(): void {
  timerPending = false;
  readsLeft = 0;
}

function takeSample(): number {
  sample = performance.now();
  readsLeft = COARSE_CLOCK_MAX_READS - 1;
  if (!timerPending) {
    timerPending = true;
    // The global looked up now, not at import: fake timers (tests) then drive the clock too.
    setTimeout(forgetSample, COARSE_CLOCK_RESOLUTION_MS).unref?.();
  }
  return sample;
}

/** `performance.now()`, possibly up to about a millisecond old (see the module comment). */
export function coarseNow(): number {
  if (readsLeft > 0) {
    readsLeft--;
    return sample;
  }
  return takeSample();
}
