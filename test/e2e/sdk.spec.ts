// Layer 5 (issue 16): the provider plugin's SDKs for the other languages, as scripts/gen-sdks makes them
// from the generated schema (`pulumi package gen-sdk` running Pulumi's .NET language host, and Go's and
// Python's where installed; else scripts/sdkgen, the same generators those two hosts run), are ones
// those languages' toolchains take:
//   - Go: `go build` and `go vet` of every SDK package and of a small program that declares an HCP
//     Terraform SSH key and a provider through it, in a throwaway module on github.com/pulumi/pulumi/sdk/v3
//     v3.248.0 (from the Go module cache the CLI build filled, else the Go module proxy);
//   - Python: every .py file byte-compiles. Pulumi's Python package cannot be installed on these
//     machines (no PyPI), so the SDK is not imported;
//   - .NET: the files are there (no .NET SDK on these machines to compile them).
// The .NET host comes from `scripts/ensure-pulumi-cli --sdk-hosts`, and Go must be installed: without
// them a test is pending, or failed where PULUMI_ACCESS_KEYS_REQUIRE_E2E=1 (CI), as for a missing CLI.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requirePulumiCli } from "../support/pulumi";

const REPO = path.join(__dirname, "..", "..", "..");
/** The schema the build writes beside the plugin's entry point, which gen-sdks reads by default. */
const SCHEMA_FILE = path.join(REPO, "dist", "src", "plugin", "schema.json");

const REQUIRED = process.env.PULUMI_ACCESS_KEYS_REQUIRE_E2E === "1";
const HOW = "install Go, and run `PATH=\"$(bash scripts/ensure-pulumi-cli --sdk-hosts):$PATH\"` (builds Pulumi's .NET language host with Go) or install the Pulumi CLI v3.248.0";

/** The file `name` as the CLI finds it: on PATH first, then beside the CLI. */
function findExecutable(name: string, bin: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), bin]) {
    const f = dir && path.join(dir, name);
    if (f && fs.existsSync(f)) return f;
  }
  return undefined;
}

/** Go: on PATH, else where Go's installer puts it (as scripts/ensure-pulumi-cli looks for it). */
function findGo(): string | undefined {
  return findExecutable("go", "/usr/local/go/bin");
}

/** Pending (or failed, in CI) when `what` is missing. */
function need(ctx: Mocha.Context, found: string | undefined, what: string): string {
  if (found) return found;
  if (REQUIRED) throw new Error(`${what} not found: ${HOW}`);
  console.log(`      pending: ${what} not found: ${HOW}`);
  ctx.skip();
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

const GO_PROGRAM = (importBase: string) => `package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	accesskeys "${importBase}"
	"${importBase}/tfc"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		provider, err := accesskeys.NewProvider(ctx, "tfc", &accesskeys.ProviderArgs{
			TfeHostname: pulumi.String("tfe.example.com"),
			TfeToken:    pulumi.ToSecret(pulumi.String("token")).(pulumi.StringOutput),
		})
		if err != nil {
			return err
		}
		key, err := tfc.NewSshKey(ctx, "modules", &tfc.SshKeyArgs{
			PrivateKey:   pulumi.String("-----BEGIN OPENSSH PRIVATE KEY-----\\n...\\n-----END OPENSSH PRIVATE KEY-----\\n"),
			Name:         pulumi.String("modules"),
			Organization: pulumi.String("example-org"),
			Connection:   &tfc.TfcConnectionArgs{Hostname: pulumi.String("tfe.example.com")},
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		ctx.Export("sshKeyId", key.SshKeyId)
		ctx.Export("fingerprint", key.Fingerprint)
		return nil
	})
}
`;

describe("end to end: SDKs for Go, Python and .NET from the plugin schema (scripts/gen-sdks)", function () {
  this.timeout(600_000);
  const bin = requirePulumiCli();
  let dir: string;
  let version: string;
  const started = Date.now();

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pak-sdk-"));
    version = (JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as { version: string }).version;
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    console.log(`      (sdk suite: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  });

  /** Runs scripts/gen-sdks for one language into dir/sdk/<language>; returns that directory. */
  function genSdk(language: string): string {
    const out = path.join(dir, "sdk");
    execFileSync(process.execPath, [path.join(REPO, "scripts", "gen-sdks"), "--out", out, language], {
      env: { ...process.env, PATH: `${bin()}${path.delimiter}${process.env.PATH ?? ""}`, PULUMI_HOME: path.join(dir, "home"), PULUMI_SKIP_UPDATE_CHECK: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return path.join(out, language);
  }

  it("Go: the SDK and a program declaring a TfcSshKey through it build and vet with github.com/pulumi/pulumi/sdk/v3 v3.248.0", function () {
    const go = need(this, findGo(), "Go (the go command)");
    const sdk = genSdk("go");

    // What gen-sdk made: a module, one package per schema module, the package's version.
    const goMod = fs.readFileSync(path.join(sdk, "go.mod"), "utf8");
    const modulePath = /^module\s+(\S+)/m.exec(goMod)?.[1];
    assert.ok(modulePath, `no module line in the generated go.mod:\n${goMod}`);
    const files = listFiles(sdk);
    const pkgDir = files.find((f) => f.endsWith(`${path.sep}tfc${path.sep}sshKey.go`))?.split(path.sep)[0];
    assert.ok(pkgDir, `no tfc/sshKey.go in the Go SDK: ${files.join(", ")}`);
    for (const f of ["provider.go", "sshKeyPair.go", "octopus/sshAccount.go", "octopus/apiKey.go", "tfc/sshKey.go", "nova/keypair.go"]) {
      assert.ok(files.includes(path.join(pkgDir, f)), `${pkgDir}/${f} missing from the Go SDK`);
    }
    const sshKey = fs.readFileSync(path.join(sdk, pkgDir, "tfc", "sshKey.go"), "utf8");
    assert.match(sshKey, /ctx\.RegisterResource\("access-keys:tfc:SshKey"/);
    assert.match(sshKey, /pulumi\.AdditionalSecretOutputs\(\[\]string\{[^}]*"privateKey"/);
    const plugin = JSON.parse(fs.readFileSync(path.join(sdk, pkgDir, "pulumi-plugin.json"), "utf8"));
    assert.deepEqual({ name: plugin.name, version: plugin.version }, { name: "access-keys", version });

    // A throwaway module using the SDK from its directory, on the CLI's SDK version.
    const importBase = `${modulePath}/${pkgDir}`;
    const mod = path.join(dir, "go-program");
    fs.mkdirSync(mod);
    fs.writeFileSync(
      path.join(mod, "go.mod"),
      `module example.invalid/sdk-check\n\ngo 1.25.11\n\nrequire (\n\t${modulePath} v0.0.0\n\tgithub.com/pulumi/pulumi/sdk/v3 v3.248.0\n)\n\nreplace ${modulePath} => ${path.relative(mod, sdk)}\n`,
    );
    fs.writeFileSync(path.join(mod, "main.go"), GO_PROGRAM(importBase));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GOFLAGS: "-mod=mod -buildvcs=false",
      GOWORK: "off",
      CGO_ENABLED: "0",
      // Go may fetch toolchains only through the module proxy (the go.mod says go 1.25.11).
      GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "auto",
    };
    const goRun = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
      try {
        return execFileSync(go, args, { cwd: mod, env: { ...env, ...extraEnv }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string; message: string };
        throw new Error(`go ${args.join(" ")} failed:\n${(err.stderr || err.stdout || err.message).slice(-6000)}`);
      }
    };
    const program = ["build", "-o", path.join(mod, "program"), "."];
    try {
      // Offline first: the modules the CLI build downloaded (and verified then) are in the module cache.
      goRun(program, { GOPROXY: "off", GOSUMDB: "off" });
    } catch {
      goRun(program); // else through the Go module proxy, checked against the checksum database
    }
    const packages = [".", `${modulePath}/...`];
    goRun(["build", ...packages]);
    goRun(["vet", ...packages]);
    assert.ok(fs.statSync(path.join(mod, "program")).size > 0);
    // Resources declared through the SDK ask the engine for the plugin at the package's version.
    assert.match(fs.readFileSync(path.join(sdk, pkgDir, "internal", "pulumiUtilities.go"), "utf8"), new RegExp(`semver\\.MustParse\\("${version.replace(/\./g, "\\.")}"\\)`));
  });

  it("Python: every file of the SDK byte-compiles; setup.py and pulumi-plugin.json carry the version", function () {
    need(this, findGo(), "Go (the go command, for scripts/sdkgen where pulumi-language-python is not installed)");
    const python = need(this, findExecutable("python3", "/usr/bin"), "python3");
    const sdk = genSdk("python");
    const files = listFiles(sdk);
    const py = files.filter((f) => f.endsWith(".py"));
    for (const f of ["setup.py", "pulumi_access_keys/__init__.py", "pulumi_access_keys/provider.py", "pulumi_access_keys/ssh_key_pair.py", "pulumi_access_keys/tfc/ssh_key.py", "pulumi_access_keys/octopus/ssh_account.py", "pulumi_access_keys/octopus/api_key.py", "pulumi_access_keys/nova/keypair.py"]) {
      assert.ok(files.includes(f), `${f} missing from the Python SDK: ${files.join(", ")}`);
    }
    // Pulumi's Python SDK (the `pulumi` package) cannot be installed here (no PyPI): compile only, no import.
    execFileSync(python, ["-c", "import py_compile, sys\nfor f in sys.argv[1:]: py_compile.compile(f, doraise=True)", ...py.map((f) => path.join(sdk, f))], {
      env: { ...process.env, PYTHONPYCACHEPREFIX: path.join(dir, "pycache") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    assert.match(fs.readFileSync(path.join(sdk, "pulumi_access_keys", "tfc", "ssh_key.py"), "utf8"), /'access-keys:tfc:SshKey'/);
    assert.match(fs.readFileSync(path.join(sdk, "setup.py"), "utf8"), new RegExp(`VERSION = "${version.replace(/\./g, "\\.")}"`));
    assert.equal(JSON.parse(fs.readFileSync(path.join(sdk, "pulumi_access_keys", "pulumi-plugin.json"), "utf8")).version, version);
  });

  it(".NET: the SDK's project and classes are there (no .NET SDK here to compile them)", function () {
    need(this, findExecutable("pulumi-language-dotnet", bin()), "Pulumi's .NET language host (pulumi-language-dotnet)");
    const sdk = genSdk("dotnet");
    const files = listFiles(sdk);
    for (const f of ["Pulumi.AccessKeys.csproj", "Provider.cs", "SshKeyPair.cs", "Tfc/SshKey.cs", "Octopus/SshAccount.cs", "Octopus/ApiKey.cs", "Nova/Keypair.cs", "Utilities.cs", "version.txt", "logo.png", "pulumi-plugin.json"]) {
      assert.ok(files.includes(f), `${f} missing from the .NET SDK: ${files.join(", ")}`);
    }
    assert.match(fs.readFileSync(path.join(sdk, "Tfc", "SshKey.cs"), "utf8"), /\[AccessKeysResourceType\("access-keys:tfc:SshKey"\)\]/);
    assert.equal(fs.readFileSync(path.join(sdk, "version.txt"), "utf8").trim(), version);
    assert.deepEqual([...fs.readFileSync(path.join(sdk, "logo.png")).subarray(1, 4)], [...Buffer.from("PNG")]);
  });
});
