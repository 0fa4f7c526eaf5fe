/**
 * Variables that change how a runtime, the shell or the dynamic loader starts, so that
 * whoever sets them runs code before the app's own first line (NODE_OPTIONS=--import=…,
 * LD_PRELOAD=…, PYTHONSTARTUP=…). A tenant may never set one; neither may a release
 * declare one (its tenant could then give it a value). `PATH` and `HOME` are Slipway's
 * to set. Matched case-insensitively: some runtimes read lower-case variants.
 */
export const LOADER_ENV_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'ENV',
  'BASH_ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'IFS',
  'CDPATH',
  'GLOBIGNORE',
  'PROMPT_COMMAND',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'GCONV_PATH',
  'LOCPATH',
  'MALLOC_CONF',
  'HOSTALIASES',
  'RES_OPTIONS',
  'TMPDIR',
  'GIT_CONFIG_GLOBAL',
  'NPM_CONFIG_USERCONFIG',
];

/** Prefixes of the same kind: a whole family of loader or interpreter switches. */
export const LOADER_ENV_PREFIXES: readonly string[] = [
  'NODE_', // NODE_OPTIONS, NODE_PATH, NODE_EXTRA_CA_CERTS, NODE_REPL_EXTERNAL_MODULE, …
  'NPM_CONFIG_',
  'LD_', // LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …
  'DYLD_',
  'GLIBC_',
  'PYTHON', // PYTHONSTARTUP, PYTHONPATH, PYTHONHOME, PYTHONINSPECT, …
  'PERL5', // PERL5OPT, PERL5LIB, PERL5DB
  'PERLLIB',
  'PERLIO',
  'RUBY', // RUBYOPT, RUBYLIB
  'GEM_',
  'BUNDLE_',
  'PHP',
  'LUA_',
  'JAVA_',
  'JVM_',
  'DENO_',
  'BUN_',
  'GODEBUG',
  'GOFLAGS',
  'DOTNET_',
  'COMPLUS_',
  'CORECLR_',
  'ELECTRON_',
  'BASH_FUNC_',
  'OPENSSL_',
  'SSL_CERT_',
];

/** The reason a name changes how a process starts, or null when it does not. */
export function loaderEnvReason(key: string): string | null {
  const upper = key.toUpperCase();
  if (LOADER_ENV_NAMES.includes(upper)) return `${upper} is set by Slipway or changes how the app's runtime starts`;
  const prefix = LOADER_ENV_PREFIXES.find((p) => upper.startsWith(p));
  return prefix ? `names starting with ${prefix} change how a runtime or the loader starts` : null;
}
