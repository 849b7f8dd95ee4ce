import { Node, SyntaxKind, tsc } from '../../parse/ts-morph.js';
import type { Node as PyNode } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import { span as pySpan } from '../../parse/python.js';
import { tsSpan } from '../../parse/typescript.js';
import type { Span } from '../../types.js';
import { bodyFunctions } from '../endpoints/index.js';
import { nextMatcherRegExp } from '../endpoints/paths.js';
import { externQ, field } from '../endpoints/py-resolve.js';
import { declOf, shortText, tsValue, unwrapTs } from '../endpoints/ts-resolve.js';
import { callsFrom } from '../inference/index.js';
import { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import type { TsInference } from '../inference/ts.js';
import type { FunctionInfo } from '../inference/types.js';
import { ControlKnowledge, type ControlKind } from './data.js';
import { descendantsOfKind, walkTs } from '../../parse/walk.js';

/** A request path test around a check (`if (pathname.startsWith('/api/chat'))`, Clerk `isProtectedRoute(req)`). */
export interface PathGuard {
  negated: boolean;
  test: (path: string) => boolean;
  text: string;
}

/** A rate limit or authentication check found in a function body. */
export interface Signal {
  kind: ControlKind;
  /** `enforced`: the request is stopped when the check fails; `soft`: credentials are read or a limiter is asked, but nothing stops the request. */
  strength: 'enforced' | 'soft';
  /** For messages: `` `auth()` (next-auth) ``, `` `summarizeLimiter.limit()` (@upstash/ratelimit) ``, `an API-key check`. */
  what: string;
  file: string;
  span: Span;
  /** Path tests the check sits under: it applies only to the paths they accept. */
  guards: PathGuard[];
}

const TS_KW = /auth|session|user|token|verify|limit|consume|protect|validate|jwt|isAuthenticated|blockUntilReady|checkRateLimit|removeTokens|\bhit\b|getClaims/i;
const STOPS_TS = /\b(return|throw)\b|\bredirect\w*\(|\bnotFound\(|\bunauthorized\(|\bforbidden\(|\.status\s*=\s*4\d\d|ctx\.throw\(/;
const STOPS_PY = /\b(raise|return)\b|\babort\(|\bredirect\(/;
/** An expression that reads a credential from the request: a header, a cookie, a bearer token. */
export const CREDENTIAL_SOURCE =
  /(headers?\b|header\(|get\()(?:(?!headers?\b|header\(|get\()[^;])*?(authorization|api[-_]?key|x-api-key|token|bearer|x-auth)|cookies?\b(?:(?!cookies?\b)[^;])*?(session|token|auth)/i;
/** A read of the server's own environment or settings. */
const ENV_READ = /\b(os\.environ|os\.getenv|getenv\(|environ\.get\(|environ\[)/;
const CREDENTIAL =
  /authorization|api[-_]?key|x-api-key|bearer|\btoken\b|secret|x-auth|\.auth\b|isAuthenticated|is_authenticated|current_user|\blocals\.(user|session)\b|credentials|\buserId\b|\buser_id\b/i;
/** Calls on framework objects that authenticate (`request.jwtVerify()` with @fastify/jwt, passport's `req.isAuthenticated()`, Clerk's `auth.protect()`). */
const TS_PARAM_AUTH: Array<{ re: RegExp; label: string; rejects: boolean }> = [
  { re: /\.jwtVerify$/, label: '@fastify/jwt jwtVerify', rejects: true },
  { re: /(^|\.)auth\.protect$|^auth\(\)\.protect$/, label: 'Clerk auth.protect()', rejects: true },
  { re: /\.isAuthenticated$/, label: 'passport isAuthenticated', rejects: false },
  { re: /(^|\.)getAuth$|^auth$/, label: 'auth()', rejects: false },
  { re: /(^|\.)locals\.(auth|getSession|safeGetSession)$/, label: 'the session hooks.server.ts puts in `locals`', rejects: false },
];

function wordIn(names: readonly string[], text: string): boolean {
  return names.some((n) => n && new RegExp(`(^|[^\\w$.])${n.replace(/[$]/g, '\\$')}\\b`).test(text));
}

// ------------------------------------------------------------------------------ TypeScript

interface TsIf {
  node: Node;
  expr: Node;
  cond: string;
  then: string;
  thenNode: Node;
  elseNode?: Node;
}

/** Path tests of a condition: `pathname.startsWith('/x')`, `pathname === '/x'`, Clerk route matchers. */
function tsPathTests(a: TsInference, cond: Node): Array<{ negated: boolean; test: (p: string) => boolean; text: string }> {
  const out: Array<{ negated: boolean; test: (p: string) => boolean; text: string }> = [];
  // Conditions nest (`a && b && …`, `!(!(…))`) as deep as written: an explicit stack, left side first.
  const todo: Array<[Node, boolean]> = [];
  const visit = (n: Node, neg: boolean): void => {
    const u = Node.isParenthesizedExpression(n) ? n.getExpression() : n;
    if (Node.isPrefixUnaryExpression(u) && u.getOperatorToken() === SyntaxKind.ExclamationToken) {
      todo.push([u.getOperand(), !neg]);
      return;
    }
    if (Node.isCallExpression(u)) {
      const callee = u.getExpression();
      const arg = u.getArguments()[0];
      if (Node.isPropertyAccessExpression(callee) && /pathname$/.test(callee.getExpression().getText()) && arg && Node.isStringLiteral(arg)) {
        const lit = arg.getLiteralValue();
        const m = callee.getName();
        if (m === 'startsWith') out.push({ negated: neg, test: (p) => p.startsWith(lit), text: u.getText() });
        else if (m === 'includes') out.push({ negated: neg, test: (p) => p.includes(lit), text: u.getText() });
        return;
      }
      // const isProtectedRoute = createRouteMatcher(['/api/(.*)'])
      if (Node.isIdentifier(callee)) {
        const d = declOf(a, callee.getText(), callee);
        const init = d?.k === 'var' && d.init ? unwrapTs(d.init) : undefined;
        if (init && Node.isCallExpression(init) && /createRouteMatcher$/.test(init.getExpression().getText())) {
          const arr = init.getArguments()[0];
          const pats =
            arr && Node.isArrayLiteralExpression(arr)
              ? arr
                  .getElements()
                  .map((x) => a.mod.stringValue(x)?.value)
                  .filter((x): x is string => !!x)
              : [];
          const res = pats.flatMap((p) => nextMatcherRegExp(p) ?? []);
          out.push({ negated: neg, test: (p) => res.some((r) => r.test(p)), text: u.getText() });
        }
      }
      return;
    }
    if (Node.isBinaryExpression(u)) {
      const op = u.getOperatorToken().getKind();
      const l = u.getLeft();
      const r = u.getRight();
      if ((op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.ExclamationEqualsEqualsToken) && /pathname$/.test(l.getText()) && Node.isStringLiteral(r)) {
        const lit = r.getLiteralValue();
        out.push({ negated: neg !== (op === SyntaxKind.ExclamationEqualsEqualsToken), test: (p) => p === lit, text: u.getText() });
      }
      // `a || b` under negation, `a && b`: keep it simple and look at both sides.
      if (op === SyntaxKind.BarBarToken || op === SyntaxKind.AmpersandAmpersandToken) todo.push([r, neg], [l, neg]);
    }
  };
  todo.push([cond, false]);
  while (todo.length > 0) {
    const [n, neg] = todo.pop() as [Node, boolean];
    visit(n, neg);
  }
  return out;
}

function tsGuards(a: TsInference, n: Node, stop: Node): PathGuard[] {
  const out: PathGuard[] = [];
  let child: Node = n;
  for (let p = n.getParent(); p && p !== stop; child = p, p = p.getParent()) {
    if (Node.isIfStatement(p)) {
      const inThen = p.getThenStatement() === child;
      const inElse = p.getElseStatement() === child;
      if (inThen || inElse) for (const t of tsPathTests(a, p.getExpression())) out.push({ ...t, negated: inElse ? !t.negated : t.negated });
    }
    // Early returns before the check: `if (isPublicRoute(req)) return;` then the check.
    if (Node.isBlock(p)) {
      for (const st of p.getStatements()) {
        if (st === child || st.getStart() >= child.getStart()) break;
        if (Node.isIfStatement(st) && STOPS_TS.test(st.getThenStatement().getText()) && !st.getElseStatement()) {
          for (const t of tsPathTests(a, st.getExpression())) out.push({ ...t, negated: !t.negated });
        }
      }
    }
  }
  return out;
}

const STOP_CALL = /\b(redirect\w*|notFound|unauthorized|forbidden|abort)\(|\berror\(\s*4\d\d\b|\.(status|sendStatus|code)\(\s*4\d\d|ctx\.throw\(|\.status\s*=\s*4\d\d/;

/** A branch that ends the request: it returns or throws (or answers 4xx) at its own level, not in a nested branch. */
function tsTerminates(n: Node): boolean {
  if (Node.isReturnStatement(n) || Node.isThrowStatement(n)) return true;
  if (Node.isExpressionStatement(n)) return STOP_CALL.test(n.getText());
  if (Node.isBlock(n)) return n.getStatements().some((st) => Node.isReturnStatement(st) || Node.isThrowStatement(st) || (Node.isExpressionStatement(st) && STOP_CALL.test(st.getText())));
  return false;
}

/**
 * A condition that is false whenever the credential is missing: `token && pathname === '/login'`,
 * `session?.user && !session.user.isAdmin`. Its branch turns signed-in users away (from the login
 * page, from admin pages); a request without credentials passes it, so it authenticates nothing.
 */
function passesWithoutCredential(cond: Node, isCredential: (text: string) => boolean): boolean {
  const bare = (n: Node): Node => {
    let cur = n;
    for (;;) {
      if (Node.isParenthesizedExpression(cur)) cur = cur.getExpression();
      else if (Node.isPrefixUnaryExpression(cur) && cur.getOperatorToken() === SyntaxKind.ExclamationToken) {
        const inner = cur.getOperand();
        // `!!token` is `token`; a single `!` is the check that rejects.
        if (!(Node.isPrefixUnaryExpression(inner) && inner.getOperatorToken() === SyntaxKind.ExclamationToken)) return cur;
        cur = inner.getOperand();
      } else return cur;
    }
  };
  const top = bare(cond);
  if (!Node.isBinaryExpression(top) || top.getOperatorToken().getKind() !== SyntaxKind.AmpersandAmpersandToken) return false;
  const conjuncts: Node[] = [];
  // The operands of an `&&` chain, left to right, with an explicit stack.
  const stack: Node[] = [top];
  while (stack.length > 0) {
    const b = bare(stack.pop() as Node);
    if (Node.isBinaryExpression(b) && b.getOperatorToken().getKind() === SyntaxKind.AmpersandAmpersandToken) stack.push(b.getRight(), b.getLeft());
    else conjuncts.push(b);
  }
  return conjuncts.some((c) => (Node.isIdentifier(c) || Node.isPropertyAccessExpression(c) || Node.isElementAccessExpression(c)) && isCredential(c.getText()));
}

/** A check inside a `catch`: it handles an error of something else (an upstream 429), not the request. */
function insideCatch(n: Node, stop: Node): boolean {
  for (let p = n.getParent(); p && p !== stop; p = p.getParent()) if (Node.isCatchClause(p)) return true;
  return false;
}

function tsSignals(project: ProjectModel, a: TsInference, fnNode: Node): Signal[] {
  const k = ControlKnowledge.get();
  const out: Signal[] = [];
  const ifs: TsIf[] = [];
  const calls: Node[] = [];
  walkTs(fnNode.compilerNode, (n) => {
    if (tsc.isIfStatement(n)) {
      const w = a.wrap(n);
      if (Node.isIfStatement(w))
        ifs.push({ node: w, expr: w.getExpression(), cond: w.getExpression().getText(), then: w.getThenStatement().getText(), thenNode: w.getThenStatement(), elseNode: w.getElseStatement() });
    }
    if (tsc.isCallExpression(n)) {
      const text = n.expression.getText(a.sf.compilerNode);
      if (TS_KW.test(text.split('.').pop() ?? text) || TS_KW.test(text)) calls.push(a.wrap(n));
    }
  });
  const gates = ifs.filter((i) => tsTerminates(i.thenNode) && !insideCatch(i.node, fnNode));
  // `const session = await auth(); const agent = session?.user?.email; if (!agent) return 401`
  const decls: Array<{ names: string[]; init: string }> = [];
  for (const d of descendantsOfKind(fnNode, SyntaxKind.VariableDeclaration)) {
    const init = d.getInitializer();
    if (init)
      decls.push({
        names:
          d
            .getNameNode()
            .getText()
            .match(/[A-Za-z_$][\w$]*/g) ?? [],
        init: init.getText(),
      });
  }
  const derived = (names: string[]): string[] => {
    const all = new Set(names);
    for (let i = 0; i < 2; i++) for (const d of decls) if (wordIn([...all], d.init)) for (const n of d.names) all.add(n);
    return [...all];
  };
  const gated = (names: string[], callText: string, kind: ControlKind): TsIf | undefined => {
    const all = derived(names);
    return gates.find((g) => (wordIn(all, g.cond) || g.cond.includes(callText)) && !(kind === 'auth' && passesWithoutCredential(g.expr, (t) => wordIn(all, t) || t.includes(callText))));
  };
  for (const c of calls) {
    if (!Node.isCallExpression(c)) continue;
    const callee = c.getExpression();
    const v = tsValue(project, a, callee);
    const name = v?.t === 'extern' ? `${v.module}#${v.name}()` : '';
    const text = shortText(callee.getText(), 60);
    const names = a.resultNames(c);
    const guards = tsGuards(a, c, fnNode);
    const rl = name ? k.call('rate-limit', name) : undefined;
    if (rl) {
      const g = gated(names, c.getText(), 'rate-limit');
      const enforced = !!g || rl.rejects === true || names.length === 0;
      out.push({ kind: 'rate-limit', strength: enforced ? 'enforced' : 'soft', what: `\`${text}()\` (${rl.label})`, file: a.file.path, span: tsSpan(c), guards });
      continue;
    }
    // A middleware of a known library run from inside a wrapper (`(c, next) => bearerAuth({...})(c, next)`).
    const lib = name ? (k.layer('rate-limit', name) ?? k.layer('auth', name)) : undefined;
    if (lib && !lib.plugin && !lib.needsDefaultLimits) {
      out.push({ kind: k.layer('rate-limit', name) ? 'rate-limit' : 'auth', strength: 'enforced', what: `\`${text}()\` (${lib.label})`, file: a.file.path, span: tsSpan(c), guards });
      continue;
    }
    const au = name ? k.call('auth', name) : undefined;
    const param = !au && v?.t !== 'extern' ? TS_PARAM_AUTH.find((p) => p.re.test(callee.getText().replace(/\s+/g, ''))) : undefined;
    const entry = au ?? param;
    if (!entry) continue;
    const g = gated(names, c.getText(), 'auth');
    const enforced = entry.rejects === true || !!(g && (names.length > 0 || k.auth.rejection.test(g.then) || k.auth.rejection.test(g.cond)));
    out.push({ kind: 'auth', strength: enforced ? 'enforced' : 'soft', what: `\`${text}()\` (${entry.label})`, file: a.file.path, span: tsSpan(c), guards });
  }
  // Variables holding credentials read from the request (`const given = req.header('x-api-key')`).
  const credentials = derived(decls.filter((d) => CREDENTIAL_SOURCE.test(d.init)).flatMap((d) => d.names));
  // Checks written out: `if (req.headers['x-api-key'] !== KEY) return res.status(401)...`,
  // `if (!req.auth) return 401`, custom limiters answering 429.
  for (const g of gates) {
    // `if (pathname.startsWith('/admin') && !locals.user) redirect(...)`: the check applies to those paths only.
    const top = unwrapTs(g.expr);
    const own = Node.isBinaryExpression(top) && top.getOperatorToken().getKind() === SyntaxKind.AmpersandAmpersandToken ? tsPathTests(a, top) : [];
    const guards = [...tsGuards(a, g.node, fnNode), ...own];
    if (k.rateLimit.rejection.test(g.then) || k.rateLimit.rejection.test(g.cond)) {
      out.push({ kind: 'rate-limit', strength: 'enforced', what: `a check that answers \`${shortText(g.cond, 50)}\` with a rate-limit response`, file: a.file.path, span: tsSpan(g.node), guards });
    } else if (
      (CREDENTIAL.test(g.cond) || wordIn(credentials, g.cond) || /timingSafeEqual|compareDigest|safeCompare/.test(g.cond)) &&
      // A missing or unknown credential answered with any client error (`status(400)`) stops the request too.
      (k.auth.rejection.test(g.then) || k.auth.rejection.test(g.cond) || CLIENT_ERROR.test(g.then)) &&
      !passesWithoutCredential(g.expr, (t) => CREDENTIAL.test(t) || wordIn(credentials, t))
    ) {
      out.push({ kind: 'auth', strength: 'enforced', what: `the check \`if (${shortText(g.cond, 50)})\``, file: a.file.path, span: tsSpan(g.node), guards });
    }
  }
  // Credentials read in a condition that does not stop the request (a check that only logs).
  for (const i of ifs) {
    if (gates.includes(i) || STOPS_TS.test(i.then)) continue;
    if (/authorization|api[-_]?key|x-api-key|bearer/i.test(i.cond))
      out.push({ kind: 'auth', strength: 'soft', what: `the check \`if (${shortText(i.cond, 50)})\`, which does not stop the request`, file: a.file.path, span: tsSpan(i.node), guards: [] });
  }
  return out;
}

// ------------------------------------------------------------------------------ Python

/** A client-error status in a branch that ends the request: `res.status(400)`, `sendStatus(404)`, `error(400, ...)`. */
const CLIENT_ERROR = /\b(status|sendStatus|error|json)\(\s*4\d\d\b|\bstatus:\s*4\d\d\b/;

/** A block that ends the request at its own level: `raise`, `return`, `abort(401)`. */
function pyTerminates(block: PyNode | undefined): boolean {
  if (!block) return false;
  return block.namedChildren.some(
    (st) => !!st && (st.type === 'raise_statement' || st.type === 'return_statement' || (st.type === 'expression_statement' && /^\s*(abort|flask\.abort|redirect)\(/.test(st.text))),
  );
}

function insideExcept(n: PyNode, stop: PyNode): boolean {
  for (let p = n.parent; p && p.id !== stop.id; p = p.parent) if (p.type === 'except_clause') return true;
  return false;
}

function pySignals(_project: ProjectModel, a: PyInference, fnNode: PyNode): Signal[] {
  const k = ControlKnowledge.get();
  const out: Signal[] = [];
  const start = fnNode.startIndex;
  const end = fnNode.endIndex;
  const ifs = fnNode.descendantsOfType('if_statement').filter((x): x is PyNode => !!x);
  const gates = ifs
    .map((i) => ({ node: i, cond: field(i, 'condition') ? a.text(field(i, 'condition') as PyNode) : '', then: field(i, 'consequence') ? a.text(field(i, 'consequence') as PyNode) : '' }))
    .filter((g) => pyTerminates(field(g.node, 'consequence')) && !insideExcept(g.node, fnNode));
  const assigns: Array<{ names: string[]; value: string }> = [];
  for (const asg of fnNode.descendantsOfType('assignment')) {
    const left = asg ? field(asg, 'left') : undefined;
    const right = asg ? field(asg, 'right') : undefined;
    if (left && right) assigns.push({ names: a.text(left).match(/[A-Za-z_]\w*/g) ?? [], value: a.text(right) });
  }
  const derived = (names: string[]): string[] => {
    const all = new Set(names);
    for (let i = 0; i < 2; i++) for (const d of assigns) if (wordIn([...all], d.value)) for (const n of d.names) all.add(n);
    return [...all];
  };
  for (const c of a.mod.calls()) {
    if (c.span.start < start || c.span.end > end) continue;
    const callee = field(c.node, 'function');
    if (!callee) continue;
    const q = externQ(a, callee);
    if (!q) continue;
    const name = `${q}()`;
    const names = a.resultNames(c.node);
    const text = shortText(c.callee || a.text(callee), 60);
    const all = derived(names);
    const g = gates.find((x) => wordIn(all, x.cond) || x.cond.includes(a.text(c.node)));
    const lib = k.layer('rate-limit', name) ?? k.layer('auth', name);
    if (lib && !lib.plugin && !lib.needsDefaultLimits && !lib.securityScheme) {
      out.push({ kind: k.layer('rate-limit', name) ? 'rate-limit' : 'auth', strength: 'enforced', what: `\`${text}()\` (${lib.label})`, file: a.file.path, span: c.span, guards: [] });
      continue;
    }
    const rl = k.call('rate-limit', name);
    if (rl) {
      out.push({ kind: 'rate-limit', strength: g || names.length === 0 ? 'enforced' : 'soft', what: `\`${text}()\` (${rl.label})`, file: a.file.path, span: c.span, guards: [] });
      continue;
    }
    const au = k.call('auth', name);
    if (!au) continue;
    const enforced = au.rejects === true || !!g;
    out.push({ kind: 'auth', strength: enforced ? 'enforced' : 'soft', what: `\`${text}()\` (${au.label})`, file: a.file.path, span: c.span, guards: [] });
  }
  const pyCredentials = derived(assigns.filter((d) => CREDENTIAL_SOURCE.test(d.value) && !ENV_READ.test(d.value)).flatMap((d) => d.names));
  // Raised errors: `raise HTTPException(status_code=401)`, `abort(403)`, `raise RateLimitExceeded`.
  for (const g of gates) {
    if (k.rateLimit.rejection.test(g.then))
      out.push({ kind: 'rate-limit', strength: 'enforced', what: `a check that answers \`${shortText(g.cond, 50)}\` with a rate-limit response`, file: a.file.path, span: pySpan(g.node), guards: [] });
    else if ((CREDENTIAL.test(g.cond) || wordIn(pyCredentials, g.cond) || /compare_digest|hmac\.compare/.test(g.cond)) && k.auth.rejection.test(g.then)) {
      out.push({ kind: 'auth', strength: 'enforced', what: `the check \`if ${shortText(g.cond, 50)}\``, file: a.file.path, span: pySpan(g.node), guards: [] });
    }
  }
  // Dependency functions that raise 401/403 unconditionally on failure (`raise credentials_exception` in an except).
  const body = field(fnNode, 'body');
  if (body) {
    for (const ex of body.descendantsOfType('except_clause')) {
      if (!ex) continue;
      const t = a.text(ex);
      if (/\braise\b/.test(t) && k.auth.rejection.test(t)) out.push({ kind: 'auth', strength: 'enforced', what: 'an error answered with 401/403', file: a.file.path, span: pySpan(ex), guards: [] });
    }
    // A raise of a module-level 401 exception: `raise NOT_AUTHENTICATED` / `raise credentials_exception`.
    for (const r of body.descendantsOfType('raise_statement')) {
      if (!r) continue;
      const t = a.text(r);
      if (k.auth.rejection.test(t) || /credentials_exception|NOT_AUTHENTICATED|AuthenticationFailed|PermissionDenied|NotAuthenticated/i.test(t))
        out.push({ kind: 'auth', strength: 'enforced', what: `\`${shortText(t, 50)}\``, file: a.file.path, span: pySpan(r), guards: [] });
    }
  }
  // A key the server reads from its own environment (`TAVILY_API_KEY`) is configuration, not the caller's credential.
  const envKeys = assigns
    .filter((d) => ENV_READ.test(d.value) && d.names.length === 1)
    .flatMap((d) => d.names)
    .filter((n) => !pyCredentials.includes(n));
  for (const i of ifs) {
    const cond = field(i, 'condition');
    const cons = field(i, 'consequence');
    if (!cond || !cons || STOPS_PY.test(a.text(cons))) continue;
    const condText = envKeys.reduce((t, n) => t.replace(new RegExp(`(^|[^\\w.])${n}\\b`, 'g'), '$1'), a.text(cond));
    if (/authorization|api[-_]?key|x-api-key|bearer/i.test(condText))
      out.push({ kind: 'auth', strength: 'soft', what: `the check \`if ${shortText(a.text(cond), 50)}\`, which does not stop the request`, file: a.file.path, span: pySpan(i), guards: [] });
  }

  return out;
}

// ------------------------------------------------------------------------------ shared

const memo = new WeakMap<ProjectModel, Map<string, Signal[]>>();

/** The checks in one function's body (nested functions included), computed once per function. */
export function functionSignals(project: ProjectModel, fn: FunctionInfo): Signal[] {
  let m = memo.get(project);
  if (!m) {
    m = new Map();
    memo.set(project, m);
  }
  const key = `${fn.id}@${fn.span.start}`;
  const hit = m.get(key);
  if (hit) return hit;
  const ctx = InferenceContext.of(project);
  let out: Signal[] = [];
  if (fn.lang === 'ts') {
    const a = ctx.tsAt(fn.path);
    if (a && !Node.isSourceFile(fn.node as Node)) out = tsSignals(project, a, fn.node as Node);
  } else {
    const a = ctx.pyAt(fn.path);
    if (a && (fn.node as PyNode).type !== 'module') out = pySignals(project, a, fn.node as PyNode);
  }
  m.set(key, out);
  return out;
}

/**
 * The checks a function runs: its own and those of the repository functions it calls (up to
 * `depth` calls deep), each with the call path that leads there.
 */
export function reachableSignals(project: ProjectModel, fn: FunctionInfo, depth = 3): Array<Signal & { via: FunctionInfo[] }> {
  const out: Array<Signal & { via: FunctionInfo[] }> = [];
  const seen = new Set<string>();
  const walk = (f: FunctionInfo, via: FunctionInfo[]): void => {
    const key = `${f.id}@${f.span.start}`;
    if (seen.has(key) || seen.size > 40) return;
    seen.add(key);
    for (const s of functionSignals(project, f)) out.push({ ...s, via });
    if (via.length >= depth) return;
    for (const g of bodyFunctions(project, f)) for (const e of callsFrom(project, g)) walk(e.to, [...via, e.to]);
  };
  walk(fn, []);
  return out;
}
