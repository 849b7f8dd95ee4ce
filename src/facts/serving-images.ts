import picomatch from 'picomatch';
import type { Settings } from '../config/types.js';
import { readPackageJson } from '../util/pkg.js';
import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import type { Span } from '../types.js';
import type { ImageRef } from './images.js';
import { cutAtAny } from '../util/text.js';

interface ServingImagesData {
  images: Array<{ server: string; repositories: string[] }>;
}

interface Matcher {
  server: string;
  test: (name: string) => boolean;
}

const matcherCache = new WeakMap<object, Matcher[]>();
const NO_SETTINGS = {};

function matchers(settings: Settings): Matcher[] {
  const key = settings.servingImages ?? NO_SETTINGS;
  let list = matcherCache.get(key);
  if (!list) {
    const data = readPackageJson<ServingImagesData>('src', 'data', 'serving-images.json');
    list = data.images.map((i) => ({ server: i.server, test: picomatch(i.repositories) }));
    for (const extra of settings.servingImages ?? []) list.push({ server: 'model server (from settings)', test: picomatch(extra) });
    matcherCache.set(key, list);
  }
  return list;
}

/** Name used for matching: `registry/repository`, or `repository` for Docker Hub. */
export function imageName(ref: Pick<ImageRef, 'registry' | 'repository'>): string {
  return (ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository).toLowerCase();
}

/** The model server an image runs, when it is one modelguard knows (or one named in settings). */
export function servingImage(ref: Pick<ImageRef, 'registry' | 'repository'>, settings: Settings): string | undefined {
  const name = imageName(ref);
  return matchers(settings).find((m) => m.test(name))?.server;
}

/** Strings that appear in any file naming a known serving image (a cheap prefilter). */
export function servingImageKeywords(settings: Settings): string[] {
  const data = readPackageJson<ServingImagesData>('src', 'data', 'serving-images.json');
  const words = new Set<string>();
  for (const i of data.images) for (const r of i.repositories) words.add(cutAtAny(r.split('/').pop() as string, '*') || (r.split('/')[0] as string));
  for (const extra of settings.servingImages ?? []) {
    const last = cutAtAny(extra.split('/').pop() as string, '*?[{');
    words.add(last || extra.split('/')[0] || extra);
  }
  words.delete('');
  return [...words];
}

export type TagPinning = 'digest' | 'version' | 'floating' | 'untagged' | 'dynamic';

const FLOATING_WORD = /(^|[-_.])(latest|nightly|main|master|dev|edge|stable|head|canary|rolling)([-_.]|$)/i;
const DATED_OR_COMMIT = /(^|[-_.])((19|20)\d{2}-?(0[1-9]|1[0-2])-?([0-2]\d|3[01])|[0-9a-f]{7,40})([-_.]|$)/i;
const VERSIONISH = /(\d+\.\d+|(^|[-_.])v\d+|(^|[-_.])b\d{3,}|(^|[-_.])sha-[0-9a-f]{7,}|\d{6,})/i;

/**
 * How firmly a reference pins its image: a digest pins exactly; a tag with a version number,
 * a date or a commit pins to a release or build; no tag, `latest`, `nightly`, `main`, or a tag
 * with no version in it (`rocm`, `server-cuda`) floats.
 */
export function tagPinning(ref: Pick<ImageRef, 'tag' | 'digest' | 'dynamic'>): TagPinning {
  if (ref.digest) return 'digest';
  if (ref.dynamic) return 'dynamic';
  if (ref.tag === undefined || ref.tag === '') return 'untagged';
  // A dated or commit-named build (`nightly-2025-08-25`, `main-3f1c2a9e`) names one build.
  if (DATED_OR_COMMIT.test(ref.tag)) return 'version';
  if (FLOATING_WORD.test(ref.tag)) return 'floating';
  return VERSIONISH.test(ref.tag) ? 'version' : 'floating';
}

/**
 * The `appVersion` of the chart a values file belongs to (`Chart.yaml` in the same directory):
 * the tag a chart's image takes when its values leave `tag` empty.
 */
export function chartAppVersion(values: FileModel, project: ProjectModel): { value: string; span: Span; path: string } | undefined {
  const dir = values.path.includes('/') ? values.path.slice(0, values.path.lastIndexOf('/') + 1) : '';
  for (const name of ['Chart.yaml', 'Chart.yml']) {
    const chart = project.file(`${dir}${name}`);
    const y = chart?.yaml();
    if (!chart || !y) continue;
    for (const doc of y.documents) {
      const node = y.get(y.root(doc), 'appVersion');
      const value = y.str(node);
      if (node && value !== undefined) return { value, span: y.span(node), path: chart.path };
    }
  }
  return undefined;
}
