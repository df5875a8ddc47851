/**
 * The registry says what exists: log aliases (a short setting name -> the logger qnames it sets) and
 * artifacts (named channels of compiler output). What is switched on lives elsewhere (the state).
 * A registry is plain data, so PyTorch 2.11's own registry ships as a JSON file and can stand in for ours.
 */

export interface ArtifactInfo {
  name: string;
  description: string;
  /** Listed by `TORCH_LOGS=help`; every artifact is listed by `+help`. */
  visible: boolean;
  /** Printed only when named in TORCH_LOGS, never inherited from a component's level. */
  offByDefault: boolean;
  /** A `%(message)s`-style format that replaces the default prefix for this artifact's records. */
  logFormat?: string;
}

export interface ArtifactOptions {
  description?: string;
  visible?: boolean;
  offByDefault?: boolean;
  logFormat?: string;
}

/** The JSON shape of a shipped registry (data/registries/*.json). */
export interface RegistryData {
  logs: Record<string, string[]>;
  artifacts: Array<{ name: string; description: string; visible: boolean; off_by_default: boolean }>;
}

export type RegistryListener = () => void;

export class LogRegistry {
  /** alias -> qualified logger names, in registration order. */
  readonly aliases = new Map<string, string[]>();
  readonly artifacts = new Map<string, ArtifactInfo>();
  /** qnames of artifact loggers created so far (`<module>.__<artifact>`). */
  readonly artifactLogQnames = new Set<string>();
  /** qnames named in settings that sit under a registered logger. */
  readonly childLogQnames = new Set<string>();
  /** qnames of loggers created so far (getLogger), so qualified names in TORCH_LOGS can resolve to them. */
  readonly knownLoggers = new Set<string>();
  private readonly listeners = new Set<RegistryListener>();

  /** Registers (or replaces) an alias. `qnames` may be one name or several. */
  registerLog(alias: string, qnames: string | readonly string[]): void {
    this.aliases.set(alias, typeof qnames === 'string' ? [qnames] : [...qnames]);
    this.changed();
  }

  registerArtifact(name: string, options: ArtifactOptions = {}): void {
    this.artifacts.set(name, {
      name,
      description: options.description ?? '',
      visible: options.visible ?? false,
      offByDefault: options.offByDefault ?? false,
      ...(options.logFormat === undefined ? {} : { logFormat: options.logFormat }),
    });
    this.changed();
  }

  registerChildLog(qname: string): void {
    this.childLogQnames.add(qname);
  }

  registerArtifactLog(qname: string): void {
    this.artifactLogQnames.add(qname);
  }

  registerKnownLogger(qname: string): void {
    this.knownLoggers.add(qname);
  }

  isLog(alias: string): boolean {
    return this.aliases.has(alias);
  }

  isArtifact(name: string): boolean {
    return this.artifacts.has(name);
  }

  isOffByDefault(name: string): boolean {
    return this.artifacts.get(name)?.offByDefault ?? false;
  }

  /** Every qname some alias sets, de-duplicated, in registration order. */
  logQnames(): string[] {
    const out = new Set<string>();
    for (const qnames of this.aliases.values()) for (const q of qnames) out.add(q);
    return [...out];
  }

  /** True when `qname` or one of its dotted ancestors is a qname of some alias. */
  hasRegisteredParent(qname: string): boolean {
    const registered = new Set(this.logQnames());
    for (let q = qname; q !== ''; q = parentOf(q)) {
      if (registered.has(q)) return true;
    }
    return false;
  }

  /** `all` + aliases + artifacts, sorted by code point: the "Valid settings" list of PyTorch's error. */
  validSettings(): string[] {
    return ['all', ...this.aliases.keys(), ...this.artifacts.keys()].sort(compareCodePoints);
  }

  /** Called after every registration; used to re-apply settings to late-registered subsystems. */
  onChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clone(): LogRegistry {
    const copy = new LogRegistry();
    for (const [alias, qnames] of this.aliases) copy.aliases.set(alias, [...qnames]);
    for (const [name, info] of this.artifacts) copy.artifacts.set(name, { ...info });
    for (const q of this.artifactLogQnames) copy.artifactLogQnames.add(q);
    for (const q of this.childLogQnames) copy.childLogQnames.add(q);
    for (const q of this.knownLoggers) copy.knownLoggers.add(q);
    return copy;
  }

  static fromData(data: RegistryData): LogRegistry {
    const registry = new LogRegistry();
    for (const [alias, qnames] of Object.entries(data.logs)) registry.aliases.set(alias, [...qnames]);
    for (const a of data.artifacts) {
      registry.artifacts.set(a.name, {
        name: a.name,
        description: a.description,
        visible: a.visible,
        offByDefault: a.off_by_default,
      });
    }
    return registry;
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure must not break the registration that triggered it.
      }
    }
  }
}

export function parentOf(qname: string): string {
  const dot = qname.lastIndexOf('.');
  return dot < 0 ? '' : qname.slice(0, dot);
}

/** Python's sorted() on str: code point order (not UTF-16 unit order, not locale order). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
