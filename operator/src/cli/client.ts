// The API client of the plugin's commands: the user's kubeconfig (--kubeconfig, else $KUBECONFIG or
// ~/.kube/config), so every request carries the user's own identity and RBAC.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../kube/api-client.js';

export interface ClientFor {
  client: KubeClient;
  /** --namespace, else the current context's namespace, else "default". */
  namespace: string;
  context: string;
}

export function clientFor(args: {
  kubeconfig?: string | undefined;
  namespace?: string | undefined;
}): ClientFor {
  const kc = new KubeConfig();
  if (args.kubeconfig) kc.loadFromFile(args.kubeconfig);
  else kc.loadFromDefault();
  const context = kc.getCurrentContext();
  const ctx = kc.getContextObject(context);
  return { client: new KubeClient(kc), namespace: args.namespace ?? ctx?.namespace ?? 'default', context };
}
