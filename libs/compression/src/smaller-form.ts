// "Never worse than the simple way": a frame payload has two forms — the delta encoding and plain JSON —
// and after compression the smaller one is kept. Comparing costs a decode, a JSON.stringify and a second
// compression (~2–3.5 µs per event on the demo streams, several times the compression itself), so a stream
// whose delta form keeps winning by a clear margin is only sampled; any frame where the margin narrows puts it
// back to a comparison on every frame.
import type { AutoCodecChooser } from './chooser';
import { compressFrame, type CompressedFramePayload, type CompressionPolicy, type MicrosClock } from './frame-payload';

export interface FormCheckOptions {
  /**
   * The delta form "wins clearly" when it is at most this fraction of the JSON form's bytes. Default 0.75: the
   * demo trades sit at ~0.45 and the sensors at ~0.27, so both are sampled; a stream within 25% of its JSON form
   * is compared on every frame.
   */
  readonly clearWinRatio?: number;
  /** Clear wins in a row after which frames are only sampled. Default 8. */
  readonly clearWinsBeforeSampling?: number;
  /** While sampling, one frame in this many is compared. Default 16. */
  readonly sampleEvery?: number;
}

/** Per stream: whether the next frame's two forms are compared. Pure state, no clock. */
export class FormCheck {
  private readonly clearWinRatio: number;
  private readonly clearWinsBeforeSampling: number;
  private readonly sampleEvery: number;
  private clearWins = 0;
  private skipped = 0;

  constructor(options: FormCheckOptions = {}) {
    this.clearWinRatio = options.clearWinRatio ?? 0.75;
    this.clearWinsBeforeSampling = options.clearWinsBeforeSampling ?? 8;
    this.sampleEvery = options.sampleEvery ?? 16;
    if (!(this.clearWinRatio > 0 && this.clearWinRatio <= 1)) throw new RangeError(`clearWinRatio must be in (0, 1] (got ${this.clearWinRatio})`);
    for (const [name, value] of [['clearWinsBeforeSampling', this.clearWinsBeforeSampling], ['sampleEvery', this.sampleEvery]] as const) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1 (got ${value})`);
    }
  }

  /** True when this frame is to be compared (called once per frame). */
  due(): boolean {
    if (this.clearWins < this.clearWinsBeforeSampling) return true;
    this.skipped += 1;
    if (this.skipped < this.sampleEvery) return false;
    this.skipped = 0;
    return true;
  }

  /** The sizes of both forms of a compared frame. */
  record(primaryBytes: number, alternativeBytes: number): void {
    this.clearWins = primaryBytes <= alternativeBytes * this.clearWinRatio ? this.clearWins + 1 : 0;
  }
}

export interface PayloadForms {
  /** The form the payload is in (the delta encoding). */
  readonly primary: Uint8Array;
  /** The other form (JSON), made only when compared; undefined when it cannot carry the payload exactly. */
  readonly alternative: () => Uint8Array | undefined;
}

export type FormChoice = CompressedFramePayload & { readonly form: 'primary' | 'alternative' };

/**
 * Compresses the primary form by `policy` (the chooser learns from it alone), and — when `check` says so —
 * the alternative form with the very codec and level chosen for the primary; returns the smaller (the
 * primary on a tie). Frames that go out uncompressed (under `minBytes`, or incompressible) are not compared:
 * the rule is "no worse than JSON with the same codec", and uncompressed JSON repeats every key of every
 * record.
 */
export function compressSmallerForm(forms: PayloadForms, policy: CompressionPolicy, check: FormCheck, chooser?: AutoCodecChooser, clock?: MicrosClock): FormChoice {
  const primary = compressFrame(forms.primary, policy, chooser, clock);
  if (primary.codec === 'none' || !check.due()) return { ...primary, form: 'primary' };
  const alternativeBytes = forms.alternative();
  if (alternativeBytes === undefined) return { ...primary, form: 'primary' };
  const alternative = compressFrame(alternativeBytes, { codec: primary.codec, level: primary.level, minBytes: 0, fallback: policy.fallback, fallbackLevel: policy.fallbackLevel });
  check.record(primary.payload.byteLength, alternative.payload.byteLength);
  return alternative.payload.byteLength < primary.payload.byteLength ? { ...alternative, form: 'alternative' } : { ...primary, form: 'primary' };
}
