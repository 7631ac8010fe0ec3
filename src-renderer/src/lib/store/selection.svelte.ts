/**
 * What the user picked: the frame, a code, a cell of the token grid, the level of a residual /
 * grouped quantizer; and the details of the picked code (where it occurs, its decoded prototype).
 * Pure transitions live in logic/selection.ts; this part adds the service calls they trigger.
 */
import type { CodeOccurrence, DecodedFrame, TokenFrame } from '../../../../src-main/contract/index';
import * as S from '../logic/selection';
import type { Selection } from '../logic/selection';
import { messageOf, type StoreHost } from './host';

export interface SelectionHost extends StoreHost {
  /** The tokens of the frame shown (a click on a cell picks its code). */
  readonly tokens: TokenFrame | null;
  /** The level changed: the codebook view shows that level's codebook. */
  loadCodebook(): Promise<void>;
}

export class SelectionStore {
  sel = $state.raw<Selection>(S.emptySelection());
  occurrences = $state.raw<CodeOccurrence[] | null>(null);
  prototype = $state.raw<DecodedFrame | null>(null);
  healthNote = $state<string | null>(null);

  constructor(private readonly host: SelectionHost) {}

  reset(length: number): void {
    this.sel = S.resetForSource(length);
  }

  selectCode(code: number | null): void {
    const t = this.host.tokens;
    const cellCode = this.sel.cell && t ? S.tokenAt(t, this.sel.cell.row, this.sel.cell.col, this.sel.level) : null;
    this.sel = S.selectCode(this.sel, code, cellCode);
    void this.loadCodeDetails();
  }

  selectCell(cell: S.Cell | null): void {
    this.sel = S.selectCell(this.sel, cell, this.host.tokens);
    void this.loadCodeDetails();
  }

  setLevel(level: number): void {
    const depth = this.host.tokens?.depth ?? 1;
    const next = S.setLevel(this.sel, level, depth);
    if (next !== this.sel) {
      this.sel = next;
      void this.host.loadCodebook();
    }
  }

  /** Where the picked code occurs and what it decodes to; a later pick supersedes this one. */
  async loadCodeDetails(): Promise<void> {
    const c = this.host.client;
    const code = this.sel.code;
    this.occurrences = null;
    this.prototype = null;
    if (!c || code === null) return;
    try {
      const [occ, proto] = await Promise.all([
        c.codeOccurrences(code, this.sel.level),
        c.codePrototype(code).catch((e: unknown) => {
          this.healthNote = `prototype: ${messageOf(e)}`;
          return null;
        }),
      ]);
      if (this.sel.code !== code) return;
      this.occurrences = occ;
      this.prototype = proto;
    } catch (e) {
      this.healthNote = messageOf(e);
    }
  }
}
