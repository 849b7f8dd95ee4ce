import { missingControls } from '../../src/facts/http-controls/check.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { defineRule } from '../../src/rule-api.js';

export default defineRule({
  meta: {
    id: 'rate-limit/inference-endpoint',
    category: 'rate-limit',
    appliesTo: ['typescript', 'python', 'yaml-config'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'HTTP endpoints that run model inference must be rate limited.',
    fullDescription:
      'Flags HTTP routes (Express, Fastify, Hono, Koa, NestJS, Next.js route handlers, pages API routes and server actions, FastAPI, Flask, Starlette, Django) whose handler runs model inference, directly or through functions of the repository, with no rate limit at any level: handler (slowapi, fastapi-limiter, Flask-Limiter, django-ratelimit, @upstash/ratelimit, @Throttle with ThrottlerGuard, a check answering 429), route, router, app (express-rate-limit, @fastify/rate-limit, hono-rate-limiter, koa-ratelimit, default limits), Next.js middleware whose matcher covers the route, or gateway configuration in the repository that fronts the application (nginx limit_req, ingress-nginx limit-rps, Traefik, Kong, Envoy). Without a limit, one client can run up model cost and GPU time and starve everyone else; a self-hosted model has no provider-side limit behind it. Internal services (on loopback, or only in a container network) are not reported.',
    securitySeverity: 7.5,
    tags: ['security', 'OWASP-LLM10', 'CWE-770', 'CWE-799'],
    messages: {
      noRateLimit:
        '{route} reaches {inference} with no rate limit on the handler, its router or app, in middleware or at a gateway in this repository{gateway}. {who} can {abuse}. {fix}, or set `settings.rateLimit.handledUpstream` if a gateway outside the repository limits it.',
      limiterNotApplied: '{route} reaches {inference}, but {notApplied}. {who} can {abuse}. Make the limiter cover this route ({remedyLower}), or {fixLower}.',
    },
  },
  *check(ctx) {
    for (const m of missingControls(ctx.file, ctx.project, ctx.settings, 'rate-limit')) {
      yield ctx.report(m.why === 'notApplied' ? 'limiterNotApplied' : 'noRateLimit', m.span, m.data, { confidence: m.confidence });
    }
  },
});
