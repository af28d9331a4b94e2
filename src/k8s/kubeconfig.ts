import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** The connection settings of a configured cluster (see `clusterSchema`). */
export interface ClusterConnection {
  name: string;
  context?: string;
  kubeconfig?: string;
  inCluster?: boolean;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** Kubeconfig files to read: the cluster's own file, else each entry of KUBECONFIG, else ~/.kube/config. */
function kubeconfigFiles(cluster: ClusterConnection, env: NodeJS.ProcessEnv): { files: string[]; source: string } {
  if (cluster.kubeconfig !== undefined) {
    return { files: [resolve(expandHome(cluster.kubeconfig))], source: `clusters[${cluster.name}].kubeconfig` };
  }
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (fromEnv.length > 0) return { files: fromEnv.map((file) => resolve(expandHome(file))), source: 'KUBECONFIG' };
  return { files: [join(homedir(), '.kube', 'config')], source: 'the default ~/.kube/config' };
}

function loadFile(clusterName: string, file: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (error) {
    throw new Error(`cluster "${clusterName}": cannot read kubeconfig ${file}: ${(error as Error).message}`);
  }
  return config;
}

/** Merges kubeconfig files the way kubectl does: the first file that defines a name wins. */
function loadFiles(clusterName: string, files: string[]): KubeConfig {
  const merged = loadFile(clusterName, files[0]!);
  for (const file of files.slice(1)) {
    const next = loadFile(clusterName, file);
    for (const entry of next.getClusters()) {
      if (!merged.getCluster(entry.name)) merged.addCluster(entry);
    }
    for (const entry of next.getUsers()) {
      if (!merged.getUser(entry.name)) merged.addUser(entry);
    }
    for (const entry of next.getContexts()) {
      if (!merged.getContextObject(entry.name)) merged.addContext(entry);
    }
    if (!merged.getCurrentContext()) merged.setCurrentContext(next.getCurrentContext());
  }
  return merged;
}

function loadInCluster(cluster: ClusterConnection, env: NodeJS.ProcessEnv): KubeConfig {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
    throw new Error(
      `cluster "${cluster.name}": inCluster is true but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are ` +
        'not set; run Pitstop in a pod, or set context (and kubeconfig) instead',
    );
  }
  if (!existsSync(SERVICE_ACCOUNT_TOKEN)) {
    throw new Error(
      `cluster "${cluster.name}": inCluster is true but ${SERVICE_ACCOUNT_TOKEN} does not exist; ` +
        'mount a service account token into the pod',
    );
  }
  const config = new KubeConfig();
  config.loadFromCluster();
  return config;
}

/** Checks that a context exists and names a defined cluster and user, and that the server uses https. */
function checkContext(clusterName: string, config: KubeConfig, contextName: string, where: string): void {
  const context = config.getContextObject(contextName);
  if (!context) {
    const known = config.getContexts().map((entry) => entry.name);
    throw new Error(
      `cluster "${clusterName}": context "${contextName}" not found in ${where} ` +
        `(contexts: ${known.join(', ') || 'none'}); set clusters[].context to one of them`,
    );
  }

  const server = config.getCluster(context.cluster);
  if (!server) {
    throw new Error(
      `cluster "${clusterName}": context "${contextName}" names cluster "${context.cluster}", which ${where} does not define`,
    );
  }
  if (!config.getUser(context.user)) {
    throw new Error(
      `cluster "${clusterName}": context "${contextName}" names user "${context.user}", which ${where} does not define`,
    );
  }

  if (server.server.startsWith('http:') && !server.skipTLSVerify) {
    throw new Error(
      `cluster "${clusterName}": server ${server.server} uses plain http, which the Kubernetes client only allows ` +
        'with insecure-skip-tls-verify; use the https address of the API server',
    );
  }
}

/**
 * Builds the client configuration of one configured cluster: the in-cluster service account, or a context of a
 * kubeconfig file. Every problem (missing file, unknown context, context without its cluster or user, plain
 * http without skip-verify) is reported with the cluster, the value and what to change.
 */
export function loadKubeConfig(cluster: ClusterConnection, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  if (cluster.inCluster) return loadInCluster(cluster, env);

  const { files, source } = kubeconfigFiles(cluster, env);
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length === files.length) {
    throw new Error(
      `cluster "${cluster.name}": kubeconfig ${missing.join(', ')} (from ${source}) does not exist; ` +
        'set clusters[].kubeconfig or KUBECONFIG to an existing file, or set inCluster: true',
    );
  }
  const present = files.filter((file) => !missing.includes(file));
  const config = loadFiles(cluster.name, present);

  const where = present.join(', ');
  const contextName = cluster.context ?? config.getCurrentContext();
  if (!contextName) {
    throw new Error(`cluster "${cluster.name}": no context set and ${where} has no current-context; set clusters[].context`);
  }
  checkContext(cluster.name, config, contextName, where);
  config.setCurrentContext(contextName);
  return config;
}
