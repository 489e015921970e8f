/**
 * A vendor's apt repository in miniature, for the vendor-repo suite: one .deb (dpkg-deb), its
 * Packages (dpkg-scanpackages) and a Release that lists it, signed with a throwaway OpenPGP key
 * made here, served over HTTPS with a throwaway CA (the recipe that uses it trusts that CA). Three
 * copies that differ in one thing each: signed, unsigned (no Release.gpg, no InRelease), and
 * tampered (Release changed after it was signed, its old signature kept).
 *
 * The server listens on the Docker bridge's gateway address: the legacy builder's RUN steps run
 * on that bridge, which reaches the host there and not on 127.0.0.1 (the builder has no host
 * network mode, and dockercask gives its builds none).
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sh } from "./helpers.ts";

export const PACKAGE = "dockercask-e2e-hello";
export const GREETING = "hello from the local repository";
export const SUITE = "stable";
export type RepoVariant = "signed" | "unsigned" | "tampered";

export interface LocalAptRepo {
  /** `https://<gateway>:<port>`. */
  origin: string;
  /** The primary fingerprint of the key that signs the repository. */
  fingerprint: string;
  /** The CA that the recipe must trust to fetch from origin (PEM). */
  caCertificate: string;
  /** The repository line dockercask-add-repo takes, for one variant. */
  repoLine(variant: RepoVariant): string;
  keyUrl: string;
  /** The signed repository's InRelease, as served. */
  inRelease: string;
  stop(): void;
}

async function run(command: string[], cwd?: string): Promise<string> {
  const proc = Bun.spawn(command, { cwd, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code}: ${stderr}`);
  return stdout;
}

/**
 * The host's address on the Docker bridge. A daemon that made docker0 itself names it as the
 * network's Gateway; one that found the interface already there (a fresh machine's first start
 * can be either) leaves Gateway out, and the interface's own IPv4 address is the same thing.
 */
async function bridgeGateway(): Promise<string> {
  const format = '{{range .IPAM.Config}}{{.Gateway}}{{end}}|{{index .Options "com.docker.network.bridge.name"}}';
  const [named = "", bridge = ""] = (await sh(["docker", "network", "inspect", "bridge", "-f", format])).stdout
    .trim()
    .split("|");
  // Not os.networkInterfaces(): it leaves out an interface without carrier, which docker0 is
  // while no container is attached.
  const own = async () =>
    /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(
      (await sh(["ip", "-4", "-o", "addr", "show", "dev", bridge || "docker0"])).stdout,
    )?.[1] ?? "";
  const gateway = /^\d+\.\d+\.\d+\.\d+$/.test(named) ? named : await own();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(gateway))
    throw new Error(`no gateway address for the Docker bridge (${bridge}): "${named}"`);
  return gateway;
}

export async function startLocalAptRepo(): Promise<LocalAptRepo> {
  const dir = mkdtempSync(join(tmpdir(), "dc-apt-"));
  const gateway = await bridgeGateway();
  const arch = (await run(["dpkg", "--print-architecture"])).trim();

  const { fingerprint, gnupg } = await makeSigningKey(dir);
  const tls = await makeCertificates(dir, gateway);
  const deb = await makePackage(dir);

  const signed = join(dir, "www/signed");
  const release = await makeRepository(signed, deb, arch);
  await run([
    "gpg",
    "--homedir",
    gnupg,
    "--batch",
    "--yes",
    "--local-user",
    fingerprint,
    "--armor",
    "--detach-sign",
    "--output",
    join(release, "Release.gpg"),
    join(release, "Release"),
  ]);
  await run([
    "gpg",
    "--homedir",
    gnupg,
    "--batch",
    "--yes",
    "--local-user",
    fingerprint,
    "--clearsign",
    "--output",
    join(release, "InRelease"),
    join(release, "Release"),
  ]);

  // The same files, without any signature.
  await makeRepository(join(dir, "www/unsigned"), deb, arch);
  // The same signed files, then one line of the Release changed; only the detached signature is
  // kept (an InRelease carries its own text, which apt would take instead).
  const tamperedRelease = await makeRepository(join(dir, "www/tampered"), deb, arch);
  writeFileSync(join(tamperedRelease, "Release.gpg"), readFileSync(join(release, "Release.gpg")));
  const original = readFileSync(join(release, "Release"), "utf8");
  writeFileSync(
    join(tamperedRelease, "Release"),
    original.replace("Label: dockercask-e2e", "Label: dockercask-e2e-evil"),
  );

  const key = await run(["gpg", "--homedir", gnupg, "--batch", "--armor", "--export", fingerprint]);
  writeFileSync(join(dir, "www/key.asc"), key);
  await run(["gpgconf", "--homedir", gnupg, "--kill", "gpg-agent"]).catch(() => "");

  const www = join(dir, "www");
  const server = Bun.serve({
    hostname: gateway,
    port: 0,
    tls: { cert: tls.cert, key: tls.key },
    fetch(request) {
      const path = decodeURIComponent(new URL(request.url).pathname);
      if (path.includes("..")) return new Response("no", { status: 400 });
      const file = Bun.file(join(www, path));
      return file.exists().then((yes) => (yes ? new Response(file) : new Response("not found", { status: 404 })));
    },
  });
  const origin = `https://${gateway}:${server.port}`;
  return {
    origin,
    fingerprint,
    caCertificate: tls.ca,
    keyUrl: `${origin}/key.asc`,
    inRelease: readFileSync(join(release, "InRelease"), "utf8"),
    repoLine: (variant) => `${origin}/${variant} ${SUITE} main`,
    stop() {
      server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function makeSigningKey(dir: string): Promise<{ fingerprint: string; gnupg: string }> {
  const gnupg = join(dir, "g");
  mkdirSync(gnupg, { mode: 0o700 });
  const gpg = ["gpg", "--homedir", gnupg, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""];
  await run([
    ...gpg,
    "--quick-generate-key",
    "dockercask e2e repository <e2e@dockercask.invalid>",
    "ed25519",
    "sign",
    "1d",
  ]);
  const colons = await run([...gpg, "--with-colons", "--list-keys"]);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in:\n${colons}`);
  return { fingerprint, gnupg };
}

async function makeCertificates(dir: string, ip: string): Promise<{ ca: string; cert: string; key: string }> {
  const at = (name: string) => join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run([
    "openssl",
    "req",
    "-x509",
    ...ec,
    "-days",
    "1",
    "-subj",
    "/CN=dockercask e2e CA",
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.crt"),
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  await run(["openssl", "req", ...ec, "-subj", `/CN=${ip}`, "-keyout", at("srv.key"), "-out", at("srv.csr")]);
  writeFileSync(at("srv.ext"), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  await run([
    "openssl",
    "x509",
    "-req",
    "-in",
    at("srv.csr"),
    "-CA",
    at("ca.crt"),
    "-CAkey",
    at("ca.key"),
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    at("srv.ext"),
    "-out",
    at("srv.crt"),
  ]);
  return {
    ca: readFileSync(at("ca.crt"), "utf8"),
    cert: readFileSync(at("srv.crt"), "utf8"),
    key: readFileSync(at("srv.key"), "utf8"),
  };
}

/** A package of one script that prints GREETING. */
async function makePackage(dir: string): Promise<string> {
  const root = join(dir, "pkg");
  mkdirSync(join(root, "DEBIAN"), { recursive: true });
  mkdirSync(join(root, "usr/bin"), { recursive: true });
  writeFileSync(
    join(root, "DEBIAN/control"),
    `Package: ${PACKAGE}\nVersion: 1.0\nArchitecture: all\nMaintainer: dockercask e2e <e2e@dockercask.invalid>\nDescription: prints a greeting (dockercask e2e)\n`,
  );
  writeFileSync(join(root, `usr/bin/${PACKAGE}`), `#!/bin/sh\necho '${GREETING}'\n`, { mode: 0o755 });
  const deb = join(dir, `${PACKAGE}_1.0_all.deb`);
  await run(["dpkg-deb", "--root-owner-group", "--build", root, deb]);
  return deb;
}

/** pool/, dists/SUITE/main/binary-ARCH/Packages and an unsigned dists/SUITE/Release; returns dists/SUITE. */
async function makeRepository(top: string, deb: string, arch: string): Promise<string> {
  mkdirSync(join(top, "pool"), { recursive: true });
  writeFileSync(join(top, "pool", deb.split("/").pop()!), readFileSync(deb));
  const packages = await run(["dpkg-scanpackages", "--multiversion", "pool", "/dev/null"], top);
  const index = `main/binary-${arch}/Packages`;
  const release = join(top, "dists", SUITE);
  mkdirSync(join(release, `main/binary-${arch}`), { recursive: true });
  writeFileSync(join(release, index), packages);
  const sha256 = createHash("sha256").update(packages).digest("hex");
  // A minute in the past: apt refuses a Release dated in the future.
  const date = new Date(Date.now() - 60_000).toUTCString().replace("GMT", "UTC");
  writeFileSync(
    join(release, "Release"),
    `Origin: dockercask-e2e\nLabel: dockercask-e2e\nSuite: ${SUITE}\nCodename: ${SUITE}\nDate: ${date}\nArchitectures: ${arch}\nComponents: main\nSHA256:\n ${sha256} ${Buffer.byteLength(packages)} ${index}\n`,
  );
  return release;
}
