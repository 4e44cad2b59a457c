/**
 * Who a construct's grant verbs (grantInvoke, grantSecretAccess) accept: any service account the
 * stack can name, created here (ServiceAccount) or made by the bootstrap stack and looked up
 * (DataGoogleServiceAccount); both give `member` as serviceAccount:<email>.
 */
import { Construct } from 'constructs';

export interface Grantee extends Construct {
  readonly member: string;
}

/** The grant's construct id: one per grantee, named after the grantee's construct and its owner. */
export const grantId = (verb: string, grantee: Grantee): string => `${verb}-${grantee.node.scope?.node.id ?? 'root'}-${grantee.node.id}`;
