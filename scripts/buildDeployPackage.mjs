#!/usr/bin/env node
// Builds the Function App's deployment package exactly as it is deployed: host.json, a package.json without
// dev tooling, the compiled dist/ minus dist/test and dist/dev, and the production dependencies only. Then it
// zips it, prints the zipped size and file count, and fails above the budget.
//
//   npm run build && node scripts/buildDeployPackage.mjs        # stage in .deploy/api, zip to .deploy/api.zip
//   node scripts/buildDeployPackage.mjs --stage DIR --zip FILE  # elsewhere (CI stages outside the repository)
//
// azd runs it as the api service's prepackage hook (azure.yaml) and zips .deploy/api itself (`dist`, with
// remoteBuild off); Option B in the README deploys the zip this script writes. Nothing is downloaded: the
// production dependencies are copied from node_modules, as listed by `npm ls --omit=dev`, so the package holds
// the versions package-lock.json pins and that the tests ran against.
import { Buffer } from 'node:buffer';
import { execFileSync, execSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Budget of the zipped package: 8.2 MiB and 4,400 files when set. It leaves room for a dependency bump, not for
// a dev tool slipping in (typescript, esbuild, jest or azurite each add megabytes).
const defaultBudgetMiB = 12;

// Files no production code reads: source maps (Node uses them only with --enable-source-maps), type
// declarations, and the TypeScript sources some packages ship next to their JavaScript.
const unusedFile = /(\.map|\.d\.[cm]?ts|(?<!\.d)\.[cm]?ts|\.tsbuildinfo)$/;

function fail(message) {
  console.error(`buildDeployPackage: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = { stage: join(root, '.deploy', 'api'), zip: join(root, '.deploy', 'api.zip'), budgetMiB: defaultBudgetMiB };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--stage' && value !== undefined) options.stage = resolve(value);
    else if (argv[i] === '--zip' && value !== undefined) options.zip = resolve(value);
    else if (argv[i] === '--budget-mib' && Number(value) > 0) options.budgetMiB = Number(value);
    else fail(`unknown or incomplete argument ${argv[i]} (use --stage DIR, --zip FILE, --budget-mib N)`);
    i++;
  }
  return options;
}

// The stage is emptied before each run, so it must be a folder this script made: empty or missing, or holding
// the marker it writes. Anything else (a typo, the repository, /tmp) is left alone.
const stageMarker = '.deploy-package';

function prepareStage(stage) {
  if (existsSync(stage) && readdirSync(stage).length > 0) {
    if (!existsSync(join(stage, stageMarker))) fail(`refusing to empty ${stage}: it is not empty and was not staged by this script`);
    rmSync(stage, { recursive: true, force: true });
  }
  mkdirSync(stage, { recursive: true });
  writeFileSync(join(stage, stageMarker), 'Staged by scripts/buildDeployPackage.mjs; rebuilt on every run.\n');
}

/** Copies a directory tree, skipping unused files and, where asked, nested node_modules (listed on their own). */
function copyTree(from, to, { skipNodeModules = false, skipDirs = [] } = {}) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      if ((skipNodeModules && entry.name === 'node_modules') || skipDirs.includes(source)) continue;
      copyTree(source, target, { skipNodeModules, skipDirs });
    } else if (entry.isFile() && !unusedFile.test(entry.name)) {
      copyFileSync(source, target);
    }
  }
}

/** Directories of the production dependencies, as npm resolved them (nested copies included). */
function productionPackageDirs() {
  let output;
  try {
    output = execSync('npm ls --omit=dev --all --parseable', { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    fail(`npm ls --omit=dev failed: node_modules does not match package-lock.json; run npm ci.\n${error.stderr ?? error.message}`);
  }
  return output
    .split(/\r?\n/)
    .filter((line) => line !== '' && resolve(line) !== root)
    .map((line) => resolve(line));
}

function stagePackageJson(stage) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // What the Functions host and Node read at run time; scripts and dev tooling stay behind.
  const deployed = {
    name: manifest.name,
    version: manifest.version,
    private: true,
    type: manifest.type,
    main: manifest.main,
    engines: manifest.engines,
    dependencies: manifest.dependencies,
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);
  return deployed;
}

/** Every file under dir, as paths relative to it with forward slashes (zip entry names). */
function listFiles(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory()) return listFiles(join(dir, entry.name), `${name}/`);
    return entry.isFile() ? [name] : [];
  });
}

/**
 * Each package the deployed JavaScript requires by name is in the package: catches production code importing a
 * devDependency, which tests (with every dependency installed) never notice.
 */
function checkRequires(stage, files) {
  const builtins = new Set(builtinModules);
  const missing = new Set();
  for (const file of files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'))) {
    const code = readFileSync(join(stage, file), 'utf8');
    for (const [, specifier] of code.matchAll(/\brequire\("([^"./][^"]*)"\)/g)) {
      if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (!existsSync(join(stage, 'node_modules', name, 'package.json'))) missing.add(`${name} (required by ${file})`);
    }
  }
  if (missing.size > 0) fail(`the deployed code requires packages that are not production dependencies:\n  ${[...missing].join('\n  ')}`);
}

/**
 * Loads the entry point from the staged files, as the Functions host does, so a file the runtime needs but the
 * package lacks fails here. Staged outside the repository (as CI does), nothing else can satisfy a require.
 */
function checkLoads(stage, entry) {
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(`./${entry}`)})`], { cwd: stage, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    fail(`the staged package does not load (${entry}):\n${error.stderr ?? error.message}`);
  }
}

// ---- zip: stored names, deflate, fixed timestamps so the same tree gives the same bytes ------------------
const dosTime = 0;
const dosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01

/** The fields a local header (at 4) and a central directory header (at 6) share, in the same order. */
function writeEntryFields(header, at, fields, nameLength) {
  header.writeUInt16LE(20, at); // version needed: 2.0 (deflate)
  header.writeUInt16LE(0x0800, at + 2); // names are UTF-8
  header.writeUInt16LE(fields.method, at + 4);
  header.writeUInt16LE(dosTime, at + 6);
  header.writeUInt16LE(dosDate, at + 8);
  header.writeUInt32LE(fields.crc, at + 10);
  header.writeUInt32LE(fields.compressed, at + 14);
  header.writeUInt32LE(fields.size, at + 18);
  header.writeUInt16LE(nameLength, at + 22);
}

function writeZip(stage, files, zipFile) {
  if (files.length > 0xffff) fail(`${files.length} files: more than a zip without Zip64 holds`);
  mkdirSync(dirname(zipFile), { recursive: true });
  const fd = openSync(zipFile, 'w');
  const central = [];
  let offset = 0;
  const write = (buffer) => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  for (const name of files) {
    const data = readFileSync(join(stage, name));
    const deflated = deflateRawSync(data);
    const stored = deflated.length >= data.length;
    const body = stored ? data : deflated;
    const nameBytes = Buffer.from(name, 'utf8');
    const fields = { method: stored ? 0 : 8, crc: crc32(data), compressed: body.length, size: data.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, fields, nameBytes.length);
    central.push({ nameBytes, fields, offset });
    write(local);
    write(nameBytes);
    write(body);
  }
  const centralStart = offset;
  for (const { nameBytes, fields, offset: localOffset } of central) {
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the permission bits below apply
    writeEntryFields(header, 6, fields, nameBytes.length);
    header.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    header.writeUInt32LE(localOffset, 42);
    write(header);
    write(nameBytes);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length, 8);
  end.writeUInt16LE(central.length, 10);
  end.writeUInt32LE(offset - centralStart, 12);
  end.writeUInt32LE(centralStart, 16);
  write(end);
  closeSync(fd);
}

/** A path relative to the working directory when it lies below it, else absolute. */
function shownPath(path) {
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') ? path : shown;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (typeof crc32 !== 'function') fail(`Node ${process.version} lacks zlib.crc32; use Node 20.15 or later`);
  const entry = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).main;
  if (!existsSync(join(root, entry))) fail(`${entry} is missing: run npm run build first`);

  prepareStage(options.stage);
  copyFileSync(join(root, 'host.json'), join(options.stage, 'host.json'));
  const deployed = stagePackageJson(options.stage);
  const dist = join(root, 'dist');
  copyTree(dist, join(options.stage, 'dist'), { skipDirs: [join(dist, 'test'), join(dist, 'dev'), options.stage] });
  for (const dir of productionPackageDirs()) {
    copyTree(dir, join(options.stage, relative(root, dir)), { skipNodeModules: true });
  }

  const files = listFiles(options.stage).sort();
  for (const name of Object.keys(deployed.dependencies ?? {})) {
    if (!existsSync(join(options.stage, 'node_modules', name, 'package.json'))) fail(`dependency ${name} is not installed: run npm ci`);
  }
  checkRequires(options.stage, files);
  checkLoads(options.stage, entry);
  writeZip(options.stage, files, options.zip);

  const zipped = statSync(options.zip).size;
  const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  const unpacked = files.reduce((sum, f) => sum + statSync(join(options.stage, f)).size, 0);
  const dependencyFiles = files.filter((f) => f.startsWith('node_modules/')).length;
  console.log(
    `deploy package: ${mib(zipped)} MiB zipped (budget ${options.budgetMiB} MiB), ${files.length} files ` +
      `(${dependencyFiles} in node_modules), ${mib(unpacked)} MiB unpacked -> ${shownPath(options.zip)}`,
  );
  if (zipped > options.budgetMiB * 1024 * 1024) {
    fail(`${mib(zipped)} MiB zipped is over the ${options.budgetMiB} MiB budget: did a devDependency become a dependency?`);
  }
}

main();
