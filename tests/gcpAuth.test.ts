import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLOUD_PLATFORM_SCOPE, findCredentials, TokenSource } from "../components/gcpAuth";
import { googleRequest } from "../components/googleHttp";
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
        f.get("audience") === AUDIENCE &&
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
    expect(lookup.source ? "" : lookup.reason).toContain(
      "executable and AWS sources are not supported",
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
