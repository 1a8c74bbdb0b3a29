"""EKS API emulator for the local lab.

Runs moto (the AWS emulator) in-process on --moto-port, creates the lab's EKS cluster and points its
endpoint and certificate authority at the lab's kube-apiserver, so DescribeCluster answers as a real
EKS cluster would. On --webhook-port it serves the Kubernetes TokenReview webhook that accepts EKS
bearer tokens the way aws-iam-authenticator does (a presigned STS GetCallerIdentity URL, called
back to learn who the caller is). Who the caller is in the cluster follows EKS access entries,
which the emulator adds to moto's EKS API (CreateAccessEntry, DescribeAccessEntry,
ListAccessEntries, DeleteAccessEntry): an entry maps an IAM principal to a username and
Kubernetes groups; the cluster's creator (the lab's own credentials) is an administrator, as EKS
makes it; any other principal without an entry is refused.

More clusters (the lab's second API server) are registered at run time with
`PUT /clusters/<name>` on the webhook port ({"region", "endpoint", "caData", "oidcIssuer"}); their
API servers send TokenReviews to `POST /clusters/<name>`, which checks the token for that cluster
(its creator is its administrator; the access entries are the lab's own cluster's).

Started by `npm run lab -- up` with the lab's Python virtualenv; all addresses are loopback.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import re
import signal
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
# aws-iam-authenticator refuses presigned URLs older than this.
TOKEN_MAX_AGE = dt.timedelta(minutes=15)
# Dummy role for CreateCluster; moto does not check it.
CLUSTER_ROLE_ARN = "arn:aws:iam::123456789012:role/eks-vault-eso-lab"


def log(message: str) -> None:
    print(f"{dt.datetime.now().isoformat(timespec='seconds')} {message}", flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--moto-port", type=int, default=15000)
    parser.add_argument("--webhook-port", type=int, default=15001)
    parser.add_argument("--cluster-name", default="eks-vault-eso-lab")
    parser.add_argument("--region", default="us-west-2")
    parser.add_argument(
        "--kubernetes-version", default="1.35", help="version DescribeCluster reports"
    )
    parser.add_argument(
        "--service-cidr", default="10.96.0.0/16", help="the apiserver's --service-cluster-ip-range"
    )
    parser.add_argument("--apiserver-url", required=True, help="endpoint DescribeCluster returns")
    parser.add_argument(
        "--ca-file", required=True, help="PEM of the CA that signed the apiserver cert"
    )
    parser.add_argument(
        "--oidc-issuer",
        required=True,
        help="the service-account issuer DescribeCluster returns as identity.oidc.issuer",
    )
    return parser.parse_args()


def teach_moto_presigned_urls() -> None:
    """Let moto route presigned query-string requests by their credential scope.

    moto picks the service of an unsigned-header request from its body or path, so a presigned
    `GET /?Action=GetCallerIdentity&X-Amz-Credential=.../sts/aws4_request` lands on S3. We hand
    moto's router the same scope as if it came in an Authorization header; the request itself is
    left untouched. moto also reads the caller's access key from that header only, so a presigned
    call would be answered for moto's default user; it is taught the query's credential too, so
    that GetCallerIdentity names whoever signed (an assumed role's session, for access entries).
    """
    from moto.core.responses import BaseResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original_access_key = BaseResponse.get_access_key

    def get_access_key(self: Any) -> str:
        credential = (self.querystring.get("X-Amz-Credential") or [""])[0]
        if "Authorization" not in self.headers and credential.count("/") == 4:
            return credential.split("/")[0]
        return original_access_key(self)

    BaseResponse.get_access_key = get_access_key  # type: ignore[method-assign]

    original = DomainDispatcherApplication.infer_service_region_host

    def infer_service_region_host(self: Any, environ: dict[str, Any], path: str) -> str | None:
        if not environ.get("HTTP_AUTHORIZATION"):
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            credential = query.get("X-Amz-Credential", [""])[0]
            if credential.count("/") == 4:
                routed = dict(environ)
                routed["HTTP_AUTHORIZATION"] = (
                    f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=0"
                )
                return original(self, routed, path)
        return original(self, environ, path)

    DomainDispatcherApplication.infer_service_region_host = infer_service_region_host  # type: ignore[method-assign]


ACCESS_ENTRIES = re.compile(r"^/clusters/(?P<cluster>[^/]+)/access-entries(?:/(?P<principal>.+))?$")
# EKS's default username of an IAM role's sessions.
ROLE_SESSION_USERNAME = "arn:aws:sts::{account}:assumed-role/{role}/{{{{SessionName}}}}"


def principal_of(arn: str) -> tuple[str, str]:
    """The IAM principal of a caller ARN, and the session name (roles): as EKS maps them."""
    assumed = re.match(r"^arn:aws:sts::(\d+):assumed-role/([^/]+)/(.+)$", arn)
    if assumed:
        account, role, session = assumed.groups()
        return f"arn:aws:iam::{account}:role/{role}", session
    return arn, ""


class AccessEntries:
    """EKS access entries of the lab's cluster: principal ARN -> username and groups."""

    def __init__(self, cluster: str) -> None:
        self.cluster = cluster
        self.entries: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        principal = str(body.get("principalArn", ""))
        role = re.match(r"^arn:aws:iam::(\d+):role/(.+)$", principal)
        if not role and not re.match(r"^arn:aws:iam::\d+:user/.+$", principal):
            return 400, {"message": f"principalArn {principal!r} is not an IAM role or user"}
        groups = [str(g) for g in body.get("kubernetesGroups") or []]
        if any(g.startswith("system:") for g in groups):
            return 400, {"message": "kubernetesGroups may not start with system:"}
        default_user = (
            ROLE_SESSION_USERNAME.format(account=role.group(1), role=role.group(2))
            if role
            else principal
        )
        entry = {
            "clusterName": self.cluster,
            "principalArn": principal,
            "kubernetesGroups": groups,
            "username": body.get("username") or default_user,
            "type": body.get("type") or "STANDARD",
            "accessEntryArn": f"{principal}/access-entry",
        }
        with self.lock:
            if principal in self.entries:
                return 409, {
                    "message": f"The specified access entry resource is already in use on this cluster: {principal}"
                }
            self.entries[principal] = entry
        log(f"access entry {principal} -> groups {groups}")
        return 200, {"accessEntry": entry}

    def handle(
        self, method: str, principal: str | None, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if principal is None:
            if method == "POST":
                return self.create(body)
            with self.lock:
                return 200, {"accessEntries": sorted(self.entries)}
        with self.lock:
            entry = self.entries.get(principal)
            if entry is not None and method == "DELETE":
                del self.entries[principal]
                log(f"access entry {principal} deleted")
                return 200, {}
        if entry is None:
            return 404, {
                "message": f"The specified access entry resource can't be found: {principal}"
            }
        return 200, {"accessEntry": entry}

    def user(self, arn: str) -> dict[str, Any] | None:
        principal, session = principal_of(arn)
        with self.lock:
            entry = self.entries.get(principal)
        if entry is None:
            return None
        return {
            "username": entry["username"].replace("{{SessionName}}", session),
            "groups": entry["kubernetesGroups"],
        }


# Each status the access-entry routes answer: its reason, and the error type the AWS SDKs read.
ACCESS_ENTRY_ANSWERS = {
    200: ("OK", ""),
    400: ("Bad Request", "InvalidParameterException"),
    404: ("Not Found", "ResourceNotFoundException"),
    409: ("Conflict", "ResourceInUseException"),
}


def with_access_entries(app: Any, entries: AccessEntries) -> Any:
    """moto's WSGI app, with the EKS access-entry routes it lacks answered by `entries`."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        match = ACCESS_ENTRIES.match(environ.get("PATH_INFO", ""))
        if match is None or match.group("cluster") != entries.cluster:
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError:
            body = {}
        principal = match.group("principal")
        status, payload = entries.handle(
            environ["REQUEST_METHOD"], urllib.parse.unquote(principal) if principal else None, body
        )
        reason, error = ACCESS_ENTRY_ANSWERS[status]
        data = json.dumps(payload).encode("utf-8")
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        start_response(
            f"{status} {reason}", headers + ([("x-amzn-ErrorType", error)] if error else [])
        )
        return [data]

    return wsgi


class Emulator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sts_netloc = f"{args.host}:{args.moto_port}"
        self.moto_url = f"http://{self.sts_netloc}"
        with open(args.ca_file, "rb") as ca:
            self.ca_data = base64.b64encode(ca.read()).decode("ascii")
        # Clusters registered at run time: name -> what DescribeCluster returns for it.
        self.more: dict[str, dict[str, str]] = {}
        self.lock = threading.Lock()
        # The access entries are the lab's own cluster's; another cluster admits its creator only.
        self.access_entries = AccessEntries(args.cluster_name)
        self.creator_arn = ""

    def start_moto(self) -> Any:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        teach_moto_presigned_urls()
        entries = self.access_entries

        class Server(ThreadedMotoServer):
            def _server_entry(self) -> None:
                app = with_access_entries(DomainDispatcherApplication(create_backend_app), entries)
                self._server = make_server(
                    self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
                )
                self._server_ready_event.set()
                self._server.serve_forever()

        server = Server(ip_address=self.args.host, port=self.args.moto_port, verbose=False)
        server.start()
        log(f"moto listening on {self.moto_url}")
        return server

    def ensure_cluster(self) -> None:
        self.ensure(
            self.args.cluster_name,
            {
                "region": self.args.region,
                "endpoint": self.args.apiserver_url,
                "caData": self.ca_data,
                "oidcIssuer": self.args.oidc_issuer,
            },
        )
        # The cluster's creator is its administrator (EKS: bootstrapClusterCreatorAdminPermissions).
        self.creator_arn = self.client("sts").get_caller_identity()["Arn"]

    def register(self, name: str, spec: dict[str, str]) -> None:
        """A cluster more (PUT /clusters/<name>), created once and pointed at its API server."""
        with self.lock:
            self.ensure(name, spec)
            self.more[name] = spec

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client of moto with the lab's own credentials (the cluster's creator)."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.moto_url,
            region_name=region or self.args.region,
            aws_access_key_id="lab",
            aws_secret_access_key="lab",
        )

    def ensure(self, name: str, spec: dict[str, str]) -> None:
        from moto.eks.models import eks_backends

        eks = self.client("eks", spec["region"])
        try:
            cluster = eks.describe_cluster(name=name)["cluster"]
        except eks.exceptions.ResourceNotFoundException:
            cluster = eks.create_cluster(
                name=name,
                roleArn=CLUSTER_ROLE_ARN,
                version=self.args.kubernetes_version,
                kubernetesNetworkConfig={
                    "serviceIpv4Cidr": self.args.service_cidr,
                    "ipFamily": "ipv4",
                },
                resourcesVpcConfig={"subnetIds": [], "endpointPublicAccess": True},
            )["cluster"]
            log(f"created EKS cluster {cluster['arn']}")
        # moto offers no API to choose the endpoint or CA, so set them on its backend object
        # (same process), which DescribeCluster then serialises.
        account_id = cluster["arn"].split(":")[4]
        backend_cluster = eks_backends[account_id][spec["region"]].clusters[name]
        backend_cluster.endpoint = spec["endpoint"]
        backend_cluster.certificate_authority = {"data": spec["caData"]}
        backend_cluster.identity = {"oidc": {"issuer": spec["oidcIssuer"]}}
        described = eks.describe_cluster(name=name)["cluster"]
        if described["endpoint"] != spec["endpoint"]:
            raise RuntimeError(f"DescribeCluster still returns {described['endpoint']}")
        log(f"cluster {name} ({spec['region']}): endpoint {described['endpoint']}")

    def cluster_health(self, name: str) -> dict[str, Any] | None:
        spec = self.more.get(name)
        if spec is None:
            return None
        return {
            "cluster": name,
            "region": spec["region"],
            "endpoint": spec["endpoint"],
            "oidcIssuer": spec["oidcIssuer"],
            "caSha256": hashlib.sha256(spec["caData"].encode("ascii")).hexdigest(),
        }

    def health(self) -> dict[str, Any]:
        return {
            "cluster": self.args.cluster_name,
            "region": self.args.region,
            "endpoint": self.args.apiserver_url,
            "oidcIssuer": self.args.oidc_issuer,
            "caSha256": hashlib.sha256(self.ca_data.encode("ascii")).hexdigest(),
            "sts": self.moto_url,
            # PUT /clusters/<name> holds more clusters (an older emulator has no such route).
            "registersClusters": True,
        }

    def review_token(self, token: str, cluster: str) -> tuple[dict[str, Any] | None, str]:
        """Returns (user, "") for a valid EKS token of `cluster`, or (None, reason)."""
        if not token.startswith(TOKEN_PREFIX):
            return None, "not an EKS token (missing k8s-aws-v1. prefix)"
        encoded = token[len(TOKEN_PREFIX) :]
        try:
            url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None, "token payload is not base64url text"
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or parsed.netloc != self.sts_netloc:
            return (
                None,
                f"presigned URL host {parsed.netloc!r} is not the lab STS {self.sts_netloc}",
            )
        if parsed.path not in ("", "/"):
            return None, "presigned URL path must be /"
        query = {key: values[-1] for key, values in urllib.parse.parse_qs(parsed.query).items()}
        if query.get("Action") != "GetCallerIdentity":
            return None, "presigned URL is not sts:GetCallerIdentity"
        signed_headers = query.get("X-Amz-SignedHeaders", "").lower().split(";")
        if CLUSTER_ID_HEADER not in signed_headers:
            return None, f"{CLUSTER_ID_HEADER} is not a signed header"
        try:
            signed_at = dt.datetime.strptime(query.get("X-Amz-Date", ""), "%Y%m%dT%H%M%SZ").replace(
                tzinfo=dt.UTC
            )
        except ValueError:
            return None, "presigned URL has no valid X-Amz-Date"
        if dt.datetime.now(dt.UTC) - signed_at > TOKEN_MAX_AGE:
            return None, "token expired"

        request = urllib.request.Request(
            url,
            method="GET",
            headers={CLUSTER_ID_HEADER: cluster, "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return None, f"STS refused the token: HTTP {error.code}"
        except OSError as error:
            return None, f"STS unreachable: {error}"
        identity = parse_caller_identity(body)
        if identity is None:
            return None, "STS answer has no Arn"
        arn, user_id, account = identity
        mapped = self.access_entries.user(arn) if cluster == self.args.cluster_name else None
        if mapped is None and arn != self.creator_arn:
            return None, f"no access entry for {principal_of(arn)[0]}"
        return {
            "username": mapped["username"] if mapped else arn,
            "uid": f"aws-iam-authenticator:{account}:{user_id}",
            "groups": mapped["groups"] if mapped else ["system:masters"],
            "extra": {"arn": [arn], "accountId": [account]},
        }, ""


def parse_caller_identity(body: str) -> tuple[str, str, str] | None:
    """(Arn, UserId, Account) from an STS answer, JSON or XML."""
    try:
        data = json.loads(body)
        result = data["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
        return result["Arn"], result["UserId"], result["Account"]
    except (ValueError, KeyError, TypeError):
        pass
    fields = {}
    for key in ("Arn", "UserId", "Account"):
        match = re.search(rf"<{key}>([^<]*)</{key}>", body)
        if match is None:
            return None
        fields[key] = match.group(1)
    return fields["Arn"], fields["UserId"], fields["Account"]


def make_handler(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class WebhookHandler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            log(f"webhook {self.address_string()} {format % args}")

        def send_json(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def cluster_in_path(self) -> str | None:
            """The registered cluster `/clusters/<name>` names; None for the lab's own (`/`)."""
            match = re.fullmatch(r"/clusters/([A-Za-z0-9_-]+)/?", self.path)
            return match.group(1) if match else None

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self.send_json(200, emulator.health())
                return
            name = self.cluster_in_path()
            found = emulator.cluster_health(name) if name else None
            if found is None:
                self.send_json(404, {"error": "not found"})
            else:
                self.send_json(200, found)

        def do_PUT(self) -> None:
            name = self.cluster_in_path()
            length = int(self.headers.get("Content-Length") or 0)
            try:
                spec = json.loads(self.rfile.read(length) or b"{}")
                fields = {k: str(spec[k]) for k in ("region", "endpoint", "caData", "oidcIssuer")}
            except (ValueError, KeyError, TypeError):
                self.send_json(400, {"error": "expected region, endpoint, caData, oidcIssuer"})
                return
            if name is None or name == emulator.args.cluster_name:
                self.send_json(400, {"error": "PUT /clusters/<another cluster's name>"})
                return
            try:
                emulator.register(name, fields)
            except Exception as error:  # noqa: BLE001 - reported to the caller, who names the log
                self.send_json(500, {"error": f"{type(error).__name__}: {error}"})
                return
            self.send_json(200, emulator.cluster_health(name) or {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                review = json.loads(self.rfile.read(length) or b"{}")
                token = review["spec"]["token"]
            except (ValueError, KeyError, TypeError):
                self.send_json(400, {"error": "expected a TokenReview with spec.token"})
                return
            name = self.cluster_in_path()
            if name is not None and name not in emulator.more:
                self.send_json(404, {"error": f"no cluster {name} registered"})
                return
            user, reason = emulator.review_token(token, name or emulator.args.cluster_name)
            status: dict[str, Any] = {"authenticated": user is not None}
            if user is not None:
                status["user"] = user
                log(f"token accepted for {user['username']}")
            else:
                status["error"] = reason
                log(f"token refused: {reason}")
            self.send_json(
                200,
                {
                    "apiVersion": review.get("apiVersion", "authentication.k8s.io/v1"),
                    "kind": "TokenReview",
                    "status": status,
                },
            )

    return WebhookHandler


def main() -> int:
    args = parse_args()
    # boto3 inside moto must never reach real AWS or read the user's credentials.
    os.environ.update(
        AWS_ACCESS_KEY_ID="lab",
        AWS_SECRET_ACCESS_KEY="lab",
        AWS_DEFAULT_REGION=args.region,
        AWS_EC2_METADATA_DISABLED="true",
    )
    emulator = Emulator(args)
    moto = emulator.start_moto()
    emulator.ensure_cluster()
    webhook = ThreadingHTTPServer((args.host, args.webhook_port), make_handler(emulator))
    log(f"TokenReview webhook listening on http://{args.host}:{args.webhook_port}")

    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log(f"signal {signum}: stopping")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    threading.Thread(target=webhook.serve_forever, daemon=True).start()
    stop.wait()
    webhook.shutdown()
    moto.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
