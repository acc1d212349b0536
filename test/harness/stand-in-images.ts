/**
 * Stand-ins for the base images docker-compose.yml and the Dockerfile name, for machines that reach
 * no image registry (only Debian's mirror and the npm registry): a minimal Debian bookworm made with
 * debootstrap and imported, plus Debian's redis-server, haproxy or PostgreSQL, or the npm registry's Node build
 * (test/harness/stand-ins/*.Dockerfile), tagged with the real images' names. An image that is
 * already present and is not a stand-in (a real one, e.g. `docker load`ed from the cache's
 * docker-images/ folder) is used as it is. A real Docker host pulls the real images and never sees
 * these.
 *
 * Cached between runs in `cacheDir`: the base root file system as a tarball, and each stand-in as a
 * `docker save` tarball keyed by its recipe, so a second run neither debootstraps nor runs apt.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mountsUnder } from "./docker-engine-dir.js";
import { runCommand, type DockerEngine } from "./docker-engine.js";

const RECIPES = fileURLToPath(new URL("./stand-ins/", import.meta.url));
const POSTGRES_ENTRYPOINT = join(RECIPES, "postgres-entrypoint.sh");
/** Label on every stand-in: its recipe key. A present image without it is a real one. */
const RECIPE_LABEL = "live-chat.stand-in.recipe";
const SUITE = "bookworm";

export interface StandInOptions {
  /** Kept between runs: base root file system, saved stand-ins, and docker-images/ for real ones. @default $XDG_CACHE_HOME/live-chat or ~/.cache/live-chat */
  cacheDir: string;
  /** Debian mirror for debootstrap and for apt in the stand-ins. @default "http://deb.debian.org/debian" */
  mirror: string;
  /** Progress lines. @default console.log */
  log: (line: string) => void;
}

export type ImageSource = "present" | "loaded" | "built";

export interface ImageReport {
  image: string;
  source: ImageSource;
  /** True for a stand-in, false for a real image. */
  standIn: boolean;
  ms: number;
}

function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "live-chat");
}

const hash = (...parts: (string | Buffer)[]) => {
  const h = createHash("sha256");
  for (const part of parts) h.update(part).update("\0");
  return h.digest("hex").slice(0, 16);
};

/** The debootstrapped root's apt sources: Debian's, as in the debian:bookworm image. */
function aptSources(mirror: string): string {
  const security = mirror.replace(/\/debian\/?$/, "/debian-security");
  return [
    `Types: deb\nURIs: ${mirror}\nSuites: ${SUITE} ${SUITE}-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
    `Types: deb\nURIs: ${security}\nSuites: ${SUITE}-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
  ].join("\n");
}
/** Packages' maintainer scripts must not start services inside an image build. */
const POLICY_RC_D = "#!/bin/sh\nexit 101\n";

interface Recipe {
  /** Repository name of the image it stands in for. */
  repository: string;
  dockerfile: string;
  /** What goes into the image besides the Dockerfile and the base, for the cache key. */
  keyParts(tag: string): (string | Buffer)[];
  /** Fills the build context beside the Dockerfile (only when building). */
  prepare(context: string, tag: string): Promise<void>;
}

/** Node stand-in: the npm registry's build of the tag's major version, and the npm it ships with. */
function nodePackages(tag: string): { node: string; npm: string } {
  const major = /^node:(\d+)/.exec(tag)?.[1];
  if (!major) throw new Error(`no Node major version in ${tag}`);
  return { node: `node-linux-${process.arch}@${major}`, npm: major === "20" ? "npm@10" : "npm@latest" };
}

/** The CA bundle the host's Node trusts (NODE_EXTRA_CA_CERTS, else the system's), for npm inside builds. */
function hostCaBundle(): Buffer {
  for (const path of [process.env.NODE_EXTRA_CA_CERTS, "/etc/ssl/certs/ca-certificates.crt"]) {
    if (path && existsSync(path)) return readFileSync(path);
  }
  return Buffer.alloc(0);
}

async function npmPack(spec: string, dir: string): Promise<string> {
  const res = await runCommand("npm", ["pack", spec, "--pack-destination", dir, "--silent"], { timeoutMs: 300_000 });
  const file = res.stdout.trim().split("\n").pop() ?? "";
  if (res.code !== 0 || !file) throw new Error(`npm pack ${spec} failed:\n${res.stderr || res.stdout}`);
  return join(dir, file);
}

async function untar(archive: string, dir: string, member: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const res = await runCommand("tar", ["-xzf", archive, "-C", dir, member], { timeoutMs: 120_000 });
  if (res.code !== 0) throw new Error(`tar -xzf ${archive}: ${res.stderr}`);
}

const RECIPES_BY_REPOSITORY: Recipe[] = [
  {
    repository: "node",
    dockerfile: "node.Dockerfile",
    keyParts: (tag) => [...Object.values(nodePackages(tag)), hostCaBundle()],
    async prepare(context, tag) {
      const packages = nodePackages(tag);
      writeFileSync(join(context, "host-ca.crt"), hostCaBundle());
      const node = await npmPack(packages.node, context);
      await untar(node, join(context, "unpacked-node"), "package/bin/node");
      renameSync(join(context, "unpacked-node", "package", "bin", "node"), join(context, "node"));
      const npm = await npmPack(packages.npm, context);
      await untar(npm, join(context, "unpacked-npm"), "package");
      renameSync(join(context, "unpacked-npm", "package"), join(context, "npm"));
      for (const leftover of [node, npm, join(context, "unpacked-node"), join(context, "unpacked-npm")]) rmSync(leftover, { recursive: true, force: true });
    },
  },
  { repository: "redis", dockerfile: "redis.Dockerfile", keyParts: () => [], prepare: async () => {} },
  { repository: "haproxy", dockerfile: "haproxy.Dockerfile", keyParts: () => [], prepare: async () => {} },
  {
    repository: "postgres",
    dockerfile: "postgres.Dockerfile",
    keyParts: () => [readFileSync(POSTGRES_ENTRYPOINT)],
    async prepare(context) {
      copyFileSync(POSTGRES_ENTRYPOINT, join(context, "docker-entrypoint.sh"));
    },
  },
];

/**
 * Makes every image in `images` available to `engine`: present already (and not an outdated
 * stand-in), loaded from the cache, or built; throws for an image without a recipe.
 */
export async function provideImages(engine: DockerEngine, images: string[], options: Partial<StandInOptions> = {}): Promise<ImageReport[]> {
  const opts = { cacheDir: defaultCacheDir(), mirror: "http://deb.debian.org/debian", log: (line: string) => console.log(line), ...options } satisfies StandInOptions;
  const cache = join(opts.cacheDir, "docker-stand-ins");
  mkdirSync(cache, { recursive: true });
  const baseKey = hash(SUITE, "minbase", opts.mirror, aptSources(opts.mirror), POLICY_RC_D);
  const work = join(engine.dir, "stand-ins"); // under the engine: its teardown unmounts whatever debootstrap left mounted
  const reports: ImageReport[] = [];

  await loadRealImages(engine, join(opts.cacheDir, "docker-images"), opts.log);
  let baseTag: string | undefined;
  for (const image of [...new Set(images)]) {
    const started = Date.now();
    const labels = await imageLabels(engine, image);
    if (labels && !labels[RECIPE_LABEL]) {
      reports.push({ image, source: "present", standIn: false, ms: 0 });
      continue;
    }
    const repository = image.split(":")[0]?.split("/").pop() ?? "";
    const recipe = RECIPES_BY_REPOSITORY.find((r) => r.repository === repository);
    if (!recipe) {
      throw new Error(
        `no stand-in recipe for ${image}: add one in test/harness/stand-ins/, or put the real image (docker save) in ${join(opts.cacheDir, "docker-images")}`,
      );
    }
    const dockerfile = readFileSync(join(RECIPES, recipe.dockerfile), "utf8");
    const key = hash(baseKey, image, dockerfile, ...recipe.keyParts(image));
    if (labels?.[RECIPE_LABEL] === key) {
      reports.push({ image, source: "present", standIn: true, ms: Date.now() - started });
      continue;
    }
    const saved = join(cache, `${recipe.repository}-${key}.tar`);
    if (existsSync(saved)) {
      await mustRun(engine, ["load", "-i", saved], 300_000);
      reports.push({ image, source: "loaded", standIn: true, ms: Date.now() - started });
      continue;
    }
    baseTag ??= await provideBase(engine, cache, baseKey, opts.mirror, work, opts.log);
    opts.log(`stand-ins: building ${image} (${recipe.dockerfile})`);
    const context = join(work, recipe.repository);
    mkdirSync(context, { recursive: true });
    await recipe.prepare(context, image);
    writeFileSync(join(context, "Dockerfile"), dockerfile);
    // --network host: apt and the registry are reached from the host (the engine has no NAT).
    await mustRun(engine, ["build", "--network", "host", "--build-arg", `BASE=${baseTag}`, "--label", `${RECIPE_LABEL}=${key}`, "-t", image, context], 900_000);
    for (const old of readdirSync(cache)) if (old.startsWith(`${recipe.repository}-`) && old.endsWith(".tar")) rmSync(join(cache, old), { force: true });
    await mustRun(engine, ["save", "-o", `${saved}.${process.pid}.tmp`, image], 300_000);
    renameSync(`${saved}.${process.pid}.tmp`, saved);
    reports.push({ image, source: "built", standIn: true, ms: Date.now() - started });
  }
  rmSync(work, { recursive: true, force: true });
  return reports;
}

/** `docker load`s every tarball in `dir` (real images an operator saved there). */
async function loadRealImages(engine: DockerEngine, dir: string, log: (line: string) => void): Promise<void> {
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".tar")).sort()) {
    log(`stand-ins: loading ${file} from ${dir}`);
    await mustRun(engine, ["load", "-i", join(dir, file)], 300_000);
  }
}

/** Labels of a present image, or undefined when it is not present. */
async function imageLabels(engine: DockerEngine, image: string): Promise<Record<string, string> | undefined> {
  const res = await engine.docker(["image", "inspect", "--format", "{{json .Config.Labels}}", image]);
  if (res.code !== 0) return undefined;
  return (JSON.parse(res.stdout.trim() || "null") as Record<string, string> | null) ?? {};
}

/** The imported Debian base: from the cached tarball, or debootstrapped now (and cached). */
async function provideBase(engine: DockerEngine, cache: string, key: string, mirror: string, work: string, log: (line: string) => void): Promise<string> {
  const tag = `live-chat-stand-in/${SUITE}:${key}`;
  const tarball = join(cache, `${SUITE}-minbase-${key}.tar`);
  if (!existsSync(tarball)) {
    const root = join(work, "rootfs");
    log(`stand-ins: debootstrap --variant=minbase ${SUITE} from ${mirror}`);
    const res = await runCommand("debootstrap", ["--variant=minbase", SUITE, root, mirror], { timeoutMs: 900_000 });
    for (const point of mountsUnder(root)) await runCommand("umount", ["-l", point]);
    if (res.code !== 0) throw new Error(`debootstrap failed:\n${(res.stdout + res.stderr).split("\n").slice(-30).join("\n")}`);
    rmSync(join(root, "etc", "apt", "sources.list"), { force: true });
    writeFileSync(join(root, "etc", "apt", "sources.list.d", "debian.sources"), aptSources(mirror));
    writeFileSync(join(root, "usr", "sbin", "policy-rc.d"), POLICY_RC_D, { mode: 0o755 });
    for (const dir of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
      for (const entry of readdirSync(join(root, dir))) if (entry.endsWith(".deb") || dir.endsWith("lists")) rmSync(join(root, dir, entry), { recursive: true, force: true });
    }
    for (const old of readdirSync(cache)) if (old.startsWith(`${SUITE}-minbase-`)) rmSync(join(cache, old), { force: true });
    const tar = await runCommand("tar", ["-C", root, "--numeric-owner", "-cf", `${tarball}.${process.pid}.tmp`, "."], { timeoutMs: 300_000 });
    if (tar.code !== 0) throw new Error(`tar of the base root failed: ${tar.stderr}`);
    renameSync(`${tarball}.${process.pid}.tmp`, tarball);
    rmSync(root, { recursive: true, force: true });
  }
  await mustRun(engine, ["import", tarball, tag], 300_000);
  return tag;
}

async function mustRun(engine: DockerEngine, args: string[], timeoutMs: number): Promise<string> {
  const res = await engine.docker(args, { timeoutMs });
  if (res.code !== 0) throw new Error(`docker ${args.slice(0, 2).join(" ")} failed (${res.code}):\n${(res.stdout + res.stderr).split("\n").slice(-40).join("\n")}`);
  return res.stdout;
}
