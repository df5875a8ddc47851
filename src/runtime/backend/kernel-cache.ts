/**
 * The compiled-graph cache (Inductor's FX graph cache): generated modules keyed by a hash of the
 * captured graph (its printed form: ops, shapes, strides) and the code generator's version. In memory,
 * and on disk under `$COMPILOG_CACHE_DIR` (default `<tmpdir>/compilog-cache-<uid>`), one JSON file per
 * module plus the `.js` source that `inductor_output_code` points at. A hit skips lowering, fusion and
 * code generation. Disk problems never fail a compile: the entry is treated as a miss.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { getLogger } from '../../logging/index.js';
import { QNAMES } from '../registrations.js';
import type { KernelStat, OutputSpec } from './wrapper.js';

const log = getLogger(QNAMES.codecache);

/** Everything needed to run a compiled graph without compiling it again. */
export interface ModuleSpec {
  readonly version: number;
  readonly key: string;
  readonly graphName: string;
  readonly source: string;
  readonly inputCount: number;
  /** Positions, among the captured graph's constants, of the constants passed after the placeholders. */
  readonly constants: readonly number[];
  readonly kernels: readonly KernelStat[];
  readonly outputs: readonly OutputSpec[];
}

export type ModuleFactory = (helpers: unknown) => (args: readonly unknown[], rt: unknown) => Float32Array[];

export type CacheLookup = { readonly spec: ModuleSpec; readonly from: 'memory' | 'disk' } | undefined;

export interface KernelCacheOptions {
  /** Directory for the disk cache; null for memory only. Default: $COMPILOG_CACHE_DIR or the temp dir. */
  readonly dir?: string | null;
  /**
   * Modules kept in memory (least recently used first out; default 256). A process that compiles without
   * end (new shapes, new functions) would otherwise keep every module's source and generated code. Programs
   * already built keep working after their module leaves the cache; the disk cache is not bounded.
   */
  readonly memoryLimit?: number;
}

/** Default number of modules a KernelCache keeps in memory. */
export const KERNEL_CACHE_MEMORY_LIMIT = 256;

export class KernelCache {
  dir: string | null;
  readonly stats = { memoryHits: 0, diskHits: 0, misses: 0 };
  private readonly specs = new Map<string, ModuleSpec>();
  private readonly factories = new Map<string, ModuleFactory>();
  private warned = false;
  private readonly memoryLimit: number;

  private checked: boolean;

  constructor(options: KernelCacheOptions = {}) {
    this.dir = options.dir === undefined ? defaultCacheDir() : options.dir;
    this.memoryLimit = Math.max(1, Math.floor(options.memoryLimit ?? KERNEL_CACHE_MEMORY_LIMIT));
    // An explicit directory is the caller's choice; the shared temp-dir default is checked before use.
    this.checked = options.dir !== undefined || Boolean(process.env.COMPILOG_CACHE_DIR);
  }

  /**
   * The default directory lives in the shared temp dir, and its files are executed: use it only if it is
   * ours and nobody else can write to it (created 0700), otherwise fall back to memory with a warning.
   */
  private usableDir(): string | null {
    if (this.checked || this.dir === null) return this.dir;
    this.checked = true;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const st = statSync(this.dir);
      const uid = process.getuid?.();
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
        this.warnOnce(
          `not using the kernel cache directory ${this.dir}: it must be a directory owned by this user and writable by nobody else; caching in memory only (set COMPILOG_CACHE_DIR to choose another directory)`,
        );
        this.dir = null;
      }
    } catch (err) {
      this.warnOnce(`not using the kernel cache directory ${this.dir}: ${(err as Error).message}`);
      this.dir = null;
    }
    return this.dir;
  }

  get(key: string): CacheLookup {
    const memory = this.specs.get(key);
    if (memory !== undefined) {
      this.stats.memoryHits++;
      this.remember(memory);
      return { spec: memory, from: 'memory' };
    }
    const disk = this.readDisk(key);
    if (disk !== undefined) {
      this.stats.diskHits++;
      this.remember(disk);
      return { spec: disk, from: 'disk' };
    }
    this.stats.misses++;
    return undefined;
  }

  /** Modules held in memory (at most the memory limit). */
  get memorySize(): number {
    return this.specs.size;
  }

  put(spec: ModuleSpec): void {
    this.remember(spec);
    const root = this.usableDir();
    if (root === null) return;
    try {
      const dir = join(root, spec.key.slice(0, 2));
      mkdirSync(dir, { recursive: true });
      // Write then rename, so a concurrent reader never sees half a file.
      const tmp = join(dir, `${spec.key}.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify(spec));
      renameSync(tmp, join(dir, `${spec.key}.json`));
      writeFileSync(this.sourcePath(spec.key)!, spec.source);
    } catch (err) {
      this.warnOnce(`could not write the kernel cache under ${root}: ${(err as Error).message}`);
    }
  }

  /** The compiled module for a spec: `new Function` runs once per key per process. */
  factory(spec: ModuleSpec): ModuleFactory {
    let f = this.factories.get(spec.key);
    if (f === undefined) {
      f = new Function('H', spec.source) as ModuleFactory;
      // Only modules the cache holds keep a factory (an evicted module's programs have their own `call`).
      if (this.specs.has(spec.key)) this.factories.set(spec.key, f);
    }
    return f;
  }

  /** Makes `spec` the most recently used module; evicts the least recently used beyond the limit. */
  private remember(spec: ModuleSpec): void {
    this.specs.delete(spec.key);
    this.specs.set(spec.key, spec);
    while (this.specs.size > this.memoryLimit) {
      const oldest = this.specs.keys().next().value as string;
      this.specs.delete(oldest);
      this.factories.delete(oldest);
    }
  }

  /** Where the module's source is (or would be) on disk; what `inductor_output_code` names. */
  sourcePath(key: string): string | undefined {
    return this.dir === null ? undefined : join(this.dir, key.slice(0, 2), `${key}.js`);
  }

  /** Forgets the in-memory entries (the disk cache stays). */
  clearMemory(): void {
    this.specs.clear();
    this.factories.clear();
  }

  private readDisk(key: string): ModuleSpec | undefined {
    const root = this.usableDir();
    if (root === null) return undefined;
    let text: string;
    try {
      text = readFileSync(join(root, key.slice(0, 2), `${key}.json`), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const spec = JSON.parse(text) as ModuleSpec;
      if (spec.key !== key || typeof spec.source !== 'string') throw new Error('key or source missing');
      return spec;
    } catch (err) {
      this.warnOnce(`ignoring a corrupt kernel cache entry ${key}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    log.warning(message);
  }
}

export function defaultCacheDir(): string {
  const fromEnv = process.env.COMPILOG_CACHE_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  let user = 'user';
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {
    // userInfo() can fail in containers without a passwd entry; a shared name is still safe to use.
  }
  return join(tmpdir(), `compilog-cache-${user}`);
}

let shared: KernelCache | undefined;

/** The process-wide cache compileGraph uses by default. */
export function defaultKernelCache(): KernelCache {
  shared ??= new KernelCache();
  return shared;
}
