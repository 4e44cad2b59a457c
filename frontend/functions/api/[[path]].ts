/** Pages Function for /api/*: the proxy to the inference API (see frontend/proxy/proxy.ts). */
import { proxy, ProxyEnv } from '../../proxy/proxy';

export const onRequest: PagesFunction<ProxyEnv> = (context) => proxy(context.request, context.env);
