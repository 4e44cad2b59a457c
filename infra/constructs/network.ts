/**
 * Custom-mode VPC, private services access for Cloud SQL, and the Serverless VPC Access
 * connector Cloud Run egresses through to reach the database's private IP.
 */
import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork';
import { ServiceNetworkingConnection } from '@cdktf/provider-google/lib/service-networking-connection';
import { VpcAccessConnector } from '@cdktf/provider-google/lib/vpc-access-connector';
import { Construct } from 'constructs';
import { EnvironmentConfig, labelsFor } from '../config';
import { connectorName, namePrefix } from '../naming';

export interface NetworkProps {
  config: EnvironmentConfig;
}

export class Network extends Construct {
  readonly network: ComputeNetwork;
  readonly privateServices: ServiceNetworkingConnection;
  readonly connector: VpcAccessConnector;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { config } = props;
    const prefix = namePrefix(config);
    this.network = new ComputeNetwork(this, 'vpc', { name: `${prefix}-vpc`, autoCreateSubnetworks: false, routingMode: 'REGIONAL' });
    new ComputeSubnetwork(this, 'subnet', {
      name: `${prefix}-${config.region}`,
      network: this.network.id,
      region: config.region,
      ipCidrRange: config.network.subnetCidr,
      privateIpGoogleAccess: true,
      logConfig: { aggregationInterval: 'INTERVAL_10_MIN', flowSampling: 0.5, metadata: 'INCLUDE_ALL_METADATA' },
    });
    const range = new ComputeGlobalAddress(this, 'private-services-range', {
      name: `${prefix}-private-services`,
      purpose: 'VPC_PEERING',
      addressType: 'INTERNAL',
      prefixLength: 20,
      network: this.network.id,
      labels: labelsFor(config),
    });
    this.privateServices = new ServiceNetworkingConnection(this, 'private-services', {
      network: this.network.id,
      service: 'servicenetworking.googleapis.com',
      reservedPeeringRanges: [range.name],
    });
    this.connector = new VpcAccessConnector(this, 'connector', {
      name: connectorName(config),
      region: config.region,
      network: this.network.name,
      ipCidrRange: config.network.connectorCidr,
      machineType: 'e2-micro',
      minInstances: 2,
      maxInstances: 3,
    });
  }
}
