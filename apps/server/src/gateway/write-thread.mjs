// One of a node's fan-out write threads (see write-threads.ts, which starts it and owns the
// layout of the shared memory). It sleeps until the event loop hands over a batch, writes the
// batch's frame to its share of the batch's file descriptors, one write(2) each, records the
// bytes each write took (0 when it took none: EAGAIN, or an error the event loop's own write
// will meet and handle), and says it is done.
import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const { control, fds, results, frame, index, threads, slots } = workerData;
// control (write-threads.ts lays it out): the batch's generation, its count of descriptors, its
// frame's length, and from slots.DONE on the last generation each thread finished.
const { GENERATION, COUNT, LENGTH } = slots;
const DONE = slots.DONE + index;
const ctl = new Int32Array(control);
const fd = new Int32Array(fds);
const took = new Int32Array(results);
const bytes = new Uint8Array(frame);

let generation = 0;
for (;;) {
  Atomics.wait(ctl, GENERATION, generation);
  generation = Atomics.load(ctl, GENERATION);
  const count = ctl[COUNT];
  const length = ctl[LENGTH];
  // The batch's descriptors are split into `threads` runs; this thread writes run `index`.
  const to = Math.floor((count * (index + 1)) / threads);
  for (let i = Math.floor((count * index) / threads); i < to; i++) {
    let n = 0;
    try {
      n = writeSync(fd[i], bytes, 0, length);
    } catch {
      n = 0;
    }
    took[i] = n;
  }
  Atomics.store(ctl, DONE, generation);
  Atomics.notify(ctl, DONE);
}
