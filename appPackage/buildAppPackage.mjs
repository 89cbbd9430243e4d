#!/usr/bin/env node
// Builds the Teams app package (manifest.json + color.png + outline.png in one zip) that a tenant admin
// uploads or a user side-loads. No dependencies: zlib is all a PNG and a zip need.
//
//   node appPackage/buildAppPackage.mjs                 # values from the environment, then azd's .env
//   node appPackage/buildAppPackage.mjs --draw-icons    # (re)draw the default color.png and outline.png
//
// Values: every ${{NAME}} in manifest.template.json is taken from the environment, else from the default azd
// environment's .azure/<env>/.env (written by `azd up`: BOT_APP_ID ...), else from the defaults below.
import { Buffer } from 'node:buffer';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outFile = join(here, 'build', 'teams-app.zip');
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---- CRC-32 (PNG chunks and zip entries) --------------------------------------------------------------
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- PNG: RGBA, 8 bits per channel, filter 0 -----------------------------------------------------------
function png(width, height, pixel) {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = pixel(x, y);
      raw.set([r, g, b, a], y * (width * 4 + 1) + 1 + x * 4);
    }
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, RGBA, deflate, filter 0, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A bell in unit coordinates (0..1): dome, flared body, rim and clapper. Antialiased by 4x4 supersampling.
function insideBell(u, v) {
  const dome = (u - 0.5) ** 2 / 0.24 ** 2 + (v - 0.42) ** 2 / 0.22 ** 2 <= 1 && v <= 0.42;
  const halfWidth = 0.24 + (v - 0.42) * 0.45;
  const body = v >= 0.42 && v <= 0.7 && Math.abs(u - 0.5) <= halfWidth;
  const rim = v >= 0.68 && v <= 0.74 && Math.abs(u - 0.5) <= 0.38;
  const clapper = (u - 0.5) ** 2 + (v - 0.8) ** 2 <= 0.065 ** 2;
  const knob = (u - 0.5) ** 2 + (v - 0.17) ** 2 <= 0.05 ** 2;
  return dome || body || rim || clapper || knob;
}
function coverage(x, y, size, inside) {
  let hits = 0;
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (inside((x + (i + 0.5) / 4) / size, (y + (j + 0.5) / 4) / size)) hits++;
  return hits / 16;
}

function drawIcons() {
  // Color: 192x192, white bell on the accent colour (Teams rounds the corners itself).
  const accent = [0x25, 0x63, 0xeb];
  const color = png(192, 192, (x, y) => {
    // The bell fills the middle 70% so it clears Teams' rounded corners.
    const bell = coverage(x, y, 192, (u, v) => insideBell((u - 0.15) / 0.7, (v - 0.15) / 0.7));
    return [0, 1, 2].map((c) => Math.round(accent[c] + (255 - accent[c]) * bell)).concat(255);
  });
  // Outline: 32x32, white on transparent, as Teams requires.
  const outline = png(32, 32, (x, y) => [255, 255, 255, Math.round(255 * coverage(x, y, 32, insideBell))]);
  writeFileSync(join(here, 'color.png'), color);
  writeFileSync(join(here, 'outline.png'), outline);
  console.log(`wrote ${relative(root, join(here, 'color.png'))} and ${relative(root, join(here, 'outline.png'))}`);
}

// ---- zip (deflate, no zip64: the package is a few kilobytes) --------------------------------------------
const dosDate1980 = (1 << 5) | 1; // year 0 (1980), month 1, day 1

function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    // Fixed time and date (00:00, 1980-01-01 in DOS format) so the same input gives the same zip.
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(dosDate1980, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(dosDate1980, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

// ---- values ---------------------------------------------------------------------------------------------
function readDotEnv(file) {
  const values = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (match === null) continue;
    let value = match[2];
    if (/^".*"$/.test(value)) value = JSON.parse(value);
    else if (/^'.*'$/.test(value)) value = value.slice(1, -1);
    values[match[1]] = value;
  }
  return values;
}
function azdValues() {
  const config = join(root, '.azure', 'config.json');
  const name = process.env.AZURE_ENV_NAME ?? (existsSync(config) ? JSON.parse(readFileSync(config, 'utf8')).defaultEnvironment : undefined);
  const file = name === undefined ? undefined : join(root, '.azure', name, '.env');
  return file !== undefined && existsSync(file) ? readDotEnv(file) : {};
}

function build() {
  const template = readFileSync(join(here, 'manifest.template.json'), 'utf8');
  const packageVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const fromAzd = azdValues();
  const value = (name) => process.env[name] ?? fromAzd[name];
  const botAppId = value('BOT_APP_ID');
  const defaults = {
    APP_VERSION: packageVersion,
    // The bot's app id is a GUID that is already unique to this deployment; reuse it unless told otherwise.
    TEAMS_APP_ID: botAppId,
    APP_SHORT_NAME: 'Notifications',
    DEVELOPER_NAME: 'Platform team',
    DEVELOPER_WEBSITE_URL: 'https://example.com',
    DEVELOPER_PRIVACY_URL: 'https://example.com/privacy',
    DEVELOPER_TERMS_URL: 'https://example.com/terms',
  };
  const missing = [];
  const manifestText = template.replace(/\$\{\{([A-Z0-9_]+)\}\}/g, (_, name) => {
    const v = value(name) ?? defaults[name];
    if (v === undefined || v === '') missing.push(name);
    // Values land inside JSON strings: escape them as JSON does.
    return JSON.stringify(v ?? '').slice(1, -1);
  });
  if (missing.length > 0) {
    console.error(`Missing ${[...new Set(missing)].join(', ')}: run \`azd up\` first, or set them in the environment.`);
    process.exit(1);
  }
  const manifest = JSON.parse(manifestText);
  for (const [field, id] of [['id', manifest.id], ['bots[0].botId', manifest.bots[0].botId]]) {
    if (!guid.test(id)) {
      console.error(`manifest ${field} must be a GUID, got "${id}"`);
      process.exit(1);
    }
  }
  const entries = [
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8') },
    { name: manifest.icons.color, data: readFileSync(join(here, manifest.icons.color)) },
    { name: manifest.icons.outline, data: readFileSync(join(here, manifest.icons.outline)) },
  ];
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, zip(entries));
  console.log(`wrote ${relative(root, outFile)} (app id ${manifest.id}, bot ${manifest.bots[0].botId}, version ${manifest.version})`);
}

if (process.argv.includes('--draw-icons')) drawIcons();
else build();
