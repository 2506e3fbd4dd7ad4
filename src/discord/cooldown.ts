/**
 * Per-user cooldown between commands. In memory, per process: with several replicas a user may get one
 * extra command per replica within the window, which is acceptable for a courtesy limit.
 */
export class Cooldown {
  private readonly last = new Map<string, number>();
  constructor(
    private readonly seconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when the user may go ahead (and starts their window), else the whole seconds left to wait. */
  take(userId: string): number {
    if (this.seconds <= 0) return 0;
    const t = this.now();
    const windowMs = this.seconds * 1000;
    const prev = this.last.get(userId);
    if (prev !== undefined && t - prev < windowMs) return Math.ceil((windowMs - (t - prev)) / 1000);
    this.last.set(userId, t);
    if (this.last.size > 10_000) {
      for (const [k, v] of this.last) if (t - v >= windowMs) this.last.delete(k);
    }
    return 0;
  }
}
