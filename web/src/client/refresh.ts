/**
 * A refresh that events may ask for many times a second: calls coalesce into one run after `delayMs`, runs never
 * overlap (an answer read earlier can't overwrite a later one), and a call during a run schedules one more after it.
 */
export function coalesced(run: () => Promise<void>, onError: (error: unknown) => void, delayMs = 150): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  const start = () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    run()
      .catch(onError)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          start();
        }
      });
  };
  return () => {
    timer ??= setTimeout(start, delayMs);
  };
}
