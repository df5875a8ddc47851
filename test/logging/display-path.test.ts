// The file path in a glog prefix, like PyTorch's sys.path-relative paths.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath } from '../../src/logging/caller.js';

const REPO = resolve(import.meta.dirname, '../..');

describe('displayPath', () => {
  it('is relative to the working directory when the file is inside it', () => {
    expect(displayPath('/home/u/proj/src/a.ts', '/home/u/proj')).toBe('src/a.ts');
  });

  it('is the part after node_modules/ for an installed package outside the working directory', () => {
    expect(displayPath('/srv/app/node_modules/compilog/dist/runtime/x.js', '/home/u')).toBe(
      'compilog/dist/runtime/x.js',
    );
    expect(displayPath('/a/node_modules/b/node_modules/@s/p/i.js', '/home/u')).toBe('@s/p/i.js');
  });

  it("names compilog's own files from the package root when run from elsewhere", () => {
    expect(displayPath(resolve(REPO, 'src/runtime/capture/instrument.ts'), '/nonexistent-cwd')).toBe(
      'compilog/src/runtime/capture/instrument.ts',
    );
  });

  it('stays absolute for any other file, and leaves non-paths alone', () => {
    expect(displayPath('/opt/other/tool.js', '/home/u')).toBe('/opt/other/tool.js');
    expect(displayPath('node:internal/x', '/home/u')).toBe('node:internal/x');
    expect(displayPath('<anonymous>', '/home/u')).toBe('<anonymous>');
  });
});
