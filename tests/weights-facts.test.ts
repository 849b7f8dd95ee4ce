import { describe, expect, it } from 'vitest';
import { atLeast, versionBounds, type DeclaredVersion } from '../src/facts/package-versions.js';
import { deserializationSites, hfCommitUrl, remoteCodeSites, weightDownloads } from '../src/facts/weights.js';
import { FileModel, ParserHost } from '../src/model/file-model.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import type { FileKind, Span } from '../src/types.js';

const host = new ParserHost(await Grammars.load());

function file(path: string, role: FileKind, text: string): FileModel {
  return new FileModel(path, `/repo/${path}`, role, text, host);
}

const at = (f: FileModel, s: Span): string => f.text.slice(s.start, s.end);

describe('declared versions', () => {
  it.each([
    ['==2.3.1', [2, 3, 1], [2, 3, 1]],
    ['>=2.6', [2, 6, 0], undefined],
    ['>=2.1,<2.5', [2, 1, 0], [2, 5, 0]],
    ['~=2.6.0', [2, 6, 0], undefined],
    ['>2.5', [2, 5, 1], undefined],
    ['^2.6.0', [2, 6, 0], undefined],
    ['', undefined, undefined],
  ] as const)('versionBounds(%s)', (spec, min, max) => {
    const b = versionBounds(spec);
    expect(b.min).toEqual(min);
    expect(b.max).toEqual(max);
  });

  const decl = (spec: string): DeclaredVersion => ({ pkg: { name: 'torch', spec, ecosystem: 'pypi', path: 'requirements.txt', scope: 'runtime' }, bounds: versionBounds(spec) });
  it('tells whether every declaration that bounds the version guarantees it', () => {
    expect(atLeast([decl('>=2.6')], '2.6')).toBe('yes');
    expect(atLeast([decl('==2.6.0')], '2.6')).toBe('yes');
    expect(atLeast([decl('==2.3.1')], '2.6')).toBe('no');
    expect(atLeast([decl('<2.6')], '2.6')).toBe('no');
    expect(atLeast([decl('')], '2.6')).toBe('unknown');
    expect(atLeast([decl('>=2.6'), decl('>=2.1')], '2.6')).toBe('unknown');
    // An unversioned declaration says nothing about the version.
    expect(atLeast([decl('>=2.6'), decl('')], '2.6')).toBe('yes');
    expect(atLeast([decl(''), decl('<2.5')], '2.6')).toBe('no');
    expect(atLeast([], '2.6')).toBe('unknown');
  });
});

describe('remote code sites', () => {
  it('finds keyword arguments, option dictionaries and names bound to True, with the load revision', () => {
    const f = file(
      'a.py',
      'python',
      `from transformers import AutoModel
T = True
AutoModel.from_pretrained("org/a", trust_remote_code=T, revision="866a1744564be1a2aa43c15048f0738dc7301de5")
embed(model_kwargs={"trust_remote_code": True})
AutoModel.from_pretrained("org/b", trust_remote_code=False)
`,
    );
    const sites = remoteCodeSites(f);
    expect(sites.map((s) => [at(f, s.span), s.api, s.model, s.revision?.value])).toEqual([
      ['T', '`AutoModel.from_pretrained`', 'org/a', '866a1744564be1a2aa43c15048f0738dc7301de5'],
      ['True', 'A dictionary of load options given to `embed`', undefined, undefined],
    ]);
  });

  it('finds flags, environment and lm_eval model args in commands', () => {
    const f = file(
      's.sh',
      'shell',
      `vllm serve org/m --trust-remote-code --revision main
python train.py --trust_remote_code False
TRUST=1 lm_eval --model hf --model_args pretrained=org/e,trust_remote_code=True
`,
    );
    expect(remoteCodeSites(f).map((s) => [at(f, s.span), s.api, s.model, s.revision?.value])).toEqual([
      ['--trust-remote-code', '`vllm serve`', 'org/m', 'main'],
      ['True', '`lm_eval`', 'org/e', undefined],
    ]);
  });
});

describe('deserialization sites', () => {
  it('follows open() to the file and tells model artifacts from other pickles', () => {
    const f = file(
      'a.py',
      'python',
      `import pickle, torch
with open("models/clf.pkl", "rb") as fh:
    pickle.load(fh)
pickle.load(open("cache/results.pkl", "rb"))
pickle.load(model_file)
torch.load(p, weights_only=True)
torch.load(p)
`,
    );
    expect(deserializationSites(f).map((s) => [s.kind, s.what, s.confidence])).toEqual([
      ['pickle', '"models/clf.pkl"', 'high'],
      ['pickle', '`model_file`', 'medium'],
      ['torch-load', '`p`', 'high'],
    ]);
  });
});

describe('weight downloads', () => {
  it('reads curl and wget outputs and the checks that follow', () => {
    const f = file(
      'd.sh',
      'shell',
      `curl -fsSLo m.gguf https://x.example/m.gguf
wget -P models https://x.example/e.onnx
echo "abc  models/e.onnx" | sha256sum -c -
curl -L https://x.example/install.sh | sh
`,
    );
    expect(weightDownloads(f).map((d) => [d.tool, d.output, d.verified, at(f, d.span)])).toEqual([
      ['curl', 'm.gguf', false, 'https://x.example/m.gguf'],
      ['wget', 'models/e.onnx', true, 'https://x.example/e.onnx'],
    ]);
  });

  it('recognises commit-pinned Hugging Face URLs', () => {
    expect(hfCommitUrl('https://huggingface.co/org/m/resolve/79d00915d27bfa06b1a262dadaa822331c7e564a/x.safetensors')).toBe(true);
    expect(hfCommitUrl('https://huggingface.co/org/m/resolve/main/x.safetensors')).toBe(false);
  });
});
