import { configModels, ollamaUris } from '../../src/facts/model-config.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { ollamaCommands } from '../../src/facts/model-launches.js';
import { isAllowedModel, parseOllamaRef, type OllamaRef } from '../../src/facts/model-ids.js';
import { writtenModelIds } from '../../src/facts/model-refs.js';
import type { FileModel } from '../../src/model/file-model.js';
import { defineRule, type FileContext, type Report } from '../../src/rule-api.js';
import type { Span } from '../../src/types.js';

function tagsPage(ref: OllamaRef): string {
  if (ref.hub) return `the quantization files of https://${ref.name.replace(/^hf\.co\//i, 'huggingface.co/')}`;
  const name = ref.name.replace(/^(registry\.ollama\.ai\/)?(library\/)?/, '');
  return `https://ollama.com/${name.includes('/') ? name : `library/${name}`}/tags`;
}

function* judge(ctx: FileContext<Record<string, never>>, value: string, span: Span, where: string, at: FileModel = ctx.file): Generator<Report> {
  const ref = parseOllamaRef(value);
  if (!ref || isAllowedModel(value, ctx.settings) || isAllowedModel(ref.name, ctx.settings)) return;
  const data = { model: value, name: ref.name, where, tags: tagsPage(ref) };
  if (ref.tag === undefined) yield ctx.reportIn(at, 'untagged', span, data);
  else if (ref.tag.toLowerCase() === 'latest') {
    const tagSpan = ref.tagOffset !== undefined && span.end - span.start === value.length ? { start: span.start + ref.tagOffset, end: span.end } : span;
    yield ctx.reportIn(at, 'latestTag', tagSpan, data);
  }
}

export default defineRule({
  meta: {
    id: 'model-pinning/ollama-tag',
    category: 'model-pinning',
    appliesTo: ['modelfile', 'shell', 'gha-workflow', 'gha-action', 'gitlab-ci', 'dockerfile', 'compose', 'k8s', 'helm-values', 'python', 'typescript', 'dotenv', 'yaml-config', 'json-config'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'warning',
    confidence: 'high',
    description: 'Ollama models must be named with an explicit tag, not bare (which means `latest`) or `:latest`.',
    fullDescription:
      'Flags Ollama model references with no tag or with `:latest`: `ollama pull`/`ollama run` in scripts, Dockerfiles, compose, Kubernetes and CI, calls to the Ollama HTTP API, Modelfile `FROM`, `ollama://` model URIs in configuration (KubeAI, LocalAI), the Ollama Python and JavaScript clients, LangChain/LlamaIndex Ollama classes, LiteLLM `ollama/` ids, the OpenAI client pointed at Ollama, and `OLLAMA_MODEL`-style settings. `latest` is re-pointed by the publisher to new weights, sizes and quantizations.',
    securitySeverity: 4.0,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-1357'],
    keywords: ['ollama', 'Ollama', 'OLLAMA', 'FROM', 'From', 'from', '11434'],
    messages: {
      untagged:
        'Ollama model "{model}" ({where}) has no tag, so Ollama uses `{name}:latest`, which the publisher re-points to new weights and quantizations without review. Pin an explicit tag (size and quantization) from {tags}.',
      latestTag:
        'Ollama model "{model}" ({where}) uses the tag `latest`, which the publisher re-points to new weights and quantizations without review. Pin an explicit tag (size and quantization) from {tags}.',
    },
  },
  *check(ctx) {
    const { file, project } = ctx;
    for (const ins of file.modelfile() ?? []) {
      if (ins.keyword !== 'FROM') continue;
      const value = ins.args.trim();
      const start = ins.argsSpan.start + ins.args.indexOf(value);
      // A local GGUF or safetensors directory of the repository is not an Ollama model.
      if (project.exists(value) || project.exists(`${file.path.replace(/[^/]*$/, '')}${value}`)) continue;
      yield* judge(ctx, value, { start, end: start + value.length }, 'Modelfile FROM');
    }
    for (const c of ollamaCommands(file, project)) {
      if (!c.model.exact) continue;
      const where = c.verb === 'pull' || c.verb === 'run' ? `ollama ${c.verb}, ${c.command.where}` : `Ollama API /api/${c.verb}, ${c.command.where}`;
      yield* judge(ctx, c.model.value, c.model.span, where);
    }
    // Each model name once, where it is written, for the Ollama calls it reaches.
    for (const id of writtenModelIds(file, project)) {
      const at = project.file(id.path);
      if (!id.exact || !at) continue;
      const uses = id.uses.filter((u) => ctx.severityIn(u.path) !== 'off');
      const direct = uses.find((u) => u.ref.provider === 'ollama');
      if (direct) {
        yield* judge(ctx, id.value, id.span, `\`${direct.ref.api}\``, at);
        continue;
      }
      const litellm = uses.find((u) => u.ref.provider === undefined);
      if (litellm && /^ollama(_chat)?\//.test(id.value)) {
        // LiteLLM-style `ollama/llama3`: the part after the prefix, inside the literal when it is one.
        const cut = id.value.indexOf('/') + 1;
        const literalStart = id.span.end - 1 - id.value.length;
        const inLiteral = at.text.slice(literalStart, id.span.end - 1) === id.value;
        const span = inLiteral ? { start: literalStart + cut, end: id.span.end - 1 } : id.span;
        yield* judge(ctx, id.value.slice(cut), span, `\`${litellm.ref.api}\``, at);
      }
    }
    for (const m of configModels(file)) {
      if (!/ollama/i.test(m.key) || m.prefixOnly || m.value.trim().startsWith('ollama://')) continue;
      yield* judge(ctx, m.value, m.span, `${m.key}, ${m.where}`);
    }
    for (const u of ollamaUris(file)) yield* judge(ctx, u.value, u.span, `ollama:// URI, ${u.where}`);
  },
});
