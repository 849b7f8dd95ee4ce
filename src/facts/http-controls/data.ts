import { readPackageJson } from '../../util/pkg.js';

export interface ControlEntry {
  pattern: string;
  label: string;
  plugin?: 'fastify';
  needsDefaultLimits?: 'slowapi' | 'flask_limiter';
  blockArgument?: boolean;
  securityScheme?: boolean;
  rejects?: boolean;
}

interface Family {
  layers: ControlEntry[];
  calls: ControlEntry[];
  exempt: ControlEntry[];
  rejection: string;
}

interface ControlsData {
  rateLimit: Family;
  auth: Family;
}

export type ControlKind = 'rate-limit' | 'auth';

interface Compiled {
  layers: Array<ControlEntry & { re: RegExp }>;
  calls: Array<ControlEntry & { re: RegExp }>;
  exempt: Array<ControlEntry & { re: RegExp }>;
  rejection: RegExp;
}

/** The rate-limit and authentication knowledge of src/data/http-controls.json, compiled once. */
export class ControlKnowledge {
  private static instance?: ControlKnowledge;
  readonly rateLimit: Compiled;
  readonly auth: Compiled;

  private constructor() {
    const d = readPackageJson<ControlsData>('src', 'data', 'http-controls.json');
    const compile = (f: Family): Compiled => ({
      layers: f.layers.map((e) => ({ ...e, re: new RegExp(e.pattern) })),
      calls: f.calls.map((e) => ({ ...e, re: new RegExp(e.pattern) })),
      exempt: f.exempt.map((e) => ({ ...e, re: new RegExp(e.pattern) })),
      rejection: new RegExp(f.rejection, 'i'),
    });
    this.rateLimit = compile(d.rateLimit);
    this.auth = compile(d.auth);
  }

  static get(): ControlKnowledge {
    ControlKnowledge.instance ??= new ControlKnowledge();
    return ControlKnowledge.instance;
  }

  family(kind: ControlKind): Compiled {
    return kind === 'rate-limit' ? this.rateLimit : this.auth;
  }

  layer(kind: ControlKind, name: string): (ControlEntry & { re: RegExp }) | undefined {
    return this.family(kind).layers.find((e) => e.re.test(name));
  }

  call(kind: ControlKind, name: string): (ControlEntry & { re: RegExp }) | undefined {
    return this.family(kind).calls.find((e) => e.re.test(name));
  }

  exempt(kind: ControlKind, name: string): (ControlEntry & { re: RegExp }) | undefined {
    return this.family(kind).exempt.find((e) => e.re.test(name));
  }
}
