/**
 * IAM wildcard patterns: `*` matches any run of characters (including none, and across `:` and `/`),
 * `?` exactly one; everything else is literal.
 *
 * Deliberately not compiled to a RegExp: patterns are written by policy authors and a backtracking
 * regex like `^.*a.*a.*a.*a.*b$` takes polynomial-to-catastrophic time on hostile input. Splitting at
 * `*` and placing each segment at its leftmost fit is linear per segment and always correct, because a
 * segment placed further left never leaves less room for the segments after it.
 */
export class WildcardPattern {
  private readonly segments: readonly string[];
  private readonly minimumLength: number;
  private readonly hasQuestionMark: boolean;

  /** `caseInsensitive` patterns must be tested against lower-cased text (see `test`). */
  constructor(
    readonly source: string,
    readonly caseInsensitive = false,
  ) {
    const normalized = caseInsensitive ? source.toLowerCase() : source;
    this.segments = normalized.split('*');
    this.minimumLength = normalized.length - (this.segments.length - 1);
    this.hasQuestionMark = normalized.includes('?');
  }

  get matchesEverything(): boolean {
    return this.segments.length > 1 && this.minimumLength === 0;
  }

  /** For a case-insensitive pattern `text` must already be lower-cased (done once per request, not per pattern). */
  test(text: string): boolean {
    const segments = this.segments;
    if (text.length < this.minimumLength) return false;
    const first = segments[0] ?? '';
    if (segments.length === 1) return text.length === first.length && this.fitsAt(first, text, 0);
    const last = segments[segments.length - 1] ?? '';
    const lastStart = text.length - last.length;
    if (!this.fitsAt(first, text, 0) || !this.fitsAt(last, text, lastStart)) return false;
    let position = first.length;
    for (let index = 1; index < segments.length - 1; index++) {
      const segment = segments[index] ?? '';
      if (segment.length === 0) continue;
      const found = this.leftmostFit(segment, text, position);
      if (found < 0 || found + segment.length > lastStart) return false;
      position = found + segment.length;
    }
    return true;
  }

  private fitsAt(segment: string, text: string, start: number): boolean {
    if (!this.hasQuestionMark) return text.startsWith(segment, start);
    for (let index = 0; index < segment.length; index++) {
      const expected = segment.charCodeAt(index);
      if (expected !== QUESTION_MARK && expected !== text.charCodeAt(start + index)) return false;
    }
    return true;
  }

  private leftmostFit(segment: string, text: string, from: number): number {
    if (!this.hasQuestionMark) return text.indexOf(segment, from);
    for (let start = from; start + segment.length <= text.length; start++) {
      if (this.fitsAt(segment, text, start)) return start;
    }
    return -1;
  }
}

const QUESTION_MARK = '?'.charCodeAt(0);

/** True if any of the patterns matches (an empty list matches nothing). */
export function anyPatternMatches(patterns: readonly WildcardPattern[], text: string): boolean {
  for (const pattern of patterns) if (pattern.test(text)) return true;
  return false;
}
