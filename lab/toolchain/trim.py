#!/usr/bin/env python3
"""Trims a writable copy of an upstream Go module to what the lab uses, before it is compiled.

  trim.py aws  SRC TYPE...        keep the service packages that register TYPE (aws_eks_cluster, ...)
                                  and those whose clients they call, and only the client getters used
  trim.py eso  SRC PROVIDER...    keep only these secret-store providers and generators (vault)
  trim.py tofu SRC                drop the cloud state backends and cloud key providers
  trim.py terraform SRC           drop the remote-state backends kept as nested modules

Each upstream registers every backend it supports in one or two generated or hand-written files, so
compiling it compiles them all (the aws provider: ~265 services and ~264 AWS SDK clients, an hour and
9 GB on two cores). Editing those few files keeps the code of what remains byte for byte upstream's.
The command prints what it kept; it fails if a wanted type, provider or file is not found, so a
version bump that moves things stops the build instead of producing a binary that lacks something.
"""

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys


class TrimError(Exception):
    pass


def read(path: pathlib.Path) -> str:
    if not path.is_file():
        raise TrimError(f"expected file not found: {path}")
    return path.read_text()


def write(path: pathlib.Path, text: str) -> None:
    path.chmod(0o644)
    path.write_text(text)


def go_sources(directory: pathlib.Path) -> list[pathlib.Path]:
    """The package's non-test Go files."""
    return sorted(p for p in directory.glob("*.go") if not p.name.endswith("_test.go"))


IMPORT_LINE = re.compile(r'^\s*(?:(\w+|_)\s+)?"([^"]+)"\s*(//.*)?$')


def import_block(text: str) -> tuple[int, int]:
    """Start and end offsets of the body of the file's `import ( ... )` block."""
    match = re.search(r"^import \($(.*?)^\)$", text, re.MULTILINE | re.DOTALL)
    if not match:
        raise TrimError("no import block")
    return match.start(1), match.end(1)


def drop_imports(text: str, keep) -> str:
    """Removes import lines for which keep(alias, path) is false."""
    start, end = import_block(text)
    lines = []
    for line in text[start:end].split("\n"):
        match = IMPORT_LINE.match(line)
        if match and not keep(match.group(1), match.group(2)):
            continue
        lines.append(line)
    return text[:start] + "\n".join(lines) + text[end:]


# --- terraform-provider-aws ------------------------------------------------------------------------

AWS_MODULE = "github.com/hashicorp/terraform-provider-aws"


def aws_service_names(service_dir: pathlib.Path) -> str | None:
    """The `names.X` constant a service package registers under."""
    gen = service_dir / "service_package_gen.go"
    if not gen.is_file():
        return None
    match = re.search(r"ServicePackageName\(\) string \{\s*return names\.(\w+)", gen.read_text())
    return match.group(1) if match else None


def aws_getter_calls(files: list[pathlib.Path]) -> set[str]:
    """Names of AWSClient client getters called (`meta.EKSClient(ctx)`, `c.S3Client(ctx)`)."""
    calls: set[str] = set()
    for path in files:
        calls.update(re.findall(r"\.(\w+Client)\(ctx\b", path.read_text()))
    return calls


def trim_aws(src: pathlib.Path, types: list[str]) -> list[str]:
    services_root = src / "internal" / "service"
    client_gen = src / "internal" / "conns" / "awsclient_gen.go"
    packages_gen = src / "internal" / "provider" / "sdkv2" / "service_packages_gen.go"

    # getter name -> (names constant, SDK package alias), from the generated getters.
    getters: dict[str, tuple[str, str]] = {}
    client_text = read(client_gen)
    for match in re.finditer(
        r"func \(c \*AWSClient\) (\w+)\(ctx context\.Context\) \*(\w+)\.Client \{\n"
        r"\s*return errs\.Must\(client\[\*\w+\.Client\]\(ctx, c, names\.(\w+),",
        client_text,
    ):
        getters[match.group(1)] = (match.group(3), match.group(2))
    if not getters:
        raise TrimError(f"no client getters recognised in {client_gen}")

    by_constant: dict[str, str] = {}
    for service_dir in sorted(p for p in services_root.iterdir() if p.is_dir()):
        constant = aws_service_names(service_dir)
        if constant:
            by_constant[constant] = service_dir.name

    # The services that register the wanted types.
    keep: set[str] = set()
    for type_name in types:
        owners = [
            d.name
            for d in services_root.iterdir()
            if (d / "service_package_gen.go").is_file()
            and f'TypeName: "{type_name}"' in (d / "service_package_gen.go").read_text()
        ]
        if not owners:
            raise TrimError(f"no service package registers {type_name}")
        keep.update(owners)

    # Plus every service whose client a kept package calls, transitively. The getters the client
    # core itself calls (S3Client in awsclient.go) stay defined, but do not pull their service in.
    # (Other callers outside internal/service are test helpers, not part of the binary.)
    core_files = [p for p in go_sources(client_gen.parent) if p != client_gen]
    core_getters = aws_getter_calls(core_files) & set(getters)
    while True:
        service_getters: set[str] = set()
        for name in keep:
            service_getters |= aws_getter_calls(go_sources(services_root / name)) & set(getters)
        wanted = {
            by_constant[getters[g][0]] for g in service_getters if getters[g][0] in by_constant
        }
        if wanted <= keep:
            break
        keep |= wanted
    keep_getters = core_getters | service_getters

    # service_packages_gen.go: only the kept packages' imports and ServicePackage(ctx) lines.
    text = read(packages_gen)
    prefix = f"{AWS_MODULE}/internal/service/"
    text = drop_imports(
        text, lambda _alias, path: not path.startswith(prefix) or path[len(prefix) :] in keep
    )
    text = re.sub(
        r"^\t\t(\w+)\.ServicePackage\(ctx\),\n",
        lambda m: m.group(0) if m.group(1) in keep else "",
        text,
        flags=re.MULTILINE,
    )
    write(packages_gen, text)

    # awsclient_gen.go: only the kept getters, and the SDK imports they use.
    def keep_function(match: re.Match) -> str:
        return match.group(0) if match.group(1) in keep_getters else ""

    client_text = re.sub(
        r"^func \(c \*AWSClient\) (\w+)\(ctx context\.Context\).*?^}\n\n?",
        keep_function,
        client_text,
        flags=re.MULTILINE | re.DOTALL,
    )
    sdk_prefix = "github.com/aws/aws-sdk-go-v2/service/"
    body = client_text[import_block(client_text)[1] :]

    def sdk_used(alias: str | None, path: str) -> bool:
        if not path.startswith(sdk_prefix):
            return True
        name = alias or path.rsplit("/", 1)[-1]
        return re.search(rf"\b{re.escape(name)}\.", body) is not None

    write(client_gen, drop_imports(client_text, sdk_used))
    return [
        f"services: {' '.join(sorted(keep))}",
        f"client getters: {' '.join(sorted(keep_getters))}",
    ]


# --- External Secrets Operator ---------------------------------------------------------------------

ESO_MODULE = "github.com/external-secrets/external-secrets"


def trim_register(path: pathlib.Path, package_prefix: str, wanted: list[str]) -> list[str]:
    text = read(path)
    kept: list[str] = []

    def keep(alias: str | None, import_path: str) -> bool:
        if alias != "_" or not import_path.startswith(package_prefix):
            return True
        name = import_path[len(package_prefix) :]
        if name in wanted:
            kept.append(name)
            return True
        return False

    write(path, drop_imports(text, keep))
    missing = sorted(set(wanted) - set(kept))
    if missing:
        raise TrimError(f"{path} registers no {', '.join(missing)}")
    return kept


def trim_eso(src: pathlib.Path, providers: list[str]) -> list[str]:
    kept_providers = trim_register(
        src / "pkg" / "provider" / "register" / "register.go",
        f"{ESO_MODULE}/pkg/provider/",
        providers,
    )
    kept_generators = trim_register(
        src / "pkg" / "generator" / "register" / "register.go",
        f"{ESO_MODULE}/pkg/generator/",
        providers,
    )
    return [f"providers: {' '.join(kept_providers)}", f"generators: {' '.join(kept_generators)}"]


# --- OpenTofu --------------------------------------------------------------------------------------

# State backends the lab never configures (it uses `local`); `remote` and `cloud` stay so that a
# configuration with a cloud block still parses and validates as it would for users.
TOFU_DROPPED_BACKENDS = ["azure", "consul", "cos", "gcs", "kubernetes", "oss", "pg", "s3"]
# State-encryption key providers that call cloud KMS services.
TOFU_DROPPED_KEY_PROVIDERS = ["aws_kms", "azure_vault", "gcp_kms", "openbao"]


# go-getter's module sources on S3 and GCS link both cloud SDKs into tofu; the lab fetches no modules.
GO_GETTER_CLOUD = re.compile(r"\b(S3|GCS)(Getter|Detector)\b")
GO_GETTER_CLOUD_FILES = ["get_s3.go", "get_gcs.go", "detect_s3.go", "detect_gcs.go"]


def remove_once(text: str, pattern: str, missing: str) -> str:
    """Removes the one match of a multi-line pattern; none, or several, is an error."""
    text, count = re.subn(pattern, "", text, flags=re.MULTILINE)
    if count != 1:
        raise TrimError(missing if count == 0 else f"{missing} (found {count})")
    return text


def drop_lines(text: str, pattern: re.Pattern, path: pathlib.Path, expected: int) -> str:
    lines = text.split("\n")
    kept = [line for line in lines if not pattern.search(line)]
    if len(lines) - len(kept) != expected:
        raise TrimError(
            f"{path}: expected {expected} lines matching {pattern.pattern}, found {len(lines) - len(kept)}"
        )
    return "\n".join(kept)


def go_output(cwd: pathlib.Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["go", *args], cwd=cwd, check=True, capture_output=True, text=True
        ).stdout
    except subprocess.CalledProcessError as error:
        raise TrimError(f"go {' '.join(args)} failed: {error.stderr.strip()}") from error


def trim_go_getter(src: pathlib.Path) -> pathlib.Path:
    """A trimmed copy of the go-getter version tofu requires, beside it, used through a replace."""
    module = "github.com/hashicorp/go-getter"
    version = go_output(src, "list", "-m", "-f", "{{.Version}}", module).strip()
    info = json.loads(go_output(src, "mod", "download", "-json", f"{module}@{version}"))
    copy = src / "lab-trimmed" / "go-getter"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(info["Dir"], copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    for name in GO_GETTER_CLOUD_FILES:
        (copy / name).unlink()
    for name, count in (("detect.go", 2), ("get.go", 2)):
        write(
            copy / name, drop_lines(read(copy / name), GO_GETTER_CLOUD, copy / name, expected=count)
        )
    go_output(src, "mod", "edit", f"-replace={module}=./lab-trimmed/go-getter")
    return copy


def trim_module_getters(src: pathlib.Path, getter_lines: int) -> str:
    """go-getter without its s3 and gcs sources, and the module installer without those getters."""
    getter_dir = trim_go_getter(src)
    getmodules = src / "internal" / "getmodules" / "getter.go"
    write(
        getmodules,
        drop_lines(read(getmodules), GO_GETTER_CLOUD, getmodules, expected=getter_lines),
    )
    return f"go-getter without its s3 and gcs sources, from {getter_dir.relative_to(src)}"


def trim_tofu(src: pathlib.Path) -> list[str]:
    init = src / "internal" / "backend" / "init" / "init.go"
    text = read(init)
    aliases = {}
    prefix = "github.com/opentofu/opentofu/internal/backend/remote-state/"

    def keep_backend(alias: str | None, path: str) -> bool:
        if path.startswith(prefix) and path[len(prefix) :] in TOFU_DROPPED_BACKENDS:
            aliases[alias] = path
            return False
        return True

    text = drop_imports(text, keep_backend)
    if len(aliases) != len(TOFU_DROPPED_BACKENDS):
        raise TrimError(
            f"{init}: expected imports of {TOFU_DROPPED_BACKENDS}, found {list(aliases.values())}"
        )
    for alias in aliases:
        text = remove_once(
            text,
            rf'^\t\t"[\w-]+":\s+func\(enc encryption\.StateEncryption\) backend\.Backend \{{ return {alias}\.New\(enc\) \}},\n',
            f"{init}: no registration line for {alias}",
        )
    write(init, text)

    registry = src / "internal" / "encryption" / "default_registry.go"
    text = read(registry)
    kp_prefix = "github.com/opentofu/opentofu/internal/encryption/keyprovider/"
    text = drop_imports(
        text,
        lambda _a, path: (
            not (
                path.startswith(kp_prefix) and path[len(kp_prefix) :] in TOFU_DROPPED_KEY_PROVIDERS
            )
        ),
    )
    for name in TOFU_DROPPED_KEY_PROVIDERS:
        text = remove_once(
            text,
            rf"^\tif err := DefaultRegistry\.RegisterKeyProvider\({name}\.New\(\)\); err != nil \{{\n\t\tpanic\(err\)\n\t}}\n",
            f"{registry}: no registration of key provider {name}",
        )
    write(registry, text)
    return [
        f"dropped backends: {' '.join(TOFU_DROPPED_BACKENDS)}",
        trim_module_getters(src, getter_lines=4),
        f"dropped key providers: {' '.join(TOFU_DROPPED_KEY_PROVIDERS)}",
    ]


# --- Terraform -------------------------------------------------------------------------------------

# Terraform keeps each cloud state backend and internal/legacy in a nested module of its own,
# required at v0.0.0 through a local replace. The Go module proxy's zip of github.com/hashicorp/terraform
# holds the root module only, so those directories are missing and an untrimmed build cannot even
# start: dropping them is what makes Terraform buildable here, and it also leaves out the cloud SDKs
# the lab never uses. `local`, `remote`, `http`, `inmem` and `cloud` stay (a configuration with a
# cloud block still validates).
TERRAFORM_MODULE = "github.com/hashicorp/terraform"
# Backend name in the init map -> the nested module's directory under internal/backend/remote-state.
TERRAFORM_DROPPED_BACKENDS = {
    "azurerm": "azure",
    "consul": "consul",
    "cos": "cos",
    "gcs": "gcs",
    "kubernetes": "kubernetes",
    "oci": "oci",
    "oss": "oss",
    "pg": "pg",
    "s3": "s3",
}
# Required only by the nested backends and by tests.
DROPPED_TERRAFORM_MODULES = ["internal/legacy"]


def trim_terraform(src: pathlib.Path) -> list[str]:
    init = src / "internal" / "backend" / "init" / "init.go"
    text = read(init)
    prefix = f"{TERRAFORM_MODULE}/internal/backend/remote-state/"
    wanted = set(TERRAFORM_DROPPED_BACKENDS.values())
    aliases: dict[str, str] = {}

    def keep(alias: str | None, path: str) -> bool:
        if path.startswith(prefix) and path[len(prefix) :] in wanted:
            aliases[path[len(prefix) :]] = alias or path.rsplit("/", 1)[-1]
            return False
        return True

    text = drop_imports(text, keep)
    if set(aliases) != wanted:
        raise TrimError(f"{init}: expected imports of {sorted(wanted)}, found {sorted(aliases)}")
    for name, directory in TERRAFORM_DROPPED_BACKENDS.items():
        text = remove_once(
            text,
            rf'^\t\t"{name}":\s+func\(\) backend\.Backend \{{ return {aliases[directory]}\.New\(\) \}},\n',
            f"{init}: no registration line for backend {name}",
        )
    write(init, text)

    # The nested modules leave the build: their requires and local replaces go.
    modules = [f"{prefix}{d}" for d in sorted(wanted)] + [
        f"{TERRAFORM_MODULE}/{m}" for m in DROPPED_TERRAFORM_MODULES
    ]
    go_mod = read(src / "go.mod")
    for module in modules:
        if f"{module} => " not in go_mod:
            raise TrimError(f"{src / 'go.mod'}: no local replace of {module}")
    go_output(src, "mod", "edit", *(f"-droprequire={m}" for m in modules))
    go_output(src, "mod", "edit", *(f"-dropreplace={m}" for m in modules))

    return [
        f"dropped backends: {' '.join(TERRAFORM_DROPPED_BACKENDS)}",
        f"dropped nested modules: {' '.join(m[len(TERRAFORM_MODULE) + 1 :] for m in modules)}",
        trim_module_getters(src, getter_lines=2),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="component", required=True)
    aws = sub.add_parser("aws", help="keep the services of the given aws_* types")
    aws.add_argument("src", type=pathlib.Path)
    aws.add_argument("types", nargs="+")
    eso = sub.add_parser("eso", help="keep the given providers and generators")
    eso.add_argument("src", type=pathlib.Path)
    eso.add_argument("providers", nargs="+")
    tofu = sub.add_parser("tofu", help="drop cloud state backends and key providers")
    tofu.add_argument("src", type=pathlib.Path)
    terraform = sub.add_parser("terraform", help="drop the nested-module state backends")
    terraform.add_argument("src", type=pathlib.Path)
    args = parser.parse_args(argv)
    try:
        if args.component == "aws":
            report = trim_aws(args.src, args.types)
        elif args.component == "eso":
            report = trim_eso(args.src, args.providers)
        elif args.component == "terraform":
            report = trim_terraform(args.src)
        else:
            report = trim_tofu(args.src)
    except TrimError as error:
        print(f"trim.py {args.component}: {error}", file=sys.stderr)
        return 1
    for line in report:
        print(f"trim.py {args.component}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
