/**
 * The Temporal server's static config and dynamic config, as data (TEMPORAL-SERVER.md §5, §8).
 * Both files are written as JSON, which YAML parsers read as is: no quoting rules to get wrong.
 */

export interface TemporalSqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  visibilityDatabase: string;
}

export interface TemporalServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** One membership (ringpop) port per service, in the order frontend, history, matching, worker. */
  membership: [number, number, number, number];
}

export interface TemporalServerConfigInput {
  sql: TemporalSqlTarget;
  ports: TemporalServerPorts;
  ip: string;
  historyShards: number;
  dynamicConfigFile: string;
}

export function temporalServerConfig(input: TemporalServerConfigInput): Record<string, unknown> {
  const { sql, ports, ip } = input;
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${sql.host}:${sql.port}`,
      connectProtocol: 'tcp',
      user: sql.user,
      password: sql.password,
      // 5 starved under load ("context deadline exceeded"); each service has its own pool.
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: ip, ...(httpPort === undefined ? {} : { httpPort }) },
  });
  return {
    log: { stdout: true, level: 'warn', format: 'json' },
    persistence: {
      numHistoryShards: input.historyShards,
      defaultStore: 'default',
      visibilityStore: 'visibility',
      datastores: { default: store(sql.database, 20), visibility: store(sql.visibilityDatabase, 10) },
    },
    services: {
      frontend: rpc(ports.frontend, ports.membership[0], ports.frontendHttp),
      history: rpc(ports.history, ports.membership[1]),
      matching: rpc(ports.matching, ports.membership[2]),
      worker: rpc(ports.worker, ports.membership[3]),
    },
    // Without clusterMetadata the server panics with a nil pointer.
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${ip}:${ports.frontend}` },
      },
    },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Defaults made for a fleet of frontends; one small box needs a few of them raised. */
export function temporalDynamicConfig(): Record<string, { value: unknown }[]> {
  return {
    // Default 10 per namespace per frontend: 60 concurrent counts took 11 s instead of 0.13 s.
    'frontend.namespaceRPS.visibility': [{ value: 200 }],
    // Default 1: RegisterNamespace/UpdateNamespace, which tests and start-up call.
    'frontend.namespaceRPS.namespaceReplicationInducingAPIs': [{ value: 20 }],
    // Like the dev server: a new custom search attribute is usable at once.
    'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
    // No internet here: the periodic version check would only fail and log.
    'frontend.enableServerVersionCheck': [{ value: false }],
  };
}
