"""Talks to the lab's EKS emulator the way the AWS CLI would, with boto3 and dummy credentials.

  python eks_client.py describe   # like `aws eks describe-cluster`, prints the cluster as JSON
  python eks_client.py token      # like `aws eks get-token`, prints the k8s-aws-v1. bearer token
  python eks_client.py assume-role ROLE_ARN SESSION
                                  # like `aws sts assume-role`, prints the credentials as JSON
  python eks_client.py create-access-entry PRINCIPAL_ARN GROUP...
                                  # like `aws eks create-access-entry --kubernetes-groups`
  python eks_client.py delete-access-entry PRINCIPAL_ARN

Endpoints, cluster and region come from the lab environment (`source .lab/env.sh`):
AWS_ENDPOINT_URL, LAB_EKS_CLUSTER_NAME, AWS_REGION.
"""

from __future__ import annotations

import base64
import json
import os
import sys

import boto3

CLUSTER_ID_HEADER = "x-k8s-aws-id"
# Same lifetime the AWS CLI and the Terraform aws provider give EKS tokens.
PRESIGN_SECONDS = 60


def client(service: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        service,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:15000"),
        region_name=os.environ.get("AWS_REGION", "us-west-2"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "lab"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "lab"),
        aws_session_token=os.environ.get("AWS_SESSION_TOKEN") or None,
    )


def cluster_name() -> str:
    return os.environ.get("LAB_EKS_CLUSTER_NAME", "eks-vault-eso-lab")


def describe() -> dict:
    cluster = client("eks").describe_cluster(name=cluster_name())["cluster"]
    return json.loads(json.dumps(cluster, default=str))


def token() -> str:
    """A presigned sts:GetCallerIdentity URL with the cluster name as a signed header, base64url."""
    sts = client("sts")
    name = cluster_name()

    def add_cluster_header(request, **_kwargs):  # type: ignore[no-untyped-def]
        request.headers[CLUSTER_ID_HEADER] = name

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_header)
    url = sts.generate_presigned_url(
        "get_caller_identity", Params={}, ExpiresIn=PRESIGN_SECONDS, HttpMethod="GET"
    )
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")


def assume_role(role_arn: str, session: str) -> dict:
    credentials = client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session)[
        "Credentials"
    ]
    return {k: credentials[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}


def create_access_entry(principal: str, groups: list[str]) -> dict:
    eks = client("eks")
    try:
        eks.delete_access_entry(clusterName=cluster_name(), principalArn=principal)
    except eks.exceptions.ResourceNotFoundException:
        pass
    return client("eks").create_access_entry(
        clusterName=cluster_name(), principalArn=principal, kubernetesGroups=groups
    )["accessEntry"]


def main(argv: list[str]) -> int:
    if argv == ["describe"]:
        print(json.dumps(describe(), indent=2))
    elif argv == ["token"]:
        print(token())
    elif len(argv) == 3 and argv[0] == "assume-role":
        print(json.dumps(assume_role(argv[1], argv[2])))
    elif len(argv) >= 3 and argv[0] == "create-access-entry":
        print(json.dumps(create_access_entry(argv[1], argv[2:]), default=str))
    elif len(argv) == 2 and argv[0] == "delete-access-entry":
        client("eks").delete_access_entry(clusterName=cluster_name(), principalArn=argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
