import { missingControls } from '../../src/facts/http-controls/check.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { defineRule } from '../../src/rule-api.js';

export default defineRule({
  meta: {
    id: 'access-control/unauthenticated-inference-endpoint',
    category: 'access-control',
    appliesTo: ['typescript', 'python', 'yaml-config'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'HTTP endpoints that run model inference must authenticate their callers.',
    fullDescription:
      "Flags HTTP routes (Express, Fastify, Hono, Koa, NestJS, Next.js route handlers, pages API routes and server actions, FastAPI, Flask, Starlette, Django) whose handler runs model inference, directly or through functions of the repository, and that no authentication protects: no auth middleware (passport, express-jwt, Clerk, next-auth, Auth0), guard (NestJS AuthGuard), dependency on a FastAPI security scheme or current-user function, decorator (Flask-Login, Flask-JWT-Extended, Django login_required, DRF IsAuthenticated), session or API-key check in the handler that rejects the request, Next.js middleware covering the route, or authenticating gateway in front of the application. A check that only reads or logs credentials does not count. An open inference endpoint lets anyone use the model at the owner's cost and send it any prompt. Internal services (on loopback, or only in a container network) are not reported.",
    securitySeverity: 8.1,
    tags: ['security', 'OWASP-LLM10', 'CWE-306', 'CWE-284'],
    messages: {
      noAuth:
        '{route} reaches {inference} and accepts requests from anyone: no authentication on the handler, its router or app, in middleware or at a gateway in this repository{gateway}. Anyone who finds it can {abuse}. {fix}, or set `settings.auth.handledUpstream` if a gateway outside the repository authenticates it.',
      authNotApplied: '{route} reaches {inference}, but {notApplied}. Anyone who finds it can {abuse}. Make that check cover this route ({remedyLower}), or {fixLower}.',
      authNotEnforced:
        '{route} reaches {inference}, and {check} reads credentials but never rejects the request (no 401/403, redirect or raised error), so it authenticates nothing. Stop the request when the check fails. {fix}.',
    },
  },
  *check(ctx) {
    for (const m of missingControls(ctx.file, ctx.project, ctx.settings, 'auth')) {
      const id = m.why === 'notApplied' ? 'authNotApplied' : m.why === 'notEnforced' ? 'authNotEnforced' : 'noAuth';
      yield ctx.report(id, m.span, m.data, { confidence: m.confidence });
    }
  },
});
