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
import { execFileSync, execSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';

import yazl from 'yazl';

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

/**
 * Directories of the production dependencies, as npm resolved them (nested copies included). npm ls fails on a
 * missing or mismatched dependency, so the list is complete when it returns.
 */
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

function stagePackageJson(stage, manifest) {
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

// ---- zip: yazl, with fixed timestamps and modes so the same tree gives the same bytes ------------------
const { ZipFile } = yazl;
const fixedTime = new Date(1980, 0, 1);

async function writeZip(stage, files, zipFile) {
  mkdirSync(dirname(zipFile), { recursive: true });
  const zip = new ZipFile();
  for (const name of files) zip.addFile(join(stage, name), name, { mtime: fixedTime, mode: 0o100644 });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipFile));
}

/** A path relative to the working directory when it lies below it, else absolute. */
function shownPath(path) {
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') ? path : shown;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entry = manifest.main;
  if (!existsSync(join(root, entry))) fail(`${entry} is missing: run npm run build first`);

  prepareStage(options.stage);
  copyFileSync(join(root, 'host.json'), join(options.stage, 'host.json'));
  stagePackageJson(options.stage, manifest);
  const dist = join(root, 'dist');
  copyTree(dist, join(options.stage, 'dist'), { skipDirs: [join(dist, 'test'), join(dist, 'dev'), options.stage] });
  for (const dir of productionPackageDirs()) {
    copyTree(dir, join(options.stage, relative(root, dir)), { skipNodeModules: true });
  }

  const files = listFiles(options.stage).sort();
  checkRequires(options.stage, files);
  checkLoads(options.stage, entry);
  await writeZip(options.stage, files, options.zip);

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

await main();
