import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

import { readBicep, repoRoot } from './bicepSource';

/** The Teams app manifest template and icons in appPackage/ meet Teams' rules and match the deployment. */
const appPackage = join(repoRoot, 'appPackage');
const templateText = readFileSync(join(appPackage, 'manifest.template.json'), 'utf8');
const template = JSON.parse(templateText) as {
  manifestVersion: string;
  id: string;
  version: string;
  icons: { color: string; outline: string };
  accentColor: string;
  bots: { botId: string; scopes: string[] }[];
  webApplicationInfo?: { id: string; resource: string };
};

interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  pixels: Buffer;
}

/** Decodes a non-interlaced 8-bit RGB or RGBA PNG (all five row filters). */
function decodePng(file: string): DecodedPng {
  const data = readFileSync(join(appPackage, file));
  expect(data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('ascii', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8]).toBe(8);
      expect(body[12]).toBe(0);
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const left = x >= channels ? rows[y * stride + x - channels]! : 0;
      const up = y > 0 ? rows[(y - 1) * stride + x]! : 0;
      const upLeft = x >= channels && y > 0 ? rows[(y - 1) * stride + x - channels]! : 0;
      const paeth = (): number => {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      };
      const predictor = [0, left, up, (left + up) >> 1, paeth()][filter!]!;
      rows[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  const pixels = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    pixels[i * 4] = rows[i * channels]!;
    pixels[i * 4 + 1] = rows[i * channels + 1]!;
    pixels[i * 4 + 2] = rows[i * channels + 2]!;
    pixels[i * 4 + 3] = channels === 4 ? rows[i * channels + 3]! : 255;
  }
  return { width, height, pixels };
}

describe('Teams app package (appPackage/)', () => {
  it('fills the bot id from the deployment output', () => {
    const bicepOutputs = [...readBicep('main.bicep').text.matchAll(/^output (\w+) /gm)].map((m) => m[1]!);
    const placeholders = new Set([...templateText.matchAll(/\$\{\{([A-Z0-9_]+)\}\}/g)].map((m) => m[1]!));
    expect(template.bots).toHaveLength(1);
    expect(template.bots[0]!.botId).toBe('${{BOT_APP_ID}}');
    expect(bicepOutputs).toContain('BOT_APP_ID');
    expect(template.id).toBe('${{TEAMS_APP_ID}}');
    for (const name of placeholders) expect(name).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
  });

  it("names the bot's Entra app in webApplicationInfo, which Graph's TeamsAppInstallation…Self permissions require (proactive installation)", () => {
    expect(template.webApplicationInfo).toEqual({ id: '${{BOT_APP_ID}}', resource: 'api://botid-${{BOT_APP_ID}}' });
  });

  it('installs in personal, team and group chat scopes so every target kind can be reached', () => {
    expect([...template.bots[0]!.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
  });

  it('declares a current manifest schema and a valid accent colour', () => {
    expect(Number(template.manifestVersion)).toBeGreaterThanOrEqual(1.19);
    expect(templateText).toContain(`/v${template.manifestVersion}/MicrosoftTeams.schema.json`);
    expect(template.accentColor).toMatch(/^#[0-9A-Fa-f]{6}$/);
  });

  it('ships a 192x192 colour icon', () => {
    const color = decodePng(template.icons.color);
    expect([color.width, color.height]).toEqual([192, 192]);
  });

  it('ships a 32x32 outline icon that is white on transparent', () => {
    const outline = decodePng(template.icons.outline);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let transparent = 0;
    let opaque = 0;
    for (let i = 0; i < outline.pixels.length; i += 4) {
      const [r, g, b, a] = outline.pixels.subarray(i, i + 4);
      if (a === 0) transparent++;
      else {
        opaque++;
        expect([r, g, b]).toEqual([255, 255, 255]);
      }
    }
    expect(transparent).toBeGreaterThan(0);
    expect(opaque).toBeGreaterThan(0);
  });
});
