/**
 * The envelope schema checks tlparse's serde types imply: JSON that parses but does not fit (a `rank`
 * that is a string, an `artifact` without `encoding`, ...) is a fail_json there, so it is here too.
 * Only fields tlparse types strictly are checked; metadata it reads as optional is left alone.
 */

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isU32 = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
const optStr = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const optNum = (v: unknown) => v === undefined || v === null || typeof v === 'number';
const optStrArr = (v: unknown) =>
  v === undefined || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

function frameOk(f: unknown): boolean {
  if (!isObj(f)) return false;
  return isU32(f.filename) && isInt(f.line) && typeof f.name === 'string' && optStr(f.loc);
}

function stackOk(s: unknown): boolean {
  return s === undefined || s === null || (Array.isArray(s) && s.every(frameOk));
}

function requireStrings(m: unknown, keys: string[]): boolean {
  return isObj(m) && keys.every((k) => typeof m[k] === 'string');
}

/** Checks per known kind; a kind whose value is null counts as absent (serde's Option). */
const KIND_CHECKS: Record<string, (m: unknown) => boolean> = {
  str: (m) => Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && isU32(m[1]),
  dynamo_start: (m) => isObj(m) && stackOk(m.stack),
  optimize_ddp_split_child: (m) => requireStrings(m, ['name']),
  graph_dump: (m) => requireStrings(m, ['name']),
  link: (m) => requireStrings(m, ['name', 'url']),
  artifact: (m) => requireStrings(m, ['name', 'encoding']),
  dump_file: (m) => requireStrings(m, ['name']),
  inductor_output_code: (m) => isObj(m) && optStr(m.filename),
  compilation_metrics: (m) =>
    isObj(m) &&
    optStr(m.fail_type) &&
    optStr(m.fail_reason) &&
    optStr(m.co_name) &&
    optStr(m.co_filename) &&
    optNum(m.graph_op_count) &&
    optStrArr(m.restart_reasons),
  symbolic_shape_specialization: (m) => isObj(m) && stackOk(m.stack) && stackOk(m.user_stack),
  guard_added_fast: (m) => isObj(m) && stackOk(m.stack) && stackOk(m.user_stack),
  describe_storage: (m) => isObj(m) && isInt(m.id) && isInt(m.describer_id) && isInt(m.size),
  describe_source: (m) => isObj(m) && isInt(m.id) && isInt(m.describer_id) && typeof m.source === 'string',
  describe_tensor: (m) =>
    isObj(m) &&
    isInt(m.id) &&
    isInt(m.describer_id) &&
    isInt(m.ndim) &&
    typeof m.dtype === 'string' &&
    typeof m.device === 'string' &&
    Array.isArray(m.size),
};

/** Metadata kinds that are serde structs: they must be JSON objects. */
const OBJECT_KINDS = new Set([
  'dynamo_output_graph',
  'optimize_ddp_split_graph',
  'compiled_autograd_graph',
  'dynamo_guards',
  'aot_forward_graph',
  'aot_backward_graph',
  'aot_inference_graph',
  'aot_joint_graph',
  'inductor_pre_grad_graph',
  'inductor_post_grad_graph',
  'dynamo_cpp_guards_str',
  'bwd_compilation_metrics',
  'aot_autograd_backward_compilation_metrics',
  'propagate_real_tensors_provenance',
  'guard_added',
  'create_unbacked_symbol',
  'create_symbol',
  'expression_created',
  'missing_fake_kernel',
  'mismatched_fake_kernel',
  'chromium_event',
  'exported_program',
]);

/** Returns null when the envelope fits tlparse's schema, else a short reason. */
export function schemaError(o: Json, kinds: readonly string[]): string | null {
  if (o.rank !== undefined && o.rank !== null && !isU32(o.rank)) return 'rank is not an unsigned integer';
  if (o.has_payload !== undefined && o.has_payload !== null && typeof o.has_payload !== 'string')
    return 'has_payload is not a string';
  if (!stackOk(o.stack)) return 'stack is not a list of frames';
  for (const k of kinds) {
    const m = o[k];
    const check = KIND_CHECKS[k];
    if (check !== undefined) {
      if (!check(m)) return `${k} does not have the expected fields`;
    } else if (OBJECT_KINDS.has(k) && !isObj(m)) {
      return `${k} is not an object`;
    }
  }
  return null;
}
