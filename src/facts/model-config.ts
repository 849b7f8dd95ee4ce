import type { FileModel } from '../model/file-model.js';
import { isMap, isScalar, isSeq, type Scalar, type YamlFile, type YNode } from '../parse/yaml.js';
import type { Span } from '../types.js';
import { envEntries } from './env.js';
import { REVISION_KEYS } from './pinning.js';

/**
 * Model names written in configuration: environment variables whose name says they hold a
 * model (`OPENAI_MODEL`, `LLM_MODEL`, `MODEL_ID`, ...) in `.env` files, compose, Kubernetes,
 * Helm values, CI and Dockerfiles, and keys named like a model (`model`, `model_name`,
 * `chatModel`, `OLLAMA_MODEL`) in YAML and JSON configs, plus provider-prefixed ids in
 * provider lists (`providers: [openai:chat:gpt-4o]`).
 */
export interface ConfigModel {
  /** The key or variable name. */
  key: string;
  value: string;
  /** The value as written (the scalar, quotes included when quoted). */
  span: Span;
  /** For messages: `.env`, `service "api"`, `job "triage"`, `values evals.model`. */
  where: string;
  /** The key only says "provider" or "id": accept values that carry a provider prefix only. */
  prefixOnly: boolean;
}

/** `OPENAI_MODEL`, `LLM_MODEL_NAME`, `MODEL`, `chatModel`, `model_id`, `embedding-model`. */
export function isModelKey(key: string): boolean {
  if (/azure/i.test(key)) return false;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_\-.\s]+/)
    .map((w) => w.toLowerCase());
  const i = words.lastIndexOf('model');
  if (i === -1) return false;
  // `tokenizerModel`, `encoding_model`: the name of a token counter, not a model that is called.
  if (words.slice(0, i).some((w) => w === 'tokenizer' || w === 'encoding' || w === 'tiktoken')) return false;
  const after = words.slice(i + 1);
  return after.length === 0 || (after.length === 1 && ['name', 'id', 'version', 'slug'].includes(after[0] as string));
}

const PROVIDER_KEYS = new Set(['provider', 'providers', 'targets', 'id', 'llm', 'judge']);

/** Subtrees that document a shape rather than configure anything: OpenAPI and schema examples. */
const EXAMPLE_KEYS = new Set(['example', 'examples', 'x-example', 'x-examples']);

/**
 * Keys of a row in a price, token or capability table: such a row describes a model by name
 * (for billing, token counting, a model picker's metadata) and configures nothing to call.
 */
const TABLE_ROW_KEY =
  /(^|[_-]|[a-z](?=[A-Z]))(prices?|pricing|costs?|input_?cost|output_?cost|cost_?per|per_?(token|million|1k|thousand)|match_?pattern|tokenizer(_?id|_?config)?|context_?(window|length)|max_?(input|output)_?tokens)([_-]|[A-Z]|$)/i;

function isTableRow(keys: readonly string[]): boolean {
  return keys.some((k) => TABLE_ROW_KEY.test(k));
}

function walk(y: YamlFile, node: YNode | null, path: string[], out: ConfigModel[], prefixOnly: boolean, depth: number): void {
  if (!node || depth > 40) return;
  if (isMap(node)) {
    const entries = y.entries(node);
    if (isTableRow(entries.map((e) => e.key))) return;
    // LiteLLM proxy: `model_name` is the label the proxy exposes; `litellm_params.model` is the real id.
    const litellm = entries.some((e) => e.key === 'litellm_params');
    for (const e of entries) {
      const v = e.value;
      const key = e.key;
      if (v && isScalar(v) && typeof v.value === 'string') {
        const modelKey = isModelKey(key) && !(litellm && key === 'model_name');
        const provKey = PROVIDER_KEYS.has(key.toLowerCase());
        if (modelKey || provKey || prefixOnly) {
          const map = y.valueMap(v as Scalar);
          out.push({ key, value: v.value, span: { start: map.toSource(0), end: map.toSource(v.value.length) }, where: [...path, key].join('.'), prefixOnly: !modelKey });
        }
      } else if (!EXAMPLE_KEYS.has(key.toLowerCase())) {
        walk(y, v, [...path, key], out, PROVIDER_KEYS.has(key.toLowerCase()) || isModelKey(key), depth + 1);
      }
    }
  } else if (isSeq(node)) {
    y.items(node).forEach((item, i) => {
      if (prefixOnly && isScalar(item) && typeof item.value === 'string') {
        const map = y.valueMap(item as Scalar);
        out.push({ key: path[path.length - 1] ?? '', value: item.value, span: { start: map.toSource(0), end: map.toSource(item.value.length) }, where: `${path.join('.')}[${i}]`, prefixOnly: true });
      } else walk(y, item, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${i}]`], out, false, depth + 1);
    });
  }
}

/** Model names in a configuration file, computed once per file. */
export function configModels(file: FileModel): ConfigModel[] {
  return file.memo('facts:config-models', () => {
    const out: ConfigModel[] = [];
    for (const e of envEntries(file)) {
      if (e.value === undefined || !e.valueMap || !isModelKey(e.name)) continue;
      out.push({ key: e.name, value: e.value, span: { start: e.valueMap.toSource(0), end: e.valueMap.toSource(e.value.length) }, where: e.where, prefixOnly: false });
    }
    const y = file.yaml();
    if (!y) return out;
    if (file.kind === 'yaml-config' || file.kind === 'json-config' || file.kind === 'helm-values') {
      for (const doc of y.documents) walk(y, y.root(doc), [], out, false, 0);
    } else if (file.kind === 'k8s') {
      // ConfigMap data holds environment-style settings.
      for (const doc of y.documents) {
        const root = y.root(doc);
        if (y.str(y.get(root, 'kind')) !== 'ConfigMap') continue;
        for (const e of y.entries(y.get(root, 'data'))) {
          const v = e.value;
          if (!v || !isScalar(v) || typeof v.value !== 'string' || !isModelKey(e.key)) continue;
          const map = y.valueMap(v as Scalar);
          out.push({ key: e.key, value: v.value, span: { start: map.toSource(0), end: map.toSource(v.value.length) }, where: `ConfigMap data.${e.key}`, prefixOnly: false });
        }
      }
    } else if (file.kind === 'gha-workflow') {
      // Inputs of actions: `with: { model: gpt-4o }`.
      for (const doc of y.documents) {
        for (const job of y.entries(y.get(y.root(doc), 'jobs'))) {
          y.items(y.get(job.value, 'steps')).forEach((step, i) => {
            for (const e of y.entries(y.get(step, 'with'))) {
              const v = e.value;
              if (!v || !isScalar(v) || typeof v.value !== 'string' || !isModelKey(e.key)) continue;
              const map = y.valueMap(v as Scalar);
              out.push({ key: e.key, value: v.value, span: { start: map.toSource(0), end: map.toSource(v.value.length) }, where: `job "${job.key}" step ${i + 1} with.${e.key}`, prefixOnly: false });
            }
          });
        }
      }
    }
    file.checkAliasLimit();
    return out;
  });
}

// ---------------------------------------------------------------- training recipes

/** Keys of a training or evaluation recipe naming the model it starts from, and the key that pins it. */
const RECIPE_MODEL_KEYS: ReadonlyMap<string, string> = new Map([
  ['model_name_or_path', 'model_revision'], // transformers/TRL ModelArguments, alignment-handbook, LLaMA-Factory
  ['base_model', 'revision_of_model'], // axolotl
  ['pretrained_model_name_or_path', 'revision'],
  ['base_model_name_or_path', 'base_model_revision'],
]);

/** Other keys of a recipe: training, data and precision settings, so the map configures a run. */
const RECIPE_KEY =
  /^(output_dir|learning_rate|num_train_epochs|num_epochs|max_steps|micro_batch_size|per_device_(train|eval)_batch_size|gradient_accumulation_steps|datasets?|dataset_(name|mixer|mixture|config)|train_file|stage|finetuning_type|template|adapter|lora_(r|rank|alpha|dropout|target)|sequence_len|max_seq_length|cutoff_len|torch_dtype|bf16|fp16|tf32|load_in_(4|8)bit|use_peft|deepspeed|fsdp|gradient_checkpointing|warmup_(ratio|steps)|lr_scheduler(_type)?|optimizer|optim|eval_strategy|evaluation_strategy|save_strategy|trust_remote_code|attn_implementation|chat_template|tokenizer_type|model_type|val_set_size|quantization_bit|do_train|hub_model_id|push_to_hub|use_vllm|num_generations|beta|tasks)$/;

export interface RecipeModel {
  /** `model_name_or_path`, `base_model`. */
  key: string;
  value: string;
  /** The value as written. */
  span: Span;
  /** For messages: `model_name_or_path`, `stages[0].base_model`. */
  where: string;
  /** The revision key of the same map, when written. */
  revision?: { key: string; value?: string; span: Span };
  /** The key that pins the revision in this kind of recipe. */
  revisionKey: string;
}

function recipeWalk(y: YamlFile, node: YNode | null, path: string[], out: RecipeModel[], depth: number): void {
  if (!node || depth > 40) return;
  if (isMap(node)) {
    const entries = y.entries(node);
    const recipe = entries.some((e) => RECIPE_KEY.test(e.key) || REVISION_KEYS.includes(e.key));
    for (const e of entries) {
      const v = e.value;
      const revisionKey = RECIPE_MODEL_KEYS.get(e.key);
      if (revisionKey && recipe && v && isScalar(v) && typeof v.value === 'string') {
        const map = y.valueMap(v as Scalar);
        const rev = entries.find((x) => REVISION_KEYS.includes(x.key));
        const m: RecipeModel = { key: e.key, value: v.value, span: { start: map.toSource(0), end: map.toSource(v.value.length) }, where: [...path, e.key].join('.'), revisionKey };
        if (rev) {
          const rv = rev.value && isScalar(rev.value) && rev.value.value !== null ? String(rev.value.value) : undefined;
          m.revision = { key: rev.key, value: rv, span: y.span(rev.value ?? rev.keyNode) };
        }
        out.push(m);
      } else if (!EXAMPLE_KEYS.has(e.key.toLowerCase())) recipeWalk(y, v, [...path, e.key], out, depth + 1);
    }
  } else if (isSeq(node)) {
    y.items(node).forEach((item, i) => {
      recipeWalk(y, item, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${i}]`], out, depth + 1);
    });
  }
}

/**
 * The models training and evaluation recipes start from (TRL and alignment-handbook
 * `model_name_or_path` + `model_revision`, axolotl `base_model` + `revision_of_model`,
 * LLaMA-Factory), in YAML and JSON configs: a map that names the model next to training,
 * data or precision settings.
 */
export function recipeModels(file: FileModel): RecipeModel[] {
  return file.memo('facts:recipe-models', () => {
    const out: RecipeModel[] = [];
    const y = file.yaml();
    if (!y || (file.kind !== 'yaml-config' && file.kind !== 'json-config')) return out;
    for (const doc of y.documents) recipeWalk(y, y.root(doc), [], out, 0);
    file.checkAliasLimit();
    return out;
  });
}

// ---------------------------------------------------------------- model URIs

export interface OllamaUri {
  /** The model after `ollama://`, without a `?query` (`qwen2:0.5b`). */
  value: string;
  span: Span;
  /** For messages: the key path (`spec.url`). */
  where: string;
}

/** `ollama://name[:tag]` model URIs in YAML and JSON configuration (KubeAI `url:`, LocalAI and gallery configs). */
export function ollamaUris(file: FileModel): OllamaUri[] {
  return file.memo('facts:ollama-uris', () => {
    const out: OllamaUri[] = [];
    const y = file.yaml();
    if (!y || !file.text.includes('ollama://')) return out;
    const walk = (node: YNode | null, path: string[], depth: number): void => {
      if (!node || depth > 40) return;
      if (isMap(node)) for (const e of y.entries(node)) walk(e.value, [...path, e.key], depth + 1);
      else if (isSeq(node))
        y.items(node).forEach((item, i) => {
          walk(item, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${i}]`], depth + 1);
        });
      else if (isScalar(node) && typeof node.value === 'string') {
        const m = /^(\s*ollama:\/\/)([^?\s#]+)/.exec(node.value);
        if (!m) return;
        const map = y.valueMap(node as Scalar);
        const at = (m[1] as string).length;
        const value = m[2] as string;
        out.push({ value, span: { start: map.toSource(at), end: map.toSource(at + value.length) }, where: path.join('.') });
      }
    };
    for (const doc of y.documents) walk(y.root(doc), [], 0);
    file.checkAliasLimit();
    return out;
  });
}
