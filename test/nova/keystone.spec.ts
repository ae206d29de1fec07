// Layer 1: resolving the OpenStack connection (argument, stack config, OS_* environment), and
// microversion ordering.

import { strict as assert } from "node:assert";
import { compareVersions } from "../../src/nova/client";
import { resolveOpenStackSettings } from "../../src/nova/keystone";

const ctx = (env: Record<string, string> = {}, stackConfig: Record<string, string> = {}) => ({ env, stackConfig });

describe("nova/keystone: connection settings", () => {
  it("reads an openrc environment: password auth, names with domains, /v3 added", () => {
    const s = resolveOpenStackSettings("NovaKeypair", undefined, ctx({
      OS_AUTH_URL: "https://keystone.example:5000",
      OS_USERNAME: "alice",
      OS_PASSWORD: "s3cr3t-pw",
      OS_USER_DOMAIN_NAME: "Users",
      OS_PROJECT_NAME: "demo",
      OS_PROJECT_DOMAIN_ID: "default",
      OS_REGION_NAME: "RegionTwo",
      OS_INTERFACE: "internal",
    }));
    assert.equal(s.authUrl, "https://keystone.example:5000/v3");
    assert.deepEqual(s.auth, { kind: "password", user: { name: "alice", domain: { name: "Users" } }, password: "s3cr3t-pw", project: { name: "demo", domain: { id: "default" } } });
    assert.equal(s.region, "RegionTwo");
    assert.equal(s.interface, "internal");
  });

  it("defaults the domains to Default, accepts ids and the v2-era interface spelling", () => {
    const s = resolveOpenStackSettings("NovaKeypair", { authUrl: "https://k/identity/v3/", userId: "u1", password: "pw", projectId: "p1", interface: "publicURL" }, ctx());
    assert.equal(s.authUrl, "https://k/identity/v3");
    assert.deepEqual(s.auth, { kind: "password", user: { id: "u1" }, password: "pw", project: { id: "p1" } });
    assert.equal(s.interface, "public");
    const named = resolveOpenStackSettings("NovaKeypair", { authUrl: "https://k", username: "a", password: "pw", projectName: "p" }, ctx());
    assert.deepEqual(named.auth, { kind: "password", user: { name: "a", domain: { name: "Default" } }, password: "pw", project: { name: "p", domain: { name: "Default" } } });
  });

  it("application credentials by id, or by name with their user", () => {
    const byId = resolveOpenStackSettings("NovaKeypair", undefined, ctx({ OS_AUTH_URL: "https://k/v3", OS_APPLICATION_CREDENTIAL_ID: "ac1", OS_APPLICATION_CREDENTIAL_SECRET: "sec" }));
    assert.deepEqual(byId.auth, { kind: "applicationCredential", credential: { id: "ac1" }, secret: "sec" });
    const byName = resolveOpenStackSettings("NovaKeypair", { authUrl: "https://k", applicationCredentialName: "ci", applicationCredentialSecret: "sec", username: "alice" }, ctx());
    assert.deepEqual(byName.auth, { kind: "applicationCredential", credential: { name: "ci", user: { name: "alice", domain: { name: "Default" } } }, secret: "sec" });
  });

  it("stack config keys of @pulumi/openstack", () => {
    const s = resolveOpenStackSettings("NovaKeypair", undefined, ctx({}, {
      "openstack:authUrl": "https://k/v3",
      "openstack:userName": "bob",
      "openstack:password": "pw",
      "openstack:tenantName": "proj",
      "openstack:endpointType": "admin",
    }));
    assert.equal(s.auth.kind, "password");
    assert.equal(s.interface, "admin");
  });

  it("secrets come as a group from one place: an argument's token is not mixed with an env password", () => {
    const s = resolveOpenStackSettings("NovaKeypair", { token: "tok-123" }, ctx({ OS_AUTH_URL: "https://k/v3", OS_USERNAME: "a", OS_PASSWORD: "env-pw", OS_PROJECT_NAME: "p" }));
    assert.deepEqual(s.auth, { kind: "token", token: "tok-123" });
    const fromEnv = resolveOpenStackSettings("NovaKeypair", { username: "override" }, ctx({ OS_AUTH_URL: "https://k/v3", OS_USERNAME: "a", OS_PASSWORD: "env-pw", OS_PROJECT_NAME: "p" }));
    assert.equal(fromEnv.auth.kind === "password" && "name" in fromEnv.auth.user ? fromEnv.auth.user.name : "", "override", "names resolve per setting");
  });

  const failures: { name: string; arg?: Record<string, string>; env?: Record<string, string>; message: RegExp }[] = [
    { name: "no auth URL", env: { OS_USERNAME: "a", OS_PASSWORD: "p" }, message: /no OpenStack auth URL \(Keystone\) is set\. Set it with connection\.authUrl, stack config openstack:authUrl, OS_AUTH_URL/ },
    { name: "no credentials", env: { OS_AUTH_URL: "https://k" }, message: /no OpenStack credentials are set.*OS_PASSWORD.*OS_APPLICATION_CREDENTIAL_ID.*OS_TOKEN/ },
    { name: "a password without a user", env: { OS_AUTH_URL: "https://k", OS_PASSWORD: "p", OS_PROJECT_NAME: "x" }, message: /password was given without a user/ },
    { name: "no project", env: { OS_AUTH_URL: "https://k", OS_USERNAME: "a", OS_PASSWORD: "p" }, message: /no OpenStack project is set/ },
    { name: "a secret without its credential", env: { OS_AUTH_URL: "https://k", OS_APPLICATION_CREDENTIAL_SECRET: "s" }, message: /secret was given without the credential/ },
    { name: "an app credential name without a user", env: { OS_AUTH_URL: "https://k", OS_APPLICATION_CREDENTIAL_NAME: "n", OS_APPLICATION_CREDENTIAL_SECRET: "s" }, message: /needs its user/ },
    { name: "a bad interface", env: { OS_AUTH_URL: "https://k", OS_TOKEN: "t", OS_INTERFACE: "private" }, message: /interface 'private' is not one of public, internal, admin/ },
    { name: "a bad URL", env: { OS_AUTH_URL: "keystone:5000", OS_TOKEN: "t" }, message: /must use http or https|not a valid URL/ },
  ];
  for (const f of failures) {
    it(`fails clearly: ${f.name}`, () => {
      assert.throws(() => resolveOpenStackSettings("NovaKeypair", f.arg, ctx(f.env)), (e: Error) => {
        assert.match(e.message, f.message);
        return true;
      });
    });
  }

  it("orders microversions numerically", () => {
    assert.ok(compareVersions("2.10", "2.9") > 0);
    assert.ok(compareVersions("2.92", "2.96") < 0);
    assert.equal(compareVersions("2.10", "2.10"), 0);
  });
});
