import { Testing } from 'cdktf';
import { SecretTakeoverGuard } from '../../../constructs/secret-takeover-guard';
import { LITERAL_VALUES } from '../../../common/chain/values';
import { guardedTargets } from '../../../common/chain/takeover-guard';
import { parse } from '../../support/construct-test';

describe('SecretTakeoverGuard', () => {
  const out = parse(
    Testing.synthScope((scope) => {
      new SecretTakeoverGuard(scope, 'takeover-guard', {
        name: 'eks-vault-eso-dev-targets',
        targets: ['my-namespace/vault-secret', 'my-namespace/app-config'],
        fix: "adopt it with adoptExistingTarget, or choose another name (it's yours)",
      });
    }),
  );
  const manifests = Object.values(out.resource.kubernetes_manifest).map(
    (r) => r.manifest as Record<string, unknown>,
  );
  const policy = manifests.find((m) => m.kind === 'ValidatingAdmissionPolicy')!;

  it('denies, for the targets only, an update that adds ESO managed label to a Secret that lacked it', () => {
    expect(policy).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'eks-vault-eso-dev-targets' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['UPDATE'],
              resources: ['secrets'],
            },
          ],
        },
        matchConditions: [
          {
            name: 'a-target-of-this-stack',
            expression:
              'request.namespace + \'/\' + request.name in ["my-namespace/app-config","my-namespace/vault-secret"]',
          },
        ],
        validations: [
          {
            expression:
              "!(has(object.metadata.labels) && 'reconcile.external-secrets.io/managed' in object.metadata.labels) || (has(oldObject.metadata.labels) && 'reconcile.external-secrets.io/managed' in oldObject.metadata.labels)",
            messageExpression:
              "'Secret ' + request.namespace + '/' + request.name + ' was not created by External Secrets, and ESO may not take it over: adopt it with adoptExistingTarget, or choose another name (it\\'s yours)'",
            reason: 'Forbidden',
          },
        ],
      },
    });
    expect(guardedTargets(policy, LITERAL_VALUES)).toEqual([
      'my-namespace/app-config',
      'my-namespace/vault-secret',
    ]);
  });

  it('is enforced by a binding that denies, created after the policy', () => {
    const [binding] = Object.values(out.resource.kubernetes_manifest).filter(
      (r) => (r.manifest as { kind: string }).kind === 'ValidatingAdmissionPolicyBinding',
    );
    expect(binding.manifest).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'eks-vault-eso-dev-targets' },
      spec: { policyName: 'eks-vault-eso-dev-targets', validationActions: ['Deny'] },
    });
    expect(binding.depends_on).toEqual([expect.stringMatching(/^kubernetes_manifest\./)]);
  });
});
