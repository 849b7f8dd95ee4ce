import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanImportModules } from '../../src/parse/ts-imports.js';
import { TsHost, TsModule } from '../../src/parse/typescript.js';

const host = new TsHost();
/** What the parser says: the modules of the import list, in order, once each. */
const parsed = (text: string, path = 'a.ts'): string[] => [...new Set(new TsModule(host.parse(path, text)).imports().map((i) => i.module))];
const scanned = (text: string, path = 'a.ts'): string[] | undefined => {
  const s = scanImportModules(text, /x$/.test(path));
  return s ? [...s] : undefined;
};

describe('scanImportModules', () => {
  const agree: Array<[string, string]> = [
    [
      'default, named, namespace and type imports',
      `import OpenAI from "openai";\nimport { a, b as c } from './lib';\nimport * as ns from "../ns";\nimport type { T } from './types';\nimport { type U } from './u';\n`,
    ],
    ['a directive, comments and a shebang first', `#!/usr/bin/env node\n"use client";\n// import x from "commented";\n/* import y from "block" */\nimport x from './x'\n`],
    ['side-effect imports and empty braces bind nothing', `import './styles.css';\nimport {} from './empty';\nimport type {} from './empty-type';\nimport real from './real';\n`],
    ['`type` and `from` used as names', `import type from './named-type';\nimport { from } from './named-from';\nimport { default as d } from './dflt';\n`],
    [
      're-exports between imports are no import edge',
      `export * from './all';\nexport * as ns from './ns';\nexport { a, b as c } from './some';\nexport type { T } from './t';\nimport used from './used';\nexport { used };\nimport after from './after';\n`,
    ],
    ['Deno-style specifiers', `import OpenAI from "npm:openai@4";\nimport { serve } from "https://deno.land/std@0.200.0/http/server.ts";\nimport { z } from "jsr:@std/zod";\n`],
    [
      'code after the prologue with no late import',
      'import { ask } from "./llm";\nexport const x = `${ask}\'s answer`;\nconst re = /\'/;\nfunction f() { return import("./lazy"); }\nconsole.log(import.meta.url);\n',
    ],
    ['no imports at all', 'export default function page() { return 1; }\n'],
  ];
  it.each(agree)('%s: same modules as the parser', (_name, text) => {
    expect(scanned(text)).toEqual(parsed(text));
  });

  it('reads JSX files', () => {
    const text = `import React from 'react';\nimport { Chat } from '@/components/chat';\nexport default function Page() { return <Chat title="Don't import from 'x'" />; }\n`;
    // The JSX text mentions an import: the scan leaves such a file to the parser.
    expect(scanned(text, 'page.tsx')).toBeUndefined();
    const plain = `import React from 'react';\nimport { Chat } from '@/components/chat';\nexport default function Page() { return <Chat title="hello" />; }\n`;
    expect(scanned(plain, 'page.tsx')).toEqual(parsed(plain, 'page.tsx'));
  });

  const parseInstead: Array<[string, string]> = [
    ['require()', `const OpenAI = require("openai");\n`],
    ['import = require()', `import fs = require("fs");\n`],
    ['an ambient module', `declare module "x" {\n  import { Y } from "y";\n}\n`],
    ['a namespace', `namespace Api {\n  export const x = 1;\n}\n`],
    ['an import after other statements', `const early = 1;\nimport late from './late';\n`],
    ['import attributes', `import data from './data.json' with { type: 'json' };\n`],
    ['a clause cut short', `import { a, b\n`],
  ];
  it.each(parseInstead)('%s: leaves the file to the parser', (_name, text) => {
    expect(scanned(text)).toBeUndefined();
  });

  it('gives the parser\u2019s answer on every TS/JS file of the fixtures', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          if (name !== 'node_modules') walk(p);
        } else if (/\.[cm]?[jt]sx?$/.test(name)) files.push(p);
      }
    };
    walk('fixtures');
    let compared = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const s = scanned(text, f);
      if (!s) continue;
      expect(s, f).toEqual(parsed(text, f));
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
  });
});
