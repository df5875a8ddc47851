/** What the report collects while it streams a trace: tlparse's compile directory plus our extras. */
import type { CompilationMetricsMeta, EnvelopeCompileId, ResolvedFrame } from '../artifacts/index.js';
import type { CodeLocation } from './code-location.js';

/** One row of tlparse's compile_directory.json (the five keys), plus facts for our own index. */
export interface OutputFile {
  url: string;
  name: string;
  number: number;
  suffix: string;
  readable_url: string | null;
  /** ours: payload size in bytes, FX node count for graphs, kind of envelope */
  size?: number;
  nodes?: number;
  kind?: string;
  link?: boolean;
}

export interface CompileEntry {
  /** display key: `[0/0]`, `[-/-]`, or `unknown` */
  key: string;
  id: EnvelopeCompileId | null;
  artifacts: OutputFile[];
}

export interface FailureRow {
  key: string;
  metricsUrl: string | null;
  restart: boolean;
  type: string;
  reason: string;
  source: string;
  /** ours: the user code location, and where it came from */
  location?: CodeLocation | null;
  locationFrom?: 'graph break' | 'failure' | 'compiled frame';
  /** ours: the dynamo_graph_break_reason artifact that explains a restart */
  detailUrl?: string;
}

export interface MetricsRecord {
  key: string;
  dir: string;
  url: string;
  m: CompilationMetricsMeta;
}

/** tlparse's Stats, for --strict and the summary. */
export interface TlparseStats {
  ok: number;
  other_rank: number;
  fail_glog: number;
  fail_json: number;
  fail_payload_md5: number;
  fail_dynamo_guards_json: number;
  fail_parser: number;
  fail_key_conflict: number;
  fail_json_serialization: number;
  unknown: number;
}

export interface StackNode {
  frame: ResolvedFrame | null;
  children: Map<string, StackNode>;
  terminals: Array<EnvelopeCompileId | null>;
}

export function newStackNode(frame: ResolvedFrame | null): StackNode {
  return { frame, children: new Map(), terminals: [] };
}

/** A draft-export issue (tlparse --export's table), found without needing a flag. */
export interface ExportIssue {
  type: 'Guard Evaluated' | 'Data Dependent Error' | 'Missing Fake Kernel' | 'Mismatched Fake Kernel';
  key: string;
  expr: string;
  detail: string;
  /** export mode: the symbolic_guard_information page */
  url?: string;
}
