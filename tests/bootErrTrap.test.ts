/**
 * The ERR trap of components/cluster/startup/report.sh, run by bash on its own (no sandbox): which
 * command a failure message blames. In a failing pipeline bash's $BASH_COMMAND is the
 * pipeline's last command while pipefail took the status of a failed earlier one, so the
 * message must say it is a pipeline and give every command's status.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./harness/stackConfig";
import { TOOLS, describeWith } from "./harness/tools";

const REPORT = fs.readFileSync(
  path.join(ROOT, "components", "cluster", "startup", "report.sh"),
  "utf8",
);

/** Runs `body` after the same preamble as a rendered startup script; curl records its PUTs. */
function run(body: string[]): {
  code: number | null;
  stderr: string;
  errorLine: number;
  puts: string;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "errtrap-"));
  try {
    fs.mkdirSync(path.join(dir, "bin"));
    // Guest-attribute writes: recorded (the value follows --data-raw), then refused at once.
    fs.writeFileSync(
      path.join(dir, "bin", "curl"),
      `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >>"${dir}/puts"\nexit 7\n`,
      { mode: 0o755 },
    );
    const head = [
      "#!/usr/bin/env bash",
      "set -euo pipefail",
      "shopt -s lastpipe",
      "ROLE=server BOOT_NAMESPACE=hashistack BOOT_KEY_STATUS=boot-status",
      "BOOT_KEY_STEP=boot-step BOOT_KEY_ERROR=boot-error",
      REPORT,
    ].join("\n");
    const script = `${head}\n${body.join("\n")}\n`;
    fs.writeFileSync(path.join(dir, "script.sh"), script);
    const r = spawnSync("bash", [path.join(dir, "script.sh")], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? ""}` },
    });
    const puts = fs.existsSync(path.join(dir, "puts"))
      ? fs.readFileSync(path.join(dir, "puts"), "utf8")
      : "";
    return { code: r.status, stderr: r.stderr, errorLine: head.split("\n").length + 1, puts };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describeWith([TOOLS.bash], "the boot script's ERR trap names the failing command", () => {
  test("a pipeline whose first command fails: named as a pipeline, with each command's status", () => {
    const r = run(["false | cat", "echo not reached"]);
    const message = `line ${r.errorLine}: pipeline ending in cat failed with status 1 (statuses in order: 1 0)`;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `hashistack-startup[server]: FAILED at step start: ${message}\n`.concat(
        "hashistack-startup[server]: could not write guest attribute hashistack/boot-status (guest attributes disabled or metadata server down)\n",
        "hashistack-startup[server]: could not write guest attribute hashistack/boot-error (guest attributes disabled or metadata server down)\n",
      ),
    );
    expect(r.puts).toContain(`--data-raw start: ${message} `);
  });

  test("a pipeline in a function, three commands: the first failure's statuses are kept", () => {
    const r = run(["f() {", "  true | false | cat", "}", "f"]);
    expect(r.stderr.split("\n")[0]).toBe(
      `hashistack-startup[server]: FAILED at step start: line ${r.errorLine + 1}: pipeline ending in cat failed with status 1 (statuses in order: 0 1 0)`,
    );
  });

  test("a single command: named as it is", () => {
    const r = run(["false", "echo not reached"]);
    expect(r.stderr.split("\n")[0]).toBe(
      `hashistack-startup[server]: FAILED at step start: line ${r.errorLine}: false exited with status 1`,
    );
  });
});
