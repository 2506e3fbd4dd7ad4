/**
 * Clean shutdown on SIGINT/SIGTERM, shared by every long-running mode (gateway bot, shards, HTTP).
 */

/**
 * On SIGINT or SIGTERM: log, run `stop`, then exit 0 (1 if stopping failed).
 * Returns a function that removes the handlers (call it from `stop` itself).
 *
 * @example
 * const release = exitOnSignals(() => logger.info("bot: shutting down"), stop);
 */
export function exitOnSignals(
  onSignal: (signal: NodeJS.Signals) => void,
  stop: () => Promise<unknown>,
): () => void {
  const handler = (signal: NodeJS.Signals) => {
    onSignal(signal);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
