/** Resident memory of this process: the value now, and the peak sampled while a phase runs. */

const MB = 2 ** 20;

/** RSS now, in MB. */
export function rssMb(): number {
  return process.memoryUsage.rss() / MB;
}

export interface RssPeakSampler {
  /** Stop sampling; the highest RSS seen since the start (the last reading included), in MB. */
  stop(): number;
}

/** Sample RSS every `everyMs` until `stop()`, keeping the highest reading. */
export function sampleRssPeak(everyMs = 100): RssPeakSampler {
  let peak = rssMb();
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb());
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      peak = Math.max(peak, rssMb());
      return peak;
    },
  };
}
