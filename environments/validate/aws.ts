import { type Checker, SHAPES } from './checker';

export function validateAws(c: Checker, value: unknown): void {
  const aws = c.object('aws', value, 'aws');
  if (!aws) return;
  c.shape('aws.region', aws.region, SHAPES.region);
  c.shape('aws.clusterName', aws.clusterName, SHAPES.eksCluster);
  if (aws.endpoints === undefined) return;
  const endpoints = c.object('aws.endpoints', aws.endpoints, 'aws.endpoints');
  if (!endpoints) return;
  for (const service of ['eks', 'sts'] as const) {
    if (endpoints[service] !== undefined) c.url(`aws.endpoints.${service}`, endpoints[service]);
  }
}
