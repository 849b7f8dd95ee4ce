import type { FileKind } from '../types.js';

/** Directories never entered unless named on the command line. */
export const DEFAULT_SKIP_DIRS = [
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  'bower_components',
  '.venv',
  'venv',
  '.virtualenv',
  'virtualenv',
  '__pycache__',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  'site-packages',
  '.eggs',
  '*.egg-info',
  'dist',
  'build',
  'out',
  '.next',
  '.nuxt',
  '.svelte-kit',
  '.turbo',
  '.vercel',
  '.output',
  '.cache',
  '.parcel-cache',
  'coverage',
  'target',
  'vendor',
  'third_party',
  'third-party',
  '.terraform',
  '.yarn',
  '.pnpm-store',
  '.idea',
  '.vscode',
  '.ipynb_checkpoints',
];

/** Files that are data, not configuration: never scanned even though their extension matches. */
const SKIP_FILES =
  /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|composer\.lock|[^/]*\.d\.[cm]?ts|[^/]*\.map|[^/]*\.jsonc|tsconfig[^/]*\.json|jsconfig[^/]*\.json|\.eslintrc[^/]*\.json|[^/]*\.tsbuildinfo|[^/]*\.dockerignore)$/;

const TS_EXT = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

export type Candidate = FileKind | 'yaml?' | 'script?';

/**
 * The kind a file has from its path alone. `yaml?` is a YAML file whose kind depends on its
 * content (Kubernetes manifest, compose file, or plain config); `script?` is a file without an
 * extension that is a shell script if it starts with a shell shebang. Undefined: not scanned.
 */
export function classifyPath(path: string): Candidate | undefined {
  if (SKIP_FILES.test(path)) return undefined;
  const parts = path.split('/');
  const base = parts[parts.length - 1] as string;
  const lower = base.toLowerCase();
  const dir = parts.slice(0, -1).join('/');
  const isYaml = /\.ya?ml$/i.test(base);

  if (isYaml) {
    if (/(^|\/)\.github\/workflows$/.test(dir)) return 'gha-workflow';
    if (lower === 'action.yml' || lower === 'action.yaml') return 'gha-action';
    if (/^\.gitlab-ci\.ya?ml$/.test(lower) || /(^|\/)\.gitlab(-ci)?(\/|$)/.test(dir)) return 'gitlab-ci';
    if (/^(docker-)?compose([-.][^/]*)?\.ya?ml$/.test(lower)) return 'compose';
    if (base === 'Chart.yaml' || base === 'Chart.yml') return 'helm-chart';
    if (/(^|[-_.])values([-_.][^/]*)?\.ya?ml$/.test(lower)) return 'helm-values';
    return 'yaml?';
  }
  if (base === 'package.json') return 'package-json';
  if (/\.json$/i.test(base)) return 'json-config';
  if (/^(dockerfile|containerfile)([-._].*)?$/i.test(base) || /\.(dockerfile|containerfile)$/i.test(base)) return 'dockerfile';
  if (/^\.env(\..+)?$/.test(base) || /\.env$/.test(base)) return 'dotenv';
  if (/\.py$/.test(base)) return 'python';
  if (TS_EXT.test(base)) return 'typescript';
  // Slurm batch scripts (`sbatch job.slurm`) are shell scripts with `#SBATCH` comments.
  if (/\.(sh|bash|slurm|sbatch)$/.test(base)) return 'shell';
  if (/^(gnu)?makefile$/i.test(base) || /\.mk$/.test(base)) return 'makefile';
  if (/^modelfile([-._].*)?$/i.test(base) || /\.modelfile$/i.test(base)) return 'modelfile';
  if (/^requirements([-_.][^/]*)?\.(txt|in)$/i.test(base) || (/(^|\/)requirements$/.test(dir) && /\.(txt|in)$/.test(base))) return 'requirements';
  if (base === 'pyproject.toml') return 'pyproject';
  if (base === 'nginx.conf' || /\.nginx$/.test(base) || (/\.conf$/.test(base) && /(^|\/)(nginx|conf\.d|sites-available|sites-enabled|openresty)(\/|$)/.test(dir))) return 'nginx';
  // Templates the nginx image renders with envsubst at start (/etc/nginx/templates/*.conf.template).
  if (/^(nginx|default)\.conf\.template$/.test(base) || (/\.conf\.template$/.test(base) && /(^|\/)(nginx|templates|conf\.d|openresty)(\/|$)/.test(dir))) return 'nginx';
  if (!base.includes('.') && /(^|\/)(scripts?|bin|tools|ci|hack|\.ci)$/.test(dir)) return 'script?';
  return undefined;
}

/**
 * Code and scripts (read whatever their size, up to the source limit), as opposed to data and
 * config files (YAML, JSON, TOML, .env, requirements, nginx), which keep a small cap: a big data
 * file is generated or recorded, not written by hand.
 */
const SOURCE_CANDIDATES: ReadonlySet<Candidate> = new Set(['python', 'typescript', 'shell', 'script?', 'dockerfile', 'makefile', 'modelfile']);

export function isSourceCandidate(candidate: Candidate): boolean {
  return SOURCE_CANDIDATES.has(candidate);
}

const K8S = /^apiVersion:[ \t]*\S/m;
const K8S_KIND = /^kind:[ \t]*\S/m;
const COMPOSE = /^services:[ \t]*(#.*)?$/m;
const SHEBANG = /^#![ \t]*\S*\/(env[ \t]+)?(ba|da|z|k)?sh\b/;

/** Settles a path-based candidate with a look at the file's text. */
export function refineRole(candidate: Candidate, path: string, text: string, helmChartDirs: ReadonlySet<string>): FileKind | undefined {
  if (candidate === 'script?') return SHEBANG.test(text) ? 'shell' : undefined;
  if (candidate === 'yaml?' || candidate === 'helm-values') {
    const parts = path.split('/');
    // Helm templates are Go templates, not YAML: keep them as text.
    for (let i = parts.length - 2; i >= 0; i--) {
      if (parts[i] === 'templates' && helmChartDirs.has(parts.slice(0, i).join('/'))) return 'helm-template';
    }
    if (candidate === 'helm-values') return 'helm-values';
    if (K8S.test(text) && K8S_KIND.test(text)) return 'k8s';
    if (COMPOSE.test(text) && !/^(on|jobs|stages):/m.test(text)) return 'compose';
    return 'yaml-config';
  }
  return candidate;
}
