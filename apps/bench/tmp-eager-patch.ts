import { DeadlineQueue } from "@apikey/core";
{
  type Call = { deadline: number; settled: boolean; reject: (e: unknown) => void };
  let pending: Call[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;
  const trim = () => {
    while (head < pending.length && (pending[head] as Call).settled) head++;
    if (head === pending.length) { pending.length = 0; head = 0; }
    else if (head > 1024 && head * 2 > pending.length) { pending = pending.slice(head); head = 0; }
  };
  const expire = () => {
    timer = undefined;
    const now = performance.now();
    while (head < pending.length && ((pending[head] as Call).settled || (pending[head] as Call).deadline <= now)) {
      const c = pending[head] as Call; if (!c.settled) { c.settled = true; c.reject(new Error("deadline")); } head++;
    }
    trim();
    if (head < pending.length) timer = setTimeout(expire, Math.max(1, (pending[head] as Call).deadline - now)).unref();
  };
  (DeadlineQueue.prototype as unknown as { run: (w: Promise<unknown>) => Promise<unknown> }).run = function (this: { timeoutMs: number }, work: Promise<unknown>) {
    return new Promise((resolve, reject) => {
      const call: Call = { deadline: performance.now() + this.timeoutMs, settled: false, reject };
      pending.push(call);
      if (timer === undefined) timer = setTimeout(expire, this.timeoutMs).unref();
      work.then((v) => { if (call.settled) return; call.settled = true; trim(); resolve(v); },
                (e) => { if (call.settled) return; call.settled = true; trim(); reject(e); });
    });
  };
}
