import type { acts } from './activities';
import type { WaveSlice } from './massUpgradeSteps';

/** Ids fetched per loadWavePage call. */
const PAGE = 100;

/** A wave's ids a page at a time: the workflow never carries the whole fleet in its history. */
export class WavePages {
  private page: { wave: number; offset: number; ids: string[] } | null = null;

  constructor(
    private readonly massUpgradeId: string,
    private readonly book: Pick<typeof acts, 'loadWavePage'>,
  ) {}

  /** The ids of `s`, from the loaded page or a fresh one; fewer than asked at the end of a page. */
  async ids(s: WaveSlice): Promise<string[]> {
    let p = this.page;
    if (!p || p.wave !== s.wave || s.offset < p.offset || s.offset >= p.offset + p.ids.length) {
      p = { wave: s.wave, offset: s.offset, ids: await this.book.loadWavePage({ massUpgradeId: this.massUpgradeId, ...s, limit: PAGE }) };
      this.page = p;
    }
    const from = s.offset - p.offset;
    return p.ids.slice(from, from + s.count);
  }
}
