// Per-stream automatic codec choice. Pure and deterministic: no clock, no randomness — the caller
// measures compression time and feeds it in, so tests (and replays) give the same decisions.
import { type CodecChoice, choiceKey, normalizeChoice } from './codec';

/** Every codec at its default level; `none` competes too, so incompressible streams stop paying CPU. */
export const DEFAULT_AUTO_CANDIDATES: readonly CodecChoice[] = [
  { codec: 'zstd', level: 3 },
  { codec: 'lz4' },
  { codec: 'snappy' },
  { codec: 'gzip', level: 6 },
  { codec: 'brotli', level: 5 },
  { codec: 'none' },
];

export interface AutoChooserOptions {
  /** Codecs (with levels) to choose from; default DEFAULT_AUTO_CANDIDATES. */
  readonly candidates?: readonly CodecChoice[];
  /** Starting codec; must be a candidate. Default: the first candidate. */
  readonly initial?: CodecChoice;
  /** On average one frame in N also trials one other candidate, to refresh its stats. Default 4. */
  readonly trialEvery?: number;
  /** EWMA weight of a new measurement, 0 < alpha <= 1. Default 0.2 (about the last 5 samples). */
  readonly alpha?: number;
  /** Bytes of saving one µs of compression CPU must buy to be worth it. Default 1. */
  readonly cpuCostBytesPerMicro?: number;
  /** A challenger must be this much cheaper (fraction of the current codec's cost). Default 0.1. */
  readonly switchMargin?: number;
  /** ...and cheaper by at least this fraction of the raw size (ignores negligible gains). Default 0.005. */
  readonly minAdvantage?: number;
  /** Consecutive winning trials of the same challenger before switching to it. Default 3. */
  readonly confirmations?: number;
}

/** What to compress one frame with: `primary` is sent; `trial`, if any, is compressed only to measure it. */
export interface FramePlan {
  readonly primary: CodecChoice;
  readonly trial?: CodecChoice;
}

/** One measured compression of one frame. */
export interface CompressionSample {
  readonly choice: CodecChoice;
  readonly rawBytes: number;
  readonly compressedBytes: number;
  /** Compression time in microseconds (the compressor measures it with process.hrtime). */
  readonly micros: number;
}

/** A candidate's current estimate, for metrics and debugging. */
export interface CandidateStats {
  readonly choice: CodecChoice;
  readonly samples: number;
  /** EWMA of compressed / raw. */
  readonly ratio: number;
  readonly microsPerKiB: number;
  /** Estimated net benefit per frame of typical size, in bytes; higher is better. NaN until measured. */
  readonly score: number;
  /**
   * EWMA of its score minus the current codec's score on the same frames (paired trials), in bytes
   * per typical frame; NaN for the current codec and until paired since the last switch.
   */
  readonly advantage: number;
  /** Consecutive trials in which it beat the current codec by the margin (see README). */
  readonly streak: number;
}

interface Candidate {
  readonly choice: CodecChoice;
  readonly key: string;
  samples: number;
  ratio: number;
  microsPerKiB: number;
  /** Paired per-byte score difference versus the current codec (EWMA); reset when the current changes. */
  advantage: number;
  pairedSamples: number;
  streak: number;
}

/**
 * 1/φ. A frame n is a trial frame when frac(n / φ) < 1 / trialEvery: density exactly 1/trialEvery, but
 * never periodic, so stream content that repeats with some period (every other frame a snapshot, say)
 * cannot line up with the trials and bias them. Gaps between trials take at most three values.
 */
const INVERSE_GOLDEN_RATIO = (Math.sqrt(5) - 1) / 2;

/**
 * Picks a stream's codec from measured ratio and CPU, with hysteresis.
 *
 * Per frame call `plan()`, compress with `primary` (and `trial` when present), then `record()` each
 * measurement. Scoring and switching rules are documented in the README ("Automatic codec choice").
 */
export class AutoCodecChooser {
  private readonly candidates: readonly Candidate[];
  private readonly trialEvery: number;
  private readonly alpha: number;
  private readonly cpuCost: number;
  private readonly switchMargin: number;
  private readonly minAdvantage: number;
  private readonly confirmations: number;
  private currentIndex: number;
  private frames = 0;
  /** Round-robin position for the next scheduled trial. */
  private nextTrial = 0;
  /** EWMA of raw frame size: the common "typical frame" every score is expressed for. */
  private typicalRawBytes = 0;
  /** The current codec's per-byte score on frame `primaryFrame`, to pair with a trial on the same frame. */
  private primaryFrame = -1;
  private primaryScore = 0;
  private switchCount = 0;

  constructor(options: AutoChooserOptions = {}) {
    const choices = (options.candidates ?? DEFAULT_AUTO_CANDIDATES).map(normalizeChoice);
    if (choices.length === 0) throw new RangeError('AutoCodecChooser needs at least one candidate');
    const keys = choices.map(choiceKey);
    if (new Set(keys).size !== keys.length) throw new RangeError(`duplicate candidates: ${keys.join(', ')}`);
    this.candidates = choices.map((choice, i) => ({
      choice,
      key: keys[i] ?? choiceKey(choice),
      samples: 0,
      ratio: 1,
      microsPerKiB: 0,
      advantage: 0,
      pairedSamples: 0,
      streak: 0,
    }));

    this.trialEvery = positiveInteger('trialEvery', options.trialEvery ?? 4);
    this.confirmations = positiveInteger('confirmations', options.confirmations ?? 3);
    this.alpha = options.alpha ?? 0.2;
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1] (got ${this.alpha})`);
    this.cpuCost = nonNegative('cpuCostBytesPerMicro', options.cpuCostBytesPerMicro ?? 1);
    this.switchMargin = nonNegative('switchMargin', options.switchMargin ?? 0.1);
    this.minAdvantage = nonNegative('minAdvantage', options.minAdvantage ?? 0.005);

    const initialKey = options.initial === undefined ? keys[0] : choiceKey(normalizeChoice(options.initial));
    this.currentIndex = keys.indexOf(initialKey ?? '');
    if (this.currentIndex < 0) throw new RangeError(`initial codec ${initialKey} is not a candidate`);
  }

  /** The codec frames are currently sent with. */
  get current(): CodecChoice {
    return this.currentCandidate.choice;
  }

  /** How many times the choice changed (for metrics; a steadily rising count means flapping). */
  get switches(): number {
    return this.switchCount;
  }

  /**
   * The plan for the next frame. Until every candidate has one measurement, each frame trials the
   * next unmeasured one (warm-up); afterwards one frame in `trialEvery` (deterministic, see
   * INVERSE_GOLDEN_RATIO) trials the next other candidate in round-robin order.
   */
  plan(): FramePlan {
    this.frames++;
    const primary = this.current;
    if (this.candidates.length === 1) return { primary };
    const unmeasured = this.candidates.find((c, i) => i !== this.currentIndex && c.samples === 0);
    if (unmeasured !== undefined) return { primary, trial: unmeasured.choice };
    if ((this.frames * INVERSE_GOLDEN_RATIO) % 1 >= 1 / this.trialEvery) return { primary };
    this.nextTrial = (this.nextTrial + 1) % this.candidates.length;
    if (this.nextTrial === this.currentIndex) this.nextTrial = (this.nextTrial + 1) % this.candidates.length;
    return { primary, trial: this.candidates[this.nextTrial]?.choice ?? primary };
  }

  /**
   * Feeds one measurement. A sample of the current codec updates its stats and the typical frame
   * size; a sample of another candidate (a trial) updates that candidate and, when the current codec
   * was recorded on the same frame (record the primary first), is compared with it and may switch.
   * Samples of empty frames carry no ratio and are ignored. RangeError for a codec that is not a
   * candidate, or negative / non-finite numbers.
   */
  record(sample: CompressionSample): void {
    const index = this.indexOf(sample.choice);
    const { rawBytes, compressedBytes, micros } = sample;
    for (const [name, value] of [['rawBytes', rawBytes], ['compressedBytes', compressedBytes], ['micros', micros]] as const) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0 (got ${value})`);
    }
    if (rawBytes === 0) return;
    const candidate = this.candidates[index];
    if (candidate === undefined) return;
    const ratio = compressedBytes / rawBytes;
    const microsPerKiB = (micros * 1024) / rawBytes;
    if (candidate.samples === 0) {
      // Seed with the first sample rather than averaging against an arbitrary prior.
      candidate.ratio = ratio;
      candidate.microsPerKiB = microsPerKiB;
    } else {
      candidate.ratio += this.alpha * (ratio - candidate.ratio);
      candidate.microsPerKiB += this.alpha * (microsPerKiB - candidate.microsPerKiB);
    }
    candidate.samples++;

    const score = this.scoreOf(ratio, microsPerKiB);
    if (index === this.currentIndex) {
      this.typicalRawBytes = this.typicalRawBytes === 0 ? rawBytes : this.typicalRawBytes + this.alpha * (rawBytes - this.typicalRawBytes);
      this.primaryFrame = this.frames;
      this.primaryScore = score;
    } else if (this.primaryFrame === this.frames) {
      this.evaluate(index, score - this.primaryScore);
    }
  }

  /** Every candidate's estimate, in candidate order. */
  stats(): CandidateStats[] {
    return this.candidates.map((c) => ({
      choice: c.choice,
      samples: c.samples,
      ratio: c.ratio,
      microsPerKiB: c.microsPerKiB,
      score: c.samples === 0 ? Number.NaN : this.scoreOf(c.ratio, c.microsPerKiB) * this.typicalRawBytes,
      advantage: c.pairedSamples === 0 ? Number.NaN : c.advantage * this.typicalRawBytes,
      streak: c.streak,
    }));
  }

  private get currentCandidate(): Candidate {
    const current = this.candidates[this.currentIndex];
    if (current === undefined) throw new Error('unreachable: current candidate index out of range');
    return current;
  }

  private indexOf(choice: CodecChoice): number {
    const key = choiceKey(normalizeChoice(choice));
    const index = this.candidates.findIndex((c) => c.key === key);
    if (index < 0) throw new RangeError(`${key} is not a candidate of this chooser`);
    return index;
  }

  /**
   * Cost per raw byte: the bytes sent plus the CPU spent, priced in bytes. Never negative (`none`
   * costs exactly 1). Per-frame figures are this times the typical frame size, a factor shared by all
   * candidates.
   */
  private costOf(ratio: number, microsPerKiB: number): number {
    return ratio + (this.cpuCost * microsPerKiB) / 1024;
  }

  /** Net benefit per raw byte, 1 - cost: the bytes saved minus the CPU spent. Higher is better. */
  private scoreOf(ratio: number, microsPerKiB: number): number {
    return 1 - this.costOf(ratio, microsPerKiB);
  }

  /**
   * Called with a challenger's score minus the current codec's score on the SAME frame. Pairing
   * cancels what both see alike — this frame's content, a busy CPU — which otherwise dominates the
   * noise. Hysteresis on top: on `confirmations` consecutive trials of that challenger, both the
   * trial's own advantage and the smoothed (EWMA) advantage must exceed a margin. The per-trial test
   * keeps one outlier (a GC pause timed into the current codec's sample) from switching the stream
   * while the EWMA still remembers it; the EWMA keeps a challenger that only wins now and then from
   * collecting a streak. The margin is relative to the current
   * codec's COST, not its savings: going from 5% to 2% of the raw size is a big win (60% less egress)
   * although it saves only 3 more points of the raw size. One lucky sample cannot switch a stream, and after a switch the old codec faces the
   * same bar to win back, so near-equal codecs do not flap.
   */
  private evaluate(index: number, pairedDifference: number): void {
    const challenger = this.candidates[index];
    const current = this.currentCandidate;
    if (challenger === undefined) return;
    // Starts from 0, not from the first sample: a challenger has to build up its advantage over
    // several trials (a constant advantage d reaches d * (1 - (1 - alpha)^k) after k trials).
    challenger.advantage += this.alpha * (pairedDifference - challenger.advantage);
    challenger.pairedSamples++;
    const required = Math.max(this.switchMargin * this.costOf(current.ratio, current.microsPerKiB), this.minAdvantage);
    const wins = pairedDifference > required && challenger.advantage > required;
    challenger.streak = wins ? challenger.streak + 1 : 0;
    if (challenger.streak >= this.confirmations) {
      this.currentIndex = index;
      this.switchCount++;
      // Advantages were measured against the old codec: every challenger starts afresh.
      for (const c of this.candidates) {
        c.streak = 0;
        c.advantage = 0;
        c.pairedSamples = 0;
      }
    }
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1 (got ${value})`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0 (got ${value})`);
  return value;
}
