/**
 * Qualified logger names in TORCH_LOGS / set_logs (`torch._dynamo.guards`, `mycompiler.codegen`).
 * PyTorch accepts any importable Python module there; we ask a pluggable resolver instead, by default one that
 * knows the registry's logger names. Naming a qname registers it like PyTorch does (a new alias when no
 * registered logger sits above it, a child log otherwise); the parser records that as a plan and applies it
 * to the registry only when asked, so parsing stays pure.
 */
import { compareCodePoints, type LogRegistry, parentOf } from './registry.js';

export interface ModuleResolver {
  /** True when `qname` names a logger (PyTorch: an importable module). */
  exists(qname: string): boolean;
  /**
   * Every descendant of `qname` that should get the same level explicitly (PyTorch 2.11's directory-based
   * logging), not including `qname` itself, parents before children. Default: none.
   */
  submodules?(qname: string): string[];
}

/**
 * The default resolver: a qname exists when it is a qname of some alias, a logger the program created
 * (`registry.knownLoggers`), a child log named earlier, or an artifact logger. It expands to its known
 * descendants (artifact loggers excluded: they are channels, not modules), in code-point order, which is
 * the depth-first order of a package walk.
 */
export function defaultModuleResolver(registry: LogRegistry): ModuleResolver {
  const moduleNames = (): Set<string> =>
    new Set([...registry.logQnames(), ...registry.knownLoggers, ...registry.childLogQnames]);
  return {
    exists: (qname) => moduleNames().has(qname) || registry.artifactLogQnames.has(qname),
    submodules: (qname) => {
      const prefix = `${qname}.`;
      return [...moduleNames()]
        .filter((q) => q.startsWith(prefix) && !registry.artifactLogQnames.has(q))
        .sort(compareCodePoints);
    },
  };
}

export interface Registrations {
  /** qnames that become new aliases of themselves (no registered logger above them). */
  aliases: string[];
  /** qnames recorded as child logs (a registered logger sits above them, or they are one). */
  childLogs: string[];
}

/** The registry as it would be after the registrations planned so far, without touching the registry. */
export class RegistrationPlan {
  private readonly newAliases = new Set<string>();
  private readonly childLogs = new Set<string>();
  private readonly registeredQnames: Set<string>;

  constructor(private readonly registry: LogRegistry) {
    this.registeredQnames = new Set(registry.logQnames());
  }

  isLog(name: string): boolean {
    return this.registry.aliases.has(name) || this.newAliases.has(name);
  }

  aliasQnames(name: string): readonly string[] {
    return this.registry.aliases.get(name) ?? (this.newAliases.has(name) ? [name] : []);
  }

  isChildLog(qname: string): boolean {
    return this.registry.childLogQnames.has(qname) || this.childLogs.has(qname);
  }

  /** PyTorch's `_has_registered_parent`: `qname` itself or a dotted ancestor is a qname of some alias. */
  hasRegisteredParent(qname: string): boolean {
    for (let q = qname; q !== ''; q = parentOf(q)) if (this.registeredQnames.has(q)) return true;
    return false;
  }

  /** Registers `qname` as PyTorch's parser does for a module token (order matters: parents first). */
  registerModule(qname: string): void {
    if (!this.hasRegisteredParent(qname)) {
      this.newAliases.add(qname);
      this.registeredQnames.add(qname);
    } else {
      this.childLogs.add(qname);
    }
  }

  /** The qnames `all` sets: the `torch` alias when there is one (PyTorch), else the root of every alias. */
  allQnames(): string[] {
    if (this.isLog('torch')) return [...this.aliasQnames('torch')];
    const qnames = [...this.registry.logQnames(), ...this.newAliases];
    const set = new Set(qnames);
    const hasAncestorIn = (q: string): boolean => {
      for (let p = parentOf(q); p !== ''; p = parentOf(p)) if (set.has(p)) return true;
      return false;
    };
    return [...new Set(qnames.filter((q) => !hasAncestorIn(q)))];
  }

  /** PyTorch's "Valid settings" list, including aliases this parse would register. */
  validSettings(): string[] {
    return [...this.registry.validSettings(), ...this.newAliases].sort(compareCodePoints);
  }

  /** Every name a user could have meant: `all`, aliases, artifacts and logger qnames. */
  knownNames(): string[] {
    return [
      ...this.validSettings(),
      ...this.registeredQnames,
      ...this.registry.knownLoggers,
      ...this.registry.childLogQnames,
      ...this.childLogs,
    ];
  }

  result(): Registrations {
    return { aliases: [...this.newAliases], childLogs: [...this.childLogs] };
  }
}

/** Applies planned registrations to `registry` (what PyTorch's parser does as a side effect). Idempotent. */
export function applyRegistrations(registry: LogRegistry, registrations: Registrations): void {
  for (const alias of registrations.aliases) {
    if (!registry.aliases.has(alias)) registry.registerLog(alias, alias);
  }
  for (const q of registrations.childLogs) registry.registerChildLog(q);
}

/** A module token's qnames, PyTorch-style: the module, then its submodules (each gets the same level). */
export function expandModule(resolver: ModuleResolver, qname: string): string[] {
  return [qname, ...(resolver.submodules?.(qname) ?? []).filter((q) => q !== qname)];
}
