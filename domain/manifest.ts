import { z } from 'zod';
import { imageRefProblem } from './imageRef';
import { loaderEnvReason } from './loaderEnv';

/** How a release says what to run and what environment it needs. */

const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an upper-case env var name like DATABASE_URL')
  .superRefine((name, ctx) => {
    // A declared name is one a tenant can give a value to: loader switches stay out.
    const reason = loaderEnvReason(name);
    if (reason) ctx.addIssue({ code: z.ZodIssueCode.custom, message: reason });
  });

/**
 * The probe is sent to the revision's own endpoint with this path appended, so the path
 * must not be able to name another place: `//host:port/x` is protocol-relative, a backslash is
 * read as `/` by URL parsers, a scheme names a new origin, and `..` (also percent-encoded) walks
 * out of whatever prefix a proxy in front of the app maps.
 */
export function readinessPathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'must start with /';
  if (path.startsWith('//')) return 'must not start with // (that names another host)';
  if (path.includes('\\')) return 'must not contain \\';
  // Control characters are exactly what this check is for.
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(path)) return 'must not contain spaces or control characters';
  if (/:\/\//.test(path)) return 'must be a path, not a URL with a scheme';
  const segments = path.split(/[?#]/, 1)[0].split('/');
  if (segments.some((seg) => /^(\.|%2e){1,2}$/i.test(seg))) return 'must not contain . or .. segments';
  return null;
}

const readinessPath = z
  .string()
  .max(1024)
  .superRefine((path, ctx) => {
    const problem = readinessPathProblem(path);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

export const EnvVarSpecSchema = z
  .object({
    required: z.boolean().optional(),
    default: z.string().optional(),
    /** Generated once per deployment when the tenant gives no value, then reused forever. */
    generate: z.enum(['hex32', 'hex64', 'base64url32']).optional(),
    secret: z.boolean().optional(),
    description: z.string().max(500).optional(),
  })
  .strict()
  .refine((v) => !(v.required && v.generate), { message: 'a generated variable cannot also be required from the tenant' });

const serviceName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes');

/** HTTP readiness (a 2xx on the path) or, for a service without HTTP, "still running after N seconds". */
const ReadinessSchema = z.union([
  z.object({ path: readinessPath, timeoutSeconds: z.number().int().min(1).max(3600).optional() }).strict(),
  z.object({ runningSeconds: z.number().int().min(1).max(3600), timeoutSeconds: z.number().int().min(1).max(3600).optional() }).strict(),
]);

const imageRef = z
  .string()
  .max(512)
  .superRefine((ref, ctx) => {
    const problem = imageRefProblem(ref);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const ServiceSchema = z
  .object({
    name: serviceName,
    /** Artifact services: argv run from the release's artifact. Image services: replaces the entrypoint. */
    command: z.array(z.string().min(1)).min(1, 'needs at least the program to run').optional(),
    /** `name:tag` or `name@sha256:…`; a tag is pinned to its digest when the release is created. */
    image: imageRef.optional(),
    /** Replaces the image's cmd. */
    args: z.array(z.string()).max(100).optional(),
    portEnv: envName.default('PORT'),
    /** Port the image listens on inside its container (HTTP). Artifact services get theirs in portEnv. */
    port: z.number().int().min(1).max(65535).optional(),
    resources: z
      .object({ memoryMb: z.number().int().min(16).max(262_144).optional(), cpus: z.number().min(0.01).max(256).optional() })
      .strict()
      .optional(),
    /** The one service the router sends HTTP traffic to; implied when a release has one service. */
    http: z.boolean().optional(),
    dependsOn: z.array(serviceName).max(20).optional(),
    readiness: ReadinessSchema,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.image && !s.command) ctx.addIssue({ code: 'custom', path: ['command'], message: 'needs a command (artifact) or an image' });
    if (!s.image && s.args) ctx.addIssue({ code: 'custom', path: ['args'], message: 'args go with an image; put them in command' });
    if (!s.image && s.port !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'port is the container port of an image; artifact services read portEnv' });
    }
  });

export const ManifestSchema = z
  .object({
    services: z.array(ServiceSchema).min(1, 'needs at least one service').max(20),
    env: z.record(envName, EnvVarSpecSchema).default({}),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const issue of serviceGraphIssues(m.services)) ctx.addIssue({ code: 'custom', ...issue });
  });

export type Manifest = z.infer<typeof ManifestSchema>;
export type EnvVarSpec = z.infer<typeof EnvVarSpecSchema>;
export type Service = z.infer<typeof ServiceSchema>;
export type Readiness = z.infer<typeof ReadinessSchema>;

interface GraphIssue {
  path: (string | number)[];
  message: string;
}

/** Unique names, exactly one HTTP service with a readiness path, dependsOn naming known services without a cycle. */
function serviceGraphIssues(services: Service[]): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const index = new Map<string, number>();
  services.forEach((s, i) => {
    if (index.has(s.name)) issues.push({ path: ['services', i, 'name'], message: `another service is already named ${s.name}` });
    else index.set(s.name, i);
  });
  const marked = services.flatMap((s, i) => (s.http ? [i] : []));
  if (services.length > 1 && marked.length !== 1) {
    issues.push({
      path: ['services'],
      message: `exactly one service takes HTTP traffic: mark it with "http": true (${marked.length} marked)`,
    });
  }
  const web = services.length === 1 ? 0 : marked.length === 1 ? marked[0] : -1;
  if (web >= 0 && !('path' in services[web].readiness)) {
    issues.push({ path: ['services', web, 'readiness'], message: 'the HTTP service needs an HTTP readiness path' });
  }
  services.forEach((s, i) =>
    (s.dependsOn ?? []).forEach((dep, j) => {
      if (!index.has(dep)) issues.push({ path: ['services', i, 'dependsOn', j], message: `no service is named ${dep}` });
    }),
  );
  if (issues.length > 0) return issues;
  const cycle = findCycle(services);
  if (cycle) {
    issues.push({
      path: ['services', index.get(cycle[0]) as number, 'dependsOn'],
      message: `dependsOn forms a cycle: ${cycle.join(' → ')}`,
    });
  }
  return issues;
}

function findCycle(services: Service[]): string[] | null {
  const deps = new Map(services.map((s) => [s.name, s.dependsOn ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of deps.get(name) ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return null;
  };
  for (const s of services) {
    const found = visit(s.name);
    if (found) return found;
  }
  return null;
}

/** The service that takes HTTP traffic: the one marked `http`, or the only one. */
export function webService(manifest: Manifest): Service & { readiness: { path: string; timeoutSeconds?: number } } {
  const web = manifest.services.length === 1 ? manifest.services[0] : manifest.services.find((s) => s.http);
  if (!web || !('path' in web.readiness)) throw new Error('manifest has no HTTP service (ManifestSchema guarantees one)');
  return web as Service & { readiness: { path: string; timeoutSeconds?: number } };
}

/** Start order: every service after what it depends on; ties keep the manifest's order. Stop runs it backwards. */
export function startOrder(manifest: Manifest): Service[] {
  const done = new Set<string>();
  const order: Service[] = [];
  while (order.length < manifest.services.length) {
    const next = manifest.services.find((s) => !done.has(s.name) && (s.dependsOn ?? []).every((d) => done.has(d)));
    if (!next) throw new Error('dependsOn forms a cycle (ManifestSchema rejects it)');
    done.add(next.name);
    order.push(next);
  }
  return order;
}

/** A release runs without an artifact when every service is an image. */
export function needsArtifact(manifest: Manifest): boolean {
  return manifest.services.some((s) => !s.image);
}
