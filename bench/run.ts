/**
 * Benchmark dispatcher: `npm run bench -- <name>` runs bench/<name>.ts's exported main().
 */
import { readdirSync } from 'node:fs';

const name = process.argv[2];
const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (one of: ${available.join(', ')})`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { main: () => unknown };
await mod.main();
