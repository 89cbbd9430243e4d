import { decodeShares } from '../../../shared/store/tableTenantBudgetStore';

describe('the tenant budget row: its shares column', () => {
  const part = { steps: [[1_800_000_000_000, 12]], until: 1_800_000_001_250, want: 15, prior: 3, priorUntil: 1_800_000_001_005 };

  it('reads every instance part written as JSON', () => {
    expect(decodeShares(JSON.stringify({ a: part, b: { ...part, want: 40 } }))).toEqual({ a: part, b: { ...part, want: 40 } });
  });

  it('drops a part that is not whole (its instance writes it again at its next renewal) and keeps the others', () => {
    const broken = { a: part, b: { ...part, steps: [[1, 'x']] }, c: { ...part, until: null }, d: 'nonsense' };
    expect(decodeShares(JSON.stringify(broken))).toEqual({ a: part });
  });

  it('reads a column that is not JSON, or not an object, as no parts', () => {
    expect(decodeShares('{not json')).toBeUndefined();
    expect(decodeShares('42')).toBeUndefined();
  });
});
