import type { Settings } from '../../config/types.js';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import type { Confidence, Span } from '../../types.js';
import { endpointInference, endpointsIn, type Endpoint } from '../endpoints/index.js';
import { endpointExposure } from '../exposure.js';
import { isTestFile } from '../inference/common.js';
import type { ControlKind } from './data.js';
import { describeInference, fixFor, reachesSelfHosted, reachesUnknownServer } from './describe.js';
import { endpointControls } from './index.js';

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** One endpoint of a file that reaches inference without the control. */
export interface MissingControl {
  ep: Endpoint;
  /** `missing`, `notApplied` (a control exists but misses this route) or `notEnforced` (a check that never rejects; auth only). */
  why: 'missing' | 'notApplied' | 'notEnforced';
  span: Span;
  data: Record<string, string>;
  confidence: Confidence;
}

/**
 * The endpoints registered in a file that run model inference (directly or through repository
 * functions) with no rate limit, or no authentication, at any level.
 */
export function missingControls(file: FileModel, project: ProjectModel, settings: Settings, kind: ControlKind): MissingControl[] {
  if (isTestFile(file.path)) return [];
  const out: MissingControl[] = [];
  const seen = new Set<string>();
  for (const ep of endpointsIn(file, project)) {
    // A router mounted in two places is one route with two ways in: one finding for it.
    const key = `${ep.span.start}|${ep.label}`;
    if (seen.has(key)) continue;
    const reached = endpointInference(project, ep);
    if (reached.length === 0) continue;
    // An internal service (a model worker on loopback or inside a container network) is not where callers arrive.
    const exposure = endpointExposure(project, ep);
    if (exposure.state === 'internal') continue;
    const v = endpointControls(project, settings, ep, kind);
    if (v.evidence.length > 0) continue;
    const selfHosted = reachesSelfHosted(reached);
    const proxied = !selfHosted && reachesUnknownServer(reached);
    const data: Record<string, string> = {
      route: ep.label,
      inference: describeInference(project, reached),
      fix: fixFor(ep, kind),
      fixLower: lowerFirst(fixFor(ep, kind)),
      abuse:
        kind === 'auth'
          ? selfHosted
            ? 'use the model and send it any prompt; a self-hosted model has no provider account or abuse monitoring behind it'
            : proxied
              ? 'use the model server it forwards to and send it any prompt'
              : 'use the model at your cost and send it any prompt'
          : selfHosted
            ? "tie up the model's GPUs and starve every other user; a self-hosted model has no provider-side limit behind it"
            : proxied
              ? 'tie up the model server it forwards to and starve every other user'
              : "run up your provider bill until the account's quota runs out for every other user",
      // An authenticated route still lets each signed-in caller run as much as they like.
      who: kind === 'rate-limit' && endpointControls(project, settings, ep, 'auth').evidence.length > 0 ? 'Any authenticated caller' : 'Anyone who can reach it',
      gateway: v.gatewayGaps.length > 0 ? ` (${v.gatewayGaps[0]?.label} routes to it with no ${kind === 'auth' ? 'authentication' : 'rate limit'} either)` : '',
    };
    // Less sure when the route's prefix is unknown, the model call was inferred, or it is a server action.
    const weak = !ep.mounted || ep.kind === 'server-action' || reached.every((r) => r.site.confidence !== 'high');
    // Less sure again when modelguard cannot tell whether the application is reachable at all.
    const confidence: Confidence = exposure.state === 'unknown' ? (weak ? 'low' : 'medium') : weak ? 'medium' : 'high';
    const na = v.notApplied[0];
    const soft = v.soft[0];
    seen.add(key);
    if (na) out.push({ ep, why: 'notApplied', span: ep.span, data: { ...data, notApplied: na.clause, remedyLower: lowerFirst(na.remedy) }, confidence });
    else if (kind === 'auth' && soft) out.push({ ep, why: 'notEnforced', span: ep.span, data: { ...data, check: soft.what }, confidence });
    else out.push({ ep, why: 'missing', span: ep.span, data, confidence });
  }
  return out;
}
