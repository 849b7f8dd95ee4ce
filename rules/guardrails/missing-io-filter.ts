import { endpointsIn, type Endpoint } from '../../src/facts/endpoints/index.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { endpointExposure } from '../../src/facts/exposure.js';
import { endpointGuardrails, GuardrailKnowledge, stackOf, type GuardedSite } from '../../src/facts/guardrails/index.js';
import type { ProjectModel } from '../../src/model/project.js';
import { defineRule } from '../../src/rule-api.js';
import type { Span } from '../../src/types.js';

interface Options {
  /** Also report routes whose model is a hosted API (OpenAI, Anthropic, Gemini, Bedrock ...), not only self-hosted models. */
  hostedApis: boolean;
}

function where(project: ProjectModel, path: string, span: Span): string {
  const line = project.file(path)?.range(span).start.line ?? 0;
  return `${path}:${line}`;
}

function callText(project: ProjectModel, g: GuardedSite): string {
  const text = project.file(g.site.path)?.text ?? '';
  const callee = text.slice(g.site.calleeSpan.start, g.site.calleeSpan.end).replace(/\s+/g, '');
  return callee.length > 60 ? `${callee.slice(0, 57)}...` : callee;
}

function unfilteredSides(g: GuardedSite): number {
  return (g.input ? 0 : 1) + (g.output ? 0 : 1);
}

/** The finding's confidence: medium (the rule's), low for a weak flow or when the application's exposure is unknown. */
function confidenceOf(c: GuardedSite['confidence'], unknownExposure: boolean): 'medium' | 'low' {
  return c === 'low' || unknownExposure ? 'low' : 'medium';
}

function routeOf(ep: Endpoint): string {
  return ep.kind === 'server-action' ? `server action \`${ep.path}\`` : `\`${ep.label}\``;
}

export default defineRule<Options>({
  meta: {
    id: 'guardrails/missing-io-filter',
    category: 'guardrails',
    appliesTo: ['typescript', 'python', 'yaml-config'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'note',
    confidence: 'medium',
    description: 'HTTP endpoints that pass user input to a model and return its output should filter both the input and the output.',
    fullDescription:
      'Flags HTTP endpoints (Express, Fastify, Hono, Koa, NestJS, Next.js, FastAPI, Flask, Starlette, Django) whose request data reaches the prompt of a model call and whose model output reaches the response, with no input filter before the call or no output filter after it: no moderation API (OpenAI, Azure AI Content Safety, Mistral), guard model (Llama Guard, ShieldGemma, Prompt Guard), scanner or validator (LLM Guard, Guardrails AI, Lakera, Rebuff), rails (NeMo Guardrails), guardrail configured on the call (Bedrock guardrails, Gemini safety settings) or project function named in settings.guardrails.functions. A self-hosted model has no provider filtering anything, and its built-in safety may be weak or fine-tuned away. Internal services (on loopback, or only in a container network) are not reported.',
    securitySeverity: 4.0,
    tags: ['security', 'guardrails', 'CWE-693', 'OWASP-LLM01', 'OWASP-LLM05'],
    messages: {
      unfilteredBoth:
        "{route} passes user input to {sdk} `{call}` ({where}) and returns the model's output with no input or output filter on the way: prompt injection and abuse reach the model unscreened, and harmful output reaches users{why}.{stream} To fix it, {fix}.{ignored}{more}",
      unfilteredInput:
        '{route} filters the output of {sdk} `{call}` ({where}) but not the user input it passes to it: prompt injection and abuse reach the model unscreened{why}. To fix it, {fix}.{ignored}{more}',
      unfilteredOutput:
        '{route} filters the user input but returns the output of {sdk} `{call}` ({where}) unfiltered: harmful or leaked output reaches users{why}.{stream} To fix it, {fix}.{ignored}{more}',
    },
    options: {
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          hostedApis: { type: 'boolean', description: 'Also report routes whose model is a hosted API, not only self-hosted models.' },
        },
      },
      defaults: { hostedApis: true },
    },
  },
  *check(ctx) {
    const k = GuardrailKnowledge.get();
    for (const ep of endpointsIn(ctx.file, ctx.project)) {
      const open = endpointGuardrails(ctx.project, ep)
        .filter((g) => !g.input || !g.output)
        .filter((g) => ctx.options.hostedApis || stackOf(g.site).selfHosted);
      if (open.length === 0) continue;
      // An internal service (a model worker on loopback or in a container network) is screened where callers arrive.
      const exposure = endpointExposure(ctx.project, ep);
      if (exposure.state === 'internal') continue;
      // Name the call the handler makes itself before one reached through a helper (a title or summary).
      const g = [...open].sort((a, b) => unfilteredSides(b) - unfilteredSides(a) || a.via.length - b.via.length)[0] as GuardedSite;
      const messageId = !g.input && !g.output ? 'unfilteredBoth' : !g.input ? 'unfilteredInput' : 'unfilteredOutput';
      const { stack, selfHosted } = stackOf(g.site);
      const what =
        messageId === 'unfilteredBoth'
          ? "the user input (before the call) and the model's reply (before it is returned)"
          : messageId === 'unfilteredInput'
            ? 'the user input (before the call)'
            : "the model's reply (before it is returned)";
      const ignored = g.ignored[0];
      const others = new Set(open.filter((x) => x !== g).map((x) => `${x.site.path}:${x.site.span.start}`)).size;
      yield ctx.report(
        messageId,
        ep.span,
        {
          route: routeOf(ep),
          sdk: g.site.sdkName,
          call: callText(ctx.project, g),
          where: where(ctx.project, g.site.path, g.site.calleeSpan),
          why: selfHosted ? '; a self-hosted model has no provider-side moderation' : '',
          stream: g.site.stream && !g.output ? ' The response is streamed: screen the text as it is assembled, before chunks are sent.' : '',
          fix: k.fix(stack, g.site.lang, what),
          ignored: !ignored
            ? ''
            : ignored.off
              ? ` The ${ignored.tool} at ${where(ctx.project, ignored.path, ignored.span)} block nothing: every threshold is off.`
              : ` ${ignored.tool} at ${where(ctx.project, ignored.path, ignored.span)} screens the ${ignored.side}, but its verdict is never acted on: refuse, raise or replace the text when it flags.`,
          more: others > 0 ? ` The route reaches ${others} more unfiltered inference call${others > 1 ? 's' : ''}.` : '',
        },
        { confidence: confidenceOf(g.confidence, exposure.state === 'unknown') },
      );
    }
  },
});
