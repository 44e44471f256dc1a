/** On SIGINT or SIGTERM, runs `stop` and exits: 0 when it finished cleanly, 1 (after printing why) otherwise. */
export function stopOnSignal(stop: () => Promise<void>): void {
  const shutdown = (): void => {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
