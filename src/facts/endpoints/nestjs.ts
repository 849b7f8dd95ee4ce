import type { ClassDeclaration, Decorator } from 'ts-morph';
import { Node } from '../../parse/ts-morph.js';
import type { ProjectModel } from '../../model/project.js';
import { tsSpan } from '../../parse/typescript.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { TsInference } from '../inference/ts.js';
import { filterCovers, joinPaths } from './paths.js';
import { makeEndpoint } from './ts-routers.js';
import { shortText, tsLayer, unwrapTs } from './ts-resolve.js';
import type { Endpoint, Layer, LayerLevel } from './types.js';
import { descendants } from '../../parse/walk.js';

const ROUTE_DECORATORS: Record<string, string> = { Get: 'GET', Post: 'POST', Put: 'PUT', Patch: 'PATCH', Delete: 'DELETE', All: '*', Options: 'OPTIONS', Head: 'HEAD', Sse: 'GET' };
const NEST = /@nestjs\//;

/** The `@nestjs/...` export a decorator is, or undefined. */
function nestDecorator(a: TsInference, d: Decorator): string | undefined {
  const v = a.valueOf(d.getCallExpression()?.getExpression() ?? d.getExpression());
  return v?.t === 'extern' && NEST.test(v.module) ? v.name : undefined;
}

function paths(a: TsInference, d: Decorator): string[] {
  const arg = d.getArguments()[0];
  if (!arg) return [''];
  const u = unwrapTs(arg);
  if (Node.isArrayLiteralExpression(u)) return u.getElements().map((x) => a.mod.stringValue(x)?.value ?? x.getText());
  if (Node.isObjectLiteralExpression(u)) {
    const p = u.getProperty('path');
    const v = p && Node.isPropertyAssignment(p) ? p.getInitializer() : undefined;
    if (!v) return [''];
    if (Node.isArrayLiteralExpression(v)) return v.getElements().map((x) => a.mod.stringValue(x)?.value ?? x.getText());
    return [a.mod.stringValue(v)?.value ?? v.getText()];
  }
  return [a.mod.stringValue(u)?.value ?? u.getText()];
}

/** Layers a decorator adds: one guard per `@UseGuards` argument, the decorator itself otherwise. */
function decoratorLayers(project: ProjectModel, a: TsInference, d: Decorator, level: LayerLevel): Layer[] {
  const nest = nestDecorator(a, d);
  if (nest === 'UseGuards' || nest === 'UseInterceptors') {
    return d.getArguments().map((x) => tsLayer(project, a, x, level, nest === 'UseGuards' ? 'guard' : 'middleware'));
  }
  const call = d.getCallExpression();
  const l = tsLayer(project, a, call?.getExpression() ?? d.getExpression(), level, 'decorator');
  return [{ ...l, text: shortText(d.getText()), span: tsSpan(d), node: d, ...(call ? { options: call } : {}) }];
}

interface Global {
  layer: Layer;
  /** `consumer.apply(mw).forRoutes(...)`: controllers (class nodes) and paths it applies to. */
  forRoutes?: { all: boolean; classes: Node[]; paths: string[] };
}

/** Global guards, interceptors, middleware: `APP_GUARD` providers, `app.useGlobalGuards`, `app.use`, `consumer.apply().forRoutes()`. */
function globals(project: ProjectModel, files: TsInference[]): { layers: Global[]; prefix?: string } {
  const out: Global[] = [];
  let prefix: string | undefined;
  for (const a of files) {
    for (const call of descendants(a.sf)) {
      if (!Node.isCallExpression(call)) continue;
      const callee = call.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) continue;
      const m = callee.getName();
      const args = call.getArguments();
      if (m === 'setGlobalPrefix' && args[0]) prefix = a.mod.stringValue(args[0])?.value;
      else if (m === 'useGlobalGuards' || m === 'useGlobalInterceptors') for (const x of args) out.push({ layer: tsLayer(project, a, x, 'global', m === 'useGlobalGuards' ? 'guard' : 'middleware') });
      else if (m === 'use' && /\b(NestFactory|app)\b/.test(callee.getExpression().getText()) && /NestFactory/.test(a.file.text))
        for (const x of args) out.push({ layer: tsLayer(project, a, x, 'global', 'middleware') });
      else if (m === 'forRoutes') {
        // consumer.apply(A, B).exclude(...).forRoutes(X)
        let inner = callee.getExpression();
        while (Node.isCallExpression(inner) && Node.isPropertyAccessExpression(inner.getExpression()) && (inner.getExpression() as import('ts-morph').PropertyAccessExpression).getName() !== 'apply')
          inner = (inner.getExpression() as import('ts-morph').PropertyAccessExpression).getExpression();
        if (!Node.isCallExpression(inner)) continue;
        const fr = { all: false, classes: [] as Node[], paths: [] as string[] };
        for (const x of args) {
          const s = a.mod.stringValue(x)?.value;
          if (s !== undefined) {
            if (s === '*' || s === '/*' || s === '(.*)' || s === '*path') fr.all = true;
            else fr.paths.push(s);
            continue;
          }
          const u = unwrapTs(x);
          if (Node.isObjectLiteralExpression(u)) {
            const p = u.getProperty('path');
            const v = p && Node.isPropertyAssignment(p) ? a.mod.stringValue(p.getInitializer())?.value : undefined;
            if (v !== undefined) v === '*' ? (fr.all = true) : fr.paths.push(v);
            continue;
          }
          const cv = a.valueOf(u);
          if (cv?.t === 'class') fr.classes.push(cv.node);
        }
        for (const x of inner.getArguments()) out.push({ layer: tsLayer(project, a, x, 'global', 'middleware'), forRoutes: fr });
      }
    }
    // @Module({ providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }] })
    if (a.file.text.includes('APP_GUARD') || a.file.text.includes('APP_INTERCEPTOR')) {
      for (const o of descendants(a.sf)) {
        if (!Node.isObjectLiteralExpression(o)) continue;
        const provide = o.getProperty('provide');
        const use = o.getProperty('useClass') ?? o.getProperty('useExisting') ?? o.getProperty('useValue') ?? o.getProperty('useFactory');
        if (!provide || !use || !Node.isPropertyAssignment(provide) || !Node.isPropertyAssignment(use)) continue;
        const pv = a.valueOf(provide.getInitializer() as Node);
        if (pv?.t !== 'extern' || !/^APP_(GUARD|INTERCEPTOR)$/.test(pv.name)) continue;
        out.push({ layer: tsLayer(project, a, use.getInitializer() as Node, 'global', pv.name === 'APP_GUARD' ? 'guard' : 'middleware') });
      }
    }
  }
  return { layers: out, ...(prefix !== undefined ? { prefix } : {}) };
}

/** NestJS controller routes. */
export function nestEndpoints(project: ProjectModel, inScope?: (path: string) => boolean): Endpoint[] {
  const ctx = InferenceContext.of(project);
  const files = project.files().filter((f) => f.kind === 'typescript' && (!inScope || inScope(f.path)) && !isTestFile(f.path) && f.text.includes('@nestjs/'));
  if (files.length === 0) return [];
  const analyzers = files.map((f) => ctx.tsAt(f.path)).filter((a): a is TsInference => !!a);
  const g = globals(
    project,
    analyzers.filter((a) => /forRoutes|APP_GUARD|APP_INTERCEPTOR|useGlobal|setGlobalPrefix|NestFactory/.test(a.file.text)),
  );
  const out: Endpoint[] = [];
  for (const a of analyzers) {
    if (!a.file.text.includes('Controller')) continue;
    for (const cls of a.sf.getClasses()) {
      const ctrl = cls.getDecorators().find((d) => nestDecorator(a, d) === 'Controller');
      if (!ctrl) continue;
      const classLayers = cls
        .getDecorators()
        .filter((d) => d !== ctrl)
        .flatMap((d) => decoratorLayers(project, a, d, 'router'));
      for (const prefix of paths(a, ctrl)) {
        for (const method of cls.getMethods()) {
          for (const d of method.getDecorators()) {
            const nd = nestDecorator(a, d);
            if (!nd || !(nd in ROUTE_DECORATORS)) continue;
            const methodLayers = method
              .getDecorators()
              .filter((x) => x !== d && !((nestDecorator(a, x) ?? '') in ROUTE_DECORATORS))
              .flatMap((x) => decoratorLayers(project, a, x, 'handler'));
            for (const p of paths(a, d)) {
              const path = joinPaths(g.prefix, prefix, p);
              const globalLayers = g.layers.filter((x) => !x.forRoutes || applies(x.forRoutes, cls, path, g.prefix)).map((x) => x.layer);
              out.push(
                makeEndpoint('nestjs', [ROUTE_DECORATORS[nd] as string], path, true, a.file.path, tsSpan(d), a.fnInfo(method), [...globalLayers, ...classLayers, ...methodLayers], {
                  className: cls.getName() ?? 'default',
                }),
              );
            }
          }
        }
      }
    }
  }
  return out;
}

function applies(fr: NonNullable<Global['forRoutes']>, cls: ClassDeclaration, path: string, prefix: string | undefined): boolean {
  if (fr.all) return true;
  if (fr.classes.some((c) => c === cls)) return true;
  return fr.paths.some((p) => filterCovers(joinPaths(prefix, p), path));
}
