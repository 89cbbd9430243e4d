import path from 'node:path';

import { defaultEmulatorCaDir, emulatorCaDirVariable } from '../../../dev/emulatorCa';

describe('where the emulator CA lives', () => {
  const saved = process.env[emulatorCaDirVariable];
  afterEach(() => {
    if (saved === undefined) delete process.env[emulatorCaDirVariable];
    else process.env[emulatorCaDirVariable] = saved;
  });

  it('is inside this checkout (git-ignored .data/), never a folder shared with other checkouts or users', () => {
    delete process.env[emulatorCaDirVariable];
    const checkout = path.resolve(__dirname, '../../..');
    expect(defaultEmulatorCaDir()).toBe(path.join(checkout, '.data', 'emulator-ca'));
  });

  it('moves where TEAMS_EMULATOR_CA_DIR says', () => {
    process.env[emulatorCaDirVariable] = '/somewhere/else';
    expect(defaultEmulatorCaDir()).toBe('/somewhere/else');
  });
});
