import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** File descriptors one batch holds, at most: more than a sweep's turn writes (SWEEP_CHUNK). */
export const BATCH_CAPACITY = 4096;
/** The largest frame a batch carries; a larger one (a rare, large event) is the event loop's to write. */
export const FRAME_CAPACITY = 64 * 1024;
/** A batch's threads must all finish within this: a thread that has not is broken, and the node stops rather than hang. */
const FINISH_DEADLINE_MS = 30_000;

const GENERATION = 0;
const COUNT = 1;
const LENGTH = 2;
const DONE = 3;

/** The threads a node starts when not told: one beside the event loop on a machine with two CPUs or more, none on one. */
export function defaultWriteThreads(): number {
  return availableParallelism() >= 2 ? 1 : 0;
}

/**
 * Threads that write one frame to many sockets beside the event loop: what lets a popular game's
 * fan-out use more than one CPU.
 *
 * A fan-out's cost is its write system calls: one per spectator, and on this project's machine
 * about 20 µs each, most of it the kernel's. A Node process makes them on its one event-loop
 * thread, so 5,000 spectators hold a node for about 100 ms a move however the JavaScript around
 * them is trimmed. Here the event loop hands a batch (the frame and the sockets' file
 * descriptors, in shared memory) to `threads` threads, writes its own share of the sockets
 * meanwhile, and waits for theirs: the writes run side by side on as many CPUs.
 *
 * It is safe because the event loop does nothing else while a batch is out: no JavaScript runs,
 * so no socket is written, closed or its descriptor reused under a thread; and the caller hands
 * over only sockets with nothing queued in front (their writes have all reached the kernel), so
 * each thread's write is the socket's next bytes. A write the kernel takes only part of (a slow
 * reader) or refuses is reported by what it took, and the caller writes the rest through the
 * socket before anything else (FanoutAdapter). A thread writes with write(2) and nothing more.
 *
 * A thread sleeps in `Atomics.wait` between batches and costs nothing then; the threads are
 * unreferenced, so they never keep the process alive.
 */
export class WriteThreads {
  private readonly workers: Worker[] = [];
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * (DONE + 8)));
  private readonly fds = new Int32Array(new SharedArrayBuffer(4 * BATCH_CAPACITY));
  private readonly results = new Int32Array(new SharedArrayBuffer(4 * BATCH_CAPACITY));
  private readonly frame = new Uint8Array(new SharedArrayBuffer(FRAME_CAPACITY));
  private online = 0;
  private failed: Error | undefined;
  private count = 0;
  private generation = 0;
  private out = false;

  /** `threads` write threads (1 to 8), or none for 0. */
  static start(threads: number): WriteThreads | undefined {
    if (!Number.isInteger(threads) || threads < 0 || threads > 8) throw new RangeError(`write threads: ${threads} is not 0 to 8`);
    return threads === 0 ? undefined : new WriteThreads(threads);
  }

  private constructor(readonly threads: number) {
    const file = join(__dirname, 'write-thread.mjs');
    for (let index = 0; index < threads; index++) {
      const worker = new Worker(file, {
        // The control block's layout goes with it, so that it is written down once (here).
        workerData: { control: this.control.buffer, fds: this.fds.buffer, results: this.results.buffer, frame: this.frame.buffer, index, threads, slots: { GENERATION, COUNT, LENGTH, DONE } },
        // write(2) and a loop: no more heap than that needs.
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
        // The node's own flags (tsx's loader among them) are not the thread's business.
        execArgv: [],
      });
      worker.once('online', () => this.online++);
      worker.once('error', (e) => (this.failed ??= e));
      worker.once('exit', (code) => (this.failed ??= new Error(`write thread ${index} exited (code ${code})`)));
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Every thread has started and none has failed: a batch handed over now is written at once. */
  get ready(): boolean {
    return this.failed === undefined && this.online === this.threads;
  }

  /** The share of a batch's sockets the threads should take, the event loop writing the rest: an equal part each. */
  get share(): number {
    return this.threads / (this.threads + 1);
  }

  /** Starts a batch: `add` its sockets' descriptors, then `begin`, then `finish`. */
  reset(): void {
    if (this.out) throw new Error('write threads: a batch is still out');
    this.count = 0;
  }

  /** Adds a socket's descriptor to the batch being gathered; false when the batch is full. */
  add(fd: number): boolean {
    if (this.count === BATCH_CAPACITY) return false;
    this.fds[this.count++] = fd;
    return true;
  }

  /** Sockets in the batch. */
  get size(): number {
    return this.count;
  }

  /** Hands the batch to the threads, to write `frame` (at most FRAME_CAPACITY bytes) to each of its sockets. */
  begin(frame: Uint8Array): void {
    if (!this.ready) throw new Error('write threads: not ready');
    if (frame.length > FRAME_CAPACITY) throw new RangeError(`write threads: a ${frame.length}-byte frame is over ${FRAME_CAPACITY}`);
    // No clearing of results: the threads write one for every descriptor of the batch.
    this.frame.set(frame);
    this.control[COUNT] = this.count;
    this.control[LENGTH] = frame.length;
    this.out = true;
    Atomics.store(this.control, GENERATION, ++this.generation);
    Atomics.notify(this.control, GENERATION);
  }

  /**
   * Waits for every thread to finish the batch; then, for each socket in the order added, the
   * bytes of the frame the kernel took: all of it, part (the caller writes the rest), or none.
   */
  finish(): Int32Array {
    const deadline = Date.now() + FINISH_DEADLINE_MS;
    for (let t = 0; t < this.threads; t++) {
      for (;;) {
        const done = Atomics.load(this.control, DONE + t);
        if (done === this.generation) break;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`write thread ${t} has not finished batch ${this.generation} (${this.count} sockets) in ${FINISH_DEADLINE_MS} ms`);
        Atomics.wait(this.control, DONE + t, done, left);
      }
    }
    this.out = false;
    return this.results.subarray(0, this.count);
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
