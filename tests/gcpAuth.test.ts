import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  authHeaders,
  CLOUD_PLATFORM_SCOPE,
  findCredentials,
  TokenSource,
} from "../components/gcp/gcpAuth";
import { googleRequest } from "../components/gcp/googleHttp";
import { FakeGoogle, FakeRequest, FakeRoute, startFakeGoogle } from "./harness/fakeGoogle";

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const REFRESH_TOKEN = "1//refresh-token-secret";
const CLIENT_SECRET = "client-secret-value";
const GITHUB_REQUEST_TOKEN = "gh-actions-request-token";
const GITHUB_OIDC_JWT = "eyJhbGciOi.github-oidc.jwt";
const SA = "deployer@my-project.iam.gserviceaccount.com";
const AUDIENCE =
  "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/providers/repo";
const WORKFORCE_AUDIENCE =
  "//iam.googleapis.com/locations/global/workforcePools/staff/providers/okta";

/** Verifies a JWT-bearer assertion as Google's token endpoint does (RS256, claims). */
function verifyAssertion(req: FakeRequest, tokenUri: string): string | undefined {
  const [h, c, sig] = (req.form.get("assertion") ?? "").split(".");
  const ok = crypto
    .createVerify("RSA-SHA256")
    .update(`${h}.${c}`)
    .verify(publicKey, Buffer.from(sig ?? "", "base64url"));
  const decode = (part?: string) =>
    JSON.parse(Buffer.from(part ?? "", "base64url").toString()) as Record<string, unknown>;
  const header = decode(h);
  const claims = decode(c) as {
    iss?: string;
    aud?: string;
    scope?: string;
    iat: number;
    exp: number;
  };
  if (!ok) return "bad signature";
  if (header.alg !== "RS256" || header.kid !== "key-1") return "bad header";
  if (claims.iss !== SA || claims.aud !== tokenUri || claims.scope !== CLOUD_PLATFORM_SCOPE)
    return `bad claims ${JSON.stringify(claims)}`;
  if (claims.exp - claims.iat !== 3600) return "bad lifetime";
  return undefined;
}

let fake: FakeGoogle;
const routes: FakeRoute[] = [
  {
    method: "POST",
    path: "/token",
    handle: (req) => {
      const grant = req.form.get("grant_type");
      if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer") {
        const bad = verifyAssertion(req, `${fake.url}/token`);
        return bad
          ? { status: 400, body: { error: "invalid_grant", error_description: bad } }
          : {
              status: 200,
              body: { access_token: "ya29.sa", expires_in: 3599, token_type: "Bearer" },
            };
      }
      if (grant === "refresh_token") {
        const ok =
          req.form.get("client_id") === "client-id" &&
          req.form.get("client_secret") === CLIENT_SECRET &&
          req.form.get("refresh_token") === REFRESH_TOKEN;
        return ok
          ? { status: 200, body: { access_token: "ya29.user", expires_in: 3599 } }
          : { status: 400, body: { error: "invalid_grant", error_description: "Bad Request" } };
      }
      return { status: 400, body: { error: "unsupported_grant_type" } };
    },
  },
  {
    // The GitHub OIDC endpoint behind credential_source.url.
    method: "GET",
    path: "/oidc",
    handle: (req) =>
      req.headers.authorization === `Bearer ${GITHUB_REQUEST_TOKEN}` &&
      req.query.get("audience") === "https://iam.googleapis.com/projects/123"
        ? { status: 200, body: { count: 1, value: GITHUB_OIDC_JWT } }
        : { status: 401, body: { message: "bad request token" } },
  },
  {
    // STS token exchange (RFC 8693), form-encoded.
    method: "POST",
    path: "/v1/token",
    handle: (req) => {
      const f = req.form;
      const ok =
        f.get("grant_type") === "urn:ietf:params:oauth:grant-type:token-exchange" &&
        [AUDIENCE, WORKFORCE_AUDIENCE].includes(f.get("audience") ?? "") &&
        f.get("scope") === CLOUD_PLATFORM_SCOPE &&
        f.get("requested_token_type") === "urn:ietf:params:oauth:token-type:access_token" &&
        f.get("subject_token_type") === "urn:ietf:params:oauth:token-type:jwt" &&
        f.get("subject_token") === GITHUB_OIDC_JWT;
      return ok
        ? {
            status: 200,
            body: { access_token: "sts-federated", token_type: "Bearer", expires_in: 3600 },
          }
        : { status: 400, body: { error: "invalid_request", error_description: req.body } };
    },
  },
  {
    method: "POST",
    path: /^\/v1\/projects\/-\/serviceAccounts\/([^:]+):generateAccessToken$/,
    handle: (req, [, email]) => {
      const body = req.json as { scope?: string[]; lifetime?: string };
      const ok =
        /^Bearer (sts-federated|ya29\.user)$/.test(req.headers.authorization ?? "") &&
        body.scope?.[0] === CLOUD_PLATFORM_SCOPE &&
        body.lifetime === "3600s";
      return ok
        ? {
            status: 200,
            body: {
              accessToken: `ya29.impersonated.${email}`,
              expireTime: new Date(Date.now() + 3600_000).toISOString(),
            },
          }
        : {
            status: 403,
            body: { error: { code: 403, status: "PERMISSION_DENIED", message: "no" } },
          };
    },
  },
  {
    method: "GET",
    path: "/computeMetadata/v1/instance/service-accounts/default/token",
    handle: (req) =>
      req.headers["metadata-flavor"] === "Google"
        ? {
            status: 200,
            body: { access_token: "ya29.metadata", expires_in: 3599, token_type: "Bearer" },
          }
        : { status: 403, body: "Missing Metadata-Flavor header" },
  },
];

let dir: string;
beforeAll(async () => {
  fake = await startFakeGoogle(routes);
});
afterAll(() => fake.close());
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "adc-"));
  fake.requests.length = 0;
});

/** An environment with nothing but what the test sets (no metadata server probing). */
const env = (vars: Record<string, string>) => ({
  env: { HOME: dir, METADATA_SERVER_DETECTION: "none", ...vars },
});
const write = (name: string, doc: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
};
const serviceAccountKey = () => ({
  type: "service_account",
  project_id: "my-project",
  private_key_id: "key-1",
  private_key: PRIVATE_PEM,
  client_email: SA,
  token_uri: `${fake.url}/token`,
});
function source(lookup: ReturnType<typeof findCredentials>): TokenSource {
  if (!lookup.source) throw new Error(`no source: ${lookup.reason}`);
  return lookup.source;
}

describe("application-default credentials, each source against a local token endpoint", () => {
  test("GOOGLE_OAUTH_ACCESS_TOKEN is used as is and wins over every file", async () => {
    const s = source(
      findCredentials(
        env({ GOOGLE_OAUTH_ACCESS_TOKEN: "ya29.static", GOOGLE_APPLICATION_CREDENTIALS: "/nope" }),
      ),
    );
    expect(s.origin).toBe("GOOGLE_OAUTH_ACCESS_TOKEN");
    expect(await s.token()).toBe("ya29.static");
    expect(fake.requests).toHaveLength(0);
  });

  test("service_account key file: an RS256 JWT the endpoint verifies, token cached", async () => {
    const file = write("sa.json", serviceAccountKey());
    const s = source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file })));
    expect(s.origin).toBe(`GOOGLE_APPLICATION_CREDENTIALS=${file} (service_account ${SA})`);
    expect(await s.token()).toBe("ya29.sa");
    expect(await s.token()).toBe("ya29.sa");
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /token"]);
  });

  test("GOOGLE_CREDENTIALS (JSON content, the provider's variable) comes before GOOGLE_APPLICATION_CREDENTIALS", async () => {
    const s = source(
      findCredentials(
        env({
          GOOGLE_CREDENTIALS: JSON.stringify(serviceAccountKey()),
          GOOGLE_APPLICATION_CREDENTIALS: "/does/not/exist.json",
        }),
      ),
    );
    expect(s.origin).toBe(`GOOGLE_CREDENTIALS (service_account ${SA})`);
    expect(await s.token()).toBe("ya29.sa");
  });

  test("authorized_user in gcloud's ADC file: a refresh-token grant", async () => {
    const gcloud = path.join(dir, ".config", "gcloud");
    fs.mkdirSync(gcloud, { recursive: true });
    // gcloud writes no token_uri (Google's endpoint is the default); the fake needs one.
    fs.writeFileSync(
      path.join(gcloud, "application_default_credentials.json"),
      JSON.stringify({
        type: "authorized_user",
        client_id: "client-id",
        client_secret: CLIENT_SECRET,
        refresh_token: REFRESH_TOKEN,
        quota_project_id: "my-project",
        token_uri: `${fake.url}/token`,
      }),
    );
    const s = source(findCredentials(env({})));
    expect(s.origin).toContain("gcloud ADC file");
    expect(await s.token()).toBe("ya29.user");
    expect(fake.requests[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  test("external_account as google-github-actions/auth writes it: OIDC, STS exchange, impersonation", async () => {
    // The shape of src/client/workload_identity_federation.ts createCredentialsFile().
    const file = write("gha-creds-1234.json", {
      type: "external_account",
      audience: AUDIENCE,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: `${fake.url}/v1/token`,
      credential_source: {
        url: `${fake.url}/oidc?api-version=2.0&audience=https%3A%2F%2Fiam.googleapis.com%2Fprojects%2F123`,
        headers: { Authorization: `Bearer ${GITHUB_REQUEST_TOKEN}` },
        format: { type: "json", subject_token_field_name: "value" },
      },
      service_account_impersonation_url: `${fake.url}/v1/projects/-/serviceAccounts/${SA}:generateAccessToken`,
    });
    const s = source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file })));
    expect(await s.token()).toBe(`ya29.impersonated.${SA}`);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /oidc",
      "POST /v1/token",
      `POST /v1/projects/-/serviceAccounts/${SA}:generateAccessToken`,
    ]);
    expect(fake.requests[2]?.headers.authorization).toBe("Bearer sts-federated");
  });

  test("external_account without impersonation uses the federated token; a file source works too", async () => {
    const subject = path.join(dir, "oidc-token");
    fs.writeFileSync(subject, `${GITHUB_OIDC_JWT}\n`);
    const file = write("wif.json", {
      type: "external_account",
      audience: AUDIENCE,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: `${fake.url}/v1/token`,
      credential_source: { file: subject },
    });
    expect(
      await source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file }))).token(),
    ).toBe("sts-federated");
  });

  test("impersonated_service_account (gcloud --impersonate-service-account) and GOOGLE_IMPERSONATE_SERVICE_ACCOUNT", async () => {
    const user = {
      type: "authorized_user",
      client_id: "client-id",
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
      token_uri: `${fake.url}/token`,
    };
    const file = write("imp.json", {
      type: "impersonated_service_account",
      source_credentials: user,
      service_account_impersonation_url: `${fake.url}/v1/projects/-/serviceAccounts/${SA}:generateAccessToken`,
    });
    expect(
      await source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file }))).token(),
    ).toBe(`ya29.impersonated.${SA}`);
    const userFile = write("user.json", user);
    const s = source(
      findCredentials({
        ...env({
          GOOGLE_APPLICATION_CREDENTIALS: userFile,
          GOOGLE_IMPERSONATE_SERVICE_ACCOUNT: SA,
        }),
        iamCredentialsUrl: `${fake.url}/v1`,
      }),
    );
    expect(s.origin).toContain(`impersonating ${SA}`);
    expect(await s.token()).toBe(`ya29.impersonated.${SA}`);
  });

  test("GCE metadata server (GCE_METADATA_HOST), with the Metadata-Flavor header", async () => {
    const s = source(findCredentials(env({ GCE_METADATA_HOST: fake.host })));
    expect(s.origin).toBe(`GCE metadata server (${fake.host})`);
    expect(await s.token()).toBe("ya29.metadata");
  });

  test("on Google Cloud without the variable, the default metadata server is used", () => {
    const s = source(findCredentials({ env: { HOME: dir }, onGoogleCloud: () => true }));
    expect(s.origin).toBe("GCE metadata server (169.254.169.254)");
  });

  test("nothing found: the reason names every place looked at", () => {
    const lookup = findCredentials(env({}));
    expect(lookup.source).toBeUndefined();
    expect(lookup.source ? "" : lookup.reason).toBe(
      "no Google credentials found (GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_CREDENTIALS and " +
        "GOOGLE_APPLICATION_CREDENTIALS unset, no gcloud ADC file at " +
        `${path.join(dir, ".config", "gcloud", "application_default_credentials.json")}, not on Google Cloud)`,
    );
  });

  test("an unreadable or unsupported file is a reason, not a crash", () => {
    const missing = findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: "/nope/creds.json" }));
    expect(missing.source ? "" : missing.reason).toMatch(
      /^GOOGLE_APPLICATION_CREDENTIALS=\/nope\/creds.json: cannot read credentials \(ENOENT/,
    );
    const exe = write("exe.json", {
      type: "external_account",
      credential_source: { executable: { command: "x" } },
    });
    const lookup = findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: exe }));
    expect(lookup.source ? "" : lookup.reason).toBe(
      `GOOGLE_APPLICATION_CREDENTIALS=${exe} (external_account): external_account with an executable credential source is not supported here; use a url or file credential source, or GOOGLE_OAUTH_ACCESS_TOKEN`,
    );
  });

  test("a refused exchange names the endpoint and its error, never the secret sent", async () => {
    const file = write("bad-user.json", {
      type: "authorized_user",
      client_id: "client-id",
      client_secret: CLIENT_SECRET,
      refresh_token: "1//revoked",
      token_uri: `${fake.url}/token`,
    });
    const err = await source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file })))
      .token()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toBe(
      `GOOGLE_APPLICATION_CREDENTIALS=${file} (authorized_user): token request to ${fake.host}/token failed: HTTP 400 invalid_grant: Bad Request`,
    );
    expect(err?.message).not.toContain("revoked");
    expect(err?.message).not.toContain(CLIENT_SECRET);
  });

  test("plain HTTP is refused except to loopback and the metadata server", async () => {
    await expect(googleRequest({ url: "http://example.com/token" })).rejects.toThrow(
      "refusing plain HTTP to example.com: Google endpoints need HTTPS",
    );
  });
});

describe("quota project, path-or-contents, quiet JSON errors (review fixes)", () => {
  test("quota_project_id of the ADC file goes out as x-goog-user-project; GOOGLE_CLOUD_QUOTA_PROJECT overrides it", async () => {
    const file = write("user.json", {
      type: "authorized_user",
      client_id: "client-id",
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
      quota_project_id: "billing-from-file",
      token_uri: `${fake.url}/token`,
    });
    const s = source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file })));
    expect(await authHeaders(s)).toEqual({
      Authorization: "Bearer ya29.user",
      "x-goog-user-project": "billing-from-file",
    });
    const over = source(
      findCredentials(
        env({ GOOGLE_APPLICATION_CREDENTIALS: file, GOOGLE_CLOUD_QUOTA_PROJECT: "billing-env" }),
      ),
    );
    expect((await authHeaders(over))["x-goog-user-project"]).toBe("billing-env");
    const token = source(
      findCredentials(
        env({ GOOGLE_OAUTH_ACCESS_TOKEN: "ya29.t", GOOGLE_CLOUD_QUOTA_PROJECT: "billing-env" }),
      ),
    );
    expect(await authHeaders(token)).toEqual({
      Authorization: "Bearer ya29.t",
      "x-goog-user-project": "billing-env",
    });
    // No quota project anywhere: no header (the API then bills the resource's project).
    const key = write("sa.json", serviceAccountKey());
    expect(
      Object.keys(
        await authHeaders(source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: key })))),
      ),
    ).toEqual(["Authorization"]);
  });

  test("GOOGLE_OAUTH_ACCESS_TOKEN may be a path (the provider's PathOrContents), ~ expanded", async () => {
    const file = path.join(dir, "token.txt");
    fs.writeFileSync(file, "ya29.from-file\n");
    const s = source(findCredentials(env({ GOOGLE_OAUTH_ACCESS_TOKEN: file })));
    expect(s.origin).toBe(`GOOGLE_OAUTH_ACCESS_TOKEN (file ${file})`);
    expect(await s.token()).toBe("ya29.from-file");
    const home = source(findCredentials(env({ GOOGLE_OAUTH_ACCESS_TOKEN: "~/token.txt" })));
    expect(await home.token()).toBe("ya29.from-file");
    // A value that is no existing file is the token itself.
    expect(
      await source(findCredentials(env({ GOOGLE_OAUTH_ACCESS_TOKEN: "ya29.inline" }))).token(),
    ).toBe("ya29.inline");
  });

  test("malformed inline credentials: the reason gives a position at most, never a fragment", () => {
    const key = JSON.stringify(serviceAccountKey());
    const truncated = key.slice(0, key.indexOf("PRIVATE KEY-----") + 40);
    const bad = findCredentials(env({ GOOGLE_CREDENTIALS: truncated }));
    const reason = bad.source ? "" : bad.reason;
    expect(reason).toMatch(
      /^GOOGLE_CREDENTIALS: the value \(neither an existing file nor JSON\) is not valid JSON( at position \d+)?$/,
    );
    // V8's own message would quote the text: 'Unexpected token ..., "{"type":"se"... is not valid JSON'.
    const wrong = findCredentials(env({ GOOGLE_CREDENTIALS: '{"private_key": secret-value}' }));
    expect(wrong.source ? "" : wrong.reason).toBe(
      "GOOGLE_CREDENTIALS: the value (neither an existing file nor JSON) is not valid JSON",
    );
    for (const r of [reason, wrong.source ? "" : wrong.reason]) {
      expect(r).not.toContain("PRIVATE");
      expect(r).not.toContain("secret-value");
      expect(r).not.toContain(SA);
    }
    const file = path.join(dir, "broken.json");
    fs.writeFileSync(file, '{"type": "service_account", "private_key": "MIIE');
    const fromFile = findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file }));
    expect(fromFile.source ? "" : fromFile.reason).toMatch(
      new RegExp(`^GOOGLE_APPLICATION_CREDENTIALS=${file}: the file is not valid JSON`),
    );
    expect(fromFile.source ? "" : fromFile.reason).not.toContain("MIIE");
  });
});

describe("external_account: AWS, workforce pools, one exchange for concurrent callers", () => {
  const wif = (over: Record<string, unknown> = {}) => {
    const subject = path.join(dir, "oidc-token");
    fs.writeFileSync(subject, GITHUB_OIDC_JWT);
    return write("wif.json", {
      type: "external_account",
      audience: AUDIENCE,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: `${fake.url}/v1/token`,
      credential_source: { file: subject },
      ...over,
    });
  };

  test("an AWS credential source (environment_id) is refused by name, nothing is fetched", () => {
    const file = wif({
      credential_source: {
        environment_id: "aws1",
        region_url: `${fake.url}/latest/meta-data/placement/availability-zone`,
        url: `${fake.url}/latest/meta-data/iam/security-credentials`,
        regional_cred_verification_url:
          "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
      },
    });
    const lookup = findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file }));
    expect(lookup.source ? "" : lookup.reason).toBe(
      `GOOGLE_APPLICATION_CREDENTIALS=${file} (external_account): external_account with an AWS credential source (environment_id "aws1") is not supported here; use a url or file credential source, or GOOGLE_OAUTH_ACCESS_TOKEN`,
    );
    expect(fake.requests).toHaveLength(0);
  });

  test("a workforce pool sends options={userProject}; OAuth client credentials go as Basic auth instead", async () => {
    const file = wif({ audience: WORKFORCE_AUDIENCE, workforce_pool_user_project: "wf-project" });
    expect(
      await source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file }))).token(),
    ).toBe("sts-federated");
    const sts = fake.requests.find((r) => r.path === "/v1/token");
    expect(JSON.parse(sts?.form.get("options") ?? "null")).toEqual({ userProject: "wf-project" });
    expect(sts?.headers.authorization).toBeUndefined();

    fake.requests.length = 0;
    const withClient = wif({
      audience: WORKFORCE_AUDIENCE,
      workforce_pool_user_project: "wf-project",
      client_id: "wf-client",
      client_secret: "wf-secret",
    });
    await source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: withClient }))).token();
    const second = fake.requests.find((r) => r.path === "/v1/token");
    expect(second?.form.has("options")).toBe(false);
    expect(second?.headers.authorization).toBe(
      `Basic ${Buffer.from("wf-client:wf-secret").toString("base64")}`,
    );

    const notWorkforce = wif({ workforce_pool_user_project: "wf-project" });
    const lookup = findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: notWorkforce }));
    expect(lookup.source ? "" : lookup.reason).toContain(
      "workforce_pool_user_project is set but the audience is not a workforce pool provider",
    );
  });

  test("concurrent callers share one token exchange (STS and impersonation once)", async () => {
    const file = wif({
      service_account_impersonation_url: `${fake.url}/v1/projects/-/serviceAccounts/${SA}:generateAccessToken`,
    });
    const s = source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file })));
    const tokens = await Promise.all(Array.from({ length: 6 }, () => s.token()));
    expect(new Set(tokens)).toEqual(new Set([`ya29.impersonated.${SA}`]));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/token",
      `POST /v1/projects/-/serviceAccounts/${SA}:generateAccessToken`,
    ]);
  });

  test("a failed exchange is not cached: the next call tries again", async () => {
    const file = wif({ audience: "//iam.googleapis.com/projects/9/locations/global/x" });
    const s = source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file })));
    const results = await Promise.allSettled([s.token(), s.token()]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await s.token().catch(() => undefined);
    expect(fake.requests.filter((r) => r.path === "/v1/token")).toHaveLength(2);
  });

  test("a malformed JSON subject token is reported without quoting it", async () => {
    const subject = path.join(dir, "subject.json");
    fs.writeFileSync(subject, `{"value": ${GITHUB_OIDC_JWT}}`);
    const file = wif({
      credential_source: {
        file: subject,
        format: { type: "json", subject_token_field_name: "value" },
      },
    });
    const err = await source(findCredentials(env({ GOOGLE_APPLICATION_CREDENTIALS: file })))
      .token()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(/: the subject token is not valid JSON( at position \d+)?$/);
    expect(err?.message).not.toContain("github-oidc");
  });
});
