/** Resolves on the first SIGINT or SIGTERM, after saying which one arrived. */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`${signal}: stopping\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** Runs a command's `main` and exits with its code; a failure prints `label: message` and exits 1. */
export function runMain(main: (argv: string[]) => Promise<number>, label?: string): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${label ? `${label}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
