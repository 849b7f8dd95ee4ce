import { describe, expect, it } from 'vitest';
import { buildGatewayIndex } from '../src/facts/gateway/index.js';
import { formatSarif } from '../src/format/sarif.js';
import { formatText } from '../src/format/text.js';
import { FileModel, ParserHost } from '../src/model/file-model.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import type { FileKind } from '../src/types.js';
import { repoRegex, repoRegexMatches } from '../src/util/repo-regex.js';
import { findingLines, scanFiles } from './helpers/run.js';

const host = new ParserHost(await Grammars.load());
const file = (path: string, kind: FileKind, text: string): FileModel => new FileModel(path, `/repo/${path}`, kind, text, host);
const opts = { color: false, quiet: false, displayPath: (p: string) => p };

describe('repository regular expressions (RE2 semantics)', () => {
  it('compiles once, honours case-insensitivity, and searches anywhere in the input', () => {
    expect(repoRegex('^/v1/')).toBe(repoRegex('^/v1/'));
    expect(repoRegexMatches('^/V1/chat$', '/v1/chat')).toBe(false);
    expect(repoRegexMatches('^/V1/chat$', '/v1/chat', { caseInsensitive: true })).toBe(true);
    expect(repoRegexMatches('chat', '/v1/chat/completions')).toBe(true);
  });

  it('gives a reason for lookaround and backreferences instead of a matcher', () => {
    const look = repoRegex('^/v1/(?!health)');
    expect(look.ok).toBe(false);
    expect(look.ok ? '' : look.reason).toMatch(/lookaround/);
    const back = repoRegex('^/(\\w+)/\\1$');
    expect(back.ok).toBe(false);
    expect(back.ok ? '' : back.reason).toMatch(/backreference/);
    expect(repoRegexMatches('^/v1/(?!health)', '/v1/chat')).toBe(false);
  });

  it('takes linear time on a pattern that backtracks exponentially in JavaScript', () => {
    const t0 = performance.now();
    expect(repoRegexMatches('^/v1/(a+)+$', `/v1/${'a'.repeat(5000)}!`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

const nginx = (location: string): string => `events {}
http {
  limit_req_zone $binary_remote_addr zone=api:10m rate=5r/s;
  server {
    listen 80;
    ${location} {
      limit_req zone=api burst=10 nodelay;
      proxy_pass http://api:8000;
    }
  }
}
`;

describe('gateway routes with repository regexes', () => {
  const reaches = (f: FileModel, path: string): string[] =>
    buildGatewayIndex([f])
      .query({ upstream: { host: 'api', port: 8000 }, path })
      .routes.map((r) => r.label);

  it('nginx location ~* matches whatever the case; a lookahead location matches nothing and is noted at the pattern', () => {
    expect(reaches(file('nginx/nginx.conf', 'nginx', nginx('location ~* ^/V1/(chat|embed)$')), '/v1/chat')).toHaveLength(1);
    expect(reaches(file('nginx/nginx.conf', 'nginx', nginx('location ~ ^/V1/(chat|embed)$')), '/v1/chat')).toHaveLength(0);
    const f = file('nginx/nginx.conf', 'nginx', nginx('location ~ ^/v1/(?!health)'));
    expect(reaches(f, '/v1/chat')).toHaveLength(0);
    expect(f.notices.map((n) => `${n.path}:${n.range?.start.line}:${n.range?.start.column} ${n.kind}`)).toEqual(['nginx/nginx.conf:6:16 unsupported-regex']);
    expect(f.notices[0]?.message).toMatch(/"\^\/v1\/\(\?!health\)".*lookaround.*matches no request/);
    // Built again (another query), the file is not noted twice.
    buildGatewayIndex([f]);
    expect(f.notices).toHaveLength(1);
  });

  it('Envoy safe_regex', () => {
    const envoy = (regex: string) =>
      file(
        'envoy/envoy.yaml',
        'yaml-config',
        `static_resources:
  listeners:
    - name: main
      address: {socket_address: {address: 0.0.0.0, port_value: 10000}}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: ingress
                route_config:
                  virtual_hosts:
                    - name: llm
                      domains: ["*"]
                      routes:
                        - match: {safe_regex: {regex: "${regex}"}}
                          route: {cluster: api}
  clusters:
    - name: api
      load_assignment:
        cluster_name: api
        endpoints:
          - lb_endpoints:
              - endpoint: {address: {socket_address: {address: api, port_value: 8000}}}
`,
      );
    expect(reaches(envoy('/v1/[a-z]+'), '/v1/chat')).toHaveLength(1);
    expect(reaches(envoy('/v2/[a-z]+'), '/v1/chat')).toHaveLength(0);
    const f = envoy('/v1/(?<=v1/)chat');
    expect(reaches(f, '/v1/chat')).toHaveLength(0);
    expect(f.notices.map((n) => n.kind)).toEqual(['unsupported-regex']);
  });

  it('Traefik PathRegexp', () => {
    const traefik = (re: string) =>
      file(
        'docker-compose.yml',
        'compose',
        `services:
  api:
    image: acme/llm-api:1.4.0
    labels:
      - traefik.http.routers.llm.rule=PathRegexp(\`${re}\`)
      - traefik.http.services.llm.loadbalancer.server.port=8000
`,
      );
    expect(reaches(traefik('^/v1/(chat|embed)'), '/v1/chat')).toHaveLength(1);
    expect(reaches(traefik('^/v2/'), '/v1/chat')).toHaveLength(0);
    const f = traefik('^/(\\w+)/\\1');
    expect(reaches(f, '/v1/v1')).toHaveLength(0);
    expect(f.notices.map((n) => `${n.kind} ${n.range?.start.line}`)).toEqual(['unsupported-regex 5']);
  });

  it('Kubernetes ingress use-regex (case-insensitive, anchored at the start)', () => {
    const ingress = (path: string) =>
      file(
        'deploy/ingress.yaml',
        'k8s',
        `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: llm
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - path: ${path}
            pathType: ImplementationSpecific
            backend:
              service:
                name: api
                port:
                  number: 8000
`,
      );
    expect(reaches(ingress('/V1/(chat|embed)'), '/v1/chat')).toHaveLength(1);
    expect(reaches(ingress('/v2/.*'), '/v1/chat')).toHaveLength(0);
    const f = ingress('/v1/(?!health).*');
    expect(reaches(f, '/v1/chat')).toHaveLength(0);
    expect(f.notices.map((n) => n.kind)).toEqual(['unsupported-regex']);
  });
});

const api = (route: string) => ({
  'api/requirements.txt': 'fastapi==0.115.6\ntransformers==4.47.1\n',
  'api/app/__init__.py': '',
  'api/app/main.py': `from fastapi import FastAPI
from transformers import pipeline

app = FastAPI()
generator = pipeline("text-generation", model="meta-llama/Llama-3.1-8B-Instruct", revision="0e9e39f249a16976918f6564b8830bc894c89659")


@app.post("${route}")
def create(prompt: str) -> str:
    return generator(prompt)[0]["generated_text"]
`,
  'api/Dockerfile': 'FROM python:3.12-slim\nCOPY app ./app\n',
  'docker-compose.yml': `services:
  gateway:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro
  api:
    build: ./api
    expose: ["8000"]
    command: ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
`,
});

describe('scans with repository regexes', () => {
  it('a location that backtracks exponentially in JavaScript does not stall the scan', async () => {
    const t0 = performance.now();
    const r = await scanFiles({ ...api(`/v1/${'a'.repeat(5000)}!`), 'nginx/nginx.conf': nginx('location ~ ^/v1/(a+)+$') }, 'rate-limit/inference-endpoint');
    // The location does not match the route (the path ends in `!`), so the route is unlimited.
    expect(findingLines(r)).toEqual(['api/app/main.py:8:2 noRateLimit']);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('a location RE2 cannot compile becomes a notification, in text and SARIF, and the scan goes on', async () => {
    const r = await scanFiles({ ...api('/v1/chat'), 'nginx/nginx.conf': nginx('location ~ ^/v1/(?=chat)') }, 'rate-limit/inference-endpoint');
    expect(findingLines(r)).toEqual(['api/app/main.py:8:2 noRateLimit']);
    const notes = r.notifications.filter((n) => n.kind === 'unsupported-regex');
    expect(notes.map((n) => `${n.path}:${n.range?.start.line}:${n.range?.start.column}`)).toEqual(['nginx/nginx.conf:6:16']);
    expect(formatText(r, opts)).toContain('cannot be evaluated with RE2 semantics');
    const sarif = JSON.parse(formatSarif(r, opts)).runs[0].invocations[0].toolExecutionNotifications;
    expect(sarif.map((n: { descriptor: { id: string } }) => n.descriptor.id)).toContain('modelguard/unsupported-regex');
  });

  it('a case-insensitive location still limits the route', async () => {
    const r = await scanFiles({ ...api('/v1/chat'), 'nginx/nginx.conf': nginx('location ~* ^/V1/CHAT$') }, 'rate-limit/inference-endpoint');
    expect(findingLines(r)).toEqual([]);
    expect(r.notifications.filter((n) => n.kind === 'unsupported-regex')).toEqual([]);
  });
});
