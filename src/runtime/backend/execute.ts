/**
 * Execution (`runtime`): runs a compiled module's `call` on real tensors and wraps the returned buffers
 * as output tensors. With timing on (the `runtime` logger at DEBUG, a trace being written, or
 * `timing: true`) each kernel launch is timed and becomes a log line with its figures (ms, Gelem/s,
 * GB/s, GFLOP/s, tinygrad's DEBUG=2 style) and a chromium `X` event. With timing off a launch costs two
 * boolean tests.
 */
import { completeEvent, isTraceEnabled, settleQueuedRecords } from '../../artifacts/index.js';
import { CompilogError, DEBUG, getLogger } from '../../logging/index.js';
import type { StridedArray } from '../core/types.js';
import type { Node } from '../ir/graph.js';
import { QNAMES } from '../registrations.js';
import { Tensor } from '../tensor.js';
import { BACKEND_HELPERS } from './helpers.js';
import type { ModuleFactory, ModuleSpec } from './kernel-cache.js';

const log = getLogger(QNAMES.runtime);

export interface KernelTimes {
  readonly name: string;
  calls: number;
  totalMs: number;
}

interface RuntimeHooks {
  timing: boolean;
  now: () => number;
  launched: (kernel: number, start: number) => void;
}

export class CompiledProgram {
  /** Per-kernel launch counts and time (filled while timing is on). */
  readonly kernelTimes: KernelTimes[];
  private readonly call: (args: readonly unknown[], rt: RuntimeHooks) => Float32Array[];
  private readonly rt: RuntimeHooks;

  constructor(
    readonly spec: ModuleSpec,
    factory: ModuleFactory,
    private readonly placeholders: readonly Node[],
    private readonly constants: readonly StridedArray[],
    private readonly forceTiming = false,
  ) {
    this.call = factory(BACKEND_HELPERS) as typeof this.call;
    this.kernelTimes = spec.kernels.map((k) => ({ name: k.name, calls: 0, totalMs: 0 }));
    this.rt = {
      timing: false,
      now: () => performance.now(),
      launched: (k, start) => this.launched(k, start),
    };
  }

  get kernelCount(): number {
    return this.spec.kernels.length;
  }

  run(inputs: readonly Tensor[]): Tensor[] {
    this.check(inputs);
    const args: readonly StridedArray[] =
      this.constants.length === 0
        ? (inputs as readonly StridedArray[])
        : [...(inputs as readonly StridedArray[]), ...this.constants];
    this.rt.timing = this.forceTiming || log.isEnabledFor(DEBUG) || isTraceEnabled();
    const buffers = this.call(args, this.rt);
    // the kernel launches' chromium events are built now, as part of this run (see settleQueuedRecords)
    if (this.rt.timing) settleQueuedRecords();
    return this.spec.outputs.map((o) => {
      const storage = o.kind === 'buffer' ? buffers[o.index] : args[o.index].storage;
      const offset = o.kind === 'buffer' ? o.offset : o.offset + args[o.index].offset;
      return new Tensor({
        shape: o.shape,
        strides: o.strides,
        offset,
        dtype: 'float32',
        storage,
        lazy: null,
      });
    });
  }

  private launched(k: number, start: number): void {
    const end = performance.now();
    const ms = end - start;
    const stat = this.spec.kernels[k];
    const t = this.kernelTimes[k];
    t.calls++;
    t.totalMs += ms;
    log.debug(() => {
      const s = ms / 1e3;
      const figures = [
        `${(stat.elements / s / 1e9).toFixed(3)} Gelem/s`,
        `${(stat.bytes / s / 1e9).toFixed(2)} GB/s`,
      ];
      if (stat.flops > 0) figures.push(`${(stat.flops / s / 1e9).toFixed(2)} GFLOP/s`);
      return `*** kernel ${String(k).padStart(3)} ${stat.name.padEnd(48)} ${ms.toFixed(3).padStart(9)} ms  ${figures.join('  ')}`;
    });
    completeEvent(stat.name, (performance.timeOrigin + start) * 1000, ms * 1000, {
      category: 'kernel',
      args: { kernel: k, elements: stat.elements, bytes: stat.bytes, flops: stat.flops },
    });
  }

  private check(inputs: readonly Tensor[]): void {
    const ps = this.placeholders;
    if (inputs.length !== ps.length) {
      throw new CompilogError(
        'E_BAD_ARGUMENT',
        `compiled graph takes ${ps.length} input(s) but ${inputs.length} were given`,
        'pass the tensors in the order of the graph placeholders',
      );
    }
    for (let i = 0; i < ps.length; i++) {
      const want = ps[i].meta;
      const got = inputs[i];
      if (got.storage === null) {
        throw new CompilogError(
          'E_LAZY_TENSOR',
          `input ${i} of a compiled graph is a lazy tensor`,
          'pass tensors with data',
        );
      }
      const same =
        got.shape.length === want.shape.length &&
        got.shape.every((d, j) => d === want.shape[j] && (d === 1 || got.strides[j] === want.strides[j]));
      if (!same) {
        throw new CompilogError(
          'E_BAD_ARGUMENT',
          `input '${ps[i].argName ?? ps[i].name}' has shape [${got.shape.join(', ')}] strides [${got.strides.join(', ')}] but the graph was compiled for [${want.shape.join(', ')}] strides [${want.strides.join(', ')}]`,
          'compile again for the new layout (compile() does this through its guards)',
        );
      }
    }
  }
}
