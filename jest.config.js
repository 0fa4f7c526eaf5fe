/** One Temporal server and one Postgres for the whole run (tests/helpers/globalSetup.ts);
 *  files run in band because the 2-core machines here cannot host several stacks at once. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // Node 20 requires this ES-module-only package of @fastify/static (Swagger UI) natively; jest cannot, so it is compiled.
    // @kubernetes/client-node 1.x and the OIDC modules it imports are ES modules only (compute/kubernetes/client.ts).
    '/node_modules/(content-disposition|@kubernetes/client-node|openid-client|oauth4webapi|jose)/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|@kubernetes/client-node|openid-client|oauth4webapi|jose)/)'],
  globalSetup: '<rootDir>/tests/helpers/globalSetup.ts',
  globalTeardown: '<rootDir>/tests/helpers/globalTeardown.ts',
  testTimeout: 120000,
};
