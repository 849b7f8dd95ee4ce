import { describe, expect, it } from 'vitest';
import { buildGatewayIndex, type GatewayControl, type GatewayRoute } from '../src/facts/gateway/index.js';
import { parseNginx } from '../src/facts/gateway/nginx-parser.js';
import { FileModel, ParserHost } from '../src/model/file-model.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import type { FileKind, Span } from '../src/types.js';

const host = new ParserHost(await Grammars.load());

function file(path: string, role: FileKind, text: string): FileModel {
  return new FileModel(path, `/repo/${path}`, role, text, host);
}

function index(...files: FileModel[]) {
  return buildGatewayIndex(files);
}

/** `path:line:col` of a span in one of the files. */
function where(files: FileModel[], c: { file: string; span: Span }): string {
  const f = files.find((x) => x.path === c.file) as FileModel;
  const r = f.range(c.span);
  return `${c.file}:${r.start.line}:${r.start.column}`;
}

const mechanisms = (cs: GatewayControl[]): string[] => cs.map((c) => c.mechanism).sort();
const labels = (rs: GatewayRoute[]): string[] => rs.map((r) => r.label).sort();

describe('nginx parser', () => {
  it('keeps positions of directives and arguments, quotes and escapes removed', () => {
    const text = "http {\n  # comment { not a block }\n  server {\n    location = \"/v1/chat\" {\n      return 200 'ok\\'s';\n    }\n  }\n}\n";
    const { directives, error } = parseNginx(text, 'x.conf');
    expect(error).toBeUndefined();
    const loc = directives[0]?.block?.[0]?.block?.[0];
    expect(loc?.name).toBe('location');
    expect(loc?.args.map((a) => a.value)).toEqual(['=', '/v1/chat']);
    expect(text.slice(loc?.args[1]?.span.start, loc?.args[1]?.span.end)).toBe('"/v1/chat"');
    expect(loc?.block?.[0]?.args.map((a) => a.value)).toEqual(['200', "ok's"]);
  });

  it('reads ${var} inside words and skips Lua blocks with braces in strings', () => {
    const text = 'location /x {\n  access_by_lua_block {\n    local s = "}" -- }\n    if x then ngx.exit(403) end\n  }\n  proxy_pass http://${backend}/;\n}\n';
    const { directives, error } = parseNginx(text, 'x.conf');
    expect(error).toBeUndefined();
    const block = directives[0]?.block ?? [];
    expect(block.map((d) => d.name)).toEqual(['access_by_lua_block', 'proxy_pass']);
    expect(block[0]?.lua).toContain('ngx.exit(403)');
    expect(block[1]?.args[0]?.value).toBe('http://${backend}/');
  });

  it('reports an unterminated block and keeps what parsed', () => {
    const { directives, error } = parseNginx('server {\n  listen 80;\n  location / {\n', 'x.conf');
    expect(error?.message).toMatch(/not closed/);
    expect(directives[0]?.name).toBe('server');
  });
});

describe('nginx routes', () => {
  const conf = file(
    'deploy/nginx/nginx.conf',
    'nginx',
    `events {}
http {
  limit_req_zone $binary_remote_addr zone=llm:10m rate=5r/s;
  upstream vllm_pool {
    server vllm:8000;
    server vllm-2:8000;
  }
  server {
    listen 80;
    server_name api.example.com;
    auth_request /_auth;

    location = /_auth {
      internal;
      proxy_pass http://auth:9000/verify;
    }
    location / {
      proxy_pass http://web:3000;
    }
    location /v1/ {
      limit_req zone=llm burst=10 nodelay;
      proxy_pass http://vllm_pool;
    }
    location /llm/ {
      limit_conn perip 4;
      auth_request off;
      proxy_pass http://vllm:8000/;
    }
    location ~* \\.(png|css)$ {
      root /srv/static;
    }
    location ^~ /v1/static/ {
      proxy_pass http://vllm:8000;
    }
  }
}
`,
  );
  const g = index(conf);

  it('finds every location with its upstream and inherited controls', () => {
    const byPath = new Map(g.routes.map((r) => [r.path.value, r]));
    expect(mechanisms(byPath.get('/v1/')?.controls ?? [])).toEqual(['auth_request', 'limit_req']);
    expect(byPath.get('/v1/')?.controls.find((c) => c.kind === 'rate-limit')?.detail).toBe('zone=llm (5r/s) burst=10');
    expect(byPath.get('/v1/')?.upstream?.targets).toEqual([
      { host: 'vllm', port: 8000 },
      { host: 'vllm-2', port: 8000 },
    ]);
    // `auth_request off` cancels the server-level auth; limit_conn is its own directive.
    expect(mechanisms(byPath.get('/llm/')?.controls ?? [])).toEqual(['limit_conn']);
    expect(byPath.get('/')?.hosts).toEqual(['api.example.com']);
    expect(byPath.get('\\.(png|css)$')?.upstream).toBeUndefined();
  });

  it('points controls at the directive that sets them', () => {
    const v1 = g.routes.find((r) => r.path.value === '/v1/') as GatewayRoute;
    expect(v1.controls.map((c) => where([conf], c)).sort()).toEqual(['deploy/nginx/nginx.conf:11:5', 'deploy/nginx/nginx.conf:21:7']);
    expect(where([conf], v1)).toBe('deploy/nginx/nginx.conf:20:5');
  });

  it('picks the location nginx would use for a path', () => {
    // A request path (no upstream given) selects exactly one location per server.
    const chat = g.query({ path: '/v1/chat/completions' });
    expect(labels(chat.routes)).toEqual(['server api.example.com location /v1/']);
    expect(chat.rateLimited).toBe(true);
    expect(chat.authenticated).toBe(true);
    // ^~ wins over the regex location, and has only the inherited auth.
    const asset = g.query({ upstream: { host: 'vllm' }, path: '/v1/static/app.css' });
    expect(labels(asset.routes)).toEqual(['server api.example.com location ^~ /v1/static/']);
    expect(asset.rateLimited).toBe(false);
  });

  it('maps upstream paths back through proxy_pass URIs', () => {
    // /llm/v1/models reaches vllm as /v1/models; /v1/models directly goes through location /v1/.
    const v = g.query({ upstream: { host: 'vllm', port: 8000 }, path: '/v1/models' });
    expect(labels(v.routes)).toEqual(['server api.example.com location /llm/', 'server api.example.com location /v1/']);
    expect(v.authenticated).toBe(false);
    expect(labels(v.unauthenticatedRoutes)).toEqual(['server api.example.com location /llm/']);
    expect(v.rateLimited).toBe(true);
  });

  it('matches hosts and ignores other upstreams', () => {
    expect(g.query({ upstream: { host: 'vllm' }, host: 'other.example.com' }).routes).toEqual([]);
    expect(g.query({ upstream: { host: 'web', port: 3000 } }).routes.map((r) => r.path.value)).toEqual(['/']);
    expect(g.query({ upstream: { host: 'vllm', port: 9999 } }).routes).toEqual([]);
  });

  it('follows includes: conf.d servers get http-level limits and are read once', () => {
    const main = file('nginx/nginx.conf', 'nginx', 'http {\n  limit_req_zone $binary_remote_addr zone=api:10m rate=30r/m;\n  limit_req zone=api;\n  include /etc/nginx/conf.d/*.conf;\n}\n');
    const site = file(
      'nginx/conf.d/llm.conf',
      'nginx',
      'server {\n  server_name _;\n  location / {\n    auth_basic "LLM";\n    auth_basic_user_file /etc/nginx/htpasswd;\n    proxy_pass http://ollama:11434;\n  }\n}\n',
    );
    const gi = index(main, site);
    expect(gi.routes).toHaveLength(1);
    expect(mechanisms(gi.routes[0]?.controls ?? [])).toEqual(['auth_basic', 'limit_req']);
    expect(where([main, site], gi.routes[0] as GatewayRoute)).toBe('nginx/conf.d/llm.conf:3:3');
    // Alone, the fragment has only its own auth.
    expect(mechanisms(index(site).routes[0]?.controls ?? [])).toEqual(['auth_basic']);
  });

  it('recognises OpenResty limiters and access checks written in Lua', () => {
    const f = file(
      'openresty/nginx.conf',
      'nginx',
      'http { server {\n location /v1/ {\n  access_by_lua_block {\n   local limit_req = require "resty.limit.req"\n   local lim = limit_req.new("store", 10, 5)\n  }\n  proxy_pass http://tgi:80;\n }\n location /admin/ {\n  access_by_lua_block {\n   local res = require("resty.openidc").authenticate(opts)\n  }\n  proxy_pass http://tgi:80;\n }\n location /log/ {\n  access_by_lua_block { ngx.log(ngx.INFO, "hit") }\n  proxy_pass http://tgi:80;\n }\n} }\n',
    );
    const rs = index(f).routes;
    expect(rs.map((r) => `${r.path.value} ${r.controls.map((c) => c.kind).join(',')}`)).toEqual(['/v1/ rate-limit', '/admin/ auth', '/log/ ']);
  });

  it('reads nginx configuration embedded in a ConfigMap, with file positions', () => {
    const cm = file(
      'k8s/proxy.yaml',
      'k8s',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\ndata:\n  default.conf: |\n    server {\n      location / {\n        auth_request /oauth2/auth;\n        proxy_pass http://vllm.inference.svc.cluster.local:8000;\n      }\n    }\n',
    );
    const gi = index(cm);
    expect(gi.routes).toHaveLength(1);
    expect(where([cm], gi.routes[0]?.controls[0] as GatewayControl)).toBe('k8s/proxy.yaml:9:9');
    expect(gi.query({ upstream: { host: 'vllm', namespace: 'inference' } }).authenticated).toBe(true);
    expect(gi.query({ upstream: { host: 'vllm', namespace: 'other' } }).routes).toEqual([]);
  });
});

describe('Kubernetes Ingress (ingress-nginx)', () => {
  const manifests = file(
    'deploy/k8s/ingress.yaml',
    'k8s',
    `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: llm
  namespace: inference
  annotations:
    nginx.ingress.kubernetes.io/limit-rps: "5"
    nginx.ingress.kubernetes.io/auth-url: "https://oauth2.example.com/oauth2/auth"
spec:
  ingressClassName: nginx
  rules:
    - host: llm.example.com
      http:
        paths:
          - path: /v1
            pathType: Prefix
            backend:
              service:
                name: vllm
                port:
                  number: 8000
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: public-docs
  namespace: inference
  annotations:
    nginx.ingress.kubernetes.io/auth-type: basic
spec:
  ingressClassName: nginx
  rules:
    - host: llm.example.com
      http:
        paths:
          - path: /v1/docs
            pathType: Exact
            backend:
              service:
                name: vllm
                port:
                  name: http
`,
  );
  const g = index(manifests);

  it('reads limit and auth annotations, with the annotation as position', () => {
    const llm = g.routes.find((r) => r.label.includes('/llm ')) as GatewayRoute;
    expect(llm.gateway).toBe('ingress-nginx');
    expect(llm.controls.map((c) => `${c.kind} ${c.detail} @${where([manifests], c)}`)).toEqual([
      'rate-limit 5 requests/s per client IP @deploy/k8s/ingress.yaml:7:5',
      'auth https://oauth2.example.com/oauth2/auth @deploy/k8s/ingress.yaml:8:5',
    ]);
  });

  it('does not count auth-type without auth-secret, and picks the exact path over the prefix', () => {
    const docs = g.query({ upstream: { host: 'vllm', namespace: 'inference' }, path: '/v1/docs' });
    expect(labels(docs.routes)).toEqual(['Ingress inference/public-docs host llm.example.com path /v1/docs']);
    expect(docs.authenticated).toBe(false);
    const chat = g.query({ upstream: { host: 'vllm', port: 8000 }, path: '/v1/chat/completions', host: 'llm.example.com' });
    expect(chat.authenticated && chat.rateLimited).toBe(true);
    // pathType Prefix matches whole elements: /v1x is not under /v1.
    expect(g.query({ upstream: { host: 'vllm' }, path: '/v1x' }).routes).toEqual([]);
  });
});

describe('Traefik', () => {
  it('resolves IngressRoute middlewares and chains from CRDs', () => {
    const f = file(
      'k8s/traefik.yaml',
      'k8s',
      `apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: llm-limit, namespace: ai}
spec:
  rateLimit:
    average: 20
    burst: 40
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: sso, namespace: ai}
spec:
  forwardAuth:
    address: http://authelia.auth:9091/api/verify
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: protect, namespace: ai}
spec:
  chain:
    middlewares:
      - name: llm-limit
      - name: sso
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: ollama, namespace: ai}
spec:
  routes:
    - match: Host(\`llm.example.com\`) && PathPrefix(\`/api\`)
      kind: Rule
      middlewares:
        - name: protect
      services:
        - name: ollama
          port: 11434
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: tgi
  namespace: ai
  annotations:
    traefik.ingress.kubernetes.io/router.middlewares: ai-llm-limit@kubernetescrd
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: tgi, port: {number: 80}}}
`,
    );
    const g = index(f);
    const ollama = g.query({ upstream: { host: 'ollama', port: 11434 }, path: '/api/chat', host: 'llm.example.com' });
    expect(mechanisms(ollama.rateLimits)).toEqual(['rateLimit']);
    expect(mechanisms(ollama.auth)).toEqual(['forwardAuth']);
    expect(ollama.auth[0]?.detail).toBe('http://authelia.auth:9091/api/verify');
    expect(g.query({ upstream: { host: 'ollama' }, path: '/other' }).routes).toEqual([]);
    const tgi = g.query({ upstream: { host: 'tgi', port: 80 } });
    expect(tgi.routes[0]?.gateway).toBe('traefik');
    expect(tgi.rateLimited).toBe(true);
    expect(tgi.authenticated).toBe(false);
  });

  it('reads routers and middlewares from compose labels (list and map forms)', () => {
    const f = file(
      'docker-compose.yml',
      'compose',
      `services:
  vllm:
    image: vllm/vllm-openai:v0.6.4
    labels:
      - traefik.enable=true
      - traefik.http.routers.llm.rule=Host(\`llm.example.com\`) && PathPrefix(\`/llm\`)
      - traefik.http.routers.llm.middlewares=llm-strip,llm-auth
      - traefik.http.middlewares.llm-strip.stripprefix.prefixes=/llm
      - traefik.http.middlewares.llm-auth.basicauth.usersfile=/etc/traefik/users
      - traefik.http.services.llm.loadbalancer.server.port=8000
  ollama:
    image: ollama/ollama:0.5.4
    labels:
      traefik.http.routers.ollama.rule: Host(\`ollama.example.com\`)
`,
    );
    const g = index(f);
    const v = g.query({ upstream: { host: 'vllm', port: 8000 }, path: '/v1/chat/completions' });
    expect(labels(v.routes)).toEqual(['Traefik router "llm"']);
    expect(v.authenticated).toBe(true);
    expect(where([f], v.auth[0] as GatewayControl)).toBe('docker-compose.yml:9:9');
    expect(v.rateLimited).toBe(false);
    const o = g.query({ upstream: { host: 'ollama' } });
    expect(o.routes).toHaveLength(1);
    expect(o.authenticated).toBe(false);
  });
});

describe('Kong', () => {
  it('applies KongPlugins named on the Ingress and on the backend Service', () => {
    const f = file(
      'k8s/kong.yaml',
      'k8s',
      `apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: {name: rl, namespace: llm}
plugin: rate-limiting
config: {minute: 60, policy: local}
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: {name: keys, namespace: llm}
plugin: key-auth
---
apiVersion: v1
kind: Service
metadata:
  name: tgi
  namespace: llm
  annotations:
    konghq.com/plugins: keys
spec:
  selector: {app: tgi}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: tgi
  namespace: llm
  annotations:
    konghq.com/plugins: rl
spec:
  ingressClassName: kong
  rules:
    - http:
        paths:
          - {path: /generate, pathType: Prefix, backend: {service: {name: tgi, port: {number: 80}}}}
`,
    );
    const v = index(f).query({ upstream: { host: 'tgi', namespace: 'llm' }, path: '/generate' });
    expect(v.rateLimits.map((c) => `${c.mechanism} ${c.detail}`)).toEqual(['rate-limiting minute=60 policy=local']);
    expect(mechanisms(v.auth)).toEqual(['key-auth']);
  });

  it('reads a declarative kong.yml: service and route plugins, strip_path, methods', () => {
    const f = file(
      'kong/kong.yml',
      'yaml-config',
      `_format_version: "3.0"
services:
  - name: llm
    url: http://vllm:8000/v1
    plugins:
      - name: rate-limiting
        config: {second: 5}
    routes:
      - name: chat
        paths: [/chat]
        methods: [POST]
        plugins:
          - name: jwt
      - name: models
        paths: [/models]
        strip_path: false
plugins:
  - name: key-auth
    route: models
    enabled: false
`,
    );
    const g = index(f);
    // POST /chat/completions reaches vllm as /v1/completions (strip_path, service path /v1).
    const chat = g.query({ upstream: { host: 'vllm', port: 8000 }, path: '/v1/completions', method: 'POST' });
    expect(labels(chat.routes)).toEqual(['Kong route "chat"']);
    expect(chat.authenticated && chat.rateLimited).toBe(true);
    expect(g.query({ upstream: { host: 'vllm' }, path: '/v1/completions', method: 'GET' }).routes.map((r) => r.label)).not.toContain('Kong route "chat"');
    // GET /models reaches /v1/models (strip_path false); so would POST /chat/models.
    expect(labels(g.query({ upstream: { host: 'vllm' }, path: '/v1/models' }).routes)).toEqual(['Kong route "chat"', 'Kong route "models"']);
    const models = g.query({ upstream: { host: 'vllm' }, path: '/v1/models', method: 'GET' });
    expect(labels(models.routes)).toEqual(['Kong route "models"']);
    expect(models.authenticated).toBe(false);
  });
});

describe('Envoy', () => {
  const envoy = (perRoute: string, enforced: string) =>
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
                        - match: {prefix: /health}
                          route: {cluster: vllm}
${perRoute}
                        - match: {prefix: /}
                          route: {cluster: vllm}
                http_filters:
                  - name: envoy.filters.http.local_ratelimit
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                      stat_prefix: rl
                      token_bucket: {max_tokens: 10, tokens_per_fill: 10, fill_interval: 1s}
${enforced}
                  - name: envoy.filters.http.ext_authz
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                      http_service: {server_uri: {uri: "http://authz:8080", cluster: authz, timeout: 1s}}
                  - name: envoy.filters.http.router
  clusters:
    - name: vllm
      load_assignment:
        cluster_name: vllm
        endpoints:
          - lb_endpoints:
              - endpoint: {address: {socket_address: {address: vllm, port_value: 8000}}}
`,
    );
  const enforcedOn = `                      filter_enabled: {default_value: {numerator: 100, denominator: HUNDRED}}
                      filter_enforced: {default_value: {numerator: 100, denominator: HUNDRED}}`;
  const disabledAuth = `                          typed_per_filter_config:
                            envoy.filters.http.ext_authz:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
                              disabled: true`;

  it('counts local_ratelimit only when it enforces, and honours per-route ext_authz disabled', () => {
    const on = index(envoy(disabledAuth, enforcedOn));
    const health = on.query({ upstream: { host: 'vllm', port: 8000 }, path: '/health' });
    expect(mechanisms(health.routes[0]?.controls ?? [])).toEqual(['envoy.filters.http.local_ratelimit']);
    const chat = on.query({ upstream: { host: 'vllm', port: 8000 }, path: '/v1/chat/completions' });
    expect(labels(chat.routes)).toEqual(['Envoy virtual host "llm" route /']);
    expect(chat.authenticated && chat.rateLimited).toBe(true);
    // filter_enabled / filter_enforced default to 0%: the filter is there but limits nothing.
    const off = index(envoy('', ''));
    expect(off.query({ upstream: { host: 'vllm' }, path: '/x' }).rateLimited).toBe(false);
    expect(off.query({ upstream: { host: 'vllm' }, path: '/x' }).authenticated).toBe(true);
  });
});
