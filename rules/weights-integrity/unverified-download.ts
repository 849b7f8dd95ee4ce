import { weightDownloads, type WeightDownload } from '../../src/facts/weights.js';
import { RUNTIME_ROLES } from '../../src/discovery/roles.js';
import { defineRule } from '../../src/rule-api.js';
import { cutAtAny } from '../../src/util/text.js';

function fixFor(d: WeightDownload, file: string): string {
  if (d.tool === 'ADD') return '`ADD --checksum=sha256:<sha256> <url> <dest>`';
  if (d.where === 'Python') return 'compare `hashlib.sha256(open(path, "rb").read()).hexdigest()` with the expected digest before using the file';
  return `\`echo "<sha256>  ${file}" | sha256sum -c -\` right after the download`;
}

export default defineRule({
  meta: {
    id: 'weights-integrity/unverified-download',
    category: 'weights-integrity',
    appliesTo: ['shell', 'dockerfile', 'gha-workflow', 'gha-action', 'gitlab-ci', 'compose', 'k8s', 'helm-values', 'python'],
    roles: RUNTIME_ROLES,
    scope: 'file',
    severity: 'warning',
    confidence: 'high',
    description: 'Weight files downloaded over HTTP must be checked against a pinned checksum before they are used.',
    fullDescription:
      'Flags downloads of weight files (`.gguf`, `.safetensors`, `.bin`, `.pt`, `.pth`, `.ckpt`, `.onnx`) with curl, wget, aria2c, Dockerfile `ADD`, urllib, requests, httpx, wget or gdown in Python, when no checksum or signature check follows (`sha256sum -c`, `shasum -a 256 -c`, `gpg --verify`, `cosign verify-blob`, a hashlib digest, `ADD --checksum`), in shell scripts, Dockerfiles, CI steps, container commands and Python. Without it a swapped or tampered file is loaded as it is.',
    securitySeverity: 6.5,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-494', 'CWE-354'],
    keywords: ['curl', 'wget', 'aria2c', 'ADD', 'urlretrieve', 'urlopen', 'requests', 'httpx', 'gdown', 'download_url_to_file', 'load_state_dict_from_url'],
    messages: {
      unverifiedDownload:
        '`{tool}` downloads the weight file {file} from {url} ({where}) and nothing after it checks its SHA-256, so a swapped or tampered file (a compromised host or mirror, a moved branch) is loaded as it is. Verify it against a pinned digest: {fix}.',
      unverifiedPinnedDownload:
        "`{tool}` downloads the weight file {file} from a commit-pinned Hugging Face URL ({where}) without checking its SHA-256. The commit fixes the content on the Hub, but nothing checks what arrived; add a check against the file's pinned digest (shown on the Hub as its LFS SHA-256): {fix}.",
    },
  },
  *check(ctx) {
    for (const d of weightDownloads(ctx.file, ctx.project)) {
      if (d.verified) continue;
      const file = d.output ?? cutAtAny(d.url, '?#').replace(/^.*\//, '');
      const data = { tool: d.tool, file, url: d.url, where: d.where, fix: fixFor(d, file) };
      if (d.commitPinned) yield ctx.report('unverifiedPinnedDownload', d.span, data, { severity: 'note' });
      else yield ctx.report('unverifiedDownload', d.span, data, d.byName ? { confidence: 'medium' } : {});
    }
  },
});
