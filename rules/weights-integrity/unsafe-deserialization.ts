import { isAllowedModel } from '../../src/facts/model-ids.js';
import { RUNTIME_ROLES } from '../../src/discovery/roles.js';
import { atLeast, declaredFor } from '../../src/facts/package-versions.js';
import { deserializationSites } from '../../src/facts/weights.js';
import { defineRule } from '../../src/rule-api.js';

interface Options {
  /** Report bare `torch.load` under a declared torch 2.6 or newer too (as notes). */
  explicitWeightsOnly: boolean;
}

export default defineRule<Options>({
  meta: {
    id: 'weights-integrity/unsafe-deserialization',
    category: 'weights-integrity',
    appliesTo: ['python'],
    roles: RUNTIME_ROLES,
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'Model files must be loaded without unpickling: `torch.load(..., weights_only=True)` or safetensors, not pickle, joblib, dill or `allow_pickle=True`.',
    fullDescription:
      'Flags `torch.load` without `weights_only=True` (unless the declared torch is 2.6 or newer, whose default is `weights_only=True`), `pickle`/`joblib`/`dill`/`cloudpickle` loads and `pandas.read_pickle` of model files, `numpy.load(..., allow_pickle=True)` on model files, `use_safetensors=False`, Keras `load_model(..., safe_mode=False)`, and `from_pretrained(..., from_tf=True/from_flax=True)` of Hub models. Unpickling runs whatever code the file contains, so a tampered checkpoint compromises the process that loads it.',
    securitySeverity: 8.8,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-502'],
    keywords: ['torch', 'pickle', 'joblib', 'dill', 'allow_pickle', 'use_safetensors', 'safe_mode', 'from_tf', 'from_flax', 'read_pickle'],
    messages: {
      torchLoad:
        '`{api}` loads {what} by unpickling it, and a tampered checkpoint runs arbitrary code the moment it is loaded; {version}. Pass `weights_only=True`, or better store the weights as safetensors and load them with `safetensors.torch.load_file`.',
      torchLoadDefault:
        '`{api}` loads {what} relying on the default `weights_only=True` of torch 2.6 and later (declared: `{spec}` in {manifest}). Pass `weights_only=True` explicitly, so an older torch in some environment cannot turn it back into a full unpickling load.',
      torchLoadUnsafe:
        '`{api}` loads {what} with `weights_only=False`: the file is fully unpickled, and a tampered checkpoint runs arbitrary code when loaded. Use `weights_only=True` (allow-list extra classes with `torch.serialization.add_safe_globals`), or store the weights as safetensors.',
      pickleLoad:
        "`{api}` unpickles {what}, a model artifact: unpickling runs any code the file contains. Store and load the model in a format without code (safetensors, ONNX, skops for scikit-learn), or verify the file's SHA-256 against a pinned value before loading it.",
      numpyPickle:
        '`{api}(..., allow_pickle=True)` unpickles object arrays in {what}, which runs any code the file contains. Save plain arrays and load them with `allow_pickle=False` (the default), or use safetensors.',
      unsafeOption: '`{api}` is called with `{option}` for {what}, which loads a format that can run code (pickle-based weights or Keras Lambda layers). Remove the option so the safe format is used.',
      foreignCheckpoint:
        '`{api}` converts the Hub model {what} from a {framework} checkpoint (`{option}`), a format with its own deserialization risks, fetched from a repository you do not control. Load its PyTorch safetensors weights instead, or convert the checkpoint once, in isolation, and pin the result.',
    },
    options: {
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          explicitWeightsOnly: {
            type: 'boolean',
            description: 'Also report `torch.load` without `weights_only` where the declared torch (2.6 or newer) already defaults to `weights_only=True`, as notes.',
          },
        },
      },
      defaults: { explicitWeightsOnly: false },
    },
  },
  *check(ctx) {
    const { file, project, settings } = ctx;
    let torchState: { verdict: 'yes' | 'no' | 'unknown'; spec: string; manifest: string } | undefined;
    const torch = () => {
      if (!torchState) {
        const decls = declaredFor(project, file.path, 'torch', 'pypi');
        const verdict = atLeast(decls, '2.6');
        // Name the declaration that decides: the one that caps below 2.6 (no), one that requires
        // 2.6 (yes), or one that allows older versions (unknown).
        const first = decls.find((d) => d.pkg.spec && atLeast([d], '2.6') === verdict) ?? decls[0];
        torchState = { verdict, spec: first ? `torch${first.pkg.spec}` : '', manifest: first?.pkg.path ?? '' };
      }
      return torchState;
    };
    for (const site of deserializationSites(file, project)) {
      const data = { api: site.api, what: site.what, option: site.option ?? '' };
      const extra = site.confidence === 'medium' ? { confidence: 'medium' as const } : {};
      switch (site.kind) {
        case 'torch-load': {
          if (site.weightsOnly === false) {
            yield ctx.report('torchLoadUnsafe', site.span, data, extra);
            break;
          }
          const t = torch();
          if (t.verdict === 'yes' && site.weightsOnly === undefined) {
            // torch 2.6 and later load with weights_only=True by default: nothing to fix unless
            // the team wants the argument spelled out.
            if (ctx.options.explicitWeightsOnly) yield ctx.report('torchLoadDefault', site.span, { ...data, spec: t.spec, manifest: t.manifest }, { severity: 'note' });
            break;
          }
          const version =
            site.weightsOnly === 'unknown'
              ? '`weights_only` is set from a value modelguard cannot see'
              : t.verdict === 'no'
                ? `the declared \`${t.spec}\` (${t.manifest}) defaults to \`weights_only=False\``
                : t.manifest
                  ? `the declared \`${t.spec}\` (${t.manifest}) does not require torch 2.6 or newer (whose default is \`weights_only=True\`), so an older torch may run it`
                  : 'no torch 2.6 or newer (whose default is `weights_only=True`) is declared for this code';
          yield ctx.report('torchLoad', site.span, { ...data, version }, site.weightsOnly === 'unknown' ? { confidence: 'low' } : extra);
          break;
        }
        case 'pickle':
          yield ctx.report('pickleLoad', site.span, data, extra);
          break;
        case 'numpy-pickle':
          yield ctx.report('numpyPickle', site.span, data, extra);
          break;
        case 'unsafe-option':
          yield ctx.report('unsafeOption', site.span, data, extra);
          break;
        case 'foreign-checkpoint':
          if (!site.hub || (site.model && isAllowedModel(site.model, settings))) break;
          yield ctx.report('foreignCheckpoint', site.span, { ...data, framework: site.option?.startsWith('from_tf') ? 'TensorFlow' : 'Flax' }, { severity: 'warning' });
          break;
        default:
          break;
      }
    }
  },
});
