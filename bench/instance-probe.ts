import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Loaded with `--import` into each server and worker process the benchmark starts,
 * ahead of its real entry point (which runs unchanged): it measures the event
 * loop's delay and answers the benchmark's questions over the IPC channel.
 */
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

export interface ProbeStats {
  rssBytes: number;
  peakRssBytes: number;
  /** V8's heap in use and memory held outside it (buffers, strings handed to sockets), now. */
  heapUsedBytes: number;
  externalBytes: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

if (process.send) {
  process.on('message', (msg: { type?: string }) => {
    if (msg?.type === 'probe:reset') {
      delay.reset();
      process.send!({ type: 'probe:reset:done' });
    } else if (msg?.type === 'probe:stats') {
      const stats: ProbeStats = {
        rssBytes: process.memoryUsage.rss(),
        heapUsedBytes: process.memoryUsage().heapUsed,
        externalBytes: process.memoryUsage().external + process.memoryUsage().arrayBuffers,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
        eventLoopDelayMaxMs: delay.max / 1e6,
      };
      process.send!({ type: 'probe:stats', stats });
    }
  });
  // The channel must not keep a process alive that would otherwise exit.
  process.channel?.unref();
}
